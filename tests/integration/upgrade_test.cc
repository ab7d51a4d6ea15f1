// Upgrades (docs/operations.md): a data directory an earlier release wrote
// (tests/data/upgrade/) opens in this one with every read, its catalog
// migrated and its audit chain intact; one a newer release wrote is refused
// with both releases named, before anything in it is touched.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "audit/audit.h"
#include "base/build_info.h"
#include "catalog/migrations.h"
#include "server/data_dir.h"
#include "store/store.h"
#include "support/process.h"
#include "support/running_service.h"
#include "support/temp_dir.h"

namespace interdict::server {
namespace {

namespace fs = std::filesystem;

const std::string kFixtures = std::string(INTERDICT_SOURCE_DIR) + "/tests/data/upgrade/";

std::string CopyFixture(const std::string& name, const test::TempDir& dir) {
  const std::string data = dir.File("data");
  fs::copy(kFixtures + name, data, fs::copy_options::recursive);
  return data;
}

std::unique_ptr<store::Store> OpenStore(const std::string& data, const Clock& clock, Logger& log) {
  store::StoreOptions so;
  so.dir = DataPaths(data).store();
  so.background = false;
  Result<std::unique_ptr<store::Store>> s = store::Store::Open(so, store::Env::Posix(), clock, log);
  EXPECT_TRUE(s.ok()) << s.status().message();
  return s.ok() ? std::move(s).value() : nullptr;
}

TEST(UpgradeTest, ADirectoryOfRelease010OpensWithEveryReadAMigratedCatalogAndItsAuditChain) {
  test::TempDir dir;
  const std::string data = CopyFixture("format1-0.1.0-schema17", dir);
  Result<DataFormat> before = ReadDataFormat(DataPaths(data));
  ASSERT_TRUE(before.ok());
  EXPECT_FALSE(before->present);
  EXPECT_EQ(before->format, 1);
  {
    auto db = catalog::Database::OpenReadOnly(DataPaths(data).catalog());
    ASSERT_TRUE(db.ok());
    EXPECT_EQ(*(*db)->SchemaVersion(), 17);
  }

  FakeClock clock{1'790'000'600'000};  // just after the fixture's last read
  Logger log([](std::string_view) {}, clock);
  {
    test::RunningService running(data, log, clock, [](config::Config& c) {
      c.catalog.backend = "sqlite";  // the fixture's own catalog, on either suite
      c.catalog.postgresql_url.clear();
    });
    EXPECT_EQ(running.client().Get("/healthz")->status, 200);
  }

  Result<DataFormat> after = ReadDataFormat(DataPaths(data));
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->present);
  EXPECT_EQ(after->format, kDataFormat);
  EXPECT_EQ(after->written_by, build_info::kVersion);
  {
    auto db = catalog::Database::Open(DataPaths(data).catalog());
    ASSERT_TRUE(db.ok());
    EXPECT_EQ(*(*db)->SchemaVersion(), catalog::SchemaVersion()) << "migrated at start";
    Result<audit::VerifyResult> chain = audit::Verify(**db);
    ASSERT_TRUE(chain.ok());
    EXPECT_FALSE(chain->first_bad) << chain->problem;
    EXPECT_GE(chain->entries, 1) << "the earlier release's entries are still in the chain";
  }
  auto st = OpenStore(data, clock, log);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->Count(), 600u) << "500 from segments of version 2, 100 from the old log";
  store::ReadQuery q;
  q.agencies = {"STLPD"};
  q.plate = *plate::Plate::FromNormalized("UPG005");
  q.from = 0;
  q.to = INT64_MAX / 2;
  Result<store::QueryResult> r = st->Query(q);
  ASSERT_TRUE(r.ok());
  std::set<std::string> ids;
  for (const read::Read& x : r->reads) ids.insert(x.id);
  // N % 97 == 5 for N < 600: 5, 102, 199, 296, 393, 490, 587.
  EXPECT_EQ(ids, (std::set<std::string>{"u5", "u102", "u199", "u296", "u393", "u490", "u587"}));
  std::vector<std::string> problems;
  EXPECT_TRUE(store::Store::Verify(store::Env::Posix(), DataPaths(data).store(), &problems).ok())
      << (problems.empty() ? "" : problems[0]);
}

TEST(UpgradeTest, ADirectoryANewerReleaseWroteIsRefusedNamingBothReleasesAndLeftAlone) {
  test::TempDir dir;
  const std::string data = CopyFixture("format1-0.1.0-schema17", dir);
  const std::string newer = R"({"format":99,"written_by":"9.1.0"})";
  std::ofstream(DataPaths(data).format()) << newer << "\n";
  Result<DataDir> opened = DataDir::Open(data);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kFailedPrecondition);
  const std::string why = opened.status().message();
  EXPECT_NE(why.find("interdict 9.1.0 (data format 99)"), std::string::npos) << why;
  EXPECT_NE(why.find(std::string("this is interdict ") + build_info::kVersion), std::string::npos)
      << why;
  std::ifstream in(DataPaths(data).format());
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, newer) << "the record is not overwritten";
  auto db = catalog::Database::OpenReadOnly(DataPaths(data).catalog());
  EXPECT_EQ(*(*db)->SchemaVersion(), 17) << "no migration ran";
  // The lock was given back: the directory is not left held.
  std::ofstream(DataPaths(data).format(), std::ios::trunc)
      << R"({"format":)" << kDataFormat << R"(,"written_by":"x"})";
  EXPECT_TRUE(DataDir::Open(data).ok());
}

