// Single sign-on through an agency's OpenID Connect provider (decision 0038,
// docs/security.md): start (a redirect to the provider with state, nonce and
// a PKCE challenge), the provider's callback (the code exchanged, the ID
// token's signature and claims checked, the person provisioned), and the
// console's redemption of the one-time ticket for a session.
#include <fmt/core.h>

#include "base/error_codes.h"
#include "config/config.h"
#include "crypto/crypto.h"
#include "identity/sso.h"
#include "server/json_writer.h"
#include "server/route_util.h"
#include "sso/oidc.h"

namespace interdict::server {
namespace {

constexpr std::int64_t kSignInMs = 10 * 60'000;  // from start to the provider's answer

http::Response Redirect(const std::string& location) {
  http::Response r = JsonObject(302, "redirect", location);
  r.headers.push_back({"Location", location});
  r.headers.push_back({"Cache-Control", "no-store"});
  return r;
}

// A provider we could not reach or that answered nonsense: the person can
// do nothing about it, so a 502 naming the provider.
http::Response ProviderFailed(ApiContext& ctx, const Status& s) {
  ctx.log.Warn("single sign-on: the identity provider failed", {{"error", s.message()}});
  return http::Response::Error(502, codes::kProviderUnavailable,
                               "the identity provider could not be used: " + s.message());
}

// Where the console wants to land after sign-in: a path on this server only.
std::string SafeReturn(const std::optional<std::string>& r) {
  if (!r || r->empty() || r->front() != '/' || r->starts_with("//") || r->size() > 512 ||
      r->find_first_of("\\\r\n#") != std::string::npos)
    return "/";
  return *r;
}

// An agency's settings as its administrators see them, with the address to
// register at the provider.
http::Response SettingsAnswer(const ApiContext& ctx,
                              const std::optional<identity::SsoSettings>& s) {
  return JsonResponse(200, [&](Writer& w) {
    w.StartObject();
    json::Members(
        w, "available", ctx.sso != nullptr, "redirect_uri",
        ctx.sso != nullptr ? std::optional<std::string>(ctx.sso_redirect_uri) : std::nullopt,
        "configured", s.has_value());
    if (s) {
      json::Members(w, "issuer", s->issuer, "client_id", s->client_id, "groups_claim",
                    s->groups_claim);
      json::Key(w, "role_map");
      w.StartObject();
      for (const auto& [group, role] : s->role_map) json::Members(w, group, role);
      w.EndObject();
      json::Members(w, "require_mfa", s->require_mfa, "mfa_amr", s->mfa_amr, "mfa_acr", s->mfa_acr,
                    "enabled", s->enabled);
    }
    w.EndObject();
  });
}

}  // namespace

void AddSsoRoutes(http::Router& router, ApiContext& ctx) {
  router.Add({"GET", "/api/v1/sso", http::AccessRule::Requires("users.manage"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                Result<std::optional<identity::SsoSettings>> s =
                    ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
                      return identity::SsoSettingsFor(db, Caller(req).agency_code);
                    });
                if (!s.ok()) return Failed(ctx, s.status(), "reading single sign-on settings");
                return SettingsAnswer(ctx, *s);
              }});
  router.Add({"PUT", "/api/v1/sso", http::AccessRule::Requires("users.manage"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                Result<JsonBody> b = JsonBody::Parse(req.body);
                if (!b.ok()) return ErrorResponse(b.status());
                Result<std::string> issuer = b->String("issuer");
                Result<std::string> client_id = b->String("client_id");
                Result<std::map<std::string, std::string>> role_map = b->StringMap("role_map");
                Result<std::optional<std::string>> groups_claim = b->OptionalString("groups_claim");
                Result<std::optional<bool>> require_mfa = b->OptionalBool("require_mfa");
                Result<std::optional<bool>> enabled = b->OptionalBool("enabled");
                Result<std::optional<std::vector<std::string>>> amr =
                    b->OptionalStringArray("mfa_amr");
                Result<std::optional<std::vector<std::string>>> acr =
                    b->OptionalStringArray("mfa_acr");
                for (const Status& st :
                     {issuer.status(), client_id.status(), role_map.status(), groups_claim.status(),
                      require_mfa.status(), enabled.status(), amr.status(), acr.status()}) {
                  if (!st.ok()) return ErrorResponse(st);
                }
                const identity::Principal& p = Caller(req);
                identity::SsoSettings s;
                s.agency_code = p.agency_code;
                s.issuer = *issuer;
                s.client_id = *client_id;
                s.role_map = *role_map;
                s.groups_claim = groups_claim->value_or("groups");
                s.require_mfa = require_mfa->value_or(true);
                s.enabled = enabled->value_or(true);
                if (*amr) s.mfa_amr = **amr;
                if (*acr) s.mfa_acr = **acr;
                Status st = ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
                  return identity::ConfigureSso(db, s, p.Actor(), ctx.clock.NowMillis());
                });
                if (!st.ok()) return Failed(ctx, st, "setting single sign-on");
                return SettingsAnswer(ctx, s);
              }});

  router.Add(
      {"GET", "/api/v1/auth/sso/{agency}/start",
       http::AccessRule::Public("single sign-on step 1: a redirect to the agency's identity "
                                "provider; it discloses nothing, and the sign-in is audited"),
       [&ctx](const http::Request& req, const http::PathParams& params) {
         if (ctx.sso == nullptr)
           return http::Response::Error(404, "not_found", "single sign-on is not configured");
         const std::string agency = params.at("agency");
         Result<std::optional<identity::SsoSettings>> s =
             ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
               return identity::SsoSettingsFor(db, agency);
             });
         if (!s.ok()) return Failed(ctx, s.status(), "single sign-on settings");
         if (!*s || !(*s)->enabled)
           return http::Response::Error(404, "not_found",
                                        "this agency has no single sign-on: sign in with password "
                                        "and code");
         Result<sso::Discovery> d = ctx.sso->Discover((*s)->issuer);
         if (!d.ok()) return ProviderFailed(ctx, d.status());
         const std::string state = sso::Base64Url(crypto::RandomBytes(32));
         identity::SsoLogin login;
         login.agency_id = (*s)->agency_id;
         login.nonce = sso::Base64Url(crypto::RandomBytes(32));
         login.verifier = sso::Base64Url(crypto::RandomBytes(32));
         login.return_to = SafeReturn(req.QueryParam("return"));
         login.created_at = ctx.clock.NowMillis();
         Status saved = ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
           return identity::SaveSsoLogin(db, state, login);
         });
         if (!saved.ok()) return Failed(ctx, saved, "single sign-on start");
         return Redirect(sso::AuthorizationUrl(*d, (*s)->client_id, ctx.sso_redirect_uri, state,
                                               login.nonce, sso::CodeChallenge(login.verifier)));
       }});

  router.Add(
      {"GET", "/api/v1/auth/sso/callback",
       http::AccessRule::Public("single sign-on step 2: the provider's answer, authorized by the "
                                "one-time state and the signed ID token; audited"),
       [&ctx](const http::Request& req, const http::PathParams&) {
         if (ctx.sso == nullptr)
           return http::Response::Error(404, "not_found", "single sign-on is not configured");
         const std::optional<std::string> state = req.QueryParam("state");
         if (!state || state->empty() || state->size() > 128)
           return ErrorResponse(Status::InvalidArgument("state: required"));
         const std::int64_t now = ctx.clock.NowMillis();
         Result<identity::SsoLogin> login =
             ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
               return identity::TakeSsoLogin(db, *state, now, kSignInMs);
             });
         if (!login.ok()) return Failed(ctx, login.status(), "single sign-on callback");
         auto refuse = [&](const Status& why) {
           Status audited = ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
             return identity::RecordSsoFailure(db, login->agency_id, why.message(),
                                               req.remote_address, now);
           });
           if (!audited.ok()) return Failed(ctx, audited, "single sign-on audit");
           return ErrorResponse(why);
         };
         if (const std::optional<std::string> error = req.QueryParam("error")) {
           return refuse(Status::Unauthenticated(
               fmt::format("the identity provider refused the sign-in: {}", error->substr(0, 64))));
         }
         const std::optional<std::string> code = req.QueryParam("code");
         if (!code || code->empty() || code->size() > 2048)
           return refuse(Status::InvalidArgument("code: required"));
         Result<std::optional<identity::SsoSettings>> s =
             ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
               return identity::SsoSettingsFor(db, login->agency_code);
             });
         if (!s.ok()) return Failed(ctx, s.status(), "single sign-on settings");
         if (!*s || !(*s)->enabled)
           return refuse(Status::PermissionDenied("single sign-on is off for this agency"));
         const identity::SsoSettings& settings = **s;
         Result<sso::Discovery> d = ctx.sso->Discover(settings.issuer);
         if (!d.ok()) return ProviderFailed(ctx, d.status());
         std::string secret;
         if (!ctx.sso_secrets_dir.empty()) {
           const std::string file = ctx.sso_secrets_dir + "/" + login->agency_code;
           if (Result<std::string> r = config::ReadSecretFile(file, "sso.client_secrets_dir");
               r.ok()) {
             secret = *r;
           } else if (r.status().code() != StatusCode::kNotFound) {
             return Failed(ctx, Status::Internal(r.status().message()), "single sign-on secret");
           }
         }
         Result<std::string> id_token = ctx.sso->ExchangeCode(
             *d, settings.client_id, secret, *code, ctx.sso_redirect_uri, login->verifier);
         if (!id_token.ok()) {
           if (id_token.status().code() == StatusCode::kUnavailable)
             return ProviderFailed(ctx, id_token.status());
           return refuse(id_token.status());
         }
         Result<std::string> payload = ctx.sso->Verify(*d, *id_token);
         if (!payload.ok()) {
           if (payload.status().code() == StatusCode::kUnavailable)
             return ProviderFailed(ctx, payload.status());
           return refuse(payload.status());
         }
         sso::Expectations e{settings.issuer, settings.client_id, login->nonce, now};
         Result<sso::IdClaims> claims = sso::CheckClaims(*payload, e, settings.groups_claim);
         if (!claims.ok()) return refuse(claims.status());
         identity::FederatedIdentity who;
         who.subject = claims->iss + "|" + claims->sub;
         who.preferred_username =
             !claims->preferred_username.empty() ? claims->preferred_username : claims->email;
         who.display_name = claims->name;
         who.groups = claims->groups;
         who.mfa_asserted = sso::MfaAsserted(*claims, settings);
         Result<std::string> ticket = ctx.catalog->With([&](catalog::Database& db,
                                                            identity::Accounts&) {
           return identity::CompleteSsoLogin(db, *state, settings, who, req.remote_address, now);
         });
         if (!ticket.ok()) return Failed(ctx, ticket.status(), "single sign-on");
         // In the fragment: browsers do not send it on, so it stays out of
         // logs and Referer headers.
         return Redirect(login->return_to + "#sso_ticket=" + *ticket);
       }});

  router.Add({"POST", "/api/v1/auth/sso/redeem",
              http::AccessRule::Public(
                  "single sign-on step 3: a one-time ticket (two minutes), the banner "
                  "accepted, and a TOTP code when the provider asserted no second "
                  "factor; audited"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                Result<JsonBody> b = JsonBody::Parse(req.body);
                if (!b.ok()) return ErrorResponse(b.status());
                Result<std::string> ticket = b->String("ticket");
                Result<std::optional<std::string>> banner = b->OptionalString("banner");
                Result<std::optional<std::string>> code = b->OptionalString("code");
                for (const Status& s : {ticket.status(), banner.status(), code.status()}) {
                  if (!s.ok()) return ErrorResponse(s);
                }
                if (std::optional<http::Response> refused = RefuseBanner(ctx, *banner))
                  return *refused;
                const std::string current = identity::BannerVersion(ctx.login_banner);
                Result<std::string> token =
                    ctx.catalog->With([&](catalog::Database&, identity::Accounts& a) {
                      return a.RedeemSsoTicket(*ticket, code->value_or(""), req.remote_address,
                                               current, ctx.clock.NowMillis());
                    });
                if (!token.ok()) return Failed(ctx, token.status(), "single sign-on redemption");
                return SessionAnswer(*token);
              }});
}

}  // namespace interdict::server
