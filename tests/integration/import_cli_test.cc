// `interdict import reads` on the real Seattle sample and on CSV, as an
// operator runs it: retention applies, unknown cameras are refused unless
// registered, a re-run stores nothing twice, and a checkpoint resumes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "catalog/database.h"
#include "crypto/crypto.h"
#include "support/catalog.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace interdict {
namespace {

const std::string kBin = INTERDICT_BINARY;

// The command on the suite's catalog engine.
test::RunResult RunCli(const std::vector<std::string>& argv) {
  return test::RunProgram(test::OnSuiteCatalog(argv));
}
const std::string kSeattle =
    std::string(INTERDICT_SOURCE_DIR) + "/tests/data/reads/seattle-spd-alpr-sample.csv";

class ImportCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    test::RunResult r =
        RunCli({kBin, "admin", "init", "--data", dir_.path(), "--agency", "SPD", "--agency-name",
                "Seattle Police Department", "--ori", "WA0171500", "--state", "WA", "--kind",
                "local", "--user", "admin", "--name", "Admin"});
    ASSERT_EQ(r.code, 0) << r.err;
  }
  // The 2021 log outlives the default 30 days: keep non-hit reads 10 years.
  void KeepReadsLong() {
    auto db = catalog::Database::Open(test::CatalogAt(dir_.File("catalog.db")));
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)
                    ->Exec("UPDATE retention SET period_ms = 315360000000 WHERE data_class IN "
                           "('non_hit_reads', 'images')")
                    .ok());
  }
  test::RunResult Import(const std::string& file, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {kBin,       "import",  "reads",    "--data", dir_.path(),
                                     "--format", "seattle", "--agency", "SPD"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(file);
    return RunCli(argv);
  }
  test::TempDir dir_;
};

