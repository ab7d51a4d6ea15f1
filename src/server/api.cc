#include "server/api.h"

#include <fmt/core.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <any>
#include <map>
#include <variant>

#include "audit/audit.h"
#include "base/json.h"
#include "base/time_format.h"
#include "catalog/changes.h"
#include "crypto/password.h"
#include "identity/directory.h"
#include "identity/keys.h"
#include "identity/users.h"
#include "policy/places.h"
#include "policy/purpose.h"
#include "policy/retention.h"
#include "policy/sharing.h"
#include "server/changes.h"
#include "server/json_body.h"
#include "server/json_writer.h"
#include "server/route_util.h"

namespace interdict::server {
namespace {

std::string_view BearerToken(const http::Request& req) {
  const std::string_view auth = req.Header("Authorization");
  constexpr std::string_view kPrefix = "Bearer ";
  if (auth.size() <= kPrefix.size() || auth.substr(0, kPrefix.size()) != kPrefix) return {};
  return auth.substr(kPrefix.size());
}

Result<std::int64_t> TimeField(const JsonBody& body, std::string_view field, bool required) {
  Result<std::optional<std::int64_t>> t = body.OptionalTime(field);
  if (!t.ok()) return t.status();
  if (!*t) {
    if (required) return Status::InvalidArgument(fmt::format("{}: required (RFC 3339)", field));
    return INT64_MIN;
  }
  return **t;
}

void WriteAgreement(Writer& w, const policy::Agreement& a) {
  w.StartObject();
  w.Key("id");
  w.Int64(a.id);
  json::Members(w, "owner", a.owner);
  json::Members(w, "partner", a.partner);
  json::Members(w, "data_class", policy::DataClassName(a.data_class));
  json::Members(w, "effective_from", FormatRfc3339(a.effective_from));
  json::Members(w, "effective_to",
                a.effective_to ? std::optional(FormatRfc3339(*a.effective_to)) : std::nullopt);
  json::Members(w, "document", a.document);
  json::Members(w, "state", a.revoked_at ? "revoked" : a.approved_at ? "approved" : "proposed");
  w.EndObject();
}

void WriteKey(Writer& w, const identity::NewKey& k) {
  w.StartObject();
  w.Key("id");
  w.Int64(k.id);
  json::Members(w, "key", k.key);
  json::Members(w, "note", "shown once; stored only as a digest");
  w.EndObject();
}

}  // namespace

const identity::Principal& Caller(const http::Request& req) {
  return std::any_cast<const identity::Principal&>(req.caller);
}

std::optional<http::Response> Throttle::Take(const std::string& key) const {
  if (!limiter) return std::nullopt;
  const std::optional<std::int64_t> wait = limiter->Take(key);
  if (!wait) return std::nullopt;
  if (refused != nullptr) refused->Inc();
  const http::RateLimiter::Rate& r = limiter->rate();
  http::Response res = http::Response::Error(
      429, "rate_limited",
      fmt::format("too many requests from this {}: at most {:g} a minute, {:g} at once; retry "
                  "after {} s",
                  who, r.per_second * 60, r.burst, *wait));
  res.headers.emplace_back("Retry-After", std::to_string(*wait));
  return res;
}

http::AccessGate MakeGate(ApiContext& ctx) {
  return [&ctx](http::Request& req, const http::Route& route) -> std::optional<http::Response> {
    const Throttles& t = ctx.throttles;
    if (route.access.is_public()) {
      // Public routes are throttled per address; liveness, metrics and the
      // console's files are cheap and hold no data, so only the API is.
      if (!req.path.starts_with("/api/")) return std::nullopt;
      return t.address.Take(http::AddressKey(req.remote_address));
    }
    // Requests that fail authentication spend their address's tokens, and
    // past them get 429 instead of 401: guessing credentials is slowed, while
    // a camera or person with valid ones behind the same address (a NAT) is
    // held only to its own rate.
    auto unauthenticated = [&](http::Response answer) -> std::optional<http::Response> {
      if (answer.status != 401) return answer;  // not a guess: the server failed
      std::optional<http::Response> limited = t.address.Take(http::AddressKey(req.remote_address));
      return limited ? limited : answer;
    };
    const std::string_view token = BearerToken(req);
    if (token.empty()) {
      return unauthenticated(http::Response::Error(
          401, "unauthenticated",
          "sign in first: send Authorization: Bearer <session token or API key>"));
    }
    const std::int64_t now = ctx.clock.NowMillis();
    // A session token, or an integration's API key.
    Result<identity::Principal> p =
        ctx.catalog->With([&](catalog::Database& db, identity::Accounts& a) {
          return identity::IsApiKey(token) ? identity::AuthenticateKey(db, token)
                                           : a.Authenticate(token, now);
        });
    if (!p.ok()) return unauthenticated(Failed(ctx, p.status(), "authenticating a request failed"));
    const bool machine = p->kind == identity::Principal::Kind::kIntegration;
    if (std::optional<http::Response> limited =
            (machine ? t.integration : t.person).Take(p->Actor())) {
      return limited;
    }
    if (!p->Can(route.access.permission())) {
      // A refused attempt is itself worth a record.
      Status st = ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
        return db.Transaction([&] {
          return identity::AuditAct(db, *p, "access.denied", false,
                                    json::Object("method", req.method, "route", route.pattern,
                                                 "permission", route.access.permission()),
                                    now);
        });
      });
      if (!st.ok()) return Failed(ctx, st, "auditing a refused request failed");
      return http::Response::Error(403, "forbidden",
                                   fmt::format("your role ({}) lacks the {} permission", p->role,
                                               route.access.permission()));
    }
    req.caller = std::move(p).value();
    return std::nullopt;
  };
}

