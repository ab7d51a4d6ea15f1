// A small OpenID Connect provider on loopback for the console's browser test
// of single sign-on (Debian has no provider that runs here without a web
// stack of its own; tests/support/oidc_provider.h is the C++ tests' twin).
// It follows OpenID Connect Core 1.0 and RFC 7636 for what Interdict uses:
// discovery, a JWK Set, an authorization endpoint that signs its one person in
// at once, and a token endpoint that checks the client (HTTP Basic), the
// code, the redirect URI and the PKCE verifier before it answers with an
// RS256 ID token. Every refusal is counted in `refusals`, for the test to see.
import { createHash, createSign, generateKeyPairSync, randomBytes } from "node:crypto";
import { createServer } from "node:http";

const b64url = (buf) => Buffer.from(buf).toString("base64url");

export async function startProvider({ clientId, clientSecret, person }) {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: "jwk" }), kid: "e2e-1", use: "sig", alg: "RS256" };
  const codes = new Map(); // code → what the authorization request asked for
  const refusals = [];
  let issuer = "";

  function idToken(nonce) {
    const now = Math.floor(Date.now() / 1000);
    const header = b64url(JSON.stringify({ alg: "RS256", kid: jwk.kid, typ: "JWT" }));
    const body = b64url(JSON.stringify({ iss: issuer, aud: clientId, iat: now, exp: now + 300, nonce, ...person }));
    const signature = createSign("RSA-SHA256").update(`${header}.${body}`).sign(privateKey);
    return `${header}.${body}.${b64url(signature)}`;
  }

  function refuse(res, status, error, why) {
    refusals.push(why);
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify({ error, error_description: why }));
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url, issuer);
    if (req.method === "GET" && url.pathname === "/.well-known/openid-configuration") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ issuer, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token`, jwks_uri: `${issuer}/jwks` }));
      return;
    }
    if (req.method === "GET" && url.pathname === "/jwks") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ keys: [jwk] }));
      return;
    }
    if (req.method === "GET" && url.pathname === "/authorize") {
      const q = url.searchParams;
      if (q.get("response_type") !== "code") return refuse(res, 400, "unsupported_response_type", "response_type is not code");
      if (q.get("client_id") !== clientId) return refuse(res, 400, "unauthorized_client", "unknown client_id");
      if (!(q.get("scope") ?? "").split(" ").includes("openid")) return refuse(res, 400, "invalid_scope", "no openid scope");
      if (q.get("code_challenge_method") !== "S256" || !q.get("code_challenge")) return refuse(res, 400, "invalid_request", "no S256 code challenge");
      if (!q.get("state") || !q.get("nonce") || !q.get("redirect_uri")) return refuse(res, 400, "invalid_request", "state, nonce or redirect_uri missing");
      const code = b64url(randomBytes(24));
      codes.set(code, { challenge: q.get("code_challenge"), nonce: q.get("nonce"), redirect: q.get("redirect_uri") });
      const back = new URL(q.get("redirect_uri"));
      back.searchParams.set("code", code);
      back.searchParams.set("state", q.get("state"));
      res.writeHead(302, { location: back.toString() });
      res.end();
      return;
    }
    if (req.method === "POST" && url.pathname === "/token") {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        const f = new URLSearchParams(body);
        const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? "");
        const [id, secret] = basic ? Buffer.from(basic[1], "base64").toString().split(":").map(decodeURIComponent) : [];
        if (id !== clientId || secret !== clientSecret) return refuse(res, 401, "invalid_client", "client authentication failed");
        if (f.get("grant_type") !== "authorization_code") return refuse(res, 400, "unsupported_grant_type", "not authorization_code");
        const grant = codes.get(f.get("code") ?? "");
        codes.delete(f.get("code") ?? ""); // a code is good once
        if (!grant) return refuse(res, 400, "invalid_grant", "unknown or used code");
        if (f.get("redirect_uri") !== grant.redirect) return refuse(res, 400, "invalid_grant", "redirect_uri differs");
        const verifier = f.get("code_verifier") ?? "";
        if (b64url(createHash("sha256").update(verifier).digest()) !== grant.challenge) return refuse(res, 400, "invalid_grant", "PKCE verifier does not match");
        res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
        res.end(JSON.stringify({ access_token: b64url(randomBytes(24)), token_type: "Bearer", expires_in: 300, id_token: idToken(grant.nonce) }));
      });
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${server.address().port}`;
  return { issuer, refusals, close: () => new Promise((resolve) => server.close(resolve)) };
}