TEST_F(ImportCliTest, TheSeattleSampleImportsOnceAndARerunAddsNothing) {
  KeepReadsLong();
  test::RunResult r = Import(kSeattle, {"--register-cameras"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(
      r.out,
      R"({"accepted":234,"duplicates":0,"expired":0,"rejected":0,"confidential_dropped":0,"cameras_registered":8,"finished":true})"
      "\n");
  r = Import(kSeattle, {"--register-cameras"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(
      r.out,
      R"({"accepted":0,"duplicates":234,"expired":0,"rejected":0,"confidential_dropped":0,"cameras_registered":0,"finished":true})"
      "\n");
  test::RunResult count = RunCli({kBin, "store", "count", "--data", dir_.path()});
  EXPECT_EQ(count.out, "234\n");
  // A mistyped directory is refused, and not made.
  const std::string typo = dir_.path() + "-typo";
  count = RunCli({kBin, "store", "count", "--data", typo});
  EXPECT_EQ(count.code, 1);
  EXPECT_NE(count.err.find("no data directory " + typo), std::string::npos) << count.err;
  EXPECT_FALSE(std::filesystem::exists(typo));
  // The import is in the audit trail, and the chain holds.
  test::RunResult verify = RunCli({kBin, "audit", "verify", "--data", dir_.path()});
  EXPECT_EQ(verify.code, 0) << verify.err;
  auto db = catalog::Database::OpenReadOnly(test::CatalogAt(dir_.File("catalog.db")));
  auto q = (*db)->Prepare("SELECT count(*) FROM audit WHERE event = 'reads.import'");
  ASSERT_TRUE(*q->Step());
  EXPECT_EQ(q->Int(0), 2);
}

TEST_F(ImportCliTest, ReadsPastTheAgencysRetentionAreRefusedAsExpired) {
  test::RunResult r = Import(kSeattle, {"--register-cameras"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find(R"("accepted":0,"duplicates":0,"expired":234)"), std::string::npos) << r.out;
}

TEST_F(ImportCliTest, UnknownCamerasAreRefusedLineByLineUnlessRegistered) {
  KeepReadsLong();
  test::RunResult r = Import(kSeattle);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find(R"("accepted":0,)"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("seattle-spd-alpr-sample.csv:2: camera: unknown camera"), std::string::npos)
      << r.err;
}

TEST_F(ImportCliTest, AnAbsurdlyLongLineIsRefusedByNumberAndTheRestImports) {
  KeepReadsLong();
  // The sample's header and first read, a 20 MiB line, then the second read.
  std::ifstream in(kSeattle);
  std::string header, first, second;
  std::getline(in, header);
  std::getline(in, first);
  std::getline(in, second);
  const std::string file = dir_.File("long-line.csv");
  std::ofstream(file) << header << "\n"
                      << first << "\n"
                      << std::string(20u << 20, 'x') << "\n"
                      << second << "\n";
  test::RunResult r = Import(file, {"--register-cameras"});
  EXPECT_NE(r.err.find("long-line.csv:3: a line of 20971520 bytes exceeds the limit of 16777216 "
                       "bytes"),
            std::string::npos)
      << r.err.substr(0, 500);
  EXPECT_NE(r.out.find(R"("accepted":2,)"), std::string::npos) << r.out;
}

TEST_F(ImportCliTest, AnAddressConfidentialPlateIsDroppedByTheImportToo) {
  KeepReadsLong();
  // The key the server would have made, and the plate listed under it.
  const std::string key(32, 'k');
  std::filesystem::create_directories(dir_.File("keys"));
  std::ofstream(dir_.File("keys/confidential-plates.key"), std::ios::binary) << key;
  {
    auto db = catalog::Database::Open(test::CatalogAt(dir_.File("catalog.db")));
    auto ins = (*db)->Prepare("INSERT INTO confidential_plates (digest, added_at) VALUES (?1, 0)");
    ins->BindBlob(1, crypto::HmacSha256(key, "SAFE777"));
    ASSERT_TRUE(ins->Run().ok());
  }
  const std::string file = dir_.File("listed.csv");
  std::ofstream(file) << "id,agency,camera,time,plate\n"
                      << "r1,SPD,cam1,2026-11-29T04:00:00Z,SAFE777\n"
                      << "r2,SPD,cam1,2026-11-29T04:00:01Z,ABC123\n";
  test::RunResult r = RunCli({kBin, "import", "reads", "--data", dir_.path(), "--format", "csv",
                              "--register-cameras", file});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find(R"("accepted":1,)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(R"("confidential_dropped":1,)"), std::string::npos) << r.out;
  EXPECT_EQ(r.err.find("SAFE777"), std::string::npos) << r.err;
}

TEST_F(ImportCliTest, ACheckpointResumesWhereTheLastDurableBatchEnded) {
  KeepReadsLong();
  // A copy of the sample with a checkpoint after its 100th read.
  const std::string file = dir_.File("log.csv");
  std::ifstream in(kSeattle, std::ios::binary);
  std::ostringstream all;
  all << in.rdbuf();
  const std::string text = all.str();
  std::ofstream(file, std::ios::binary) << text;
  std::size_t offset = 0;
  for (int line = 0; line < 101; ++line) offset = text.find('\n', offset) + 1;  // header + 100
  std::ofstream(file + ".import-checkpoint") << text.size() << " " << offset << "\n";
  test::RunResult r = Import(file, {"--register-cameras"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("resuming"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find(R"("accepted":134,)"), std::string::npos) << r.out;
  EXPECT_FALSE(std::ifstream(file + ".import-checkpoint").good()) << "removed when finished";
}

TEST_F(ImportCliTest, CsvReadsAndBadUsage) {
  const std::string file = dir_.File("reads.csv");
  std::ofstream(file) << "id,agency,camera,time,plate,state\n"
                         "a1,SPD,cam1,2026-11-29T04:00:00Z,ABC123,WA\n"
                         "a2,SPD,cam1,2026-11-29T04:00:01Z,AB?123,WA\n"
                         "a3,XYZ,cam1,2026-11-29T04:00:02Z,ABC124,WA\n";
  test::RunResult r = RunCli({kBin, "import", "reads", "--data", dir_.path(), "--format", "csv",
                              "--register-cameras", file});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find(R"("accepted":1,"duplicates":0,"expired":0,"rejected":2,)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.err.find("reads.csv:3: plate:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("reads.csv:4: agency: no agency 'XYZ' here"), std::string::npos) << r.err;
  EXPECT_EQ(
      RunCli({kBin, "import", "reads", "--data", dir_.path(), "--format", "seattle", kSeattle})
          .code,
      2);  // no --agency
  EXPECT_EQ(RunCli({kBin, "import", "reads", "--data", dir_.path(), "--format", "xml", file}).code,
            2);
}

}  // namespace
}  // namespace interdict
