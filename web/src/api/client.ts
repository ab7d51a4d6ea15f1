// The API client: every path is checked against docs/openapi.yaml (schema.d.ts
// is generated from it at build time) and every call carries the session's
// token. A 401 ends the session: the console shows its lock screen.
import type { components, paths } from "./schema";

// The error body's stable code (docs/openapi.yaml, ErrorCode): screens branch
// on it, never on the message's words; a code the server stops sending fails
// the type check where a screen uses it.
export type ErrorCode = components["schemas"]["ErrorCode"];

export type Path = keyof paths;

const KEY = "interdict.token";
let token: string | null = sessionStorage.getItem(KEY);
let onSignedOut: () => void = () => {};

export function signedIn(): boolean {
  return token !== null;
}

export function whenSignedOut(f: () => void): void {
  onSignedOut = f;
}

export function forget(): void {
  token = null;
  sessionStorage.removeItem(KEY);
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    // "error": a body that was not the API's; "network": no answer at all.
    readonly code: ErrorCode | "error" | "network",
    message: string,
    // The error object's other members (a refused search: the protected
    // places it touched and its radius).
    readonly detail: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

// A concrete path of the API: the template from the OpenAPI document with its
// {parameters} filled in, and an optional query string.
type Fill<P extends string> = P extends `${infer A}{${string}}${infer B}` ? `${A}${string}${Fill<B>}` : P;
export type ApiPath = Fill<Path> | `${Fill<Path>}?${string}`;

function headers(json: boolean): Record<string, string> {
  const h: Record<string, string> = {};
  if (json) h["Content-Type"] = "application/json";
  if (token) h["Authorization"] = `Bearer ${token}`;
  return h;
}

async function failure(res: Response): Promise<ApiError> {
  let e: { code?: ErrorCode; message?: string } & Record<string, unknown> = {};
  try {
    e = (await res.json()).error ?? {};
  } catch {
    // not JSON: keep the status line
  }
  if (res.status === 401 && token) {
    forget();
    onSignedOut();
  }
  return new ApiError(res.status, e.code ?? "error", e.message ?? res.statusText, e);
}

async function send(method: string, path: ApiPath, body?: unknown): Promise<Response> {
  const res = await fetch(path, {
    method,
    headers: headers(body !== undefined),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw await failure(res);
  return res;
}

export async function call<T>(method: string, path: ApiPath, body?: unknown): Promise<T> {
  const res = await send(method, path, body);
  const text = await res.text();
  return (text ? JSON.parse(text) : {}) as T;
}

// A file sent as the body itself (hotlist loads and checks).
export async function callText<T>(method: string, path: ApiPath, text: string): Promise<T> {
  const h = headers(false);
  h["Content-Type"] = "text/plain; charset=utf-8";
  const res = await fetch(path, { method, headers: h, body: text });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

export const get = <T,>(path: ApiPath) => call<T>("GET", path);
export const post = <T,>(path: ApiPath, body?: unknown) => call<T>("POST", path, body ?? {});

// An image the API serves behind the token, as an object URL for <img>.
export async function imageUrl(path: ApiPath): Promise<string> {
  const res = await send("GET", path);
  return URL.createObjectURL(await res.blob());
}

// A request whose answer is a file (search exports, the auditor's package):
// saved under the name the server gives in Content-Disposition.
export async function download(method: "GET" | "POST", path: ApiPath, body?: unknown): Promise<string> {
  const res = await send(method, path, body);
  const cd = res.headers.get("Content-Disposition") ?? "";
  const name = /filename="([^"]+)"/.exec(cd)?.[1] ?? "interdict-export";
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return name;
}

export async function signIn(username: string, password: string, code: string, banner: string): Promise<void> {
  const r = await call<{ token: string }>("POST", "/api/v1/auth/login", { username, password, code, banner });
  token = r.token;
  sessionStorage.setItem(KEY, r.token);
}

export async function signOut(): Promise<void> {
  try {
    await call("POST", "/api/v1/auth/logout", {});
  } finally {
    forget();
  }
}

// Server-sent events read with fetch (EventSource cannot send the token):
// calls onEvent for each event, reconnects with Last-Event-ID after a drop,
// and stops when `signal` aborts.
export function stream(
  path: ApiPath,
  onEvent: (name: string, data: string, id: string) => void,
  onState: (live: boolean) => void,
  signal: AbortSignal,
): void {
  let last = "";
  const run = async () => {
    while (!signal.aborted && token) {
      try {
        const h = headers(false);
        if (last) h["Last-Event-ID"] = last;
        const res = await fetch(path, { headers: h, signal });
        if (!res.ok || !res.body) throw await failure(res);
        onState(true);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value;
          let cut: number;
          while ((cut = buf.indexOf("\n\n")) >= 0) {
            const block = buf.slice(0, cut);
            buf = buf.slice(cut + 2);
            let name = "message", data = "", id = "";
            for (const line of block.split("\n")) {
              if (line.startsWith("event:")) name = line.slice(6).trim();
              else if (line.startsWith("data:")) data += line.slice(5).trim();
              else if (line.startsWith("id:")) id = line.slice(3).trim();
            }
            if (id) last = id;
            if (data) onEvent(name, data, id);
          }
        }
      } catch (e) {
        if (signal.aborted || (e instanceof ApiError && e.status < 500)) break;
      }
      onState(false);
      await new Promise((r) => setTimeout(r, 2000));
    }
  };
  void run();
}
