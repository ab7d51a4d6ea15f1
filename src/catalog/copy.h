// Copying a whole catalog to another engine: `interdict catalog migrate`
// (docs/cluster.md), for a deployment that outgrows its embedded SQLite file.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "catalog/database.h"

namespace interdict::catalog {

// Called every 100,000 rows of a table with the rows copied so far, and after
// each table with its total (`done`).
using CopyProgress = std::function<void(std::string_view table, std::int64_t rows, bool done)>;

// Copies every row of every table of `from` into `to`, which must be empty
// (no schema at all: FailedPrecondition otherwise, nothing touched). `from`
// must be at this binary's schema version. `to` is migrated first, its seed
// rows replaced by `from`'s, and every row written in one transaction: an
// interrupted copy leaves `to` as empty as it was. `from` is read inside a
// transaction of its own, so no writer changes it meanwhile. Generated ids
// continue after the highest copied one.
Status CopyCatalog(Database& from, Database& to, const CopyProgress& progress);

}  // namespace interdict::catalog
