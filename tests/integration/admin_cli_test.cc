// `interdict admin init` and `interdict audit verify`, as an operator runs them.
#include <gtest/gtest.h>

#include "catalog/database.h"
#include "support/catalog.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace interdict {
namespace {

// The command on the suite's catalog engine.
test::RunResult RunProgram(const std::vector<std::string>& argv) {
  return test::RunProgram(test::OnSuiteCatalog(argv));
}

const std::string kBin = INTERDICT_BINARY;

std::vector<std::string> InitArgs(const std::string& data) {
  return {kBin,
          "admin",
          "init",
          "--data",
          data,
          "--agency",
          "STLPD",
          "--agency-name",
          "St. Louis Metropolitan Police",
          "--ori",
          "MO0950000",
          "--state",
          "MO",
          "--kind",
          "local",
          "--user",
          "alice",
          "--name",
          "Alice Smith"};
}

TEST(AdminCliTest, InitCreatesTheFirstAgencyAndPrintsAOneTimeEnrolmentSecret) {
  test::TempDir dir;
  test::RunResult r = RunProgram(InitArgs(dir.path()));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("agency STLPD created (retention preset default)"), std::string::npos)
      << r.out;
  const std::size_t at = r.out.find("\n\n  ");
  ASSERT_NE(at, std::string::npos) << r.out;
  const std::string secret = r.out.substr(at + 4, 32);
  EXPECT_EQ(secret.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), std::string::npos)
      << secret;
  // Stored only as a digest.
  auto db = catalog::Database::OpenReadOnly(test::CatalogAt(dir.File("catalog.db")));
  ASSERT_TRUE(db.ok());
  auto st = (*db)->Query("SELECT enrolment_hash FROM users");
  ASSERT_TRUE(st.ok() && st->has_row());
  EXPECT_EQ(st->Blob(0).size(), 32u) << "a SHA-256 digest";
  EXPECT_EQ(st->Blob(0).find(secret), std::string::npos);

  test::RunResult again = RunProgram(InitArgs(dir.path()));
  EXPECT_EQ(again.code, 1);
  EXPECT_NE(again.err.find("already has agencies"), std::string::npos) << again.err;
}

TEST(AdminCliTest, AddAgencyAddsAFurtherMemberButNeitherTheFirstNorADuplicate) {
  test::TempDir dir;
  std::vector<std::string> add = InitArgs(dir.path());
  add[2] = "add-agency";
  test::RunResult before_init = RunProgram(add);
  EXPECT_EQ(before_init.code, 1);
  EXPECT_NE(before_init.err.find("start with interdict admin init"), std::string::npos);
  ASSERT_EQ(RunProgram(InitArgs(dir.path())).code, 0);
  test::RunResult dup = RunProgram(add);
  EXPECT_EQ(dup.code, 1);
  EXPECT_NE(dup.err.find("already in the catalog"), std::string::npos) << dup.err;
  add[6] = "SLCPD";
  add[10] = "MO0960000";
  add[16] = "bob";
  test::RunResult ok = RunProgram(add);
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_NE(ok.out.find("agency SLCPD created"), std::string::npos) << ok.out;
  EXPECT_EQ(RunProgram({kBin, "audit", "verify", "--data", dir.path()}).code, 0);
}

TEST(AdminCliTest, InitNamesABadFieldAndExits2) {
  test::TempDir dir;
  std::vector<std::string> args = InitArgs(dir.path());
  args[10] = "MO095";  // the ORI
  test::RunResult r = RunProgram(args);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("ori: 9 characters"), std::string::npos) << r.err;
  args = InitArgs(dir.path());
  args.resize(args.size() - 2);  // no --name
  r = RunProgram(args);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--name is required"), std::string::npos) << r.err;
}

