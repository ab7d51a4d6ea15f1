// People's accounts: enrolment (password and TOTP), sign-in with lockout,
// sessions with an idle lock, sign-out. Every outcome is audited in the same
// transaction as its effect. Times come from the caller (an injected clock).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "catalog/database.h"
#include "crypto/password.h"

namespace interdict::identity {

// The roles the code itself names. Roles and their permissions are rows of
// the catalog (roles, role_permissions); these are the ones a rule refers to.
enum class Role { kAdministrator, kSupervisor, kAnalyst, kOfficer, kAuditor, kClerk, kIntegration };
inline constexpr std::string_view kRoleNames[] = {
    "administrator", "supervisor", "analyst", "officer", "auditor", "clerk", "integration"};
std::string_view RoleName(Role r);
bool IsRole(std::string_view role, Role r);

// The two-person rule of sharing changes and confidential-plate matching: one
// of a supervisor and an administrator proposes, the other approves.
bool AreSupervisorAndAdministrator(std::string_view proposer_role, std::string_view approver_role);

// Who is acting: a signed-in person or an integration's key.
struct Principal {
  enum class Kind { kUser, kIntegration };
  Kind kind = Kind::kUser;
  std::int64_t id = 0;
  std::string name;  // username, or the integration's name
  std::int64_t agency_id = 0;
  std::string agency_code;
  std::string agency_state;  // "US-MO"
  std::string agency_kind;   // local, county, state, federal
  std::string role;
  std::vector<std::string> permissions;  // sorted
  // An integration's camera scope (camera codes); empty: all the agency's.
  std::optional<std::vector<std::string>> cameras;
  // An integration's unit scope (call signs it may report); empty: all.
  std::optional<std::vector<std::string>> units;
  bool Can(std::string_view permission) const;
  std::string Actor() const;  // "user:17", "integration:4"
};

// PermissionDenied naming the permission, unless `p` holds it.
Status Require(const Principal& p, std::string_view permission);

// Records an act of `p` in the audit trail, inside the caller's transaction:
// actor and agency are p's; `touched` defaults to p's agency.
Status AuditAct(catalog::Database& db, const Principal& p, std::string_view event, bool ok,
                std::string details, std::int64_t now, std::vector<std::int64_t> touched = {});

inline constexpr std::int64_t kReviewPeriodMs = 365LL * 86'400'000;
inline constexpr std::int64_t kReviewGraceMs = 30LL * 86'400'000;

struct AccountPolicy {
  crypto::PasswordCost password_cost;
  int max_failed_logins = 5;
  std::int64_t lockout_ms = 10 * 60'000;
  std::int64_t idle_lock_ms = 30 * 60'000;
  std::size_t min_password_length = 12;
  // Every person's access is reviewed by their agency's administrator at
  // least this often (GOVERNANCE 31); past the period and the grace the
  // account is suspended — no sign-in, sessions ended — until reviewed.
  std::int64_t review_period_ms = kReviewPeriodMs;
  std::int64_t review_grace_ms = kReviewGraceMs;
};

// What a sign-in must say it accepted: the first 16 hex digits of the
// SHA-256 of the login banner's text, so a changed banner must be accepted
// again (GOVERNANCE 31).
std::string BannerVersion(std::string_view banner);

inline constexpr std::string_view kReviewOverdue =
    "the yearly review of this account's access is overdue: ask your agency's administrator to "
    "review it";

struct Enrolment {
  std::string totp_secret_base32;
  std::string totp_uri;
};

class Accounts {
 public:
  Accounts(catalog::Database& db, AccountPolicy policy) : db_(db), policy_(std::move(policy)) {}

  // Step 1 of enrolment: with the one-time secret, set a password and get a
  // fresh TOTP secret to put in an authenticator app. May be repeated until
  // step 2 (a new TOTP secret each time).
  Result<Enrolment> Enrol(std::string_view username, std::string_view enrolment_secret,
                          std::string_view new_password, std::int64_t now);
  // Step 2: a code from the authenticator proves it works; the one-time
  // secret is spent and the account can sign in.
  Status ConfirmEnrolment(std::string_view username, std::string_view enrolment_secret,
                          std::string_view totp_code, std::int64_t now);

  // Password and TOTP code; a new session token (32 random bytes, hex) on
  // success. Unauthenticated on any failure, with the same message whatever
  // was wrong (except a locked account, which says until when, and — to the
  // person alone, once password and code are right — an overdue access
  // review). `banner_version` is the login banner the person accepted
  // (BannerVersion; the caller checks it is the current one): recorded with
  // the account and in the audit entry.
  Result<std::string> SignIn(std::string_view username, std::string_view password,
                             std::string_view totp_code, std::string_view from,
                             std::string_view banner_version, std::int64_t now);
  // SignIn in two steps, so that the slow password check (Argon2id) can run
  // without holding the catalog: the hash to check against (a fixed one for an
  // unknown name, which costs as much), then the outcome of the check.
  std::string PasswordHashFor(std::string_view username);
  Result<std::string> FinishSignIn(std::string_view username, std::string_view password,
                                   bool password_ok, std::string_view totp_code,
                                   std::string_view from, std::string_view banner_version,
                                   std::int64_t now);
  // The last step of single sign-on (identity/sso.h): the one-time ticket
  // the provider's sign-in left (valid two minutes) becomes a session. When
  // the agency requires multi-factor sign-in and the provider did not assert
  // it, the person's Interdict TOTP code is needed too (Unauthenticated with
  // reason mfa_required without it). Audited as login, with "sso".
  Result<std::string> RedeemSsoTicket(std::string_view ticket, std::string_view totp_code,
                                      std::string_view from, std::string_view banner_version,
                                      std::int64_t now);
  // The session's principal; refreshes its idle timer. Unauthenticated when
  // unknown, ended, idle too long (then it is ended and audited as locked), or
  // its person is disabled or overdue for review (ended and audited).
  Result<Principal> Authenticate(std::string_view token, std::int64_t now);
  Status SignOut(std::string_view token, std::int64_t now);

  // A user's principal (for administration and tests).
  Result<Principal> UserPrincipal(std::int64_t user_id);

 private:
  Status Audit(std::string_view actor, std::optional<std::int64_t> agency, std::string_view event,
               bool ok, std::string details, std::int64_t now);
  bool ReviewOverdue(std::int64_t reviewed_at, std::int64_t now) const;
  catalog::Database& db_;
  AccountPolicy policy_;
};

}  // namespace interdict::identity
