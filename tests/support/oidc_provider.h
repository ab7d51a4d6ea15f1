// A small OpenID Connect provider on loopback for tests (Debian has no
// provider that runs here without a web stack of its own): discovery, a JWK
// Set, an authorization endpoint that signs in the test's person at once, and
// a token endpoint that checks the code, the client and the PKCE verifier,
// as OpenID Connect Core and RFC 7636 say, then answers with an RS256 ID
// token signed by cjose. Tests script what it gets wrong on purpose.
#pragma once

#include <cjose/cjose.h>
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <fmt/core.h>

#include "base/base64.h"
#include "base/clock.h"
#include "base/json_writer.h"
#include "base/log.h"
#include "crypto/crypto.h"
#include "http/server.h"
#include "metrics/registry.h"
#include "sso/oidc.h"

namespace interdict::test {

class OidcProvider {
 public:
  // What the next ID token says and how it is made; tests change it.
  struct Person {
    std::string sub = "u-1001";
    std::string preferred_username = "jdoe";
    std::string name = "Jane Doe";
    std::vector<std::string> groups = {"lpr-analysts"};
    std::vector<std::string> amr = {"pwd", "mfa"};
  };
  struct Tampering {
    std::string iss;                     // "" : the real issuer
    std::string aud;                     // "" : the client
    std::int64_t exp_offset_s = 300;     // from now
    std::string nonce;                   // "" : the request's
    bool bad_signature = false;          // flip a byte of the signature
    bool sign_with_unpublished = false;  // a key not in the JWK Set
    std::string alg = "RS256";           // "none" or "HS256": refused algorithms
    std::size_t jwks_padding = 0;        // bytes of junk in the JWK Set (a runaway provider)
  };