std::optional<http::Response> RefuseBanner(const ApiContext& ctx,
                                           const std::optional<std::string>& named) {
  const std::string current = identity::BannerVersion(ctx.login_banner);
  if (!named) {
    return ErrorResponse(Status::InvalidArgument(
        fmt::format("banner: required — the version of the login banner you accept ({}, from "
                    "GET /api/v1/auth/banner)",
                    current)));
  }
  if (*named != current) {
    return ErrorResponse(Status::PermissionDenied(
        fmt::format("banner: the login banner has changed; read and accept the current one "
                    "(version {})",
                    current)));
  }
  return std::nullopt;
}

Status SplitJsonItems(const http::Request& req, std::size_t max, std::string_view what,
                      std::vector<std::string>* out) {
  const bool ndjson = req.Header("Content-Type").find("ndjson") != std::string_view::npos;
  if (ndjson) {
    std::size_t pos = 0;
    while (pos < req.body.size()) {
      std::size_t end = req.body.find('\n', pos);
      if (end == std::string::npos) end = req.body.size();
      std::string_view line(req.body.data() + pos, end - pos);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.find_first_not_of(" \t") != std::string_view::npos) out->emplace_back(line);
      if (out->size() > max) break;
      pos = end + 1;
    }
    return Status::Ok();
  }
  rapidjson::Document doc;
  if (Status s = json::Parse(req.body, &doc); !s.ok()) return s.WithContext("body: ");
  if (!doc.IsArray()) {
    return Status::InvalidArgument(fmt::format(
        "body: a JSON array of {}, or NDJSON with Content-Type: application/x-ndjson", what));
  }
  for (const auto& v : doc.GetArray()) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    v.Accept(w);
    out->emplace_back(buf.GetString(), buf.GetSize());
    if (out->size() > max) break;
  }
  return Status::Ok();
}

http::Response SessionAnswer(const std::string& token) {
  return JsonResponse(200, [&](Writer& w) {
    w.StartObject();
    json::Members(w, "token", token);
    w.Key("idle_lock_s");
    w.Int(30 * 60);
    w.EndObject();
  });
}

void AddAccountRoutes(http::Router& router, ApiContext& ctx) {
  router.Add({"GET", "/api/v1/auth/banner",
              http::AccessRule::Public(
                  "the system-use notice must be shown before sign-in; it is configuration text"),
              [&ctx](const http::Request&, const http::PathParams&) {
                return JsonResponse(200, [&](Writer& w) {
                  w.StartObject();
                  json::Members(w, "banner", ctx.login_banner);
                  // What a sign-in must name to show it accepted this text.
                  json::Members(w, "version", identity::BannerVersion(ctx.login_banner));
                  w.EndObject();
                });
              }});
  router.Add({"POST", "/api/v1/auth/enrol",
              http::AccessRule::Public(
                  "enrolment step 1: authorized by the one-time secret in the body, audited"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                Result<JsonBody> b = JsonBody::Parse(req.body);
                if (!b.ok()) return ErrorResponse(b.status());
                Result<std::string> user = b->String("username");
                Result<std::string> secret = b->String("enrolment_secret");
                Result<std::string> password = b->String("password");
                for (const Status& s : {user.status(), secret.status(), password.status()}) {
                  if (!s.ok()) return ErrorResponse(s);
                }
                Result<identity::Enrolment> e =
                    ctx.catalog->With([&](catalog::Database&, identity::Accounts& a) {
                      return a.Enrol(*user, *secret, *password, ctx.clock.NowMillis());
                    });
                if (!e.ok()) return Failed(ctx, e.status(), "enrolment failed");
                return JsonResponse(200, [&](Writer& w) {
                  w.StartObject();
                  json::Members(w, "totp_secret", e->totp_secret_base32);
                  json::Members(w, "totp_uri", e->totp_uri);
                  w.EndObject();
                });
              }});
  router.Add({"POST", "/api/v1/auth/enrol/confirm",
              http::AccessRule::Public(
                  "enrolment step 2: authorized by the one-time secret and a TOTP code, audited"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                Result<JsonBody> b = JsonBody::Parse(req.body);
                if (!b.ok()) return ErrorResponse(b.status());
                Result<std::string> user = b->String("username");
                Result<std::string> secret = b->String("enrolment_secret");
                Result<std::string> code = b->String("code");
                for (const Status& s : {user.status(), secret.status(), code.status()}) {
                  if (!s.ok()) return ErrorResponse(s);
                }
                Status st = ctx.catalog->With([&](catalog::Database&, identity::Accounts& a) {
                  return a.ConfirmEnrolment(*user, *secret, *code, ctx.clock.NowMillis());
                });
                if (!st.ok()) return Failed(ctx, st, "enrolment confirmation failed");
                return JsonObject(200, "enrolled", true);
              }});
  router.Add({"POST", "/api/v1/auth/login",
              http::AccessRule::Public(
                  "sign-in itself: password and TOTP code, lockout after 5 failures, audited"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                Result<JsonBody> b = JsonBody::Parse(req.body);
                if (!b.ok()) return ErrorResponse(b.status());
                Result<std::string> user = b->String("username");
                Result<std::string> password = b->String("password");
                Result<std::string> code = b->String("code");
                Result<std::optional<std::string>> banner = b->OptionalString("banner");
                for (const Status& s :
                     {user.status(), password.status(), code.status(), banner.status()}) {
                  if (!s.ok()) return ErrorResponse(s);
                }
                // The system-use notice is accepted by the person, on the
                // server's record, not just ticked in a browser (GOVERNANCE 31).
                if (std::optional<http::Response> refused = RefuseBanner(ctx, *banner))
                  return *refused;
                const std::string current = identity::BannerVersion(ctx.login_banner);
                // The Argon2id check runs outside the catalog's lock, a few at a
                // time: a burst of sign-ins neither stalls other requests nor
                // exhausts memory (64 MiB a check).
                const std::string hash =
                    ctx.catalog->With([&](catalog::Database&, identity::Accounts& a) {
                      return a.PasswordHashFor(*user);
                    });
                bool password_ok = false;
                {
                  std::unique_lock l(ctx.password_checks_mu);
                  ctx.password_checks_cv.wait(
                      l, [&] { return ctx.password_checks_running < ctx.max_password_checks; });
                  ++ctx.password_checks_running;
                }
                password_ok = crypto::VerifyPassword(hash, *password);
                {
                  std::lock_guard l(ctx.password_checks_mu);
                  --ctx.password_checks_running;
                }
                ctx.password_checks_cv.notify_one();
                Result<std::string> token =
                    ctx.catalog->With([&](catalog::Database&, identity::Accounts& a) {
                      return a.FinishSignIn(*user, *password, password_ok, *code,
                                            req.remote_address, current, ctx.clock.NowMillis());
                    });
                if (!token.ok()) return Failed(ctx, token.status(), "sign-in failed");
                return SessionAnswer(*token);
              }});
  router.Add({"POST", "/api/v1/auth/logout", http::AccessRule::Requires("account.self"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                Status st = ctx.catalog->With([&](catalog::Database&, identity::Accounts& a) {
                  return a.SignOut(BearerToken(req), ctx.clock.NowMillis());
                });
                if (!st.ok()) return Failed(ctx, st, "sign-out failed");
                return JsonObject(200, "signed_out", true);
              }});
  router.Add({"GET", "/api/v1/me", http::AccessRule::Requires("account.self"),
              [](const http::Request& req, const http::PathParams&) {
                const identity::Principal& p = Caller(req);
                return JsonResponse(200, [&](Writer& w) {
                  w.StartObject();
                  json::Members(w, "username", p.name);
                  json::Members(w, "agency", p.agency_code);
                  json::Members(w, "role", p.role);
                  w.Key("permissions");
                  w.StartArray();
                  for (const std::string& perm : p.permissions) w.String(perm.c_str());
                  w.EndArray();
                  w.EndObject();
                });
              }});
}

