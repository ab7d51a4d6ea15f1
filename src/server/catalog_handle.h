// The catalog as the service uses it. Every use takes a connection for its
// duration; identity and policy calls are made through it.
//
// On SQLite: one connection, taken in turn (its connections are not shared
// between threads here, and SQLite has one writer anyway). On PostgreSQL: a
// few connections, so requests' catalog work runs side by side; the writer
// lock every catalog transaction takes (decision 0033) keeps the invariants
// between them as it does between servers.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"
#include "catalog/database.h"
#include "cluster/clickhouse_reads.h"
#include "config/config.h"
#include "identity/accounts.h"

namespace interdict::server {

// Where `config` puts the catalog: DATA/catalog.db, or catalog.postgresql.url
// with the password from catalog.postgresql.password_file when one is named.
Result<catalog::Location> CatalogLocation(const config::Config& config);
// The cluster's read tables the configuration names (store.backend = "cluster").
Result<cluster::ClickHouseReadsOptions> ClusterTables(const config::Config& config);

class CatalogHandle {
 public:
  // Opens (creating a SQLite file) the catalog and brings its schema up to
  // date; `connections` on PostgreSQL, always one on SQLite.
  static Result<std::unique_ptr<CatalogHandle>> Open(const catalog::Location& where,
                                                     identity::AccountPolicy policy,
                                                     int connections = 1);

  // Gives every connection the sealer of the catalog's sensitive values
  // (encryption at rest); call before the handle is shared.
  void SetSealer(const std::shared_ptr<const catalog::ValueSealer>& sealer) {
    for (auto& slot : slots_) slot->db->set_sealer(sealer);
  }

  // Runs `f(db, accounts)` on a connection of its own and returns what it
  // returns. Connections are granted in the order they were asked for: a
  // burst of short uses (a hotlist reload's fifty transactions) cannot starve
  // a waiting request.
  template <typename F>
  auto With(F&& f) {
    Lease lease(*this);
    return f(*lease.slot->db, lease.slot->accounts);
  }

 private:
  struct Slot {
    Slot(std::unique_ptr<catalog::Database> d, const identity::AccountPolicy& policy)
        : db(std::move(d)), accounts(*db, policy) {}
    std::unique_ptr<catalog::Database> db;
    identity::Accounts accounts;
  };
  struct Lease {
    explicit Lease(CatalogHandle& h) : handle(h), slot(h.Acquire()) {}
    ~Lease() { handle.Release(slot); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    CatalogHandle& handle;
    Slot* slot;
  };
  CatalogHandle() = default;
  Slot* Acquire();
  void Release(Slot* slot);

  std::vector<std::unique_ptr<Slot>> slots_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Slot*> free_;    // under mu_
  std::uint64_t next_ = 0;     // the ticket the next caller gets
  std::uint64_t serving_ = 0;  // the ticket whose turn it is to take a free connection
};

}  // namespace interdict::server
