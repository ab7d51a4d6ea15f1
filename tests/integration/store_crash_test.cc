// Kills `interdict store load` with SIGKILL at random points, many times, and
// checks after each crash that every acknowledged read is there, nothing
// half-written is visible, and the store verifies clean after reopening.
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "read/native_format.h"
#include "support/process.h"
#include "support/reads.h"
#include "support/temp_dir.h"

namespace interdict {
namespace {

const std::string kBin = INTERDICT_BINARY;

// Writes reads n in [from, from + count) as native NDJSON.
void WriteReads(const std::string& path, int from, int count) {
  std::ofstream out(path);
  for (int n = from; n < from + count; ++n)
    out << read::FormatNativeRead(test::MakeRead(n)) << "\n";
}

std::uint64_t CountOf(const std::string& data) {
  test::RunResult r = test::RunProgram({kBin, "store", "count", "--data", data});
  EXPECT_EQ(r.code, 0) << r.err;
  return std::stoull(r.out);
}

TEST(StoreCrashTest, EveryAcknowledgedReadSurvivesSigkillAtRandomPoints) {
  test::TempDir dir;
  const std::string data = dir.File("data");
  constexpr int kRounds = 25;
  constexpr int kReadsPerRound = 3000;
  std::mt19937 rng(20261129);  // fixed seed: a failure is reproducible
  std::uint64_t acknowledged_total = 0;
  std::vector<std::string> files;
  for (int round = 0; round < kRounds; ++round) {
    // Fresh reads each round, so every kill lands while the store is writing.
    const std::string file = dir.File("round" + std::to_string(round) + ".ndjson");
    {
      std::ofstream out(file);
      for (int i = 0; i < kReadsPerRound; ++i) {
        const int n = round * kReadsPerRound + i;
        out << read::FormatNativeRead(test::MakeRead(n, "STLPD", "cam" + std::to_string(n % 37)))
            << "\n";
      }
    }
    files.push_back(file);
    const int batch = std::uniform_int_distribution<int>(20, 400)(rng);
    const int kill_after = std::uniform_int_distribution<int>(0, 6)(rng);
    test::Process p(
        {kBin, "store", "load", "--data", data, "--batch", std::to_string(batch), file});
    std::uint64_t acknowledged = 0;
    for (int seen = 0; seen < kill_after; ++seen) {
      std::optional<std::string> line = p.WaitForLine("committed ");
      if (!line) break;  // finished before we got to kill it
      acknowledged = std::stoull(line->substr(line->find(' ') + 1));
    }
    p.Signal(SIGKILL);
    p.Wait();
    acknowledged_total += acknowledged;

    const std::uint64_t count = CountOf(data);  // reopens: recovery cuts any torn tail
    EXPECT_GE(count, acknowledged_total) << "round " << round << ": acknowledged reads were lost";
    EXPECT_LE(count, static_cast<std::uint64_t>((round + 1) * kReadsPerRound)) << "round " << round;
    test::RunResult v = test::RunProgram({kBin, "store", "verify", "--data", data});
    EXPECT_EQ(v.code, 0) << "round " << round << ": " << v.err;
  }
  // Finally load everything to the end: exactly the files' reads, none twice.
  std::vector<std::string> argv = {kBin, "store", "load", "--data", data};
  argv.insert(argv.end(), files.begin(), files.end());
  test::RunResult done = test::RunProgram(argv);
  EXPECT_EQ(done.code, 0) << done.err;
  EXPECT_EQ(CountOf(data), static_cast<std::uint64_t>(kRounds * kReadsPerRound));
}

TEST(StoreCliTest, LoadingTheSameFileTwiceAddsNothing) {
  test::TempDir dir;
  const std::string data = dir.File("data");
  const std::string file = dir.File("reads.ndjson");
  WriteReads(file, 0, 1000);
  test::RunResult first =
      test::RunProgram({kBin, "store", "load", "--data", data, "--batch", "300", file});
  EXPECT_EQ(first.code, 0) << first.err;
  EXPECT_NE(first.out.find("committed 300\n"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("committed 1000\n"), std::string::npos) << first.out;
  test::RunResult second = test::RunProgram({kBin, "store", "load", "--data", data, file});
  EXPECT_EQ(second.code, 0);
  EXPECT_NE(second.err.find("0 new, 1000 duplicate"), std::string::npos) << second.err;
  EXPECT_EQ(CountOf(data), 1000u);
}

TEST(StoreCliTest, BadLinesAreReportedWithLineAndFieldAndGoodOnesStored) {
  test::TempDir dir;
  const std::string data = dir.File("data");
  const std::string file = dir.File("mixed.ndjson");
  {
    std::ofstream out(file);
    out << read::FormatNativeRead(test::MakeRead(1)) << "\n";
    out << R"({"id":"x","agency":"STLPD","camera":"c","time":1795926088123,"plate":"AB?12"})"
        << "\n";
    out << "{not json\n";
    out << read::FormatNativeRead(test::MakeRead(2)) << "\n";
  }
  test::RunResult r = test::RunProgram({kBin, "store", "load", "--data", data, file});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("mixed.ndjson:2: plate: plate contains wildcard"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("mixed.ndjson:3: invalid JSON at byte 1"), std::string::npos) << r.err;
  EXPECT_EQ(CountOf(data), 2u);
}

TEST(StoreCliTest, VerifyNamesTheCorruptFileAndExitsNonZero) {
  test::TempDir dir;
  const std::string data = dir.File("data");
  const std::string file = dir.File("reads.ndjson");
  WriteReads(file, 0, 100);
  ASSERT_EQ(test::RunProgram({kBin, "store", "load", "--data", data, file}).code, 0);
  const std::string wal = data + "/store/wal/0000000000000001.wal";
  {
    std::fstream f(wal, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('\x7f');
  }
  test::RunResult v = test::RunProgram({kBin, "store", "verify", "--data", data});
  EXPECT_NE(v.code, 0);
  EXPECT_NE(v.err.find("0000000000000001.wal"), std::string::npos) << v.err;
  test::RunResult c = test::RunProgram({kBin, "store", "count", "--data", data});
  EXPECT_EQ(c.out.find("T1"), std::string::npos) << "store commands never print plates";
}

}  // namespace
}  // namespace interdict