void AddAgreementRoutes(http::Router& router, ApiContext& ctx) {
  router.Add({"GET", "/api/v1/agreements", http::AccessRule::Requires("agreements.read"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                Result<std::vector<policy::Agreement>> list =
                    ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
                      return policy::ListAgreements(db, Caller(req));
                    });
                if (!list.ok()) return Failed(ctx, list.status(), "listing agreements failed");
                return JsonList("agreements", *list, [&](Writer& w, const policy::Agreement& a) {
                  WriteAgreement(w, a);
                });
              }});
  router.Add({"POST", "/api/v1/agreements", http::AccessRule::Requires("agreements.propose"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                Result<JsonBody> b = JsonBody::Parse(req.body);
                if (!b.ok()) return ErrorResponse(b.status());
                policy::AgreementRequest r;
                Result<std::string> partner = b->String("partner");
                Result<std::string> cls = b->String("data_class");
                Result<std::string> document = b->String("document");
                Result<std::int64_t> from = TimeField(*b, "effective_from", true);
                Result<std::int64_t> to = TimeField(*b, "effective_to", false);
                for (const Status& s : {partner.status(), cls.status(), document.status(),
                                        from.status(), to.status()}) {
                  if (!s.ok()) return ErrorResponse(s);
                }
                Result<policy::DataClass> dc = policy::ParseDataClass(*cls);
                if (!dc.ok()) return ErrorResponse(dc.status());
                r.partner = *partner;
                r.data_class = *dc;
                r.document = *document;
                r.effective_from = *from;
                if (*to != INT64_MIN) r.effective_to = *to;
                Result<std::int64_t> id = AsCaller(ctx, req, policy::ProposeAgreement, r);
                if (!id.ok()) return Failed(ctx, id.status(), "proposing an agreement failed");
                return JsonResponse(201, [&](Writer& w) {
                  w.StartObject();
                  w.Key("id");
                  w.Int64(*id);
                  json::Members(w, "state", "proposed");
                  w.EndObject();
                });
              }});
  auto decide = [&ctx](bool approve) {
    return [&ctx, approve](const http::Request& req, const http::PathParams& params) {
      const std::optional<std::int64_t> id = PathId(params);
      if (!id)
        return http::Response::Error(400, "invalid_request", "id: must be an agreement number");
      Status st = ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
        return approve ? policy::ApproveAgreement(db, Caller(req), *id, ctx.clock.NowMillis())
                       : policy::RevokeAgreement(db, Caller(req), *id, ctx.clock.NowMillis());
      });
      if (!st.ok()) return Failed(ctx, st, "deciding an agreement failed");
      return JsonObject(200, "id", *id, "state", approve ? "approved" : "revoked");
    };
  };
  router.Add({"POST", "/api/v1/agreements/{id}/approve",
              http::AccessRule::Requires("agreements.approve"), decide(true)});
  router.Add({"POST", "/api/v1/agreements/{id}/revoke",
              http::AccessRule::Requires("agreements.propose"), decide(false)});
}

