#include "server/catalog_handle.h"

#include <fstream>

#include <fmt/core.h>

#include "catalog/migrations.h"
#include "server/data_dir.h"

namespace interdict::server {

Result<catalog::Location> CatalogLocation(const config::Config& config) {
  if (config.catalog.backend != "postgresql")
    return catalog::Location::Sqlite(DataPaths(config.data_dir).catalog());
  catalog::Location where = catalog::Location::Postgres(config.catalog.postgresql_url);
  const std::string& file = config.catalog.postgresql_password_file;
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in)
      return Status::NotFound(
          fmt::format("catalog.postgresql.password_file: cannot read {}", file));
    std::getline(in, where.password);
    if (!where.password.empty() && where.password.back() == '\r') where.password.pop_back();
    if (where.password.empty())
      return Status::InvalidArgument(fmt::format(
          "catalog.postgresql.password_file: {} has no password on its first line", file));
  }
  return where;
}

Result<std::unique_ptr<CatalogHandle>> CatalogHandle::Open(const catalog::Location& where,
                                                           identity::AccountPolicy policy) {
  Result<std::unique_ptr<catalog::Database>> db = catalog::Database::Open(where);
  if (!db.ok()) return db.status();
  INTERDICT_RETURN_IF_ERROR(catalog::Migrate(**db));
  return std::unique_ptr<CatalogHandle>(
      new CatalogHandle(std::move(db).value(), std::move(policy)));
}

}  // namespace interdict::server
