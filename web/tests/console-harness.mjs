// What the console's browser tests share (console-e2e.mjs against a demo,
// console-cluster.mjs against scripts/cluster): TOTP codes, pages that count
// every console error, every request leaving the server's origin and every
// API answer that differs from docs/openapi.yaml as a problem, and named
// flows that report ok or FAIL.
import { createHmac } from "node:crypto";
import { contract } from "./openapi-contract.mjs";

export const STEP_MS = 30_000;

// RFC 6238 TOTP, as an authenticator app computes it.
export function totp(base32, at = Date.now()) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of base32.replace(/=+$/, "")) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const step = Buffer.alloc(8);
  step.writeBigUInt64BE(BigInt(Math.floor(at / 30000)));
  const h = createHmac("sha1", key).update(step).digest();
  const o = h[h.length - 1] & 15;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1000000).padStart(6, "0");
}

// A harness for the server at `origin`: `problems` collects what went wrong
// outside a flow's own checks; `expected` holds console errors a flow
// expects (a refused request), each forgiven once.
export function harness(browser, origin) {
  const api = contract(new URL("../../docs/openapi.yaml", import.meta.url).pathname);
  const problems = [];
  const expected = [];
  const results = [];

  // `allow`: other origins a flow visits on purpose (an identity provider).
  async function page(options = {}, allow = []) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
    // No network but the server's own: anything else (a tile server, a font, a
    // script from a CDN) is refused and counted as a problem.
    await context.route(
      (url) => url.origin !== origin && !allow.includes(url.origin) && url.protocol !== "data:" && url.protocol !== "blob:",
      (route) => {
        problems.push(`a request left the machine: ${route.request().url()}`);
        return route.abort("blockedbyclient");
      },
    );
    const p = await context.newPage();
    p.setDefaultTimeout(STEP_MS);
    p.on("console", (m) => {
      if (m.type() !== "error") return;
      const text = m.text();
      const i = expected.findIndex((e) => text.includes(e));
      if (i >= 0) expected.splice(i, 1);
      else problems.push(`${p.url()}: ${text}`);
    });
    p.on("pageerror", (e) => problems.push(`${p.url()}: ${e}`));
    p.on("response", async (res) => {
      const url = new URL(res.url());
      if (url.origin !== origin || !url.pathname.startsWith("/api/")) return;
      const type = res.headers()["content-type"] ?? "";
      if (!type.startsWith("application/json")) return;
      let text;
      try {
        text = await res.text();
      } catch {
        return; // the page went away before the body was read
      }
      const problem = api.check(res.request().method(), res.url(), res.status(), type, text);
      if (problem) problems.push(`answer differs from docs/openapi.yaml: ${problem}`);
    });
    return p;
  }

  async function flow(name, f) {
    const started = Date.now();
    try {
      await f();
      results.push([name, true]);
      console.log(`ok   ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    } catch (e) {
      results.push([name, false]);
      console.log(`FAIL ${name}: ${e.message.split("\n").slice(0, 6).join("\n     ")}`);
    }
  }

  // The last result: no problems; then the number of failed results.
  function finish() {
    if (problems.length) {
      const distinct = [...new Set(problems)];
      console.log(`FAIL no console errors: ${distinct.length}\n     ${distinct.slice(0, 40).join("\n     ")}`);
      results.push(["no console errors", false]);
    } else {
      results.push(["no console errors", true]);
      console.log("ok   no console errors");
    }
    return results.filter(([, ok]) => !ok).length;
  }

  return { api, problems, expected, results, page, flow, finish };
}
