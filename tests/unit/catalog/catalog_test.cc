#include <gtest/gtest.h>

#include <chrono>
#include <set>

#include "catalog/database.h"
#include "catalog/migrations.h"
#include "support/catalog.h"
#include "support/temp_dir.h"

namespace interdict::catalog {
namespace {

class CatalogDbTest : public ::testing::Test {
 protected:
  std::unique_ptr<Database> Open() {
    Result<std::unique_ptr<Database>> db = Database::Open(test::CatalogAt(dir_.File("catalog.db")));
    EXPECT_TRUE(db.ok()) << db.status().message();
    return db.ok() ? std::move(db).value() : nullptr;
  }
  static std::int64_t Scalar(Database& db, std::string_view sql) {
    Result<Statement> st = db.Prepare(sql);
    EXPECT_TRUE(st.ok()) << st.status().message();
    EXPECT_TRUE(*st->Step());
    return st->Int(0);
  }
  test::TempDir dir_;
};

TEST_F(CatalogDbTest, MigrationsBringAnEmptyDatabaseToTheCurrentVersionOnce) {
  auto db = Open();
  ASSERT_TRUE(Migrate(*db).ok());
  EXPECT_EQ(db->SchemaVersion().value_or(-1), SchemaVersion());
  EXPECT_GT(Scalar(*db, "SELECT count(*) FROM purposes WHERE prohibited = 1"), 0);
  // Running again changes nothing (seed rows would collide if it re-ran).
  ASSERT_TRUE(Migrate(*db).ok());
  EXPECT_EQ(Scalar(*db, "SELECT count(*) FROM roles"), 7);
}

TEST_F(CatalogDbTest, AnOlderSchemaIsUpgradedStepByStep) {
  auto db = Open();
  // A catalog made by a binary that knew only version 1.
  ASSERT_TRUE(db->Exec(StepSql(Migrations().front(), db->engine())).ok());
  ASSERT_TRUE(db->SetSchemaVersion(1).ok());
  ASSERT_TRUE(db->Exec("INSERT INTO agencies (code, name, ori, state, kind, created_at) "
                       "VALUES ('STLPD', 'x', 'MO0950000', 'US-MO', 'local', 0)")
                  .ok());
  ASSERT_TRUE(Migrate(*db).ok());
  EXPECT_EQ(db->SchemaVersion().value_or(-1), SchemaVersion());
  EXPECT_EQ(Scalar(*db, "SELECT count(*) FROM agencies"), 1) << "data kept";
  EXPECT_EQ(Scalar(*db, "SELECT count(*) FROM approvals"), 0) << "version 2's table exists";
}

// Version 18 counts each person's search results by the hour for the daily
// cap; the upgrade starts the count from the audit trail's last 25 hours, so
// an upgrade does not reset anyone's cap.
TEST_F(CatalogDbTest, TheUpgradeToHourlySearchCountsStartsFromTheLastDaysAuditEntries) {
  auto db = Open();
  for (const Migration& m : Migrations()) {
    if (m.version > 17) break;
    ASSERT_TRUE(db->Exec(StepSql(m, db->engine())).ok()) << m.version;
  }
  ASSERT_TRUE(db->SetSchemaVersion(17).ok());
  const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  // Two searches an hour ago, a refusal, an export twin, and a search two days ago.
  const std::pair<std::int64_t, const char*> entries[] = {{now - 3'600'000, "search.plate"},
                                                          {now - 3'500'000, "search.area"},
                                                          {now - 3'400'000, "search.refused"},
                                                          {now - 3'300'000, "search.export"},
                                                          {now - 48 * 3'600'000, "search.plate"}};
  std::int64_t seq = 0;
  for (const auto& [time, event] : entries) {
    Result<Statement> ins = db->Prepare(
        "INSERT INTO audit (seq, time, actor, agency_id, event, outcome, details, prev, hash) "
        "VALUES (?1, ?2, 'user:7', NULL, ?3, 'ok', ?4, ?5, ?5)");
    ASSERT_TRUE(ins.ok()) << ins.status().message();
    ins->Bind(1, ++seq).Bind(2, time).Bind(3, std::string(event));
    ins->Bind(4, std::string(R"({"results":5})")).BindBlob(5, std::string(32, '\x01'));
    ASSERT_TRUE(ins->Run().ok());
  }
  ASSERT_TRUE(Migrate(*db).ok());
  EXPECT_EQ(Scalar(*db,
                   "SELECT coalesce(sum(results), 0) FROM search_results_hourly WHERE actor "
                   "= 'user:7'"),
            10)
      << "the two searches of the last day, not the refusal, the export or the old search";
}

TEST_F(CatalogDbTest, ANewerSchemaIsRefusedAndLeftAlone) {
  {
    auto db = Open();
    ASSERT_TRUE(Migrate(*db).ok());
    ASSERT_TRUE(db->SetSchemaVersion(999).ok());
  }
  auto db = Open();
  Status st = Migrate(*db);
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(st.message().find("schema version 999"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("upgrade interdict"), std::string::npos) << st.message();
  EXPECT_EQ(db->SchemaVersion().value_or(-1), 999);
}

TEST_F(CatalogDbTest, AFailedTransactionLeavesNoTrace) {
  auto db = Open();
  ASSERT_TRUE(Migrate(*db).ok());
  Status st = db->Transaction([&] {
    INTERDICT_RETURN_IF_ERROR(
        db->Exec("INSERT INTO agencies (code, name, ori, state, kind, created_at) "
                 "VALUES ('STLPD', 'St. Louis PD', 'MO0950000', 'US-MO', 'local', 0)"));
    return Status::Internal("the action after it failed");
  });
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(Scalar(*db, "SELECT count(*) FROM agencies"), 0);
}

TEST_F(CatalogDbTest, ConstraintsRejectWhatTheModelForbids) {
  auto db = Open();
  ASSERT_TRUE(Migrate(*db).ok());
  auto insert = [&](std::string_view code, std::string_view ori, std::string_view kind) {
    Result<Statement> st = db->Prepare(
        "INSERT INTO agencies (code, name, ori, state, kind, created_at) "
        "VALUES (?1, 'x', ?2, 'US-MO', ?3, 0)");
    st->Bind(1, code).Bind(2, ori).Bind(3, kind);
    return st->Run();
  };
  EXPECT_TRUE(insert("A", "MO0950000", "local").ok());
  EXPECT_EQ(insert("A", "MO0950001", "local").code(), StatusCode::kAlreadyExists) << "same code";
  EXPECT_FALSE(insert("B", "MO095", "local").ok()) << "an ORI has 9 characters";
  EXPECT_FALSE(insert("C", "MO0950002", "tribal-ish").ok()) << "unknown kind";
}

TEST_F(CatalogDbTest, ParametersAreBoundNeverSpliced) {
  auto db = Open();
  ASSERT_TRUE(Migrate(*db).ok());
  const std::string hostile = "x'); DROP TABLE agencies; --";
  Result<Statement> st =
      db->Prepare("INSERT INTO cases (agency_id, number, opened_at) VALUES (NULL, ?1, 0)");
  ASSERT_TRUE(st.ok());
  st->Bind(1, hostile);
  EXPECT_FALSE(st->Run().ok()) << "agency_id NULL violates NOT NULL";
  EXPECT_TRUE(db->Query("SELECT count(*) FROM agencies").ok()) << "the table is still there";
}

// Query binds its arguments in order, steps once and says whether a row is
// there; List maps every row; an error of either is returned, not swallowed.
TEST_F(CatalogDbTest, QueryAndListBindInOrderAndReportRowsAndErrors) {
  auto db = Open();
  ASSERT_TRUE(db->Exec("CREATE TABLE t (a INTEGER, b TEXT); INSERT INTO t VALUES (1, 'x'), "
                       "(2, 'y'), (3, NULL)")
                  .ok());
  Result<Statement> one = db->Query("SELECT b FROM t WHERE a = ?1 AND ?2 = 'go'", 2, "go");
  ASSERT_TRUE(one.ok()) << one.status().message();
  ASSERT_TRUE(one->has_row());
  EXPECT_EQ(one->Text(0), "y");
  Result<Statement> none = db->Query("SELECT b FROM t WHERE a = ?1", 9);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_row());
  // A step after the last row, and a reset, leave no row behind.
  ASSERT_TRUE(one->Step().ok());
  EXPECT_FALSE(one->has_row());

  Result<std::vector<std::string>> bs = db->List<std::string>(
      "SELECT coalesce(b, '-') FROM t WHERE a >= ?1 ORDER BY a",
      [](const Statement& r) { return r.Text(0); }, 2);
  ASSERT_TRUE(bs.ok());
  EXPECT_EQ(*bs, (std::vector<std::string>{"y", "-"}));
  Result<std::vector<std::int64_t>> nulls = db->List<std::int64_t>(
      "SELECT a FROM t WHERE coalesce(b, '') = coalesce(?1, '')",
      [](const Statement& r) { return r.Int(0); }, std::optional<std::string>());
  ASSERT_TRUE(nulls.ok());
  EXPECT_EQ(*nulls, (std::vector<std::int64_t>{3}));

  // Bytes bind as bytes (a digest is not text: here a zero byte and an invalid UTF-8 one).
  const std::string digest("a\0\xff", 3);
  ASSERT_TRUE(db->Exec(db->engine() == catalog::Engine::kPostgres ? "CREATE TABLE k (h bytea)"
                                                                  : "CREATE TABLE k (h BLOB)")
                  .ok());
  Result<Statement> put = db->Prepare("INSERT INTO k (h) VALUES (?1)");
  ASSERT_TRUE(put.ok());
  put->BindBlob(1, digest);
  ASSERT_TRUE(put->Run().ok());
  Result<Statement> found = db->Query("SELECT count(*) FROM k WHERE h = ?1", Bytes{digest});
  ASSERT_TRUE(found.ok()) << found.status().message();
  EXPECT_EQ(found->Int(0), 1);

  EXPECT_FALSE(db->Query("SELECT nothing FROM nowhere").ok());
  EXPECT_FALSE(db->List<int>(
                     "SELECT a FROM t WHERE a = ?1", [](const Statement&) { return 0; }, 1, 2)
                   .ok())
      << "a parameter the statement does not have";
}

// The two engines' schemas are one (decision 0033): the same tables, columns,
// types in SQLite's words and foreign keys, from the same migrations.
TEST_F(CatalogDbTest, BothEnginesMigrateToTheSameTablesColumnsAndKeys) {
  if (!test::OnPostgres()) GTEST_SKIP() << "compares against PostgreSQL: the postgresql.* run";
  auto pg = Open();
  Result<std::unique_ptr<Database>> lite = Database::Open(dir_.File("sqlite.db"));
  ASSERT_TRUE(pg && lite.ok());
  ASSERT_TRUE(Migrate(*pg).ok());
  ASSERT_TRUE(Migrate(**lite).ok());
  Result<std::vector<std::string>> a = (*lite)->Tables();
  Result<std::vector<std::string>> b = pg->Tables();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(std::set<std::string>(a->begin(), a->end()),
            std::set<std::string>(b->begin(), b->end()));
  for (const std::string& t : *a) {
    Result<std::vector<Column>> x = (*lite)->Columns(t);
    Result<std::vector<Column>> y = pg->Columns(t);
    ASSERT_TRUE(x.ok() && y.ok()) << t;
    EXPECT_EQ(x->size(), y->size()) << t;
    for (std::size_t i = 0; i < std::min(x->size(), y->size()); ++i) {
      EXPECT_EQ((*x)[i].name, (*y)[i].name) << t;
      EXPECT_EQ((*x)[i].type, (*y)[i].type) << t << "." << (*x)[i].name;
      EXPECT_EQ((*x)[i].references, (*y)[i].references) << t << "." << (*x)[i].name;
    }
  }
}

// A connection the server dropped (a failover, a restart) comes back at the
// next use with the settings it was opened with: a read-only connection stays
// read-only, and a statement prepared before still runs.
TEST_F(CatalogDbTest, AConnectionTheServerDroppedComesBackWithItsSettings) {
  if (!test::OnPostgres()) GTEST_SKIP() << "a server to drop the connection: postgresql.* run";
  auto db = Open();
  ASSERT_TRUE(Migrate(*db).ok());
  Result<std::unique_ptr<Database>> ro =
      Database::OpenReadOnly(test::CatalogAt(dir_.File("catalog.db")));
  ASSERT_TRUE(ro.ok()) << ro.status().message();
  Result<Statement> before = (*ro)->Prepare("SELECT count(*) FROM roles");
  ASSERT_TRUE(before.ok());
  ASSERT_TRUE(db->Query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
                        "current_database() AND pid <> pg_backend_pid()")
                  .ok());
  // The first use may find the connection gone; the next one reconnects.
  (void)(*ro)->Query("SELECT 1");
  Result<Statement> again = (*ro)->Query("SELECT count(*) FROM roles");
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->Int(0), 7);
  ASSERT_TRUE(before->Step().ok()) << "prepared on the old connection, prepared again";
  EXPECT_EQ(before->Int(0), 7);
  Status write = (*ro)->Exec("DELETE FROM roles");
  EXPECT_EQ(write.code(), StatusCode::kPermissionDenied) << write.message();
}

