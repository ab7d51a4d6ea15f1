// The catalog's schema, as numbered migration steps (docs/format/catalog.md).
#pragma once

#include <string_view>
#include <vector>

#include "base/status.h"
#include "catalog/sqlite.h"

namespace interdict::catalog {

struct Migration {
  int version;           // the schema version after this step
  std::string_view sql;  // statements run in one transaction
};

// Every step, in order; the last one's version is the binary's schema version.
const std::vector<Migration>& Migrations();
int SchemaVersion();

// Brings `db` up to SchemaVersion(), one transaction per step. A database
// newer than this binary is refused (FailedPrecondition) and left untouched.
Status Migrate(Database& db);

}  // namespace interdict::catalog