TEST(AdminCliTest, AuditVerifyPassesThenNamesTheFirstTamperedEntry) {
  test::TempDir dir;
  ASSERT_EQ(RunProgram(InitArgs(dir.path())).code, 0);
  test::RunResult ok = RunProgram({kBin, "audit", "verify", "--data", dir.path()});
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_NE(ok.out.find("audit verify: ok: 1 entries, head "), std::string::npos) << ok.out;
  {
    auto db = catalog::Database::Open(test::CatalogAt(dir.File("catalog.db")));
    ASSERT_TRUE(db.ok());
    // As someone with the file could: the triggers first, then the entry.
    ASSERT_FALSE((*db)->Exec("UPDATE audit SET details = '{}' WHERE seq = 1").ok());
    ASSERT_TRUE(test::RunAsTamperer(**db, "UPDATE audit SET details = '{}' WHERE seq = 1").ok());
  }
  test::RunResult bad = RunProgram({kBin, "audit", "verify", "--data", dir.path()});
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("entry 1: its contents do not match its hash"), std::string::npos)
      << bad.err;
  test::RunResult none = RunProgram({kBin, "audit", "verify", "--data", dir.File("absent")});
  EXPECT_EQ(none.code, 1);
}

// `catalog migrate` moves an embedded deployment's catalog to the suite's
// engine (PostgreSQL in the postgresql.* run): every row, the same audit
// chain verified on the target, ids that go on after the copied ones, and
// never into a catalog that holds anything.
TEST(CatalogCliTest, MigrateCopiesEveryRowAndTheChainAndRefusesANonEmptyTarget) {
  test::TempDir dir;
  // The source is always the embedded SQLite file.
  ASSERT_EQ(test::RunProgram(InitArgs(dir.path())).code, 0);
  std::vector<std::string> add = InitArgs(dir.path());
  add[2] = "add-agency";
  add[6] = "SLCPD";
  add[10] = "MO0960000";
  add[16] = "bob";
  ASSERT_EQ(test::RunProgram(add).code, 0);
  {
    // A person reviewed by one added after them: a reference forward in the same table.
    auto src = catalog::Database::Open(dir.File("catalog.db"));
    ASSERT_TRUE(src.ok());
    ASSERT_TRUE(
        (*src)->Exec("UPDATE users SET reviewed_by = 2, reviewed_at = 5 WHERE id = 1").ok());
  }
  const std::string target = test::OnPostgres()
                                 ? "postgresql:" + test::CatalogAt(dir.File("target.db")).target
                                 : "sqlite:" + dir.File("target.db");
  test::RunResult r = test::RunProgram(
      {kBin, "catalog", "migrate", "--from", "sqlite:" + dir.File("catalog.db"), "--to", target});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("rows of agencies"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("audit trail verified on the target: 2 entries"), std::string::npos)
      << r.out;

  auto src = catalog::Database::OpenReadOnly(dir.File("catalog.db"));
  Result<catalog::Location> to_at = catalog::Location::Parse(target);
  ASSERT_TRUE(to_at.ok());
  auto dst = catalog::Database::Open(*to_at);
  ASSERT_TRUE(src.ok() && dst.ok());
  Result<std::vector<std::string>> tables = (*src)->Tables();
  ASSERT_TRUE(tables.ok());
  for (const std::string& t : *tables) {
    const std::string count = "SELECT count(*) FROM " + t;
    EXPECT_EQ((*src)->Query(count)->Int(0), (*dst)->Query(count)->Int(0)) << t;
  }
  auto reviewed = (*dst)->Query("SELECT reviewed_by FROM users WHERE id = 1");
  ASSERT_TRUE(reviewed.ok() && reviewed->has_row());
  EXPECT_EQ(reviewed->Int(0), 2);
  auto hash = "SELECT hash FROM audit ORDER BY seq DESC LIMIT 1";
  EXPECT_EQ((*src)->Query(hash)->Blob(0), (*dst)->Query(hash)->Blob(0));
  // A new row gets the next id, not one the copy already used.
  auto next = (*dst)->Query(
      "INSERT INTO agencies (code, name, ori, state, kind, created_at) VALUES ('NEW', 'New', "
      "'MO0970000', 'US-MO', 'local', 0) RETURNING id");
  ASSERT_TRUE(next.ok()) << next.status().message();
  EXPECT_EQ(next->Int(0), 3);

  test::RunResult again = test::RunProgram(
      {kBin, "catalog", "migrate", "--from", "sqlite:" + dir.File("catalog.db"), "--to", target});
  EXPECT_EQ(again.code, 1);
  EXPECT_NE(again.err.find("not empty"), std::string::npos) << again.err;
  EXPECT_EQ(
      test::RunProgram({kBin, "catalog", "migrate", "--from", "mysql:x", "--to", target}).code, 1);
}

}  // namespace
}  // namespace interdict
