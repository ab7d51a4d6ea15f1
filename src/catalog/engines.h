// The two engines' openers, behind Database::Open (private to src/catalog/).
#pragma once

#include <memory>
#include <string>

#include "catalog/database.h"

namespace interdict::catalog::internal {

Result<std::unique_ptr<Database>> OpenSqlite(const std::string& path, bool read_only);
Result<std::unique_ptr<Database>> OpenPostgres(const Location& where, bool read_only);

}  // namespace interdict::catalog::internal
