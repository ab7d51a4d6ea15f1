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
#include "catalog/sqlite.h"
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
Result<std::vector<UserInfo>> ListUsers(catalog::Database& db, const Principal& p,
                                        std::int64_t now);

}  // namespace interdict::identity
