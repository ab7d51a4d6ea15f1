// Agencies by code and by id, the one lookup every component uses; and names
// for ids, for showing the audit trail to people: agencies by code, actors
// ("user:4", "integration:2") by username or integration name.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "catalog/database.h"

namespace interdict::identity {

// An agency as the rules about it need it: its id, code, state ("US-MO")
// and kind ("local", "state", "federal" …).
struct AgencyRef {
  std::int64_t id = 0;
  std::string code, state, kind;
};

// The agency with `code`; nullopt when there is none.
Result<std::optional<AgencyRef>> FindAgency(catalog::Database& db, std::string_view code);
// The agency with `id`; NotFound when there is none.
Result<AgencyRef> AgencyById(catalog::Database& db, std::int64_t id);

// Every agency's code, by id.
Result<std::map<std::int64_t, std::string>> AgencyCodes(catalog::Database& db);
// Every person's and integration's name, by audit actor ("user:4" → its username).
Result<std::map<std::string, std::string>> ActorNames(catalog::Database& db);

}  // namespace interdict::identity
