// Names for ids, for showing the audit trail to people: agencies by code,
// actors ("user:4", "integration:2") by username or integration name.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "catalog/database.h"

namespace interdict::identity {

// Every agency's code, by id.
Result<std::map<std::int64_t, std::string>> AgencyCodes(catalog::Database& db);
// Every person's and integration's name, by audit actor ("user:4" → its username).
Result<std::map<std::string, std::string>> ActorNames(catalog::Database& db);

}  // namespace interdict::identity