// A location names its engine; what is shown of it never holds a password.
TEST(CatalogLocationTest, LocationsParseAndNeverShowAPassword) {
  Result<Location> lite = Location::Parse("sqlite:/var/lib/interdict/catalog.db");
  ASSERT_TRUE(lite.ok());
  EXPECT_EQ(lite->engine, Engine::kSqlite);
  EXPECT_EQ(lite->Describe(), "/var/lib/interdict/catalog.db");
  Result<Location> url = Location::Parse("postgresql://interdict:s3cret@db1:5432/interdict");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->engine, Engine::kPostgres);
  EXPECT_EQ(url->target, "postgresql://interdict:s3cret@db1:5432/interdict") << "libpq's URL";
  for (const char* text : {"postgresql://interdict:s3cret@db1:5432/interdict",
                           "postgresql:host=db1 password=s3cret dbname=x",
                           "postgresql:host=db1 password='s3 cret\\' more' dbname=x",
                           "postgresql://db1/x?password=s3cret&sslmode=require"}) {
    Result<Location> l = Location::Parse(text);
    ASSERT_TRUE(l.ok()) << text;
    EXPECT_EQ(l->Describe().find("s3"), std::string::npos) << l->Describe();
    EXPECT_EQ(l->Describe().find("cret"), std::string::npos) << l->Describe();
  }
  for (const char* bad : {"", "sqlite:", "postgresql:", "mysql:x", "/var/lib/catalog.db"})
    EXPECT_EQ(Location::Parse(bad).status().code(), StatusCode::kInvalidArgument) << bad;
}

}  // namespace
}  // namespace interdict::catalog
