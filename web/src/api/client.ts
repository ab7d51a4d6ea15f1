// The API client: every call is typed by docs/openapi.yaml (schema.d.ts is
// generated from it at build time) and carries the session's token.
import type { paths } from "./schema";

export type Path = keyof paths;

let token: string | null = sessionStorage.getItem("interdict.token");

export function signedIn(): boolean {
  return token !== null;
}

export function forget(): void {
  token = null;
  sessionStorage.removeItem("interdict.token");
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function call<T>(method: string, path: Path | string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers["Authorization"] = `Bearer ${token}`;
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : {};
  if (!res.ok) {
    const e = json.error ?? {};
    throw new ApiError(res.status, e.code ?? "error", e.message ?? res.statusText);
  }
  return json as T;
}

export async function signIn(username: string, password: string, code: string): Promise<void> {
  const r = await call<{ token: string }>("POST", "/api/v1/auth/login", {
    username,
    password,
    code,
  });
  token = r.token;
  sessionStorage.setItem("interdict.token", r.token);
}