  OidcProvider(const Clock& clock, std::string client_id, std::string client_secret = "")
      : clock_(clock), client_id_(std::move(client_id)), client_secret_(std::move(client_secret)) {
    key_ = NewKey("key-1");
    unpublished_ = NewKey("key-x");
    router_.Add({"GET", "/.well-known/openid-configuration",
                 http::AccessRule::Public("a test's identity provider"),
                 [this](const http::Request&, const http::PathParams&) {
                   return http::Response::Json(
                       200, json::Object("issuer", issuer(), "authorization_endpoint",
                                         issuer() + "/authorize", "token_endpoint",
                                         issuer() + "/token", "jwks_uri", issuer() + "/jwks"));
                 }});
    router_.Add({"GET", "/jwks", http::AccessRule::Public("a test's identity provider"),
                 [this](const http::Request&, const http::PathParams&) {
                   std::lock_guard l(mu_);
                   ++jwks_fetches_;
                   std::string keys;
                   for (cjose_jwk_t* k : published_) {
                     cjose_err err;
                     char* j = cjose_jwk_to_json(k, false, &err);
                     keys += (keys.empty() ? "" : ",") + std::string(j);
                     free(j);
                   }
                   return http::Response::Json(200, R"({"padding":")" +
                                                        std::string(tampering_.jwks_padding, 'x') +
                                                        R"(","keys":[)" + keys + "]}");
                 }});
    router_.Add(
        {"GET", "/authorize", http::AccessRule::Public("a test's identity provider"),
         [this](const http::Request& req, const http::PathParams&) { return Authorize(req); }});
    router_.Add({"POST", "/token", http::AccessRule::Public("a test's identity provider"),
                 [this](const http::Request& req, const http::PathParams&) { return Token(req); }});
    published_.push_back(key_);
    server_ =
        std::make_unique<http::Server>(http::ServerOptions{}, router_, nullptr, log_, metrics_);
    Status st = server_->Start();
    EXPECT_TRUE(st.ok()) << st.message();
    thread_ = std::thread([this] { server_->Run(); });
  }
  ~OidcProvider() {
    server_->Shutdown();
    thread_.join();
    cjose_jwk_release(key_);
    cjose_jwk_release(unpublished_);
    for (cjose_jwk_t* k : retired_) cjose_jwk_release(k);
  }

  std::string issuer() const { return server_->url(); }
  Person& person() { return person_; }
  Tampering& tampering() { return tampering_; }
  int jwks_fetches() {
    std::lock_guard l(mu_);
    return jwks_fetches_;
  }
  // The provider rotates: a new key signs from now on; the old one is published no more.
  void RotateKey(const std::string& kid) {
    std::lock_guard l(mu_);
    retired_.push_back(key_);
    key_ = NewKey(kid);
    published_ = {key_};
  }
  // The token endpoint's last complaint, for tests of PKCE and client checks.
  std::string last_token_error() {
    std::lock_guard l(mu_);
    return last_token_error_;
  }

 private:
  struct Grant {
    std::string redirect_uri, nonce, challenge;
    Person person;
    bool used = false;
  };

  static cjose_jwk_t* NewKey(const std::string& kid) {
    cjose_err err;
    static const uint8_t e[] = {0x01, 0x00, 0x01};
    cjose_jwk_t* k = cjose_jwk_create_RSA_random(2048, e, sizeof e, &err);
    EXPECT_NE(k, nullptr);
    cjose_jwk_set_kid(k, kid.data(), kid.size(), &err);
    return k;
  }

  static std::map<std::string, std::string> Form(std::string_view body) {
    std::map<std::string, std::string> out;
    while (!body.empty()) {
      const std::size_t amp = body.find('&');
      const std::string_view pair = body.substr(0, amp);
      const std::size_t eq = pair.find('=');
      if (eq != std::string_view::npos)
        out[http::PercentDecode(pair.substr(0, eq))] = http::PercentDecode(pair.substr(eq + 1));
      if (amp == std::string_view::npos) break;
      body.remove_prefix(amp + 1);
    }
    return out;
  }

  http::Response Authorize(const http::Request& req) {
    const auto p = [&](const char* n) { return req.QueryParam(n).value_or(""); };
    if (p("response_type") != "code" || p("client_id") != client_id_ ||
        p("code_challenge_method") != "S256" || p("code_challenge").empty() || p("nonce").empty() ||
        p("scope").find("openid") == std::string::npos)
      return http::Response::Error(400, "invalid_request", "not an OpenID Connect request");
    const std::string code = crypto::HexEncode(crypto::RandomBytes(16));
    {
      std::lock_guard l(mu_);
      grants_[code] = {p("redirect_uri"), p("nonce"), p("code_challenge"), person_, false};
    }
    http::Response r = http::Response::Json(302, "{}");
    r.headers.push_back({"Location", fmt::format("{}?code={}&state={}", p("redirect_uri"), code,
                                                 sso::FormEncode(p("state")))});
    return r;
  }

  http::Response TokenError(const std::string& why) {
    std::lock_guard l(mu_);
    last_token_error_ = why;
    return http::Response::Json(400,
                                json::Object("error", "invalid_grant", "error_description", why));
  }

  http::Response Token(const http::Request& req) {
    std::map<std::string, std::string> f = Form(req.body);
    std::string client = f["client_id"];
    const std::string_view auth = req.Header("Authorization");
    if (auth.starts_with("Basic ")) {
      const std::string pair = Base64Decode(auth.substr(6)).value_or("");
      client = http::PercentDecode(pair.substr(0, pair.find(':')));
      if (http::PercentDecode(pair.substr(pair.find(':') + 1)) != client_secret_)
        return TokenError("wrong client secret");
    } else if (!client_secret_.empty()) {
      return TokenError("client authentication required");
    }
    if (client != client_id_) return TokenError("unknown client");
    Grant g;
    {
      std::lock_guard l(mu_);
      auto it = grants_.find(f["code"]);
      if (it == grants_.end() || it->second.used) return TokenError("unknown or used code");
      it->second.used = true;
      g = it->second;
    }
    if (f["grant_type"] != "authorization_code") return TokenError("wrong grant type");
    if (f["redirect_uri"] != g.redirect_uri) return TokenError("redirect_uri differs");
    if (sso::CodeChallenge(f["code_verifier"]) != g.challenge)
      return TokenError("PKCE verifier does not match the challenge");
    return http::Response::Json(200, json::Object("access_token", "at-" + f["code"], "token_type",
                                                  "Bearer", "id_token", IdToken(g)));
  }

  std::string IdToken(const Grant& g) {
    const Tampering& t = tampering_;
    const std::int64_t now = clock_.NowMillis() / 1000;
    const std::string claims = json::Write([&](json::Writer& w) {
      w.StartObject();
      json::Members(w, "iss", t.iss.empty() ? issuer() : t.iss, "sub", g.person.sub, "aud",
                    t.aud.empty() ? client_id_ : t.aud, "exp", now + t.exp_offset_s, "iat", now,
                    "nonce", t.nonce.empty() ? g.nonce : t.nonce, "preferred_username",
                    g.person.preferred_username, "name", g.person.name, "groups", g.person.groups,
                    "amr", g.person.amr);
      w.EndObject();
    });
    if (t.alg != "RS256") {
      // Unsigned or HMAC'd with a guessable secret: what an attacker would send.
      const std::string header = sso::Base64Url(json::Object("alg", t.alg, "kid", "key-1"));
      const std::string body = header + "." + sso::Base64Url(claims);
      return body + "." +
             (t.alg == "none" ? "" : sso::Base64Url(crypto::HmacSha256("secret", body)));
    }
    std::lock_guard l(mu_);
    cjose_jwk_t* key = t.sign_with_unpublished ? unpublished_ : key_;
    cjose_err err;
    cjose_header_t* h = cjose_header_new(&err);
    cjose_header_set(h, CJOSE_HDR_ALG, CJOSE_HDR_ALG_RS256, &err);
    cjose_header_set(h, CJOSE_HDR_KID, cjose_jwk_get_kid(key, &err), &err);
    cjose_jws_t* jws = cjose_jws_sign(key, h, reinterpret_cast<const uint8_t*>(claims.data()),
                                      claims.size(), &err);
    const char* compact = nullptr;
    cjose_jws_export(jws, &compact, &err);
    std::string out = compact;
    cjose_jws_release(jws);
    cjose_header_release(h);
    if (t.bad_signature) out[out.size() - 5] = out[out.size() - 5] == 'A' ? 'B' : 'A';
    return out;
  }

  const Clock& clock_;
  std::string client_id_, client_secret_;
  Logger log_{[](std::string_view) {}, Clock::System()};
  metrics::Registry metrics_;
  http::Router router_;
  std::unique_ptr<http::Server> server_;
  std::thread thread_;
  std::mutex mu_;
  cjose_jwk_t* key_ = nullptr;
  cjose_jwk_t* unpublished_ = nullptr;
  std::vector<cjose_jwk_t*> published_, retired_;
  std::map<std::string, Grant> grants_;
  Person person_;
  Tampering tampering_;
  int jwks_fetches_ = 0;
  std::string last_token_error_;
};

}  // namespace interdict::test