namespace {

// The filters of GET /api/v1/audit, or the 400 naming the bad one.
std::variant<audit::Query, http::Response> ParseAuditQuery(const http::Request& req,
                                                           std::int64_t agency) {
  audit::Query q;
  // Everything the agency's people did, and every entry by anyone that
  // touched the agency's data, unredacted.
  q.touched_agency = agency;
  q.actor_agency = agency;
  q.limit = 200;
  auto bad = [](std::string_view what) {
    return http::Response::Error(400, "invalid_request", std::string(what));
  };
  for (const auto& [name, target] :
       {std::pair<const char*, std::int64_t*>{"after", &q.after_seq}, {"before", &q.before_seq}}) {
    if (auto raw = req.QueryParam(name)) {
      const std::optional<std::int64_t> n = ParseNumber(*raw);
      if (!n) return bad(fmt::format("{}: must be an entry number", name));
      *target = *n;
    }
  }
  for (const auto& [name, target] :
       {std::pair<const char*, std::int64_t*>{"from", &q.from}, {"to", &q.to}}) {
    if (auto raw = req.QueryParam(name)) {
      Result<UnixMillis> t = ParseRfc3339(*raw);
      if (!t.ok()) return bad(fmt::format("{}: must be an RFC 3339 time", name));
      *target = *t;
    }
  }
  if (auto raw = req.QueryParam("limit")) {
    const std::optional<std::int64_t> n = ParseNumber(*raw);
    if (!n || *n < 1 || *n > 500) return bad("limit: must be 1 to 500");
    q.limit = static_cast<std::size_t>(*n);
  }
  if (auto raw = req.QueryParam("order")) {
    if (*raw != "asc" && *raw != "desc") return bad("order: must be asc or desc");
    q.newest_first = *raw == "desc";
  }
  if (auto raw = req.QueryParam("event")) {
    if (raw->empty() || raw->size() > 64 ||
        raw->find_first_not_of("abcdefghijklmnopqrstuvwxyz_.") != std::string::npos)
      return bad("event: an event name or prefix of a-z, '_' and '.'");
    q.event_prefix = *raw;
  }
  if (auto raw = req.QueryParam("actor")) {
    if (raw->empty() || raw->size() > 64) return bad("actor: e.g. user:17");
    q.actor = *raw;
  }
  if (auto raw = req.QueryParam("scope")) {
    if (*raw != "all" && *raw != "others") return bad("scope: must be all or others");
    q.others_only = *raw == "others";
  }
  return q;
}

}  // namespace

void AddAuditRoutes(http::Router& router, ApiContext& ctx) {
  router.Add(
      {"GET", "/api/v1/audit", http::AccessRule::Requires("audit.read"),
       [&ctx](const http::Request& req, const http::PathParams&) {
         const identity::Principal& p = Caller(req);
         std::variant<audit::Query, http::Response> parsed = ParseAuditQuery(req, p.agency_id);
         if (auto* r = std::get_if<http::Response>(&parsed)) return std::move(*r);
         const audit::Query& q = std::get<audit::Query>(parsed);
         std::vector<audit::Entry> entries;
         std::map<std::int64_t, std::string> codes;
         std::map<std::string, std::string> names;
         Status st = ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
           return db.Transaction([&]() -> Status {
             Result<std::vector<audit::Entry>> listed = audit::List(db, q);
             if (!listed.ok()) return listed.status();
             entries = std::move(listed).value();
             Result<std::map<std::int64_t, std::string>> c = identity::AgencyCodes(db);
             if (!c.ok()) return c.status();
             codes = std::move(c).value();
             Result<std::map<std::string, std::string>> n = identity::ActorNames(db);
             if (!n.ok()) return n.status();
             names = std::move(n).value();
             // Reading the audit trail is itself audited, with the filters.
             audit::Entry e;
             e.time = ctx.clock.NowMillis();
             e.actor = p.Actor();
             e.agency = p.agency_id;
             e.event = "audit.read";
             e.details = json::Object(
                 "after", q.after_seq, "before", q.before_seq == INT64_MAX ? 0 : q.before_seq,
                 "order", q.newest_first ? "desc" : "asc", "event", q.event_prefix, "actor",
                 q.actor, "scope", q.others_only ? "others" : "all", "entries", entries.size());
             e.touched = {p.agency_id};
             return audit::Append(db, e);
           });
         });
         if (!st.ok()) return Failed(ctx, st, "reading the audit trail failed");
         auto code = [&](std::int64_t id) {
           auto it = codes.find(id);
           return it == codes.end() ? std::string("?") : it->second;
         };
         return JsonList("entries", entries, [&](Writer& w, const audit::Entry& e) {
           w.StartObject();
           w.Key("seq");
           w.Int64(e.seq);
           json::Members(w, "time", FormatRfc3339(e.time));
           json::Members(w, "actor", e.actor);
           if (auto it = names.find(e.actor); it != names.end())
             json::Members(w, "actor_name", it->second);
           json::Members(w, "agency", e.agency ? std::optional(code(*e.agency)) : std::nullopt);
           json::Members(w, "event", e.event);
           json::Members(w, "outcome", audit::OutcomeName(e.outcome));
           w.Key("touched");
           w.StartArray();
           for (std::int64_t t : e.touched) {
             const std::string c = code(t);
             w.String(c.data(), static_cast<rapidjson::SizeType>(c.size()));
           }
           w.EndArray();
           w.Key("details");
           w.RawValue(e.details.data(), e.details.size(), rapidjson::kObjectType);
           w.EndObject();
         });
       }});
  router.Add({"GET", "/api/v1/audit/verify", http::AccessRule::Requires("audit.read"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                const identity::Principal& p = Caller(req);
                audit::VerifyResult v;
                Status st = ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
                  return db.Transaction([&]() -> Status {
                    Result<audit::VerifyResult> r = audit::Verify(db);
                    if (!r.ok()) return r.status();
                    v = std::move(r).value();
                    audit::Entry e;
                    e.time = ctx.clock.NowMillis();
                    e.actor = p.Actor();
                    e.agency = p.agency_id;
                    e.event = "audit.verify";
                    e.details = json::Object("entries", v.entries, "intact", !v.first_bad);
                    e.touched = {p.agency_id};
                    return audit::Append(db, e);
                  });
                });
                if (!st.ok()) return Failed(ctx, st, "verifying the audit trail failed");
                return JsonResponse(200, [&](Writer& w) {
                  w.StartObject();
                  w.Key("intact");
                  w.Bool(!v.first_bad);
                  w.Key("entries");
                  w.Int64(v.entries);
                  json::Members(w, "head", v.head);
                  json::Members(w, "first_bad", v.first_bad);
                  json::Members(w, "problem", v.problem);
                  w.EndObject();
                });
              }});
}