// `interdict upgrade`, as the package's postinst runs it before the service
// starts: an older directory migrated and stamped, and reported; run again,
// nothing to do; a newer release's directory or a locked one refused with exit
// code 1 and the reason, and left as it was.
TEST(UpgradeTest, TheUpgradeCommandMigratesAnOlderDirectoryAndRefusesANewerOrBusyOne) {
  test::TempDir dir;
  const std::string data = CopyFixture("format1-0.1.0-schema17", dir);
  std::ofstream(dir.File("interdict.toml"))
      << "[data]\ndir = \"" << data << "\"\n[catalog]\nbackend = \"sqlite\"\n";
  const std::vector<std::string> upgrade = {INTERDICT_BINARY, "upgrade", "--config",
                                            dir.File("interdict.toml")};
  test::RunResult r = test::RunProgram(upgrade);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find(R"("data_format":{"before":1,"after":)" + std::to_string(kDataFormat)),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(R"("catalog_schema":{"before":17,"after":)" +
                       std::to_string(catalog::SchemaVersion()) + "}"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(ReadDataFormat(DataPaths(data))->format, kDataFormat);
  {
    auto db = catalog::Database::OpenReadOnly(DataPaths(data).catalog());
    EXPECT_EQ(*(*db)->SchemaVersion(), catalog::SchemaVersion());
  }
  r = test::RunProgram(upgrade);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find(R"("catalog_schema":{"before":)" + std::to_string(catalog::SchemaVersion())),
            std::string::npos)
      << r.out;

  {  // A server holds the directory: refused, not waited for.
    Result<DataDir> held = DataDir::Open(data);
    ASSERT_TRUE(held.ok());
    r = test::RunProgram(upgrade);
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("in use by another interdict process"), std::string::npos) << r.err;
  }

  const std::string newer = R"({"format":99,"written_by":"9.1.0"})";
  std::ofstream(DataPaths(data).format(), std::ios::trunc) << newer << "\n";
  r = test::RunProgram(upgrade);
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("written by interdict 9.1.0 (data format 99)"), std::string::npos) << r.err;
  std::ifstream in(DataPaths(data).format());
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, newer);
}

// Data format 2 (segments of version 2, rows by camera) opens in format 3:
// every read is there, and a merge rewrites the segments in plate order
// (version 4) with the same reads.
TEST(UpgradeTest, ADirectoryOfFormat2OpensAndItsSegmentsAreRewrittenInPlateOrder) {
  test::TempDir dir;
  const std::string data = CopyFixture("format2-0.1.0-schema30", dir);
  Result<DataFormat> before = ReadDataFormat(DataPaths(data));
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->format, 2);
  ASSERT_TRUE(DataDir::Open(data).ok());
  EXPECT_EQ(ReadDataFormat(DataPaths(data))->format, kDataFormat) << "recorded on open";

  FakeClock clock{1'790'000'600'000};
  Logger log([](std::string_view) {}, clock);
  auto st = OpenStore(data, clock, log);
  ASSERT_TRUE(st);
  Result<store::Store::Summary> held =
      store::Store::Describe(store::Env::Posix(), DataPaths(data).store());
  EXPECT_EQ(held->segments_by_version, (std::map<std::uint32_t, std::uint64_t>{{2, 2}}));
  auto ids_of = [&](std::string_view plate) {
    store::ReadQuery q;
    q.agencies = {"STLPD"};
    q.plate = *plate::Plate::FromNormalized(plate);
    q.from = 0;
    q.to = INT64_MAX / 2;
    std::set<std::string> ids;
    Result<store::QueryResult> r = st->Query(q);
    EXPECT_TRUE(r.ok()) << r.status().message();
    if (r.ok()) {
      for (const read::Read& x : r->reads) ids.insert(x.id);
    }
    return ids;
  };
  const std::set<std::string> expected{"u5", "u102", "u199", "u296", "u393", "u490", "u587"};
  EXPECT_EQ(st->Count(), 600u);
  EXPECT_EQ(ids_of("UPG005"), expected);
  ASSERT_TRUE(st->Flush().ok());
  // The fixture's two segments are in different buckets: one merges with the
  // flushed reads, the other, alone, is rewritten by the next pass.
  ASSERT_TRUE(st->Merge().ok());
  ASSERT_TRUE(st->Merge().ok());
  held = store::Store::Describe(store::Env::Posix(), DataPaths(data).store());
  EXPECT_EQ(held->segments_by_version, (std::map<std::uint32_t, std::uint64_t>{{4, 2}}))
      << "every segment now of version 4";
  EXPECT_EQ(st->Count(), 600u);
  EXPECT_EQ(ids_of("UPG005"), expected);
  std::vector<std::string> problems;
  EXPECT_TRUE(store::Store::Verify(store::Env::Posix(), DataPaths(data).store(), &problems).ok())
      << (problems.empty() ? "" : problems[0]);
}

TEST(UpgradeTest, ACatalogOfANewerSchemaIsRefusedAndLeftUntouched) {
  test::TempDir dir;
  const std::string data = CopyFixture("format1-0.1.0-schema17", dir);
  {
    auto db = catalog::Database::Open(DataPaths(data).catalog());
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->SetSchemaVersion(catalog::SchemaVersion() + 1).ok());
    Status st = catalog::Migrate(**db);
    EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition);
    EXPECT_NE(st.message().find("upgrade interdict"), std::string::npos) << st.message();
    EXPECT_EQ(*(*db)->SchemaVersion(), catalog::SchemaVersion() + 1);
  }
}

}  // namespace
}  // namespace interdict::server
