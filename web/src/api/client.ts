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

// Typed calls: the path is a template from docs/openapi.yaml, its
// {parameters} are given by name, and the answer's type is the one the
// document gives for that route and method (schema.d.ts). A server change the
// document follows, and the console does not, fails the console's type check.
type Method = "get" | "post" | "put";
export type PathWith<M extends Method> = {
  [P in Path]: paths[P] extends { [K in M]: object } ? P : never;
}[Path];
type JsonOf<R> = R extends { content: { "application/json": infer T } } ? T : unknown;
type Ok<Op> = Op extends { responses: infer Rs }
  ? JsonOf<Rs[Extract<keyof Rs, 200 | 201 | 202>]>
  : never;
// The JSON answer of `method` on `path`.
export type Answer<P extends Path, M extends Method> = Ok<paths[P][M]>;

type ParamNames<P extends string> = P extends `${string}{${infer K}}${infer Rest}` ? K | ParamNames<Rest> : never;
type Query = URLSearchParams | string;
// Path parameters when the template has any; a query string; a JSON body.
export type Options<P extends string> = ([ParamNames<P>] extends [never]
  ? { path?: undefined }
  : { path: Record<ParamNames<P>, string | number> }) & { query?: Query; body?: unknown };
type Rest<P extends string> = [ParamNames<P>] extends [never] ? [options?: Options<P>] : [options: Options<P>];

// The concrete URL of a template: parameters filled in (encoded), the query after it.
export function resolve<P extends Path>(template: P, options?: Options<P>): string {
  const params = (options?.path ?? {}) as Record<string, string | number>;
  const path = template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    if (!(name in params)) throw new Error(`${template}: no value for {${name}}`);
    return encodeURIComponent(String(params[name]));
  });
  const query = options?.query === undefined ? "" : String(options.query);
  return query ? `${path}?${query}` : path;
}

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

async function send(method: string, path: string, body?: unknown): Promise<Response> {
  const res = await fetch(path, {
    method,
    headers: headers(body !== undefined),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw await failure(res);
  return res;
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await send(method, path, body);
  const text = await res.text();
  return (text ? JSON.parse(text) : {}) as T;
}

export function get<P extends PathWith<"get">>(path: P, ...[options]: Rest<P>): Promise<Answer<P, "get">> {
  return call("GET", resolve(path, options));
}

// A POST with a JSON body ({} when none is given).
export function post<P extends PathWith<"post">>(path: P, ...[options]: Rest<P>): Promise<Answer<P, "post">> {
  return call("POST", resolve(path, options), options?.body ?? {});
}

// A PUT with a JSON body: the whole of a setting, replaced.
export function put<P extends PathWith<"put">>(path: P, ...[options]: Rest<P>): Promise<Answer<P, "put">> {
  return call("PUT", resolve(path, options), options?.body ?? {});
}

// A file sent as the body itself (hotlist loads and checks).
export async function sendText<M extends "post" | "put", P extends PathWith<M>>(
  method: M,
  path: P,
  text: string,
  options?: Options<P>,
): Promise<Answer<P, M>> {
  const h = headers(false);
  h["Content-Type"] = "text/plain; charset=utf-8";
  const res = await fetch(resolve(path, options), { method: method.toUpperCase(), headers: h, body: text });
  if (!res.ok) throw await failure(res);
  return await res.json();
}

// A file (an image) as a request's whole body, with its own type.
export async function sendFile<P extends PathWith<"put">>(path: P, file: Blob, ...[options]: Rest<P>): Promise<Answer<P, "put">> {
  const h = headers(false);
  h["Content-Type"] = file.type || "application/octet-stream";
  const res = await fetch(resolve(path, options), { method: "PUT", headers: h, body: file });
  if (!res.ok) throw await failure(res);
  return await res.json();
}

// An image the API serves behind the token, as an object URL for <img>.
export async function imageUrl<P extends PathWith<"get">>(path: P, ...[options]: Rest<P>): Promise<string> {
  const res = await send("GET", resolve(path, options));
  return URL.createObjectURL(await res.blob());
}

// A request whose answer is a file (search exports, the auditor's package):
// saved under the name the server gives in Content-Disposition.
export async function download<P extends PathWith<"get"> | PathWith<"post">>(
  method: "GET" | "POST",
  path: P,
  options?: Options<P>,
): Promise<string> {
  const res = await send(method, resolve(path, options), options?.body);
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
  const r = await post("/api/v1/auth/login", { body: { username, password, code, banner } });
  token = r.token;
  sessionStorage.setItem(KEY, r.token);
}

// The last step of single sign-on: the one-time ticket the provider's
// sign-in left in the URL's fragment becomes a session (docs/security.md).
export async function redeemSso(ticket: string, banner: string, code?: string): Promise<void> {
  const r = await post("/api/v1/auth/sso/redeem", { body: code ? { ticket, banner, code } : { ticket, banner } });
  token = r.token;
  sessionStorage.setItem(KEY, r.token);
}

export async function signOut(): Promise<void> {
  try {
    await post("/api/v1/auth/logout");
  } finally {
    forget();
  }
}

// Server-sent events read with fetch (EventSource cannot send the token):
// calls onEvent for each event, reconnects with Last-Event-ID after a drop,
// and stops when `signal` aborts.
export function stream(
  path: PathWith<"get">,
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
