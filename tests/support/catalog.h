// The catalog a test works on, on the engine the suite runs on (decision
// 0033): SQLite files by default; PostgreSQL when ctest runs the suite again
// as "postgresql." with INTERDICT_TEST_POSTGRES naming the file that holds
// the connection string of the tests' own server (tests/support/catalog-postgres.sh).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "catalog/database.h"
#include "catalog/migrations.h"

namespace interdict::test {

// The tests' PostgreSQL server's connection string, when the suite runs on it.
inline const std::string& TestPostgres() {
  static const std::string conninfo = [] {
    const char* file = std::getenv("INTERDICT_TEST_POSTGRES");
    if (file == nullptr || *file == '\0') return std::string();
    std::ifstream in(file);
    std::string line;
    std::getline(in, line);
    if (line.empty()) ADD_FAILURE() << "INTERDICT_TEST_POSTGRES: nothing in " << file;
    return line;
  }();
  return conninfo;
}
inline bool OnPostgres() {
  return !TestPostgres().empty();
}

// Where the catalog that would be the SQLite file `path` lives on the suite's
// engine: the file itself, or a new PostgreSQL database made for it the first
// time the path is asked for (the same one after), so that every connection a
// test opens to "path" reaches the same catalog.
inline catalog::Location CatalogAt(const std::string& path) {
  if (!OnPostgres()) return catalog::Location::Sqlite(path);
  static std::mutex mu;
  static std::map<std::string, catalog::Location> made;
  std::lock_guard l(mu);
  auto it = made.find(path);
  if (it != made.end()) return it->second;
  std::random_device rd;
  const std::string name = fmt::format("t{}_{}_{:08x}", ::getpid(), made.size(), rd());
  Result<std::unique_ptr<catalog::Database>> admin =
      catalog::Database::Open(catalog::Location::Postgres(TestPostgres()));
  EXPECT_TRUE(admin.ok()) << admin.status().message();
  if (admin.ok()) {
    Status st = (*admin)->Exec("CREATE DATABASE " + name);
    EXPECT_TRUE(st.ok()) << st.message();
  }
  return made.emplace(path, catalog::Location::Postgres(TestPostgres() + " dbname=" + name))
      .first->second;
}

// Opens the catalog at CatalogAt(path), with a test failure when it cannot.
inline std::unique_ptr<catalog::Database> OpenCatalog(const std::string& path,
                                                      bool read_only = false) {
  const catalog::Location where = CatalogAt(path);
  Result<std::unique_ptr<catalog::Database>> db =
      read_only ? catalog::Database::OpenReadOnly(where) : catalog::Database::Open(where);
  EXPECT_TRUE(db.ok()) << db.status().message();
  return db.ok() ? std::move(db).value() : nullptr;
}

inline std::unique_ptr<catalog::Database> MigratedCatalog(const std::string& path) {
  std::unique_ptr<catalog::Database> db = OpenCatalog(path);
  if (!db) return nullptr;
  Status st = catalog::Migrate(*db);
  EXPECT_TRUE(st.ok()) << st.message();
  return db;
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

// The command line `argv` of an interdict command that opens the catalog of
// its --data DIR, with --catalog naming that catalog on the suite's engine.
inline std::vector<std::string> OnSuiteCatalog(std::vector<std::string> argv) {
  if (!OnPostgres() || argv.size() < 2) return argv;
  if (argv[1] != "admin" && argv[1] != "audit" && argv[1] != "import") return argv;
  for (std::size_t i = 0; i + 1 < argv.size(); ++i) {
    if (argv[i] != "--data") continue;
    const std::string target = CatalogAt(argv[i + 1] + "/catalog.db").target;
    argv.insert(argv.begin() + static_cast<std::ptrdiff_t>(i) + 2,
                {"--catalog", "postgresql:" + target});
    break;
  }
  return argv;
}

// Runs `sql` as someone with the database itself could: with the triggers that
// keep the audit trail append-only and the foreign keys out of the way
// (SQLite: dropped, and foreign_keys off; PostgreSQL: every trigger and key
// check of this session off, session_replication_role = replica).
inline Status RunAsTamperer(catalog::Database& db, std::string_view sql) {
  if (db.engine() == catalog::Engine::kPostgres) {
    INTERDICT_RETURN_IF_ERROR(db.Exec("SET session_replication_role = replica"));
  } else {
    for (const char* t : {"audit_no_update", "audit_no_delete", "audit_touched_no_update",
                          "audit_touched_no_delete"}) {
      INTERDICT_RETURN_IF_ERROR(db.Exec(std::string("DROP TRIGGER IF EXISTS ") + t));
    }
    INTERDICT_RETURN_IF_ERROR(db.Exec("PRAGMA foreign_keys=OFF"));
  }
  return db.Exec(sql);
}

// Makes every later write of an audit entry fail with `message`, as a disk
// that refuses writes would.
inline Status BreakAuditWrites(catalog::Database& db, std::string_view message) {
  if (db.engine() == catalog::Engine::kPostgres) {
    return db.Exec(fmt::format(
        "CREATE FUNCTION broken() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION "
        "'{}'; END $$; CREATE TRIGGER broken BEFORE INSERT ON audit FOR EACH ROW EXECUTE "
        "FUNCTION broken()",
        message));
  }
  return db.Exec(fmt::format(
      "CREATE TRIGGER broken BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, '{}'); END",
      message));
}

// Every row of every table of a PostgreSQL catalog, as text: what a search
// for a value that must appear nowhere reads where SQLite's file bytes are
// read (its data files are the server's, not under the data directory).
inline std::string EveryCatalogRow(catalog::Database& db) {
  std::string all;
  Result<std::vector<std::string>> tables = db.List<std::string>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
      [](const catalog::Statement& r) { return r.Text(0); });
  EXPECT_TRUE(tables.ok()) << tables.status().message();
  if (!tables.ok()) return all;
  for (const std::string& t : *tables) {
    Result<std::vector<std::string>> rows =
        db.List<std::string>(fmt::format("SELECT t::text FROM {} t", t),
                             [](const catalog::Statement& r) { return r.Text(0); });
    EXPECT_TRUE(rows.ok()) << rows.status().message();
    if (rows.ok())
      for (const std::string& row : *rows) all += row + "\n";
  }
  return all;
}

// A blob literal of the bytes `hex` (two hex digits each) on `db`'s engine.
inline std::string BlobLiteral(const catalog::Database& db, std::string_view hex) {
  return db.engine() == catalog::Engine::kPostgres ? fmt::format("'\\x{}'::bytea", hex)
                                                   : fmt::format("x'{}'", hex);
}

}  // namespace interdict::test
