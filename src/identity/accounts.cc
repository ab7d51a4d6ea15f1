#include "identity/accounts.h"

#include <fmt/core.h>

#include <algorithm>

#include "audit/audit.h"
#include "base/error_codes.h"
#include "base/json_writer.h"
#include "crypto/crypto.h"
#include "crypto/totp.h"
#include "identity/admin.h"

namespace interdict::identity {

static_assert(std::size(kRoleNames) == static_cast<std::size_t>(Role::kIntegration) + 1);

std::string_view RoleName(Role r) {
  return kRoleNames[static_cast<std::size_t>(r)];
}

bool IsRole(std::string_view role, Role r) {
  return role == RoleName(r);
}

bool AreSupervisorAndAdministrator(std::string_view proposer_role, std::string_view approver_role) {
  return (IsRole(proposer_role, Role::kSupervisor) &&
          IsRole(approver_role, Role::kAdministrator)) ||
         (IsRole(proposer_role, Role::kAdministrator) && IsRole(approver_role, Role::kSupervisor));
}
namespace {

constexpr std::string_view kSignInFailed = "wrong username, password or code";
constexpr std::int64_t kLastSeenResolutionMs = 60'000;

std::string TokenDigest(std::string_view token) {
  return std::string(crypto::AsBytes(crypto::Sha256(token)));
}

// A fixed Argon2id hash to check a password against when the username is
// unknown, so that an unknown name takes as long as a wrong password.
const std::string& DummyHash(const crypto::PasswordCost& cost) {
  static const std::string hash = *crypto::HashPassword("not a password", cost);
  return hash;
}

struct UserRow {
  std::int64_t id = 0, agency_id = 0;
  std::optional<std::string> password_hash;
  std::string enrolment_hash;
  std::int64_t enrolment_expires_at = 0;
  std::string totp_secret;
  bool totp_enrolled = false;
  std::int64_t totp_last_step = 0;
  std::int64_t failed_logins = 0, locked_until = 0;
  bool disabled = false;
  std::int64_t reviewed_at = 0;  // the last yearly access review, or creation
};

Result<std::optional<UserRow>> FindUser(catalog::Database& db, std::string_view username) {
  Result<catalog::Statement> st = db.Query(
      "SELECT id, agency_id, password_hash, enrolment_hash, enrolment_expires_at, totp_secret, "
      "totp_enrolled, totp_last_step, failed_logins, locked_until, disabled_at IS NOT NULL, "
      "coalesce(reviewed_at, created_at) FROM users WHERE username = ?1",
      username);
  if (!st.ok()) return st.status();
  if (!st->has_row()) return std::optional<UserRow>();
  UserRow u;
  u.id = st->Int(0);
  u.agency_id = st->Int(1);
  u.password_hash = st->OptionalText(2);
  u.enrolment_hash = st->Blob(3);
  u.enrolment_expires_at = st->OptionalInt(4).value_or(0);
  u.totp_secret = st->Blob(5);
  u.totp_enrolled = st->Int(6) != 0;
  u.totp_last_step = st->Int(7);
  u.failed_logins = st->Int(8);
  u.locked_until = st->Int(9);
  u.disabled = st->Int(10) != 0;
  u.reviewed_at = st->Int(11);
  return std::optional<UserRow>(std::move(u));
}

Status Exec(catalog::Database& db, std::string_view sql, std::initializer_list<std::int64_t> ints) {
  Result<catalog::Statement> st = db.Prepare(sql);
  if (!st.ok()) return st.status();
  int i = 1;
  for (std::int64_t v : ints) st->Bind(i++, v);
  return st->Run();
}

// Whether `secret` is the user's live one-time enrolment secret.
bool EnrolmentSecretMatches(const UserRow& u, std::string_view secret, std::int64_t now) {
  return !u.enrolment_hash.empty() && now < u.enrolment_expires_at && !u.totp_enrolled &&
         crypto::ConstantTimeEqual(u.enrolment_hash, TokenDigest(secret));
}

}  // namespace

bool Principal::Can(std::string_view permission) const {
  return std::binary_search(permissions.begin(), permissions.end(), permission);
}

Status Require(const Principal& p, std::string_view permission) {
  if (!p.Can(permission))
    return Status::PermissionDenied(fmt::format("needs the {} permission", permission));
  return Status::Ok();
}

Status AuditAct(catalog::Database& db, const Principal& p, std::string_view event, bool ok,
                std::string details, std::int64_t now, std::vector<std::int64_t> touched) {
  audit::Entry e;
  e.time = now;
  e.actor = p.Actor();
  e.agency = p.agency_id;
  e.event = std::string(event);
  e.outcome = ok ? audit::Outcome::kOk : audit::Outcome::kDenied;
  e.details = std::move(details);
  e.touched = touched.empty() ? std::vector<std::int64_t>{p.agency_id} : std::move(touched);
  return audit::Append(db, e);
}

std::string Principal::Actor() const {
  return fmt::format("{}:{}", kind == Kind::kUser ? "user" : "integration", id);
}

Status Accounts::Audit(std::string_view actor, std::optional<std::int64_t> agency,
                       std::string_view event, bool ok, std::string details, std::int64_t now) {
  audit::Entry e;
  e.time = now;
  e.actor = std::string(actor);
  e.agency = agency;
  e.event = std::string(event);
  e.outcome = ok ? audit::Outcome::kOk : audit::Outcome::kDenied;
  e.details = std::move(details);
  return audit::Append(db_, e);
}

Result<Enrolment> Accounts::Enrol(std::string_view username, std::string_view enrolment_secret,
                                  std::string_view new_password, std::int64_t now) {
  if (new_password.size() < policy_.min_password_length) {
    return Status::InvalidArgument(
        fmt::format("password: at least {} characters", policy_.min_password_length));
  }
  Result<std::string> hash = crypto::HashPassword(new_password, policy_.password_cost);
  if (!hash.ok()) return hash.status();
  const std::string totp_secret = crypto::RandomBytes(20);
  bool accepted = false;
  Status st = db_.Transaction([&]() -> Status {
    Result<std::optional<UserRow>> u = FindUser(db_, username);
    if (!u.ok()) return u.status();
    const std::string details = json::Object("username", username);
    if (!*u || !EnrolmentSecretMatches(**u, enrolment_secret, now)) {
      return Audit(*u ? fmt::format("user:{}", (*u)->id) : "unknown",
                   *u ? std::optional((*u)->agency_id) : std::nullopt, "enrol.password", false,
                   details, now);
    }
    Result<catalog::Statement> up =
        db_.Prepare("UPDATE users SET password_hash = ?1, totp_secret = ?2 WHERE id = ?3");
    if (!up.ok()) return up.status();
    up->Bind(1, *hash).BindBlob(2, totp_secret).Bind(3, (*u)->id);
    INTERDICT_RETURN_IF_ERROR(up->Run());
    accepted = true;
    return Audit(fmt::format("user:{}", (*u)->id), (*u)->agency_id, "enrol.password", true, details,
                 now);
  });
  if (!st.ok()) return st;
  if (!accepted)
    return Status::Unauthenticated("unknown user, or enrolment secret wrong or expired");
  return Enrolment{crypto::Base32Encode(totp_secret), crypto::TotpUri(totp_secret, username)};
}

Status Accounts::ConfirmEnrolment(std::string_view username, std::string_view enrolment_secret,
                                  std::string_view totp_code, std::int64_t now) {
  bool accepted = false;
  Status st = db_.Transaction([&]() -> Status {
    Result<std::optional<UserRow>> u = FindUser(db_, username);
    if (!u.ok()) return u.status();
    const std::string details = json::Object("username", username);
    std::optional<std::int64_t> step;
    if (*u && EnrolmentSecretMatches(**u, enrolment_secret, now) && (*u)->password_hash &&
        !(*u)->totp_secret.empty()) {
      step = crypto::TotpCheck((*u)->totp_secret, totp_code, now, 0);
    }
    if (!step) {
      return Audit(*u ? fmt::format("user:{}", (*u)->id) : "unknown",
                   *u ? std::optional((*u)->agency_id) : std::nullopt, "enrol.confirm", false,
                   details, now);
    }
    INTERDICT_RETURN_IF_ERROR(Exec(db_,
                                   "UPDATE users SET totp_enrolled = 1, totp_last_step = ?1, "
                                   "enrolment_hash = NULL, enrolment_expires_at = NULL "
                                   "WHERE id = ?2",
                                   {*step, (*u)->id}));
    accepted = true;
    return Audit(fmt::format("user:{}", (*u)->id), (*u)->agency_id, "enrol.confirm", true, details,
                 now);
  });
  if (!st.ok()) return st;
  return accepted ? Status::Ok()
                  : Status::Unauthenticated(
                        "enrolment secret wrong or expired, or the code does not match");
}

bool Accounts::ReviewOverdue(std::int64_t reviewed_at, std::int64_t now) const {
  return now > reviewed_at + policy_.review_period_ms + policy_.review_grace_ms;
}

std::string BannerVersion(std::string_view banner) {
  const crypto::Digest d = crypto::Sha256(banner);
  return crypto::HexEncode(crypto::AsBytes(d)).substr(0, 16);
}

std::string Accounts::PasswordHashFor(std::string_view username) {
  Result<std::optional<UserRow>> found = FindUser(db_, username);
  if (found.ok() && *found && (*found)->password_hash) return *(*found)->password_hash;
  return DummyHash(policy_.password_cost);  // an unknown name costs as much as a wrong password
}

Result<std::string> Accounts::SignIn(std::string_view username, std::string_view password,
                                     std::string_view totp_code, std::string_view from,
                                     std::string_view banner_version, std::int64_t now) {
  const bool password_ok = crypto::VerifyPassword(PasswordHashFor(username), password);
  return FinishSignIn(username, password, password_ok, totp_code, from, banner_version, now);
}

Result<std::string> Accounts::FinishSignIn(std::string_view username, std::string_view password,
                                           bool password_ok, std::string_view totp_code,
                                           std::string_view from, std::string_view banner_version,
                                           std::int64_t now) {
  const std::string token = crypto::HexEncode(crypto::RandomBytes(32));
  Status outcome = Status::Unauthenticated(std::string(kSignInFailed));
  Status st = db_.Transaction([&]() -> Status {
    Result<std::optional<UserRow>> again = FindUser(db_, username);
    if (!again.ok()) return again.status();
    auto details = [&](std::string_view reason) {
      return json::Object("username", username, "from", from, "reason", reason);
    };
    if (!*again)
      return Audit("unknown", std::nullopt, "login", false, details("unknown user"), now);
    UserRow& u = **again;
    const std::string actor = fmt::format("user:{}", u.id);
    if (u.disabled) return Audit(actor, u.agency_id, "login", false, details("disabled"), now);
    if (u.locked_until > now) {
      outcome =
          Status::Unauthenticated(
              fmt::format("account locked after {} failed sign-ins; try again in {} minutes",
                          policy_.max_failed_logins, (u.locked_until - now + 59'999) / 60'000))
              .WithReason(codes::kAccountLocked);
      return Audit(actor, u.agency_id, "login", false, details("locked"), now);
    }
    if (!u.totp_enrolled)
      return Audit(actor, u.agency_id, "login", false, details("not enrolled"), now);
    const std::optional<std::int64_t> step =
        password_ok && u.password_hash
            ? crypto::TotpCheck(u.totp_secret, totp_code, now, u.totp_last_step)
            : std::nullopt;
    if (!step) {
      const std::int64_t failed = u.failed_logins + 1;
      const bool lock = failed >= policy_.max_failed_logins;
      INTERDICT_RETURN_IF_ERROR(
          Exec(db_, "UPDATE users SET failed_logins = ?1, locked_until = ?2 WHERE id = ?3",
               {lock ? 0 : failed, lock ? now + policy_.lockout_ms : u.locked_until, u.id}));
      return Audit(
          actor, u.agency_id, "login", false,
          details(lock ? "wrong password or code; account locked" : "wrong password or code"), now);
    }
    INTERDICT_RETURN_IF_ERROR(Exec(
        db_,
        "UPDATE users SET failed_logins = 0, locked_until = 0, totp_last_step = ?1 WHERE id = ?2",
        {*step, u.id}));
    // Told only to the person, once password and code are right.
    if (ReviewOverdue(u.reviewed_at, now)) {
      outcome =
          Status::Unauthenticated(std::string(kReviewOverdue)).WithReason(codes::kReviewOverdue);
      return Audit(actor, u.agency_id, "login", false, details("access review overdue"), now);
    }
    {
      Result<catalog::Statement> b = db_.Prepare(
          "UPDATE users SET banner_version = ?1, banner_accepted_at = ?2 WHERE id = ?3");
      if (!b.ok()) return b.status();
      b->Bind(1, banner_version).Bind(2, now).Bind(3, u.id);
      INTERDICT_RETURN_IF_ERROR(b->Run());
    }
    if (crypto::NeedsRehash(*u.password_hash, policy_.password_cost)) {
      Result<std::string> rehash = crypto::HashPassword(password, policy_.password_cost);
      if (!rehash.ok()) return rehash.status();
      Result<catalog::Statement> up =
          db_.Prepare("UPDATE users SET password_hash = ?1 WHERE id = ?2");
      if (!up.ok()) return up.status();
      up->Bind(1, *rehash).Bind(2, u.id);
      INTERDICT_RETURN_IF_ERROR(up->Run());
    }
    Result<catalog::Statement> s = db_.Prepare(
        "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at) VALUES (?1, ?2, ?3, "
        "?3)");
    if (!s.ok()) return s.status();
    s->BindBlob(1, TokenDigest(token)).Bind(2, u.id).Bind(3, now);
    INTERDICT_RETURN_IF_ERROR(s->Run());
    outcome = Status::Ok();
    return Audit(actor, u.agency_id, "login", true,
                 json::Object("username", username, "from", from, "banner", banner_version), now);
  });
  if (!st.ok()) return st;  // could not record: the sign-in does not happen
  if (!outcome.ok()) return outcome;
  return token;
}

Result<std::string> Accounts::RedeemSsoTicket(std::string_view ticket, std::string_view totp_code,
                                              std::string_view from,
                                              std::string_view banner_version, std::int64_t now) {
  constexpr std::int64_t kTicketMs = 2 * 60'000;
  const std::string token = crypto::HexEncode(crypto::RandomBytes(32));
  Status outcome = Status::Unauthenticated("unknown or used sign-in ticket: sign in again");
  Status st = db_.Transaction([&]() -> Status {
    Result<catalog::Statement> q = db_.Query(
        "SELECT l.user_id, l.mfa_asserted, l.created_at, l.redeemed_at IS NOT NULL, u.agency_id, "
        "u.disabled_at IS NOT NULL, u.totp_enrolled, u.totp_secret, u.totp_last_step, "
        "coalesce(u.reviewed_at, u.created_at), p.require_mfa FROM sso_logins l JOIN users u ON "
        "u.id = l.user_id JOIN sso_providers p ON p.agency_id = l.agency_id WHERE l.ticket_hash = "
        "?1",
        catalog::Bytes{TokenDigest(ticket)});
    if (!q.ok()) return q.status();
    if (!q->has_row())
      return Audit("unknown", std::nullopt, "login", false,
                   json::Object("sso", true, "from", from, "reason", "unknown ticket"), now);
    const std::int64_t uid = q->Int(0), agency = q->Int(4);
    const bool mfa_asserted = q->Int(1) != 0, redeemed = q->Int(3) != 0;
    const std::string actor = fmt::format("user:{}", uid);
    auto details = [&](std::string_view reason) {
      return json::Object("sso", true, "from", from, "reason", reason);
    };
    if (redeemed || now - q->Int(2) > kTicketMs)
      return Audit(actor, agency, "login", false,
                   details(redeemed ? "ticket replayed" : "ticket expired"), now);
    if (q->Int(5) != 0) return Audit(actor, agency, "login", false, details("disabled"), now);
    Result<catalog::Statement> spend =
        db_.Prepare("UPDATE sso_logins SET redeemed_at = ?1 WHERE ticket_hash = ?2");
    if (!spend.ok()) return spend.status();
    spend->Bind(1, now).BindBlob(2, TokenDigest(ticket));
    INTERDICT_RETURN_IF_ERROR(spend->Run());
    bool second_factor = mfa_asserted;
    if (!second_factor && q->Int(10) != 0) {
      const std::optional<std::int64_t> step =
          q->Int(6) != 0 ? crypto::TotpCheck(q->Blob(7), totp_code, now, q->Int(8)) : std::nullopt;
      if (!step) {
        outcome =
            Status::Unauthenticated(
                q->Int(6) != 0
                    ? "your identity provider did not confirm a second factor: enter the code "
                      "of your Interdict authenticator"
                    : "your identity provider did not confirm a second factor and you have no "
                      "Interdict authenticator: ask your administrator")
                .WithReason(codes::kMfaRequired);
        return Audit(actor, agency, "login", false,
                     details(totp_code.empty() ? "second factor missing" : "wrong code"), now);
      }
      INTERDICT_RETURN_IF_ERROR(
          Exec(db_, "UPDATE users SET totp_last_step = ?1 WHERE id = ?2", {*step, uid}));
      second_factor = true;
    }
    if (ReviewOverdue(q->Int(9), now)) {
      outcome =
          Status::Unauthenticated(std::string(kReviewOverdue)).WithReason(codes::kReviewOverdue);
      return Audit(actor, agency, "login", false, details("access review overdue"), now);
    }
    Result<catalog::Statement> b =
        db_.Prepare("UPDATE users SET banner_version = ?1, banner_accepted_at = ?2 WHERE id = ?3");
    if (!b.ok()) return b.status();
    b->Bind(1, banner_version).Bind(2, now).Bind(3, uid);
    INTERDICT_RETURN_IF_ERROR(b->Run());
    Result<catalog::Statement> s = db_.Prepare(
        "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at) VALUES (?1, ?2, ?3, "
        "?3)");
    if (!s.ok()) return s.status();
    s->BindBlob(1, TokenDigest(token)).Bind(2, uid).Bind(3, now);
    INTERDICT_RETURN_IF_ERROR(s->Run());
    outcome = Status::Ok();
    return Audit(actor, agency, "login", true,
                 json::Object("sso", true, "from", from, "banner", banner_version, "second_factor",
                              mfa_asserted ? "provider" : "interdict totp"),
                 now);
  });
  if (!st.ok()) return st;
  if (!outcome.ok()) return outcome;
  return token;
}

Result<Principal> Accounts::Authenticate(std::string_view token, std::int64_t now) {
  // Every request comes here: the common case is one read, without the
  // catalog's writer lock (which on PostgreSQL is every server's).
  const std::string digest = TokenDigest(token);
  Result<catalog::Statement> q = db_.Query(
      "SELECT s.user_id, s.last_seen_at, u.agency_id, u.disabled_at IS NOT NULL, "
      "coalesce(u.reviewed_at, u.created_at) FROM sessions s JOIN users u ON u.id = s.user_id "
      "WHERE s.token_hash = ?1 AND s.ended_at IS NULL",
      catalog::Bytes{digest});
  if (!q.ok()) return q.status();
  if (!q->has_row()) return Status::Unauthenticated("sign in first");
  const std::int64_t uid = q->Int(0), last_seen = q->Int(1), agency = q->Int(2);
  const bool disabled = q->Int(3) != 0;
  const bool overdue = ReviewOverdue(q->Int(4), now);
  if (disabled || overdue || now - last_seen > policy_.idle_lock_ms) {
    // Ended once: of two requests (or servers) ending it, one updates it and audits.
    INTERDICT_RETURN_IF_ERROR(db_.Transaction([&]() -> Status {
      Result<catalog::Statement> end = db_.Prepare(
          "UPDATE sessions SET ended_at = ?1 WHERE token_hash = ?2 AND ended_at IS NULL");
      if (!end.ok()) return end.status();
      end->Bind(1, now).BindBlob(2, digest);
      INTERDICT_RETURN_IF_ERROR(end->Run());
      if (db_.Changes() == 0) return Status::Ok();
      return Audit(fmt::format("user:{}", uid), agency,
                   disabled || overdue ? "session.end" : "session.lock", true,
                   disabled  ? R"({"reason":"account disabled"})"
                   : overdue ? R"({"reason":"access review overdue"})"
                             : R"({"reason":"idle"})",
                   now);
    }));
    return Status::Unauthenticated(disabled  ? std::string("account disabled")
                                   : overdue ? std::string(kReviewOverdue)
                                             : fmt::format("session locked after {} minutes idle: "
                                                           "sign in again",
                                                           policy_.idle_lock_ms / 60'000));
  }
  // The idle timer counts in minutes: refresh it at most once a minute, so
  // most requests read the session without a synced write. One statement,
  // which only moves the time forward.
  if (now - last_seen >= kLastSeenResolutionMs) {
    Result<catalog::Statement> touch = db_.Prepare(
        "UPDATE sessions SET last_seen_at = ?1 WHERE token_hash = ?2 AND ended_at IS NULL AND "
        "last_seen_at < ?1");
    if (!touch.ok()) return touch.status();
    touch->Bind(1, now).BindBlob(2, digest);
    INTERDICT_RETURN_IF_ERROR(touch->Run());
  }
  return UserPrincipal(uid);
}

Status Accounts::SignOut(std::string_view token, std::int64_t now) {
  return db_.Transaction([&]() -> Status {
    Result<catalog::Statement> q = db_.Prepare(
        "SELECT s.user_id, u.agency_id FROM sessions s JOIN users u ON u.id = s.user_id "
        "WHERE s.token_hash = ?1 AND s.ended_at IS NULL");
    if (!q.ok()) return q.status();
    q->BindBlob(1, TokenDigest(token));
    Result<bool> row = q->Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Unauthenticated("no such session");
    const std::int64_t uid = q->Int(0), agency = q->Int(1);
    Result<catalog::Statement> end =
        db_.Prepare("UPDATE sessions SET ended_at = ?1 WHERE token_hash = ?2");
    if (!end.ok()) return end.status();
    end->Bind(1, now).BindBlob(2, TokenDigest(token));
    INTERDICT_RETURN_IF_ERROR(end->Run());
    return Audit(fmt::format("user:{}", uid), agency, "logout", true, "{}", now);
  });
}

Result<Principal> Accounts::UserPrincipal(std::int64_t user_id) {
  Result<catalog::Statement> q = db_.Query(
      "SELECT u.id, u.username, u.agency_id, a.code, a.state, a.kind, u.role FROM users u "
      "JOIN agencies a ON a.id = u.agency_id WHERE u.id = ?1",
      user_id);
  if (!q.ok()) return q.status();
  if (!q->has_row()) return Status::NotFound(fmt::format("no user {}", user_id));
  Principal p;
  p.kind = Principal::Kind::kUser;
  p.id = q->Int(0);
  p.name = q->Text(1);
  p.agency_id = q->Int(2);
  p.agency_code = q->Text(3);
  p.agency_state = q->Text(4);
  p.agency_kind = q->Text(5);
  p.role = q->Text(6);
  Result<catalog::Statement> perms =
      db_.Prepare("SELECT permission FROM role_permissions WHERE role = ?1 ORDER BY permission");
  if (!perms.ok()) return perms.status();
  perms->Bind(1, p.role);
  for (;;) {
    Result<bool> r = perms->Step();
    if (!r.ok()) return r.status();
    if (!*r) break;
    p.permissions.push_back(perms->Text(0));
  }
  return p;
}

}  // namespace interdict::identity
