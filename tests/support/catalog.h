// A migrated catalog database in a test's directory.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "catalog/migrations.h"
#include "catalog/sqlite.h"

namespace interdict::test {

inline std::unique_ptr<catalog::Database> MigratedCatalog(const std::string& path) {
  Result<std::unique_ptr<catalog::Database>> db = catalog::Database::Open(path);
  EXPECT_TRUE(db.ok()) << db.status().message();
  if (!db.ok()) return nullptr;
  Status st = catalog::Migrate(**db);
  EXPECT_TRUE(st.ok()) << st.message();
  return std::move(db).value();
}

}  // namespace interdict::test