void AddIntegrationRoutes(http::Router& router, ApiContext& ctx) {
  router.Add({"GET", "/api/v1/integrations", http::AccessRule::Requires("integrations.manage"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                Result<std::vector<identity::KeyInfo>> keys =
                    ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
                      return identity::ListKeys(db, Caller(req));
                    });
                if (!keys.ok()) return Failed(ctx, keys.status(), "listing integrations failed");
                return JsonList("integrations", *keys, [&](Writer& w, const identity::KeyInfo& k) {
                  w.StartObject();
                  w.Key("id");
                  w.Int64(k.id);
                  json::Members(w, "name", k.name);
                  json::Members(w, "key_id", k.key_id);
                  w.Key("permissions");
                  w.StartArray();
                  for (const std::string& perm : k.permissions) w.String(perm.c_str());
                  w.EndArray();
                  w.Key("cameras");
                  if (k.cameras) {
                    w.StartArray();
                    for (const std::string& c : *k.cameras) w.String(c.c_str());
                    w.EndArray();
                  } else {
                    w.Null();
                  }
                  w.Key("units");
                  if (k.units) {
                    w.StartArray();
                    for (const std::string& u : *k.units) w.String(u.c_str());
                    w.EndArray();
                  } else {
                    w.Null();
                  }
                  json::Members(w, "state", k.revoked_at ? "revoked" : "active");
                  w.EndObject();
                });
              }});
  router.Add({"POST", "/api/v1/integrations", http::AccessRule::Requires("integrations.manage"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                Result<JsonBody> b = JsonBody::Parse(req.body);
                if (!b.ok()) return ErrorResponse(b.status());
                identity::KeyRequest kr;
                Result<std::string> name = b->String("name");
                if (!name.ok()) return ErrorResponse(name.status());
                kr.name = *name;
                Result<std::vector<std::string>> perms = b->StringArray("permissions");
                if (!perms.ok()) return ErrorResponse(perms.status());
                kr.permissions = *perms;
                Result<std::optional<std::vector<std::string>>> cams =
                    b->OptionalStringArray("cameras");
                if (!cams.ok()) return ErrorResponse(cams.status());
                kr.cameras = *cams;
                Result<std::optional<std::vector<std::string>>> units =
                    b->OptionalStringArray("units");
                if (!units.ok()) return ErrorResponse(units.status());
                kr.units = *units;
                Result<identity::NewKey> k = AsCaller(ctx, req, identity::CreateKey, kr);
                if (!k.ok()) return Failed(ctx, k.status(), "creating an integration failed");
                return JsonResponse(201, [&](Writer& w) { WriteKey(w, *k); });
              }});
  router.Add({"POST", "/api/v1/integrations/{id}/rotate",
              http::AccessRule::Requires("integrations.manage"),
              [&ctx](const http::Request& req, const http::PathParams& params) {
                const std::optional<std::int64_t> id = PathId(params);
                if (!id)
                  return http::Response::Error(400, "invalid_request",
                                               "id: must be an integration number");
                Result<identity::NewKey> k = AsCaller(ctx, req, identity::RotateKey, *id);
                if (!k.ok()) return Failed(ctx, k.status(), "rotating a key failed");
                return JsonResponse(200, [&](Writer& w) { WriteKey(w, *k); });
              }});
  router.Add({"POST", "/api/v1/integrations/{id}/revoke",
              http::AccessRule::Requires("integrations.manage"),
              [&ctx](const http::Request& req, const http::PathParams& params) {
                const std::optional<std::int64_t> id = PathId(params);
                if (!id)
                  return http::Response::Error(400, "invalid_request",
                                               "id: must be an integration number");
                Status st = AsCaller(ctx, req, identity::RevokeKey, *id);
                if (!st.ok()) return Failed(ctx, st, "revoking a key failed");
                return JsonObject(200, "id", *id, "state", "revoked");
              }});
}

