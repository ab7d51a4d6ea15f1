#include "identity/users.h"

#include <cctype>

#include <fmt/core.h>

#include "audit/audit.h"
#include "base/json_escape.h"
#include "crypto/crypto.h"
#include "identity/admin.h"

namespace interdict::identity {
Result<NewUser> CreateUser(catalog::Database& db, const Principal& p, std::string_view username,
                           std::string_view display_name, std::string_view role, std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "users.manage"));
  INTERDICT_RETURN_IF_ERROR(CheckUsername(username));
  INTERDICT_RETURN_IF_ERROR(CheckDisplayName("display_name", display_name));
  NewUser out;
  out.enrolment_secret = crypto::Base32Encode(crypto::RandomBytes(20));
  out.enrolment_expires_at = now + kEnrolmentValidityMs;
  Status st = db.Transaction([&]() -> Status {
    {
      Result<catalog::Statement> r =
          db.Prepare("SELECT 1 FROM roles WHERE name = ?1 AND name <> 'integration'");
      if (!r.ok()) return r.status();
      r->Bind(1, role);
      Result<bool> row = r->Step();
      if (!row.ok()) return row.status();
      if (!*row) {
        return Status::InvalidArgument(
            "role: administrator, supervisor, analyst, officer, auditor or clerk");
      }
    }
    Result<catalog::Statement> ins = db.Prepare(
        "INSERT INTO users (agency_id, username, display_name, role, enrolment_hash, "
        "enrolment_expires_at, created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!ins.ok()) return ins.status();
    ins->Bind(1, p.agency_id).Bind(2, username).Bind(3, display_name).Bind(4, role);
    ins->BindBlob(5, crypto::AsBytes(crypto::Sha256(out.enrolment_secret)));
    ins->Bind(6, out.enrolment_expires_at).Bind(7, now).Bind(8, p.Actor());
    if (Status s = ins->Run(); !s.ok()) {
      if (s.code() == StatusCode::kAlreadyExists)
        return Status::AlreadyExists(fmt::format("username: {} is taken", username));
      return s;
    }
    out.id = db.LastInsertId();
    return AuditAct(db, p, "user.create", true,
                    fmt::format(R"({{"user":{},"username":{},"role":{}}})", out.id,
                                JsonQuote(username), JsonQuote(role)),
                    now);
  });
  if (!st.ok()) return st;
  return out;
}

Status DisableUser(catalog::Database& db, const Principal& p, std::int64_t id, std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "users.manage"));
  if (id == p.id) return Status::FailedPrecondition("an administrator cannot disable themselves");
  return db.Transaction([&]() -> Status {
    Result<catalog::Statement> q = db.Prepare(
        "SELECT username, disabled_at IS NOT NULL FROM users WHERE id = ?1 AND agency_id = ?2");
    if (!q.ok()) return q.status();
    q->Bind(1, id).Bind(2, p.agency_id);
    Result<bool> row = q->Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::NotFound(fmt::format("no user {} in {}", id, p.agency_code));
    if (q->Int(1) != 0) return Status::FailedPrecondition(fmt::format("user {} is disabled", id));
    const std::string username = q->Text(0);
    Result<catalog::Statement> up = db.Prepare("UPDATE users SET disabled_at = ?1 WHERE id = ?2");
    if (!up.ok()) return up.status();
    up->Bind(1, now).Bind(2, id);
    INTERDICT_RETURN_IF_ERROR(up->Run());
    Result<catalog::Statement> end =
        db.Prepare("UPDATE sessions SET ended_at = ?1 WHERE user_id = ?2 AND ended_at IS NULL");
    if (!end.ok()) return end.status();
    end->Bind(1, now).Bind(2, id);
    INTERDICT_RETURN_IF_ERROR(end->Run());
    return AuditAct(db, p, "user.disable", true,
                    fmt::format(R"({{"user":{},"username":{}}})", id, JsonQuote(username)), now);
  });
}

std::optional<std::pair<int, int>> ParseShift(std::string_view s) {
  auto minutes = [](std::string_view t) -> std::optional<int> {
    if (t.size() != 5 || t[2] != ':') return std::nullopt;
    for (std::size_t i : {0u, 1u, 3u, 4u})
      if (!std::isdigit(static_cast<unsigned char>(t[i]))) return std::nullopt;
    const int h = (t[0] - '0') * 10 + (t[1] - '0'), m = (t[3] - '0') * 10 + (t[4] - '0');
    if (h > 23 || m > 59) return std::nullopt;
    return h * 60 + m;
  };
  if (s.size() != 11 || s[5] != '-') return std::nullopt;
  const std::optional<int> start = minutes(s.substr(0, 5)), end = minutes(s.substr(6));
  if (!start || !end) return std::nullopt;
  return std::pair{*start, *end};
}

Status SetShift(catalog::Database& db, const Principal& p, std::int64_t id, std::string_view shift,
                std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "users.manage"));
  // "HH:MM-HH:MM" in the region's time zone (oversight.time_zone); "" for none.
  if (!shift.empty() && !ParseShift(shift))
    return Status::InvalidArgument(
        "shift: \"HH:MM-HH:MM\" in local time (may pass midnight), or \"\"");
  return db.Transaction([&]() -> Status {
    Result<catalog::Statement> up =
        db.Prepare("UPDATE users SET shift = ?3 WHERE id = ?1 AND agency_id = ?2");
    if (!up.ok()) return up.status();
    up->Bind(1, id).Bind(2, p.agency_id).Bind(3, shift);
    INTERDICT_RETURN_IF_ERROR(up->Run());
    if (db.Changes() == 0)
      return Status::NotFound(fmt::format("no user {} in {}", id, p.agency_code));
    return AuditAct(db, p, "user.shift", true,
                    fmt::format(R"({{"user":{},"shift":{}}})", id, JsonQuote(shift)), now);
  });
}

Result<std::vector<UserInfo>> ListUsers(catalog::Database& db, const Principal& p,
                                        std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "users.manage"));
  Result<catalog::Statement> q = db.Prepare(
      "SELECT id, username, display_name, role, totp_enrolled, disabled_at IS NOT NULL, "
      "locked_until > ?2, shift FROM users WHERE agency_id = ?1 ORDER BY username");
  if (!q.ok()) return q.status();
  q->Bind(1, p.agency_id).Bind(2, now);
  std::vector<UserInfo> out;
  for (;;) {
    Result<bool> row = q->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out.push_back({q->Int(0), q->Text(1), q->Text(2), q->Text(3), q->Int(4) != 0, q->Int(5) != 0,
                   q->Int(6) != 0, q->Text(7)});
  }
  return out;
}

}  // namespace interdict::identity
