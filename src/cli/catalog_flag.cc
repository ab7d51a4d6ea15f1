#include "cli/catalog_flag.h"

#include "server/data_dir.h"

namespace interdict::cli {

Result<std::unique_ptr<catalog::Database>> OpenCatalog(const Args& args, const std::string& data,
                                                       bool read_only) {
  catalog::Location where = catalog::Location::Sqlite(server::DataPaths(data).catalog());
  if (std::optional<std::string> named = args.Get("catalog")) {
    Result<catalog::Location> parsed = catalog::Location::Parse(*named);
    if (!parsed.ok()) return parsed.status().WithContext("--catalog: ");
    where = std::move(parsed).value();
  }
  return read_only ? catalog::Database::OpenReadOnly(where) : catalog::Database::Open(where);
}

}  // namespace interdict::cli