void AddUserRoutes(http::Router& router, ApiContext& ctx) {
  router.Add({"GET", "/api/v1/users", http::AccessRule::Requires("users.manage"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                const std::string review = req.QueryParam("review").value_or("");
                if (!review.empty() && review != "due") {
                  return ErrorResponse(Status::InvalidArgument(
                      "review: \"due\" (reviews due within 30 days or overdue), or absent"));
                }
                std::optional<std::int64_t> due_within;
                if (review == "due") due_within = 30LL * 86'400'000;
                Result<std::vector<identity::UserInfo>> users =
                    ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
                      return identity::ListUsers(db, Caller(req), ctx.clock.NowMillis(),
                                                 due_within);
                    });
                if (!users.ok()) return Failed(ctx, users.status(), "listing users failed");
                return JsonList("users", *users, [&](Writer& w, const identity::UserInfo& u) {
                  w.StartObject();
                  w.Key("id");
                  w.Int64(u.id);
                  json::Members(w, "username", u.username);
                  json::Members(w, "display_name", u.display_name);
                  json::Members(w, "role", u.role);
                  json::Members(w, "state",
                                u.disabled    ? "disabled"
                                : u.suspended ? "suspended"
                                : u.locked    ? "locked"
                                : u.enrolled  ? "active"
                                              : "enrolling");
                  json::Members(w, "shift", u.shift);
                  json::Members(w, "reviewed_at", FormatRfc3339(u.reviewed_at));
                  json::Members(w, "reviewed_by", u.reviewed_by);
                  json::Members(w, "review_due_at", FormatRfc3339(u.review_due_at));
                  w.EndObject();
                });
              }});
  router.Add({"POST", "/api/v1/users", http::AccessRule::Requires("users.manage"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                Result<JsonBody> b = JsonBody::Parse(req.body);
                if (!b.ok()) return ErrorResponse(b.status());
                Result<std::string> username = b->String("username");
                Result<std::string> name = b->String("display_name");
                Result<std::string> role = b->String("role");
                for (const Status& s : {username.status(), name.status(), role.status()}) {
                  if (!s.ok()) return ErrorResponse(s);
                }
                Result<identity::NewUser> u =
                    ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
                      return identity::CreateUser(db, Caller(req), *username, *name, *role,
                                                  ctx.clock.NowMillis());
                    });
                if (!u.ok()) return Failed(ctx, u.status(), "creating a user failed");
                return JsonResponse(201, [&](Writer& w) {
                  w.StartObject();
                  w.Key("id");
                  w.Int64(u->id);
                  json::Members(w, "enrolment_secret", u->enrolment_secret);
                  json::Members(w, "enrolment_expires_at", FormatRfc3339(u->enrolment_expires_at));
                  json::Members(w, "note", "give the secret to the person in person; shown once");
                  w.EndObject();
                });
              }});
  router.Add({"POST", "/api/v1/users/{id}/disable", http::AccessRule::Requires("users.manage"),
              [&ctx](const http::Request& req, const http::PathParams& params) {
                const std::optional<std::int64_t> id = PathId(params);
                if (!id)
                  return http::Response::Error(400, "invalid_request", "id: must be a user number");
                Status st = AsCaller(ctx, req, identity::DisableUser, *id);
                if (!st.ok()) return Failed(ctx, st, "disabling a user failed");
                return JsonObject(200, "id", *id, "state", "disabled");
              }});
  router.Add({"POST", "/api/v1/users/{id}/review", http::AccessRule::Requires("users.manage"),
              [&ctx](const http::Request& req, const http::PathParams& params) {
                const std::optional<std::int64_t> id = PathId(params);
                if (!id)
                  return http::Response::Error(400, "invalid_request", "id: must be a user number");
                Status st = AsCaller(ctx, req, identity::ReviewUser, *id);
                if (!st.ok()) return Failed(ctx, st, "reviewing a user's access failed");
                return JsonObject(200, "id", *id, "reviewed", true);
              }});
  router.Add({"POST", "/api/v1/users/{id}/shift", http::AccessRule::Requires("users.manage"),
              [&ctx](const http::Request& req, const http::PathParams& params) {
                const std::optional<std::int64_t> id = PathId(params);
                if (!id)
                  return http::Response::Error(400, "invalid_request", "id: must be a user number");
                Result<JsonBody> b = JsonBody::Parse(req.body);
                if (!b.ok()) return ErrorResponse(b.status());
                Result<std::string> shift = b->String("shift");
                if (!shift.ok()) return ErrorResponse(shift.status());
                Status st = AsCaller(ctx, req, identity::SetShift, *id, *shift);
                if (!st.ok()) return Failed(ctx, st, "setting a shift failed");
                return JsonObject(200, "id", *id, "shift", *shift);
              }});
}

Status ApplyRetentionToStore(ApiContext& ctx) {
  if (ctx.store == nullptr) return Status::Ok();
  const std::int64_t now = ctx.clock.NowMillis();
  return ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) -> Status {
    Result<std::map<std::string, store::RetentionRule>> rules = policy::StoreRetention(db);
    if (!rules.ok()) return rules.status();
    Result<std::vector<store::Hold>> holds = policy::StoreHolds(db, now);
    if (!holds.ok()) return holds.status();
    ctx.store->SetRetention(std::move(rules).value());
    ctx.store->SetHolds(std::move(holds).value());
    return Status::Ok();
  });
}

void AddRetentionRoutes(http::Router& router, ApiContext& ctx) {
  router.Add({"GET", "/api/v1/retention", http::AccessRule::Requires("agency.read"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                Result<std::vector<policy::RetentionSetting>> r =
                    ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
                      return policy::GetRetention(db, Caller(req));
                    });
                if (!r.ok()) return Failed(ctx, r.status(), "reading retention failed");
                return JsonList("retention", *r, [&](Writer& w, const policy::RetentionSetting& s) {
                  w.StartObject();
                  json::Members(w, "data_class", s.data_class);
                  w.Key("period_ms");
                  w.Int64(s.period_ms);
                  json::Members(w, "preset", s.preset);
                  json::Members(w, "statutory_max_ms", s.statutory_max_ms);
                  w.EndObject();
                });
              }});
  router.Add({"POST", "/api/v1/retention", http::AccessRule::Requires("retention.manage"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                Result<JsonBody> b = JsonBody::Parse(req.body);
                if (!b.ok()) return ErrorResponse(b.status());
                Result<std::string> cls = b->String("data_class");
                if (!cls.ok()) return ErrorResponse(cls.status());
                Result<std::optional<std::int64_t>> period = b->OptionalInt("period_ms");
                if (!period.ok()) return ErrorResponse(period.status());
                if (!*period) return ErrorResponse(Status::InvalidArgument("period_ms: required"));
                Status st = ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
                  return policy::SetRetention(db, Caller(req), *cls, **period,
                                              ctx.clock.NowMillis());
                });
                if (st.ok()) st = Changed(ctx, catalog::kRetentionTopic);
                if (!st.ok()) return Failed(ctx, st, "setting retention failed");
                return JsonObject(200, "applied", true);
              }});
  router.Add({"GET", "/api/v1/holds", http::AccessRule::Requires("holds.manage"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                Result<std::vector<policy::HoldInfo>> holds =
                    ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
                      return policy::ListHolds(db, Caller(req));
                    });
                if (!holds.ok()) return Failed(ctx, holds.status(), "listing holds failed");
                return JsonList("holds", *holds, [&](Writer& w, const policy::HoldInfo& h) {
                  w.StartObject();
                  w.Key("id");
                  w.Int64(h.id);
                  json::Members(w, "plate", h.request.plate);
                  json::Members(w, "camera", h.request.camera);
                  json::Members(w, "basis", h.request.basis);
                  json::Members(w, "requested_by", h.request.requested_by);
                  json::Members(w, "expires_at", FormatRfc3339(h.request.expires_at));
                  json::Members(w, "state", h.released_at ? "released" : "active");
                  w.EndObject();
                });
              }});
  router.Add({"POST", "/api/v1/holds", http::AccessRule::Requires("holds.manage"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                Result<JsonBody> b = JsonBody::Parse(req.body);
                if (!b.ok()) return ErrorResponse(b.status());
                policy::HoldRequest h;
                Result<std::optional<std::string>> plate = b->OptionalString("plate");
                Result<std::optional<std::string>> camera = b->OptionalString("camera");
                Result<std::int64_t> from = TimeField(*b, "window_from", false);
                Result<std::int64_t> to = TimeField(*b, "window_to", false);
                Result<std::int64_t> expires = TimeField(*b, "expires_at", true);
                Result<std::string> basis = b->String("basis");
                Result<std::string> by = b->String("requested_by");
                for (const Status& s : {plate.status(), camera.status(), from.status(), to.status(),
                                        expires.status(), basis.status(), by.status()}) {
                  if (!s.ok()) return ErrorResponse(s);
                }
                h.plate = *plate;
                h.camera = *camera;
                if (*from != INT64_MIN) h.window_from = *from;
                if (*to != INT64_MIN) h.window_to = *to;
                h.expires_at = *expires;
                h.basis = *basis;
                h.requested_by = *by;
                Result<std::int64_t> id = AsCaller(ctx, req, policy::CreateHold, h);
                if (!id.ok()) return Failed(ctx, id.status(), "creating a hold failed");
                if (Status st = Changed(ctx, catalog::kRetentionTopic); !st.ok())
                  return Failed(ctx, st, "applying a hold failed");
                return JsonObject(201, "id", *id, "state", "active");
              }});
  router.Add({"POST", "/api/v1/holds/{id}/release", http::AccessRule::Requires("holds.manage"),
              [&ctx](const http::Request& req, const http::PathParams& params) {
                const std::optional<std::int64_t> id = PathId(params);
                if (!id)
                  return http::Response::Error(400, "invalid_request", "id: must be a hold number");
                Status st = AsCaller(ctx, req, policy::ReleaseHold, *id);
                if (st.ok()) st = Changed(ctx, catalog::kRetentionTopic);
                if (!st.ok()) return Failed(ctx, st, "releasing a hold failed");
                return JsonObject(200, "id", *id, "state", "released");
              }});
}

