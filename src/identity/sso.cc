#include "identity/sso.h"

#include <algorithm>

#include <fmt/core.h>
#include <rapidjson/document.h>

#include "audit/audit.h"
#include "base/json.h"
#include "base/json_writer.h"
#include "base/utf8.h"
#include "crypto/crypto.h"

namespace interdict::identity {
namespace {

std::string Digest(std::string_view secret) {
  return std::string(crypto::AsBytes(crypto::Sha256(secret)));
}

Status Audit(catalog::Database& db, std::string_view actor, std::optional<std::int64_t> agency,
             std::string_view event, bool ok, std::string details, std::int64_t now) {
  audit::Entry e;
  e.time = now;
  e.actor = std::string(actor);
  e.agency = agency;
  e.event = std::string(event);
  e.outcome = ok ? audit::Outcome::kOk : audit::Outcome::kDenied;
  e.details = std::move(details);
  return audit::Append(db, e);
}

std::string MapJson(const std::map<std::string, std::string>& m) {
  return json::Write([&](json::Writer& w) {
    w.StartObject();
    for (const auto& [k, v] : m) json::Members(w, k, v);
    w.EndObject();
  });
}

bool LoopbackHttp(std::string_view issuer) {
  for (std::string_view prefix : {"http://127.0.0.1:", "http://127.0.0.1/",
                                  "http://localhost:", "http://localhost/", "http://[::1]:"}) {
    if (issuer.starts_with(prefix)) return true;
  }
  return false;
}

}  // namespace

std::string MappedRole(const SsoSettings& settings, const std::vector<std::string>& groups) {
  for (std::string_view role : kRolePrecedence) {
    for (const std::string& g : groups) {
      const auto it = settings.role_map.find(g);
      if (it != settings.role_map.end() && it->second == role) return std::string(role);
    }
  }
  return "";
}

Result<std::optional<SsoSettings>> SsoSettingsFor(catalog::Database& db, std::string_view code) {
  Result<catalog::Statement> q = db.Query(
      "SELECT p.agency_id, a.code, p.issuer, p.client_id, p.groups_claim, p.role_map, "
      "p.require_mfa, p.mfa_amr, p.mfa_acr, p.enabled FROM sso_providers p JOIN agencies a ON "
      "a.id = p.agency_id WHERE a.code = ?1",
      code);
  if (!q.ok()) return q.status();
  if (!q->has_row()) return std::optional<SsoSettings>();
  SsoSettings s;
  s.agency_id = q->Int(0);
  s.agency_code = q->Text(1);
  s.issuer = q->Text(2);
  s.client_id = q->Text(3);
  s.groups_claim = q->Text(4);
  rapidjson::Document map;
  if (json::Parse(q->Text(5), &map).ok() && map.IsObject()) {
    for (const auto& m : map.GetObject()) {
      if (m.value.IsString()) s.role_map[m.name.GetString()] = m.value.GetString();
    }
  }
  s.require_mfa = q->Int(6) != 0;
  s.mfa_amr = json::StringArray(q->Text(7));
  s.mfa_acr = json::StringArray(q->Text(8));
  s.enabled = q->Int(9) != 0;
  return std::optional<SsoSettings>(std::move(s));
}

Status ConfigureSso(catalog::Database& db, const SsoSettings& s, std::string_view actor,
                    std::int64_t now) {
  if (!s.issuer.starts_with("https://") && !LoopbackHttp(s.issuer))
    return Status::InvalidArgument("issuer: must be an https:// URL (http only on loopback)");
  if (s.client_id.empty() || s.client_id.size() > 256)
    return Status::InvalidArgument("client_id: 1 to 256 characters");
  if (s.groups_claim.empty()) return Status::InvalidArgument("groups_claim: must not be empty");
  if (s.role_map.empty())
    return Status::InvalidArgument("role_map: map at least one provider group to a role");
  for (const auto& [group, role] : s.role_map) {
    if (std::find(std::begin(kRolePrecedence), std::end(kRolePrecedence), role) ==
        std::end(kRolePrecedence))
      return Status::InvalidArgument(fmt::format(
          "role_map: group '{}' maps to '{}', which is not a role a person can have", group, role));
  }
  return db.Transaction([&]() -> Status {
    Result<catalog::Statement> id =
        db.Query("SELECT id FROM agencies WHERE code = ?1", std::string_view(s.agency_code));
    if (!id.ok()) return id.status();
    if (!id->has_row())
      return Status::NotFound(fmt::format("no agency '{}' in the catalog", s.agency_code));
    const std::int64_t agency = id->Int(0);
    Result<catalog::Statement> del = db.Prepare("DELETE FROM sso_providers WHERE agency_id = ?1");
    if (!del.ok()) return del.status();
    del->Bind(1, agency);
    INTERDICT_RETURN_IF_ERROR(del->Run());
    Result<catalog::Statement> ins = db.Prepare(
        "INSERT INTO sso_providers (agency_id, issuer, client_id, groups_claim, role_map, "
        "require_mfa, mfa_amr, mfa_acr, enabled, updated_at, updated_by) VALUES (?1, ?2, ?3, ?4, "
        "?5, ?6, ?7, ?8, ?9, ?10, ?11)");
    if (!ins.ok()) return ins.status();
    ins->Bind(1, agency).Bind(2, s.issuer).Bind(3, s.client_id).Bind(4, s.groups_claim);
    ins->Bind(5, MapJson(s.role_map)).Bind(6, s.require_mfa ? 1 : 0);
    ins->Bind(7, json::Array(s.mfa_amr)).Bind(8, json::Array(s.mfa_acr));
    ins->Bind(9, s.enabled ? 1 : 0).Bind(10, now).Bind(11, actor);
    INTERDICT_RETURN_IF_ERROR(ins->Run());
    return Audit(db, actor, agency, "sso.configure", true,
                 json::Object("issuer", s.issuer, "client_id", s.client_id, "groups_claim",
                              s.groups_claim, "role_map", json::Raw{MapJson(s.role_map)},
                              "require_mfa", s.require_mfa, "enabled", s.enabled),
                 now);
  });
}

Status SaveSsoLogin(catalog::Database& db, std::string_view state, const SsoLogin& l) {
  return db.Transaction([&]() -> Status {
    // Sign-ins never finished are of no use after a day: keep the table small.
    Result<catalog::Statement> old = db.Prepare("DELETE FROM sso_logins WHERE created_at < ?1");
    if (!old.ok()) return old.status();
    old->Bind(1, l.created_at - 86'400'000);
    INTERDICT_RETURN_IF_ERROR(old->Run());
    Result<catalog::Statement> q = db.Prepare(
        "INSERT INTO sso_logins (state_hash, agency_id, nonce, verifier, return_to, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (!q.ok()) return q.status();
    q->BindBlob(1, Digest(state)).Bind(2, l.agency_id).Bind(3, l.nonce).Bind(4, l.verifier);
    q->Bind(5, l.return_to).Bind(6, l.created_at);
    return q->Run();
  });
}

Result<SsoLogin> TakeSsoLogin(catalog::Database& db, std::string_view state, std::int64_t now,
                              std::int64_t max_age_ms) {
  SsoLogin l;
  Status outcome = Status::Ok();
  Status st = db.Transaction([&]() -> Status {
    Result<catalog::Statement> q = db.Query(
        "SELECT l.agency_id, l.nonce, l.verifier, l.return_to, l.created_at, l.used_at IS NOT "
        "NULL, a.code FROM sso_logins l JOIN agencies a ON a.id = l.agency_id WHERE "
        "l.state_hash = ?1",
        catalog::Bytes{Digest(state)});
    if (!q.ok()) return q.status();
    if (!q->has_row()) {
      outcome = Status::Unauthenticated("unknown sign-in: start again");
      return Status::Ok();
    }
    l.agency_id = q->Int(0);
    l.nonce = q->Text(1);
    l.verifier = q->Text(2);
    l.return_to = q->Text(3);
    l.created_at = q->Int(4);
    const bool used = q->Int(5) != 0;
    l.agency_code = q->Text(6);
    if (used || now - l.created_at > max_age_ms) {
      outcome = Status::Unauthenticated(used ? "this sign-in was already used: start again"
                                             : "this sign-in took too long: start again");
      return Audit(db, "unknown", l.agency_id, "sso.login", false,
                   json::Object("reason", used ? "state replayed" : "state expired"), now);
    }
    Result<catalog::Statement> u =
        db.Prepare("UPDATE sso_logins SET used_at = ?1 WHERE state_hash = ?2");
    if (!u.ok()) return u.status();
    u->Bind(1, now).BindBlob(2, Digest(state));
    return u->Run();
  });
  if (!st.ok()) return st;
  if (!outcome.ok()) return outcome;
  return l;
}

Status RecordSsoFailure(catalog::Database& db, std::int64_t agency_id, std::string_view reason,
                        std::string_view from, std::int64_t now) {
  return db.Transaction([&] {
    return Audit(db, "unknown", agency_id, "sso.login", false,
                 json::Object("from", from, "reason", reason), now);
  });
}

Result<std::string> CompleteSsoLogin(catalog::Database& db, std::string_view state,
                                     const SsoSettings& s, const FederatedIdentity& who,
                                     std::string_view from, std::int64_t now) {
  const std::string role = MappedRole(s, who.groups);
  const std::string ticket = crypto::HexEncode(crypto::RandomBytes(32));
  Status outcome = Status::Ok();
  Status st = db.Transaction([&]() -> Status {
    Result<catalog::Statement> found = db.Query(
        "SELECT id, disabled_at IS NOT NULL, role FROM users WHERE agency_id = ?1 AND "
        "sso_subject = ?2",
        s.agency_id, std::string_view(who.subject));
    if (!found.ok()) return found.status();
    std::optional<std::int64_t> user;
    bool disabled = false;
    std::string old_role;
    if (found->has_row()) {
      user = found->Int(0);
      disabled = found->Int(1) != 0;
      old_role = found->Text(2);
    }
    const std::string actor = user ? fmt::format("user:{}", *user) : "unknown";
    auto details = [&](std::string_view reason) {
      return json::Object("subject", who.subject, "from", from, "groups", who.groups, "role", role,
                          "mfa_asserted", who.mfa_asserted, "reason", reason);
    };
    if (role.empty()) {
      // The provider no longer puts the person in a mapped group: whoever had
      // access through it loses it now, sessions included.
      if (user && !disabled) {
        Result<catalog::Statement> off =
            db.Prepare("UPDATE users SET disabled_at = ?1 WHERE id = ?2");
        if (!off.ok()) return off.status();
        off->Bind(1, now).Bind(2, *user);
        INTERDICT_RETURN_IF_ERROR(off->Run());
        Result<catalog::Statement> end =
            db.Prepare("UPDATE sessions SET ended_at = ?1 WHERE user_id = ?2 AND ended_at IS NULL");
        if (!end.ok()) return end.status();
        end->Bind(1, now).Bind(2, *user);
        INTERDICT_RETURN_IF_ERROR(end->Run());
        INTERDICT_RETURN_IF_ERROR(
            Audit(db, "system", s.agency_id, "user.disable", true,
                  json::Object("user", *user, "reason", "no provider group maps to a role"), now));
      }
      outcome = Status::PermissionDenied(
          "your identity provider puts you in no group that has access to Interdict");
      return Audit(db, actor, s.agency_id, "sso.login", false, details("no mapped group"), now);
    }
    if (disabled) {
      outcome = Status::PermissionDenied("this account is disabled: ask your administrator");
      return Audit(db, actor, s.agency_id, "sso.login", false, details("disabled"), now);
    }
    if (!user) {
      // Just in time: the username is the agency's code and the provider's
      // preferred name (or subject), unique across the catalog.
      const std::string base(
          TruncateUtf8(who.preferred_username.empty() ? who.subject : who.preferred_username, 100));
      std::string username = s.agency_code + "/" + base;
      Result<catalog::Statement> taken =
          db.Query("SELECT count(*) FROM users WHERE username = ?1", std::string_view(username));
      if (!taken.ok()) return taken.status();
      if (taken->Int(0) > 0) username += "-" + crypto::HexEncode(crypto::RandomBytes(3));
      Result<catalog::Statement> ins = db.Prepare(
          "INSERT INTO users (agency_id, username, display_name, role, created_at, created_by, "
          "sso_subject, reviewed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?5) RETURNING id");
      if (!ins.ok()) return ins.status();
      ins->Bind(1, s.agency_id).Bind(2, username);
      ins->Bind(3,
                who.display_name.empty() ? base : std::string(TruncateUtf8(who.display_name, 200)));
      ins->Bind(4, role);
      ins->Bind(5, now).Bind(6, "sso:" + s.issuer).Bind(7, who.subject);
      Result<std::int64_t> id = ins->RunReturningId();
      if (!id.ok()) return id.status();
      user = *id;
      INTERDICT_RETURN_IF_ERROR(Audit(
          db, "system", s.agency_id, "user.provision", true,
          json::Object("user", *user, "username", username, "role", role, "subject", who.subject),
          now));
    } else if (old_role != role) {
      Result<catalog::Statement> up = db.Prepare("UPDATE users SET role = ?1 WHERE id = ?2");
      if (!up.ok()) return up.status();
      up->Bind(1, role).Bind(2, *user);
      INTERDICT_RETURN_IF_ERROR(up->Run());
      INTERDICT_RETURN_IF_ERROR(Audit(
          db, "system", s.agency_id, "user.role", true,
          json::Object("user", *user, "from", old_role, "to", role, "reason", "provider groups"),
          now));
    }
    Result<catalog::Statement> t = db.Prepare(
        "UPDATE sso_logins SET user_id = ?1, mfa_asserted = ?2, ticket_hash = ?3 WHERE "
        "state_hash = ?4");
    if (!t.ok()) return t.status();
    t->Bind(1, *user).Bind(2, who.mfa_asserted ? 1 : 0).BindBlob(3, Digest(ticket));
    t->BindBlob(4, Digest(state));
    INTERDICT_RETURN_IF_ERROR(t->Run());
    return Audit(db, fmt::format("user:{}", *user), s.agency_id, "sso.login", true,
                 details("provider verified"), now);
  });
  if (!st.ok()) return st;
  if (!outcome.ok()) return outcome;
  return ticket;
}

}  // namespace interdict::identity
