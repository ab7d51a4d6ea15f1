// The catalog as the service uses it: one connection, one lock. Every use
// runs under the lock (SQLite connections are not shared between threads
// here), and identity and policy calls are made through it.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "base/fair_mutex.h"
#include "base/status.h"
#include "catalog/database.h"
#include "config/config.h"
#include "identity/accounts.h"

namespace interdict::server {

// Where `config` puts the catalog: DATA/catalog.db, or catalog.postgresql.url
// with the password from catalog.postgresql.password_file when one is named.
Result<catalog::Location> CatalogLocation(const config::Config& config);

class CatalogHandle {
 public:
  // Opens (creating a SQLite file) the catalog and brings its schema up to date.
  static Result<std::unique_ptr<CatalogHandle>> Open(const catalog::Location& where,
                                                     identity::AccountPolicy policy);

  // Runs `f(db, accounts)` under the lock and returns what it returns.
  template <typename F>
  auto With(F&& f) {
    std::lock_guard l(mu_);
    return f(*db_, accounts_);
  }

 private:
  CatalogHandle(std::unique_ptr<catalog::Database> db, identity::AccountPolicy policy)
      : db_(std::move(db)), accounts_(*db_, std::move(policy)) {}
  FairMutex mu_;  // fair: a burst of short holds cannot starve a waiting request
  std::unique_ptr<catalog::Database> db_;
  identity::Accounts accounts_;
};

}  // namespace interdict::server
