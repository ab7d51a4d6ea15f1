#include "server/catalog_handle.h"

#include "catalog/migrations.h"

namespace interdict::server {

Result<std::unique_ptr<CatalogHandle>> CatalogHandle::Open(const std::string& path,
                                                           identity::AccountPolicy policy) {
  Result<std::unique_ptr<catalog::Database>> db = catalog::Database::Open(path);
  if (!db.ok()) return db.status();
  INTERDICT_RETURN_IF_ERROR(catalog::Migrate(**db));
  return std::unique_ptr<CatalogHandle>(
      new CatalogHandle(std::move(db).value(), std::move(policy)));
}

}  // namespace interdict::server
