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

Result<cluster::ClickHouseReadsOptions> ClusterTables(const config::Config& config) {
  const config::ClusterConfig& c = config.cluster;
  Result<cluster::ClickHouseShards> shards = cluster::ParseShards(c.clickhouse_nodes);
  if (!shards.ok()) return shards.status().WithContext("cluster.clickhouse.nodes: ");
  cluster::ClickHouseReadsOptions o;
  o.shards = std::move(shards).value();
  o.cluster = c.clickhouse_cluster;
  o.replicated = c.clickhouse_replicated;
  o.user.name = c.clickhouse_user;
  if (!c.clickhouse_password_file.empty()) {
    Result<std::string> password =
        config::ReadSecretFile(c.clickhouse_password_file, "cluster.clickhouse.password_file");
    if (!password.ok()) return password.status();
    o.user.password = std::move(password).value();
  }
  return o;
}

Result<std::unique_ptr<CatalogHandle>> CatalogHandle::Open(const catalog::Location& where,
                                                           identity::AccountPolicy policy,
                                                           int connections) {
  if (where.engine == catalog::Engine::kSqlite || connections < 1) connections = 1;
  std::unique_ptr<CatalogHandle> h(new CatalogHandle());
  for (int i = 0; i < connections; ++i) {
    Result<std::unique_ptr<catalog::Database>> db = catalog::Database::Open(where);
    if (!db.ok()) return db.status();
    if (i == 0) INTERDICT_RETURN_IF_ERROR(catalog::Migrate(**db));
    h->slots_.push_back(std::make_unique<Slot>(std::move(db).value(), policy));
    h->free_.push_back(h->slots_.back().get());
  }
  return h;
}

CatalogHandle::Slot* CatalogHandle::Acquire() {
  std::unique_lock l(mu_);
  const std::uint64_t ticket = next_++;
  cv_.wait(l, [&] { return serving_ == ticket && !free_.empty(); });
  Slot* slot = free_.back();
  free_.pop_back();
  ++serving_;
  l.unlock();
  cv_.notify_all();  // the next ticket may find another free connection
  return slot;
}

void CatalogHandle::Release(Slot* slot) {
  {
    std::lock_guard l(mu_);
    free_.push_back(slot);
  }
  cv_.notify_all();
}

}  // namespace interdict::server