void AddPurposeRoutes(http::Router& router, ApiContext& ctx) {
  router.Add({"GET", "/api/v1/purposes", http::AccessRule::Requires("account.self"),
              [&ctx](const http::Request&, const http::PathParams&) {
                Result<std::vector<policy::Purpose>> all =
                    ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
                      return policy::ListPurposes(db);
                    });
                if (!all.ok()) return Failed(ctx, all.status(), "listing purposes failed");
                return JsonList("purposes", *all, [&](Writer& w, const policy::Purpose& p) {
                  w.StartObject();
                  json::Members(w, "code", p.code);
                  json::Members(w, "label", p.label);
                  json::Members(w, "description", p.description);
                  w.Key("prohibited");
                  w.Bool(p.prohibited);
                  w.EndObject();
                });
              }});
  router.Add(
      {"POST", "/api/v1/approvals", http::AccessRule::Requires("search.reads"),
       [&ctx](const http::Request& req, const http::PathParams&) {
         Result<JsonBody> b = JsonBody::Parse(req.body);
         if (!b.ok()) return ErrorResponse(b.status());
         policy::SearchReason why;
         policy::SearchScope scope;
         Result<std::string> purpose = b->String("purpose");
         Result<std::string> case_number = b->String("case_number");
         Result<std::string> offense = b->String("offense");
         Result<std::string> justification = b->String("justification");
         Result<std::optional<std::int64_t>> days = b->OptionalInt("max_days");
         Result<std::optional<std::int64_t>> agencies = b->OptionalInt("max_agencies");
         Result<std::optional<bool>> pattern = b->OptionalBool("pattern_analysis");
         Result<std::optional<double>> radius = b->OptionalNumber("max_radius_m");
         Result<std::optional<std::vector<std::string>>> places = b->OptionalStringArray("places");
         Result<std::optional<std::int64_t>> daily = b->OptionalInt("max_daily_results");
         Result<std::optional<std::string>> behalf = b->OptionalString("on_behalf_of");
         for (const Status& s :
              {purpose.status(), case_number.status(), offense.status(), justification.status(),
               days.status(), agencies.status(), pattern.status(), radius.status(), places.status(),
               daily.status(), behalf.status()}) {
           if (!s.ok()) return ErrorResponse(s);
         }
         if (!*days || **days < 1 || **days > 3660 || !*agencies || **agencies < 1 ||
             **agencies > 1000) {
           return ErrorResponse(Status::InvalidArgument(
               "max_days (1-3660) and max_agencies (1-1000): required, the scope to approve"));
         }
         why = {*purpose, *case_number, *offense, *justification, std::nullopt, ""};
         scope.span_ms = **days * 86'400'000;
         scope.agencies = static_cast<std::size_t>(**agencies);
         scope.pattern_analysis = pattern->value_or(false);
         scope.radius_m = radius->value_or(0);
         scope.places = places->value_or(std::vector<std::string>{});
         scope.daily_cap = daily->value_or(0);
         scope.on_behalf_of = behalf->value_or("");
         Result<std::int64_t> id = AsCaller(ctx, req, policy::RequestApproval, why, scope);
         if (!id.ok()) return Failed(ctx, id.status(), "requesting an approval failed");
         return JsonObject(201, "id", *id, "state", "requested");
       }});
  router.Add(
      {"GET", "/api/v1/approvals", http::AccessRule::Requires("search.reads"),
       [&ctx](const http::Request& req, const http::PathParams&) {
         const std::int64_t now = ctx.clock.NowMillis();
         // A week back: long past every approval's 24 hours.
         Result<std::vector<policy::ApprovalInfo>> list =
             ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
               return policy::ListApprovals(db, Caller(req), now - 7 * 86'400'000LL);
             });
         if (!list.ok()) return Failed(ctx, list.status(), "listing approvals failed");
         return JsonList("approvals", *list, [&](Writer& w, const policy::ApprovalInfo& a) {
           w.StartObject();
           w.Key("id");
           w.Int64(a.id);
           json::Members(w, "requested_by", a.requested_by);
           json::Members(w, "purpose", a.reason.purpose);
           json::Members(w, "case_number", a.reason.case_number);
           json::Members(w, "offense", a.reason.offense);
           json::Members(w, "justification", a.reason.justification);
           w.Key("max_days");
           w.Int64(a.scope.span_ms / 86'400'000);
           w.Key("max_agencies");
           w.Int64(static_cast<std::int64_t>(a.scope.agencies));
           w.Key("pattern_analysis");
           w.Bool(a.scope.pattern_analysis);
           w.Key("max_radius_m");
           w.Double(a.scope.radius_m > 0 ? a.scope.radius_m : policy::kDefaultMaxRadiusM);
           w.Key("places");
           w.StartArray();
           for (const std::string& place : a.scope.places)
             w.String(place.data(), static_cast<rapidjson::SizeType>(place.size()));
           w.EndArray();
           json::Members(w, "max_daily_results",
                         a.scope.daily_cap > 0 ? std::optional(a.scope.daily_cap) : std::nullopt);
           json::Members(w, "on_behalf_of", a.scope.on_behalf_of);
           json::Members(w, "requested_at", FormatRfc3339(a.requested_at));
           const bool expired = a.expires_at && *a.expires_at <= now;
           json::Members(w, "state",
                         !a.approved_at ? "requested"
                         : expired      ? "expired"
                                        : "approved");
           json::Members(w, "approved_by", a.approved_by);
           json::Members(w, "expires_at",
                         a.expires_at ? std::optional(FormatRfc3339(*a.expires_at)) : std::nullopt);
           w.EndObject();
         });
       }});
  router.Add({"POST", "/api/v1/approvals/{id}/approve",
              http::AccessRule::Requires("search.approve"),
              [&ctx](const http::Request& req, const http::PathParams& params) {
                const std::optional<std::int64_t> id = PathId(params);
                if (!id)
                  return http::Response::Error(400, "invalid_request",
                                               "id: must be an approval request number");
                Status st = AsCaller(ctx, req, policy::Approve, *id);
                if (!st.ok()) return Failed(ctx, st, "approving failed");
                return JsonObject(200, "id", *id, "state", "approved");
              }});
}

