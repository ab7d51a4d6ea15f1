// --catalog, for the commands that open a data directory's catalog: where it
// is when it is not DATA/catalog.db (a PostgreSQL shared by several servers).
#pragma once

#include <memory>
#include <string>

#include "catalog/database.h"
#include "cli/args.h"

namespace interdict::cli {

inline constexpr FlagSpec kCatalogFlag = {
    "catalog", true,
    "the catalog: sqlite:PATH or postgresql:CONNINFO (default sqlite:DATA/catalog.db; a "
    "PostgreSQL password from PGPASSWORD or ~/.pgpass, never the command line)"};

// Opens the catalog --catalog names, or DATA/catalog.db.
Result<std::unique_ptr<catalog::Database>> OpenCatalog(const Args& args, const std::string& data,
                                                       bool read_only = false);

}  // namespace interdict::cli
