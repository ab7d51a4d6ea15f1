// People administered by their own agency's administrator: create (with a
// one-time enrolment secret), list, disable. No shared accounts: one username
// per person, never reused.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "catalog/database.h"
#include "identity/accounts.h"

namespace interdict::identity {

struct NewUser {
  std::int64_t id = 0;
  std::string enrolment_secret;  // shown once
  std::int64_t enrolment_expires_at = 0;
};

struct UserInfo {
  std::int64_t id = 0;
  std::string username, display_name, role;
  bool enrolled = false;
  bool disabled = false;
  bool locked = false;
  std::string shift;  // "HH:MM-HH:MM" local, or ""
  // The yearly access review (GOVERNANCE 31): when it was last done (or the
  // account created), by whom ("" before the first), when the next is due,
  // and whether the account is suspended for want of it.
  std::int64_t reviewed_at = 0;
  std::string reviewed_by;
  std::int64_t review_due_at = 0;
  bool suspended = false;
};

// users.manage, own agency only, any human role; audited.
Result<NewUser> CreateUser(catalog::Database& db, const Principal& p, std::string_view username,
                           std::string_view display_name, std::string_view role, std::int64_t now);
// Ends the user's sessions too. An administrator cannot disable themselves.
Status DisableUser(catalog::Database& db, const Principal& p, std::int64_t id, std::int64_t now);
// A work shift "HH:MM-HH:MM" as minutes of the day [start, end); the end may
// come before the start (a shift past midnight). nullopt for anything else.
std::optional<std::pair<int, int>> ParseShift(std::string_view shift);

// users.manage: a person's work shift, "HH:MM-HH:MM" local (it may pass
// midnight), or "" for none; the review queue flags searches outside it. Audited.
Status SetShift(catalog::Database& db, const Principal& p, std::int64_t id, std::string_view shift,
                std::int64_t now);
// users.manage: the people of p's agency, by username; with `due_within_ms`,
// only those whose access review is due within that time, or overdue.
Result<std::vector<UserInfo>> ListUsers(catalog::Database& db, const Principal& p, std::int64_t now,
                                        std::optional<std::int64_t> due_within_ms = std::nullopt);

// users.manage, own agency: the yearly review of a person's access — their
// role is still needed — which restarts the year and lifts a suspension. An
// administrator reviews their own access only when the agency has no other
// administrator. Audited (user.review).
Status ReviewUser(catalog::Database& db, const Principal& p, std::int64_t id, std::int64_t now);

}  // namespace interdict::identity
