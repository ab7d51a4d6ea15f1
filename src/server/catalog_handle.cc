#include "server/catalog_handle.h"

#include "catalog/migrations.h"
#include "server/data_dir.h"

namespace interdict::server {

Result<catalog::Location> CatalogLocation(const config::Config& config) {
  if (config.catalog.backend != "postgresql")
    return catalog::Location::Sqlite(DataPaths(config.data_dir).catalog());
  catalog::Location where = catalog::Location::Postgres(config.catalog.postgresql_url);
  if (const std::string& file = config.catalog.postgresql_password_file; !file.empty()) {
    Result<std::string> password = config::ReadSecretFile(file, "catalog.postgresql.password_file");
    if (!password.ok()) return password.status();
    where.password = std::move(password).value();
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
