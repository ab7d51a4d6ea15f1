#include "store/store.h"

#include <gtest/gtest.h>

#include <thread>

#include "support/reads.h"
#include "support/temp_dir.h"

namespace interdict::store {
namespace {

class StoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<Store> Open(Env& env) {
    StoreOptions o;
    o.dir = dir_.path() + "/store";
    o.background = false;
    Result<std::unique_ptr<Store>> s = Store::Open(o, env, clock_, log_);
    EXPECT_TRUE(s.ok()) << s.status().message();
    return s.ok() ? std::move(s).value() : nullptr;
  }
  std::unique_ptr<Store> Open() { return Open(Env::Posix()); }

  static std::vector<read::Read> Batch(int from, int n) {
    std::vector<read::Read> b;
    for (int i = from; i < from + n; ++i) b.push_back(test::MakeRead(i));
    return b;
  }

  test::TempDir dir_;
  FakeClock clock_;
  std::vector<std::string> log_lines_;
  Logger log_{[this](std::string_view l) { log_lines_.emplace_back(l); }, clock_, LogLevel::kDebug};
};

// Background merges: while a bucket takes reads, segments of a size are
// merged four at a time (merging all small ones after every flush rewrote a
// week's reads at each flush); once the agency has reads past the bucket's
// end, the bucket is merged whole; a late read beside its one big segment
// waits; an explicit Merge takes everything.
TEST_F(StoreTest, BackgroundMergesAreTieredWhileABucketTakesReadsAndWholeOnceItIsClosed) {
  auto s = Open();
  ASSERT_NE(s, nullptr);
  auto add = [&](int from, int n) {
    ASSERT_TRUE(s->Append(Batch(from, n)).ok());
    ASSERT_TRUE(s->Flush().ok());
    ASSERT_TRUE(s->RunMaintenance().ok());
  };
  for (int k = 0; k < 3; ++k) add(k * 100, 100);
  EXPECT_EQ(s->SegmentPaths().size(), 3u) << "three of a size wait for a fourth";
  add(300, 100);
  EXPECT_EQ(s->SegmentPaths().size(), 1u) << "four of a size are merged";
  add(400, 100);
  EXPECT_EQ(s->SegmentPaths().size(), 2u) << "a small one does not rewrite a bigger one";
  add(400'000, 1);  // 4.6 days later: past the end of the first reads' week
  EXPECT_EQ(s->SegmentPaths().size(), 2u) << "the closed week is merged whole";
  add(500, 1);
  EXPECT_EQ(s->SegmentPaths().size(), 3u) << "one late read waits beside the week's segment";
  ASSERT_TRUE(s->Merge().ok());
  EXPECT_EQ(s->SegmentPaths().size(), 2u) << "an explicit merge takes it";
  EXPECT_EQ(s->Count(), 502u);
  ReadQuery q;
  q.agencies = {"STLPD"};
  Result<QueryResult> all = s->Query(q);
  ASSERT_TRUE(all.ok()) << all.status().message();
  EXPECT_EQ(all->reads.size(), 502u);
}

TEST_F(StoreTest, AcknowledgedReadsSurviveReopening) {
  {
    auto s = Open();
    Result<AppendResult> r = s->Append(Batch(0, 100));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->accepted, 100u);
    EXPECT_EQ(s->Count(), 100u);
  }
  auto s = Open();
  EXPECT_EQ(s->Count(), 100u);
  EXPECT_EQ(s->recovery().reads_recovered, 100u);
}

TEST_F(StoreTest, ResentReadsAreStoredOnceEvenAcrossRestarts) {
  {
    auto s = Open();
    ASSERT_EQ(s->Append(Batch(0, 10))->accepted, 10u);
    Result<AppendResult> again = s->Append(Batch(5, 10));  // 5 old, 5 new
    EXPECT_EQ(again->accepted, 5u);
    EXPECT_EQ(again->duplicates, 5u);
    std::vector<read::Read> twice = {test::MakeRead(100), test::MakeRead(100)};
    Result<AppendResult> in_batch = s->Append(twice);
    EXPECT_EQ(in_batch->accepted, 1u);
    EXPECT_EQ(in_batch->duplicates, 1u);
  }
  auto s = Open();
  EXPECT_EQ(s->Count(), 16u);
  EXPECT_EQ(s->Append(Batch(0, 15))->duplicates, 15u);
  EXPECT_EQ(s->Count(), 16u);
}

TEST_F(StoreTest, SameIdFromAnotherCameraOrAgencyIsADifferentRead) {
  auto s = Open();
  read::Read a = test::MakeRead(1, "STLPD", "cam1");
  read::Read b = a;
  b.camera = "cam2";
  read::Read c = a;
  c.agency = "MSHP";
  EXPECT_EQ(s->Append({a, b, c})->accepted, 3u);
}

TEST_F(StoreTest, ConcurrentWritersAreAllCommitted) {
  auto s = Open();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int b = 0; b < 25; ++b) {
        Result<AppendResult> r = s->Append(Batch(t * 10000 + b * 10, 10));
        ASSERT_TRUE(r.ok());
        ASSERT_EQ(r->accepted, 10u);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(s->Count(), 1000u);
  s.reset();
  EXPECT_EQ(Open()->Count(), 1000u);
}

TEST_F(StoreTest, FailedSyncIsNotAcknowledgedAndEarlierReadsStay) {
  FaultInjectionEnv env(Env::Posix());
  {
    auto s = Open(env);
    ASSERT_TRUE(s->Append(Batch(0, 10)).ok());
    env.SetSyncFails(true);
    Result<AppendResult> r = s->Append(Batch(10, 10));
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(s->Count(), 10u) << "an unacknowledged batch must not be visible";
    env.Heal();
    ASSERT_TRUE(s->Append(Batch(20, 10)).ok()) << "the store recovers with a fresh log file";
    EXPECT_EQ(s->Count(), 20u);
  }
  auto s = Open();
  // Reads 10..19 may or may not be on disk (their sync failed); every acknowledged read is.
  EXPECT_GE(s->Count(), 20u);
  EXPECT_EQ(s->Append(Batch(0, 10))->duplicates, 10u);
  EXPECT_EQ(s->Append(Batch(20, 10))->duplicates, 10u);
}

TEST_F(StoreTest, DiskFullMidWriteLosesNothingAcknowledged) {
  FaultInjectionEnv env(Env::Posix());
  {
    auto s = Open(env);
    ASSERT_TRUE(s->Append(Batch(0, 50)).ok());
    env.SetDiskFullAfter(100);  // the next record is cut short
    Result<AppendResult> r = s->Append(Batch(50, 50));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
    EXPECT_EQ(s->Count(), 50u);
    env.Heal();
    ASSERT_TRUE(s->Append(Batch(100, 50)).ok());
  }
  auto s = Open();
  EXPECT_EQ(s->Count(), 100u) << "the half-written record is cut; both acknowledged batches remain";
  EXPECT_EQ(s->recovery().torn_tails_truncated, 1u);
}

// The rename that commits a flush's segments fails (issue 27: the
// rename-and-undo paths, through the Env): nothing acknowledged is lost, the
// reads stay served and in the log, and the next flush commits them.
TEST_F(StoreTest, AFlushWhoseRenameFailsLosesNothingAndTheNextFlushCommits) {
  FaultInjectionEnv env(Env::Posix());
  {
    auto s = Open(env);
    ASSERT_TRUE(s->Append(Batch(0, 100)).ok());
    env.SetRenameFails(true);
    EXPECT_FALSE(s->Flush().ok());
    EXPECT_EQ(s->Count(), 100u) << "the reads are still served";
    EXPECT_EQ(s->Append(Batch(0, 100))->duplicates, 100u) << "and still known";
    env.Heal();
    ASSERT_TRUE(s->Flush().ok());
    EXPECT_EQ(s->Count(), 100u);
    Result<std::vector<std::string>> tmp = Env::Posix().ListDir(dir_.path() + "/store/tmp");
    EXPECT_TRUE(!tmp.ok() || tmp->empty()) << "the failed flush's files are undone";
  }
  auto s = Open();
  EXPECT_EQ(s->Count(), 100u);
  EXPECT_EQ(s->Append(Batch(0, 100))->duplicates, 100u);
}

// A merge whose rename fails leaves the segments it would have replaced in
// place and served; healed, the next merge replaces them.
TEST_F(StoreTest, AMergeWhoseRenameFailsKeepsServingTheOldSegments) {
  FaultInjectionEnv env(Env::Posix());
  const auto segments = [&] {
    Result<std::vector<std::string>> agencies = Env::Posix().ListDir(dir_.path() + "/store/seg");
    std::size_t n = 0;
    for (const std::string& a : agencies.ok() ? *agencies : std::vector<std::string>{}) {
      Result<std::vector<std::string>> files =
          Env::Posix().ListDir(dir_.path() + "/store/seg/" + a);
      if (files.ok()) n += files->size();
    }
    return n;
  };
  {
    auto s = Open(env);
    for (int i = 0; i < 4; ++i) {
      ASSERT_TRUE(s->Append(Batch(i * 25, 25)).ok());
      ASSERT_TRUE(s->Flush().ok());
    }
    const std::size_t before = segments();
    ASSERT_GE(before, 4u);
    env.SetRenameFails(true);
    EXPECT_FALSE(s->Merge().ok());
    EXPECT_EQ(s->Count(), 100u);
    EXPECT_EQ(segments(), before) << "nothing replaced";
    env.Heal();
    ASSERT_TRUE(s->Merge().ok());
    EXPECT_LT(segments(), before) << "the healed merge replaces them";
    EXPECT_EQ(s->Count(), 100u);
    Result<std::vector<std::string>> tmp = Env::Posix().ListDir(dir_.path() + "/store/tmp");
    EXPECT_TRUE(!tmp.ok() || tmp->empty()) << "the failed merge's file is undone";
  }
  auto s = Open();
  EXPECT_EQ(s->Count(), 100u);
}

// A flush whose rename went through but whose directory sync failed must not
// leave the segment behind: the retry writes the reads again under new ids,
// and a leftover would come back at the next open as a second copy.
TEST_F(StoreTest, AFlushWhoseDirectorySyncFailsLeavesNoSegmentToComeBack) {
  FaultInjectionEnv env(Env::Posix());
  {
    auto s = Open(env);
    ASSERT_TRUE(s->Append(Batch(0, 100)).ok());
    env.SetSyncDirFails(true);
    EXPECT_FALSE(s->Flush().ok());
    env.Heal();
    EXPECT_TRUE(s->SegmentPaths().empty());
    ASSERT_TRUE(s->Append(Batch(100, 50)).ok());
    ASSERT_TRUE(s->Flush().ok());
    EXPECT_EQ(s->Count(), 150u);
  }
  auto s = Open();
  EXPECT_EQ(s->Count(), 150u) << "each read once";
}

// Likewise a merge: the merged file, renamed but not durable, is taken back,
// so the healed merge's file is the only one that replaces the inputs.
TEST_F(StoreTest, AMergeWhoseDirectorySyncFailsLeavesNoSecondCopy) {
  FaultInjectionEnv env(Env::Posix());
  {
    auto s = Open(env);
    for (int i = 0; i < 4; ++i) {
      ASSERT_TRUE(s->Append(Batch(i * 25, 25)).ok());
      ASSERT_TRUE(s->Flush().ok());
    }
    env.SetSyncDirFails(true);
    EXPECT_FALSE(s->Merge().ok());
    EXPECT_EQ(s->Count(), 100u);
    env.Heal();
    ASSERT_TRUE(s->Merge().ok());
    EXPECT_EQ(s->Count(), 100u);
  }
  auto s = Open();
  EXPECT_EQ(s->Count(), 100u) << "each read once";
}

// A purge that cannot rename its rewritten segment keeps the old one (every
// read still there, nothing reported as destroyed); healed, the next purge
// destroys the expired reads and reports them.
TEST_F(StoreTest, APurgeWhoseRenameFailsKeepsTheSegmentAndReportsNothingYet) {
  FaultInjectionEnv env(Env::Posix());
  const std::string report = dir_.path() + "/store/purge.log";
  const std::int64_t t0 = test::MakeRead(0).time;
  {
    auto s = Open(env);
    // Three minutes (New Hampshire): one-minute segments, a 30 s grace.
    s->SetRetention({{"STLPD", RetentionRule{3 * 60'000}}});
    ASSERT_TRUE(s->Append(Batch(0, 100)).ok());  // one a second from t0
    ASSERT_TRUE(s->Flush().ok());
    // Reads 0-29 expired; the first segment (reads 0-31) is due for a rewrite.
    clock_.Advance(std::chrono::milliseconds(t0 + 210'000 - clock_.NowMillis()));
    env.SetRenameFails(true);
    EXPECT_FALSE(s->RunMaintenance().ok());
    EXPECT_EQ(s->Count(), 100u) << "the old segment stays";
    EXPECT_FALSE(Env::Posix().Exists(report)) << "nothing destroyed, nothing reported";
    Result<std::vector<std::string>> tmp = Env::Posix().ListDir(dir_.path() + "/store/tmp");
    EXPECT_TRUE(!tmp.ok() || tmp->empty()) << "the failed rewrite's file is undone";
    env.Heal();
    ASSERT_TRUE(s->RunMaintenance().ok());
    EXPECT_EQ(s->Count(), 70u);
    const std::string text = *Env::Posix().ReadFile(report);
    EXPECT_NE(text.find("\"reads_destroyed\":30"), std::string::npos) << text;
  }
  EXPECT_EQ(Open()->Count(), 70u);
}

// A file in wal/ shaped like a log file's name but not one (16 characters
// that are not hex) is left alone: it once reached a hex parse that threw.
TEST_F(StoreTest, AStrayFileInTheLogDirectoryDoesNotStopAFlushOrAnOpen) {
  {
    auto s = Open();
    ASSERT_TRUE(s->Append(Batch(0, 10)).ok());
    auto f = Env::Posix().NewWritableFile(dir_.path() + "/store/wal/zzzzzzzzzzzzzzzz.wal");
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->Append("not a log").ok());
    ASSERT_TRUE((*f)->Close().ok());
    EXPECT_TRUE(s->Flush().ok());
    EXPECT_EQ(s->Count(), 10u);
  }
  EXPECT_EQ(Open()->Count(), 10u);
  EXPECT_TRUE(Env::Posix().Exists(dir_.path() + "/store/wal/zzzzzzzzzzzzzzzz.wal"));
}

TEST_F(StoreTest, FailureToCreateALogFileRefusesTheBatch) {
  FaultInjectionEnv env(Env::Posix());
  auto s = Open(env);
  env.SetWriteFails(true);
  EXPECT_FALSE(s->Append(Batch(0, 5)).ok());
  EXPECT_EQ(s->Count(), 0u);
}

TEST_F(StoreTest, LogFilesRollByAgeSoOldOnesCanBeDeleted) {
  auto s = Open();
  ASSERT_TRUE(s->Append(Batch(0, 5)).ok());
  clock_.Advance(std::chrono::seconds(31));
  ASSERT_TRUE(s->Append(Batch(5, 5)).ok());
  Result<std::vector<std::string>> files = Env::Posix().ListDir(dir_.path() + "/store/wal");
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(files->size(), 2u);
  s.reset();
  EXPECT_EQ(Open()->Count(), 10u);
}

TEST_F(StoreTest, CorruptLogFileIsQuarantinedNotServed) {
  {
    auto s = Open();
    ASSERT_TRUE(s->Append(Batch(0, 5)).ok());
    clock_.Advance(std::chrono::seconds(31));
    ASSERT_TRUE(s->Append(Batch(5, 5)).ok());
  }
  const std::string first = dir_.path() + "/store/wal/0000000000000001.wal";
  std::string bytes = *Env::Posix().ReadFile(first);
  bytes += bytes.substr(16);  // the record again, so a good record follows the bad one
  bytes[40] ^= 0x1;           // flip a bit in the first copy: corruption, not a torn write
  {
    auto f = Env::Posix().NewWritableFile(first);
    ASSERT_TRUE((*f)->Append(bytes).ok());
  }
  std::vector<std::string> problems;
  EXPECT_FALSE(Store::Verify(Env::Posix(), dir_.path() + "/store", &problems).ok());
  ASSERT_FALSE(problems.empty());
  EXPECT_NE(problems[0].find("0000000000000001.wal"), std::string::npos) << problems[0];

  auto s = Open();
  EXPECT_EQ(s->Count(), 5u) << "the good file is served, the corrupt one is not";
  ASSERT_EQ(s->recovery().quarantined.size(), 1u);
  EXPECT_TRUE(Env::Posix().Exists(s->recovery().quarantined[0]));
  bool logged = false;
  for (const std::string& l : log_lines_)
    logged |= l.find("moved to quarantine") != std::string::npos;
  EXPECT_TRUE(logged);
}

TEST_F(StoreTest, VerifyPassesOnAHealthyStore) {
  {
    auto s = Open();
    ASSERT_TRUE(s->Append(Batch(0, 20)).ok());
  }
  std::vector<std::string> problems;
  EXPECT_TRUE(Store::Verify(Env::Posix(), dir_.path() + "/store", &problems).ok());
  EXPECT_TRUE(problems.empty());
}

}  // namespace
}  // namespace interdict::store
