// The catalog's schema, as numbered migration steps (docs/format/catalog.md).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "catalog/database.h"

namespace interdict::catalog {

struct Migration {
  int version;                    // the schema version after this step
  std::string_view sql;           // statements run in one transaction, as SQLite takes them
  std::string_view postgres_sql;  // PostgreSQL's own text; when empty, PostgresDdl(sql)
};

// A step's SQLite DDL as PostgreSQL takes it: 64-bit integers, 8-byte reals,
// bytea for blobs, generated ids for rowid aliases.
std::string PostgresDdl(std::string_view sqlite_sql);
// The statements of step `m` on `engine`.
std::string StepSql(const Migration& m, Engine engine);

// Every step, in order; the last one's version is the binary's schema version.
const std::vector<Migration>& Migrations();
int SchemaVersion();

// Brings `db` up to SchemaVersion(), one transaction per step. A database
// newer than this binary is refused (FailedPrecondition) and left untouched.
Status Migrate(Database& db);

}  // namespace interdict::catalog