void AddNoticeRoutes(http::Router& router, ApiContext& ctx) {
  router.Add({"POST", "/api/v1/agency/head", http::AccessRule::Requires("users.manage"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                Result<JsonBody> b = JsonBody::Parse(req.body);
                if (!b.ok()) return ErrorResponse(b.status());
                Result<std::string> name = b->String("name");
                Result<std::optional<std::string>> title = b->OptionalString("title");
                Result<std::string> contact = b->String("contact");
                for (const Status& st : {name.status(), title.status(), contact.status()}) {
                  if (!st.ok()) return ErrorResponse(st);
                }
                Status st = ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
                  return policy::SetAgencyHead(db, Caller(req),
                                               {*name, title->value_or(""), *contact},
                                               ctx.clock.NowMillis());
                });
                if (!st.ok()) return Failed(ctx, st, "setting the agency head failed");
                return JsonObject(200, "head", "set");
              }});
  router.Add({"GET", "/api/v1/notices", http::AccessRule::Requires("agency.read"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                Result<std::vector<policy::Notice>> notices =
                    ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
                      return policy::ListNotices(db, Caller(req));
                    });
                if (!notices.ok()) return Failed(ctx, notices.status(), "listing notices failed");
                return JsonList("notices", *notices, [&](Writer& w, const policy::Notice& n) {
                  w.StartObject();
                  w.Key("id");
                  w.Int64(n.id);
                  json::Members(w, "time", FormatRfc3339(n.created_at));
                  json::Members(w, "kind", n.kind);
                  json::Members(w, "addressee", n.addressee);
                  json::Members(w, "message", n.message);
                  w.Key("read");
                  w.Bool(n.read);
                  w.EndObject();
                });
              }});
  router.Add({"POST", "/api/v1/notices/{id}/read", http::AccessRule::Requires("agency.read"),
              [&ctx](const http::Request& req, const http::PathParams& params) {
                const std::optional<std::int64_t> id = PathId(params);
                if (!id)
                  return http::Response::Error(400, "invalid_request",
                                               "id: must be a notice number");
                Status st = AsCaller(ctx, req, policy::MarkNoticeRead, *id);
                if (!st.ok()) return Failed(ctx, st, "marking a notice failed");
                return JsonObject(200, "id", *id, "read", true);
              }});
}

void AddVisibilityRoutes(http::Router& router, ApiContext& ctx) {
  router.Add({"GET", "/api/v1/visible-agencies", http::AccessRule::Requires("agency.read"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                Result<policy::DataClass> cls =
                    policy::ParseDataClass(req.QueryParam("class").value_or("reads"));
                if (!cls.ok()) return ErrorResponse(cls.status());
                Result<std::vector<policy::VisibleAgency>> v =
                    AsCaller(ctx, req, policy::VisibleAgencies, *cls);
                if (!v.ok()) return Failed(ctx, v.status(), "deciding visibility failed");
                return JsonResponse(200, [&](Writer& w) {
                  w.StartObject();
                  json::Members(w, "class", policy::DataClassName(*cls));
                  w.Key("agencies");
                  w.StartArray();
                  for (const policy::VisibleAgency& a : *v) {
                    w.StartObject();
                    json::Members(w, "code", a.code);
                    json::Members(w, "via",
                                  a.agreement ? fmt::format("agreement {}", *a.agreement) : "own");
                    w.EndObject();
                  }
                  w.EndArray();
                  w.EndObject();
                });
              }});
}

}  // namespace interdict::server
