#include "identity/users.h"

#include <cctype>

#include <fmt/core.h>

#include "audit/audit.h"
#include "base/json_writer.h"
#include "base/time_format.h"
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
          db.Query("SELECT 1 FROM roles WHERE name = ?1 AND name <> 'integration'", role);
      if (!r.ok()) return r.status();
      if (!r->has_row()) {
        return Status::InvalidArgument(
            "role: administrator, supervisor, analyst, officer, auditor or clerk");
      }
    }
    Result<catalog::Statement> ins = db.Prepare(
        "INSERT INTO users (agency_id, username, display_name, role, enrolment_hash, "
        "enrolment_expires_at, created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
        "RETURNING id");
    if (!ins.ok()) return ins.status();
    ins->Bind(1, p.agency_id).Bind(2, username).Bind(3, display_name).Bind(4, role);
    ins->BindBlob(5, crypto::AsBytes(crypto::Sha256(out.enrolment_secret)));
    ins->Bind(6, out.enrolment_expires_at).Bind(7, now).Bind(8, p.Actor());
    Result<std::int64_t> inserted = ins->RunReturningId();
    if (!inserted.ok()) {
      const Status& s = inserted.status();
      if (s.code() == StatusCode::kAlreadyExists)
        return Status::AlreadyExists(fmt::format("username: {} is taken", username));
      return s;
    }
    out.id = *inserted;
    return AuditAct(db, p, "user.create", true,
                    json::Object("user", out.id, "username", username, "role", role), now);
  });
  if (!st.ok()) return st;
  return out;
}

Status DisableUser(catalog::Database& db, const Principal& p, std::int64_t id, std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "users.manage"));
  if (id == p.id) return Status::FailedPrecondition("an administrator cannot disable themselves");
  return db.Transaction([&]() -> Status {
    Result<catalog::Statement> q = db.Query(
        "SELECT username, disabled_at IS NOT NULL FROM users WHERE id = ?1 AND agency_id = ?2", id,
        p.agency_id);
    if (!q.ok()) return q.status();
    if (!q->has_row()) return Status::NotFound(fmt::format("no user {} in {}", id, p.agency_code));
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
    return AuditAct(db, p, "user.disable", true, json::Object("user", id, "username", username),
                    now);
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
    return AuditAct(db, p, "user.shift", true, json::Object("user", id, "shift", shift), now);
  });
}

Result<std::vector<UserInfo>> ListUsers(catalog::Database& db, const Principal& p, std::int64_t now,
                                        std::optional<std::int64_t> due_within_ms) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "users.manage"));
  Result<catalog::Statement> q = db.Prepare(
      "SELECT u.id, u.username, u.display_name, u.role, u.totp_enrolled, u.disabled_at IS NOT "
      "NULL, u.locked_until > ?2, u.shift, coalesce(u.reviewed_at, u.created_at), "
      "coalesce(r.username, '') FROM users u LEFT JOIN users r ON r.id = u.reviewed_by "
      "WHERE u.agency_id = ?1 ORDER BY u.username");
  if (!q.ok()) return q.status();
  q->Bind(1, p.agency_id).Bind(2, now);
  std::vector<UserInfo> out;
  INTERDICT_RETURN_IF_ERROR(q->ForEach([&](const catalog::Statement& row) {
    UserInfo u;
    u.id = row.Int(0);
    u.username = row.Text(1);
    u.display_name = row.Text(2);
    u.role = row.Text(3);
    u.enrolled = row.Int(4) != 0;
    u.disabled = row.Int(5) != 0;
    u.locked = row.Int(6) != 0;
    u.shift = row.Text(7);
    u.reviewed_at = row.Int(8);
    u.reviewed_by = row.Text(9);
    u.review_due_at = u.reviewed_at + kReviewPeriodMs;
    u.suspended = now > u.review_due_at + kReviewGraceMs;
    if (!due_within_ms || u.review_due_at <= now + *due_within_ms) out.push_back(std::move(u));
  }));
  return out;
}

Status ReviewUser(catalog::Database& db, const Principal& p, std::int64_t id, std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "users.manage"));
  return db.Transaction([&]() -> Status {
    Result<catalog::Statement> q = db.Query(
        "SELECT username, role, disabled_at IS NOT NULL, coalesce(reviewed_at, created_at) FROM "
        "users WHERE id = ?1 AND agency_id = ?2",
        id, p.agency_id);
    if (!q.ok()) return q.status();
    if (!q->has_row()) return Status::NotFound(fmt::format("no user {} in {}", id, p.agency_code));
    if (q->Int(2) != 0)
      return Status::FailedPrecondition(fmt::format("user {} is disabled: nothing to review", id));
    const std::string username = q->Text(0), role = q->Text(1);
    const std::int64_t previous = q->Int(3);
    if (id == p.id) {
      Result<catalog::Statement> others = db.Query(
          "SELECT count(*) FROM users WHERE agency_id = ?1 AND role = 'administrator' AND id <> "
          "?2 AND disabled_at IS NULL",
          p.agency_id, p.id);
      if (!others.ok()) return others.status();
      if (others->Int(0) > 0) {
        return Status::PermissionDenied(
            "another administrator of the agency reviews an administrator's own access");
      }
    }
    Result<catalog::Statement> up =
        db.Prepare("UPDATE users SET reviewed_at = ?1, reviewed_by = ?2 WHERE id = ?3");
    if (!up.ok()) return up.status();
    up->Bind(1, now).Bind(2, p.id).Bind(3, id);
    INTERDICT_RETURN_IF_ERROR(up->Run());
    return AuditAct(db, p, "user.review", true,
                    json::Object("user", id, "username", username, "role", role, "previous_review",
                                 FormatRfc3339(previous), "self", id == p.id),
                    now);
  });
}

}  // namespace interdict::identity
