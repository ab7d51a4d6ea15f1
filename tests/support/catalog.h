// A migrated catalog database in a test's directory.
#pragma once

#include <gtest/gtest.h>

#include <initializer_list>
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

// A migrated catalog with these statements run in order (a test's fixture
// rows); null, with the failing statement reported, when one fails.
inline std::unique_ptr<catalog::Database> MigratedCatalog(const std::string& path,
                                                          std::initializer_list<const char*> sql) {
  std::unique_ptr<catalog::Database> db = MigratedCatalog(path);
  if (!db) return nullptr;
  for (const char* s : sql) {
    Status st = db->Exec(s);
    EXPECT_TRUE(st.ok()) << s << ": " << st.message();
    if (!st.ok()) return nullptr;
  }
  return db;
}

}  // namespace interdict::test
