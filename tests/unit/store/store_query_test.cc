// Segments, queries, retention and holds through the Store interface, with a
// fake clock: no test waits for real time.
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <set>
#include <thread>

#include "store/segment.h"
#include "store/store.h"
#include "support/reads.h"
#include "support/temp_dir.h"

namespace interdict::store {
namespace {

constexpr std::int64_t kMinute = 60'000;
constexpr std::int64_t kDay = 86'400'000;

class StoreQueryTest : public ::testing::Test {
 protected:
  std::unique_ptr<Store> Open(SegmentLayout flush_layout = SegmentLayout::kPlateOrder) {
    StoreOptions o;
    o.dir = dir_.path() + "/store";
    o.background = false;
    o.flush_layout = flush_layout;
    Result<std::unique_ptr<Store>> s = Store::Open(o, Env::Posix(), clock_, log_);
    EXPECT_TRUE(s.ok()) << s.status().message();
    return s.ok() ? std::move(s).value() : nullptr;
  }

  // A read at `time` of `plate` by `camera`.
  static read::Read At(std::int64_t time, std::string plate, std::string camera = "cam1",
                       std::string agency = "STLPD") {
    read::Read r;
    r.agency = std::move(agency);
    r.camera = std::move(camera);
    r.time = time;
    r.id = r.camera + "-" + std::to_string(time);
    r.plate = *plate::Plate::FromNormalized(plate);
    r.state = *plate::Jurisdiction::Parse("MO");
    return r;
  }

  static std::vector<std::string> Plates(const QueryResult& r) {
    std::vector<std::string> out;
    for (const read::Read& x : r.reads) out.emplace_back(x.plate.text());
    return out;
  }

  std::vector<std::string> WalFiles() { return *Env::Posix().ListDir(dir_.path() + "/store/wal"); }

  // Runs maintenance `ticks` times, 10 s of fake time apart, as the background thread would.
  void Maintain(Store& s, int ticks) {
    for (int i = 0; i < ticks; ++i) {
      clock_.Advance(std::chrono::seconds(10));
      ASSERT_TRUE(s.RunMaintenance().ok());
    }
  }

  test::TempDir dir_;
  FakeClock clock_{1'800'000'000'000};
  Logger log_{[](std::string_view) {}, clock_};
  const std::int64_t t0_ = 1'800'000'000'000 - 10 * kMinute;
};

TEST_F(StoreQueryTest, FlushMovesReadsToSegmentsAndDeletesTheLogsItCovered) {
  {
    auto s = Open();
    std::vector<read::Read> batch;
    for (int i = 0; i < 100; ++i) batch.push_back(At(t0_ + i, "ABC" + std::to_string(i)));
    ASSERT_TRUE(s->Append(batch).ok());
    ASSERT_TRUE(s->Flush().ok());
    EXPECT_EQ(s->SegmentPaths().size(), 1u);
    EXPECT_TRUE(WalFiles().empty()) << "the log file covered by the flush is deleted";
    EXPECT_EQ(s->Count(), 100u);
    ASSERT_TRUE(s->Append({At(t0_ + 500, "NEW1")}).ok());
  }
  auto s = Open();
  EXPECT_EQ(s->Count(), 101u);
  EXPECT_EQ(s->recovery().reads_recovered, 1u) << "only the unflushed read comes from the log";
  EXPECT_EQ(s->Append({At(t0_ + 5, "ABC5")})->duplicates, 1u)
      << "re-sent reads are found in segments too";
}

TEST_F(StoreQueryTest, ExactPlateSpansMemoryAndSegmentsNewestFirst) {
  auto s = Open();
  ASSERT_TRUE(s->Append({At(t0_, "7XK3J2", "cam1"), At(t0_ + 1000, "OTHER1", "cam1")}).ok());
  ASSERT_TRUE(s->Flush().ok());
  ASSERT_TRUE(
      s->Append({At(t0_ + 2000, "7XK3J2", "cam2"), At(t0_ + 3000, "7XK3J2", "cam3", "MSHP")}).ok());
  ReadQuery q;
  q.agencies = {"STLPD", "MSHP"};
  q.plate = *plate::Plate::FromNormalized("7XK3J2");
  Result<QueryResult> r = s->Query(q);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->reads.size(), 3u);
  EXPECT_EQ(r->reads[0].camera, "cam3");
  EXPECT_EQ(r->reads[1].camera, "cam2");
  EXPECT_EQ(r->reads[2].camera, "cam1");
}

// Look-alike offers ask for dozens of plates over one window at once: the
// shared pass must give each query exactly what it alone would get — memory
// and segments, its own limit and exclusions, a plate asked twice, a window.
TEST_F(StoreQueryTest, PlateQueriesAskedTogetherAnswerAsEachAlone) {
  auto s = Open();
  std::vector<read::Read> batch;
  for (int i = 0; i < 60; ++i)
    batch.push_back(At(t0_ + i * 1000, "PL" + std::to_string(i % 6), "cam" + std::to_string(i % 4),
                       i % 5 == 0 ? "MSHP" : "STLPD"));
  ASSERT_TRUE(s->Append(batch).ok());
  ASSERT_TRUE(s->Flush().ok());
  batch.clear();
  for (int i = 60; i < 90; ++i) batch.push_back(At(t0_ + i * 1000, "PL" + std::to_string(i % 6)));
  ASSERT_TRUE(s->Append(batch).ok());  // still in the memtable

  ReadQuery base;
  base.agencies = {"STLPD", "MSHP"};
  base.from = t0_ + 5000;
  base.to = t0_ + 80'000;
  base.limit = 7;
  std::vector<ReadQuery> qs;
  for (const char* p : {"PL3", "PL0", "PL5", "NONE9", "PL0", "PL1"}) {
    ReadQuery q = base;
    q.plate = *plate::Plate::FromNormalized(p);
    qs.push_back(q);
  }
  qs[2].exclude = [](const read::Read& r) { return r.camera == "cam1"; };
  Result<std::vector<QueryResult>> together = s->QueryMany(qs);
  ASSERT_TRUE(together.ok()) << together.status().message();
  ASSERT_EQ(together->size(), qs.size());
  std::size_t found = 0;
  for (std::size_t i = 0; i < qs.size(); ++i) {
    SCOPED_TRACE(qs[i].plate->str() + " (query " + std::to_string(i) + ")");
    Result<QueryResult> alone = s->Query(qs[i]);
    ASSERT_TRUE(alone.ok());
    const QueryResult& got = (*together)[i];
    EXPECT_EQ(got.reads, alone->reads);
    EXPECT_EQ(got.truncated, alone->truncated);
    EXPECT_EQ(got.next.has_value(), alone->next.has_value());
    for (const read::Read& r : got.reads) EXPECT_EQ(r.plate, *qs[i].plate);
    found += got.reads.size();
  }
  EXPECT_GT(found, 20u) << "the test compares something";
  EXPECT_TRUE((*together)[0].truncated) << "the limit holds per query";
  EXPECT_TRUE((*together)[3].reads.empty());
}

TEST_F(StoreQueryTest, ReadsOfAgenciesNotNamedAreNeverReturned) {
  auto s = Open();
  ASSERT_TRUE(
      s->Append({At(t0_, "7XK3J2", "cam1", "STLPD"), At(t0_ + 1, "7XK3J2", "cam9", "MSHP")}).ok());
  ASSERT_TRUE(s->Flush().ok());
  ReadQuery q;
  q.plate = *plate::Plate::FromNormalized("7XK3J2");
  q.agencies = {"MSHP"};
  Result<QueryResult> r = s->Query(q);
  ASSERT_EQ(r->reads.size(), 1u);
  EXPECT_EQ(r->reads[0].agency, "MSHP");
  q.agencies = {};
  EXPECT_TRUE(s->Query(q)->reads.empty()) << "no agency named, nothing returned";
}

TEST_F(StoreQueryTest, PartialPlatesUseWildcardsInMemoryAndOnDisk) {
  auto s = Open();
  ASSERT_TRUE(s->Append({At(t0_, "7XK3J2"), At(t0_ + 1, "7AK3B9"), At(t0_ + 2, "8XK3J2")}).ok());
  ASSERT_TRUE(s->Flush().ok());
  ASSERT_TRUE(s->Append({At(t0_ + 3, "7QK31")}).ok());
  ReadQuery q;
  q.agencies = {"STLPD"};
  q.pattern = *PlatePattern::Parse("7?K3*");
  EXPECT_EQ(Plates(*s->Query(q)), (std::vector<std::string>{"7QK31", "7AK3B9", "7XK3J2"}));
  q.pattern = *PlatePattern::Parse("*K3J*");
  EXPECT_EQ(Plates(*s->Query(q)), (std::vector<std::string>{"8XK3J2", "7XK3J2"}));
  q.pattern = *PlatePattern::Parse("*B9");
  EXPECT_EQ(Plates(*s->Query(q)), (std::vector<std::string>{"7AK3B9"}));
}

// Pattern queries match against the store's distinct plates (runs built at
// flushes, merged, rebuilt after purges and at open), then look the matches up
// in each segment: at every stage the answer must equal a plain scan.
TEST_F(StoreQueryTest, PatternsAgreeWithAPlainScanThroughFlushesMergesPurgesAndReopening) {
  std::mt19937 rng(7);
  const std::string chars = "ABCK0123";
  auto random_plate = [&] {
    std::string p;
    const int len = 3 + static_cast<int>(rng() % 6);
    for (int i = 0; i < len; ++i) p += chars[rng() % chars.size()];
    return p;
  };
  std::vector<read::Read> all;
  const std::vector<std::string> patterns = {"*K0*", "A?C*", "*B1", "C*", "*0A?*", "AK"};
  auto check = [&](Store& s, const char* stage) {
    const std::int64_t cutoff = clock_.NowMillis() - 60 * kMinute;  // the retention below
    for (const std::string& text : patterns) {
      const PlatePattern pattern = *PlatePattern::Parse(text);
      std::multiset<std::string> want, got;
      for (const read::Read& r : all) {
        if (r.time >= cutoff && pattern.Matches(r.plate.text())) want.insert(r.id);
      }
      ReadQuery q;
      q.agencies = {"STLPD", "SLCPD"};
      q.pattern = pattern;
      Result<QueryResult> res = s.Query(q);
      ASSERT_TRUE(res.ok()) << res.status().message();
      for (const read::Read& r : res->reads) got.insert(r.id);
      EXPECT_EQ(got, want) << text << " after " << stage;
    }
  };
  auto s = Open();
  s->SetRetention({{"STLPD", RetentionRule{60 * kMinute}}, {"SLCPD", RetentionRule{60 * kMinute}}});
  for (int flush = 0; flush < 24; ++flush) {
    std::vector<read::Read> batch;
    for (int i = 0; i < 40; ++i) {
      read::Read r = At(clock_.NowMillis() - 30 * kMinute + flush * 1000 + i, random_plate(),
                        "cam" + std::to_string(i % 3), i % 2 ? "STLPD" : "SLCPD");
      batch.push_back(r);
      all.push_back(r);
    }
    ASSERT_TRUE(s->Append(batch).ok());
    ASSERT_TRUE(s->Flush().ok());
  }
  check(*s, "flushes");
  ASSERT_TRUE(s->Merge().ok());
  check(*s, "a merge");
  clock_.Advance(std::chrono::minutes(31));  // the first reads expire, then are purged
  Maintain(*s, 30);
  check(*s, "purges");
  s.reset();
  s = Open();
  s->SetRetention({{"STLPD", RetentionRule{60 * kMinute}}, {"SLCPD", RetentionRule{60 * kMinute}}});
  check(*s, "reopening");
}

TEST_F(StoreQueryTest, PatternSyntaxIsCheckedAndMatchingIsExact) {
  EXPECT_FALSE(PlatePattern::Parse("***").ok());
  EXPECT_FALSE(PlatePattern::Parse("AB#1").ok());
  EXPECT_FALSE(PlatePattern::Parse("ABCDEFGHIJK").ok());
  const PlatePattern p = *PlatePattern::Parse("a?c*");
  EXPECT_TRUE(p.Matches("ABC"));
  EXPECT_TRUE(p.Matches("AXC123"));
  EXPECT_FALSE(p.Matches("AC"));
  EXPECT_FALSE(p.Matches("XABC"));
  EXPECT_EQ(p.prefix(), "A");
}

TEST_F(StoreQueryTest, AreaAndTimeWindowSelectCamerasAndPositionedReads) {
  auto s = Open();
  read::Read mobile_in = At(t0_ + 10, "MOB1", "car7");
  mobile_in.position = geo::Point::FromDegrees(38.6270, -90.1994);
  read::Read mobile_out = At(t0_ + 20, "MOB2", "car7");
  mobile_out.position = geo::Point::FromDegrees(38.7000, -90.1994);  // 8 km north
  ASSERT_TRUE(s->Append({At(t0_, "IN1", "camA"), At(t0_ + 5, "OUT1", "camB"), mobile_in, mobile_out,
                         At(t0_ + 2 * 3'600'000, "LATE1", "camA")})
                  .ok());
  ASSERT_TRUE(s->Flush().ok());
  ReadQuery q;
  q.agencies = {"STLPD"};
  q.from = t0_;
  q.to = t0_ + 3'600'000;
  q.area = Area{geo::Point::FromDegrees(38.6270, -90.1994), 1000, {"camA"}, {"car7"}, {}};
  EXPECT_EQ(Plates(*s->Query(q)), (std::vector<std::string>{"MOB1", "IN1"}));
}

TEST_F(StoreQueryTest, LimitTruncatesAndSaysSo) {
  auto s = Open();
  std::vector<read::Read> batch;
  for (int i = 0; i < 10; ++i) batch.push_back(At(t0_ + i, "SAME1"));
  ASSERT_TRUE(s->Append(batch).ok());
  ReadQuery q;
  q.agencies = {"STLPD"};
  q.plate = *plate::Plate::FromNormalized("SAME1");
  q.limit = 4;
  Result<QueryResult> r = s->Query(q);
  EXPECT_EQ(r->reads.size(), 4u);
  EXPECT_TRUE(r->truncated);
  EXPECT_EQ(r->reads[0].time, t0_ + 9);
}

TEST_F(StoreQueryTest, ExpiredReadsDisappearFromResultsAtExpiry) {
  auto s = Open();
  s->SetRetention({{"STLPD", RetentionRule{3 * kMinute}}});
  const std::int64_t t = clock_.NowMillis();
  ASSERT_TRUE(s->Append({At(t, "NH1")}).ok());
  ReadQuery q;
  q.agencies = {"STLPD"};
  q.plate = *plate::Plate::FromNormalized("NH1");
  clock_.Advance(std::chrono::milliseconds(3 * kMinute));
  EXPECT_EQ(s->Query(q)->reads.size(), 1u) << "at exactly the retention period it is still there";
  clock_.Advance(std::chrono::milliseconds(1));
  EXPECT_TRUE(s->Query(q)->reads.empty()) << "one millisecond later it is not";
}

TEST_F(StoreQueryTest, ReadsAlreadyPastRetentionAreRefusedAtIngest) {
  auto s = Open();
  s->SetRetention({{"STLPD", RetentionRule{21 * kDay}}});
  Result<AppendResult> r =
      s->Append({At(clock_.NowMillis() - 22 * kDay, "OLD1"), At(clock_.NowMillis(), "NEW1")});
  EXPECT_EQ(r->expired, 1u);
  EXPECT_EQ(r->accepted, 1u);
  EXPECT_EQ(s->Count(), 1u);
}

// Retention from New Hampshire's 3 minutes to 5 years: after expiry plus the
// deadline max(60 s, 5 % of retention), with maintenance running every 10 s,
// the read is gone from disk: segments, logs, memory.
class RetentionDeadlineTest : public StoreQueryTest,
                              public ::testing::WithParamInterface<std::int64_t> {};

TEST_P(RetentionDeadlineTest, ExpiredReadsAreGoneFromDiskWithinTheDeadline) {
  const std::int64_t retention = GetParam();
  const std::int64_t deadline = std::max<std::int64_t>(kMinute, retention / 20);
  auto s = Open();
  s->SetRetention({{"STLPD", RetentionRule{retention}}});
  const std::int64_t t = clock_.NowMillis();
  ASSERT_TRUE(s->Append({At(t, "GONE1"), At(t + retention / 2, "STAY1")}).ok());
  // Maintenance ticks every 10 s of fake time, until expiry + deadline.
  const std::int64_t tick = std::min<std::int64_t>(10'000, deadline / 6);
  const std::int64_t end = t + retention + deadline;
  while (clock_.NowMillis() < end) {
    clock_.Advance(std::chrono::milliseconds(std::min(tick, end - clock_.NowMillis())));
    ASSERT_TRUE(s->RunMaintenance().ok());
  }
  EXPECT_EQ(s->Count(), 1u) << "only the unexpired read is stored";
  EXPECT_TRUE(WalFiles().empty()) << "no log file still holds the expired read";
  // Plates are stored packed, so look in each segment's dictionary, not for the text.
  const std::uint64_t gone = plate::Plate::FromNormalized("GONE1")->Pack();
  const std::uint64_t stay = plate::Plate::FromNormalized("STAY1")->Pack();
  bool stay_found = false;
  for (const std::string& path : s->SegmentPaths()) {
    Result<std::shared_ptr<Segment>> seg = Segment::Open(Env::Posix(), path);
    ASSERT_TRUE(seg.ok()) << seg.status().message();
    std::vector<std::uint32_t> rows;
    ASSERT_TRUE((*seg)->FindPlate(gone, &rows).ok());
    EXPECT_TRUE(rows.empty()) << path << " still holds the expired read";
    ASSERT_TRUE((*seg)->FindPlate(stay, &rows).ok());
    stay_found |= !rows.empty();
  }
  EXPECT_TRUE(stay_found) << "the check above looks where reads really are";
  const std::string report = *Env::Posix().ReadFile(dir_.path() + "/store/purge.log");
  EXPECT_NE(report.find("\"reads_destroyed\":1"), std::string::npos) << report;
  EXPECT_EQ(report.find("GONE1"), std::string::npos) << "the purge report holds no plates";
}

INSTANTIATE_TEST_SUITE_P(StateLaws, RetentionDeadlineTest,
                         ::testing::Values(3 * kMinute, 21 * kDay, 60 * kDay, 274 * kDay,
                                           5 * 365 * kDay));

TEST_F(StoreQueryTest, HeldReadsSurvivePurgesUntilTheHoldExpires) {
  auto s = Open();
  s->SetRetention({{"STLPD", RetentionRule{3 * kMinute}}});
  const std::int64_t t = clock_.NowMillis();
  Hold hold;
  hold.id = "hold-1";
  hold.plate = *plate::Plate::FromNormalized("EVID1");
  hold.expires_at = t + 30 * kMinute;
  hold.basis = "court order 26-CR-001";
  s->SetHolds({hold});
  ASSERT_TRUE(s->Append({At(t, "EVID1"), At(t, "OTHER1", "cam2")}).ok());
  Maintain(*s, 60);  // 10 minutes
  EXPECT_EQ(s->Count(), 1u) << "the held read stays, the other is purged";
  ReadQuery q;
  q.agencies = {"STLPD"};
  q.plate = *plate::Plate::FromNormalized("EVID1");
  EXPECT_EQ(s->Query(q)->reads.size(), 1u) << "held data stays searchable";
  const std::string report = *Env::Posix().ReadFile(dir_.path() + "/store/purge.log");
  EXPECT_NE(report.find("\"kept_by_holds\":[\"hold-1\"]"), std::string::npos) << report;
  clock_.Advance(std::chrono::minutes(25));  // past the hold's expiry
  Maintain(*s, 10);
  EXPECT_EQ(s->Count(), 0u);
}

}  // namespace
}  // namespace interdict::store

namespace interdict::store {
namespace {

TEST_F(StoreQueryTest, SmallSegmentsAreMergedAndACrashMidMergeLeavesNoDuplicates) {
  std::vector<std::string> before;
  std::string saved_name, saved_bytes;
  {
    auto s = Open();
    for (int f = 0; f < 5; ++f) {
      std::vector<read::Read> batch;
      for (int i = 0; i < 50; ++i)
        batch.push_back(At(t0_ + f * 100 + i, "M" + std::to_string(f * 100 + i)));
      ASSERT_TRUE(s->Append(batch).ok());
      ASSERT_TRUE(s->Flush().ok());
    }
    before = s->SegmentPaths();
    ASSERT_EQ(before.size(), 5u);
    saved_name = before[0];
    saved_bytes = *Env::Posix().ReadFile(saved_name);
    ASSERT_TRUE(s->Merge().ok());
    EXPECT_EQ(s->SegmentPaths().size(), 1u);
    EXPECT_EQ(s->Count(), 250u);
    ReadQuery q;
    q.agencies = {"STLPD"};
    q.plate = *plate::Plate::FromNormalized("M201");
    EXPECT_EQ(s->Query(q)->reads.size(), 1u);
  }
  // As if the process died after the merged segment was in place but before
  // the old ones were removed: put one back.
  {
    auto f = Env::Posix().NewWritableFile(saved_name);
    ASSERT_TRUE((*f)->Append(saved_bytes).ok());
  }
  auto s = Open();
  EXPECT_EQ(s->Count(), 250u) << "a segment replaced by a merge is removed on recovery";
  EXPECT_FALSE(Env::Posix().Exists(saved_name));
}

// Every question kind at once, as text: a store's answers, to compare.
std::string AnswersOf(const Store& s, std::int64_t from, std::int64_t to) {
  std::string out;
  auto add = [&](const std::string& what, ReadQuery q) {
    q.agencies = {"STLPD", "SLCPD"};
    q.from = from;
    q.to = to;
    Result<QueryResult> r = s.Query(q);
    out += what + ":";
    if (!r.ok()) out += r.status().message();
    for (const read::Read& x : r.ok() ? r->reads : std::vector<read::Read>{})
      out += " " + x.agency + "/" + x.camera + "/" + std::to_string(x.time) + "/" + x.plate.str();
    out += "\n";
  };
  add("all", {});
  for (const char* p : {"U7", "U13", "NONE1"}) {
    ReadQuery q;
    q.plate = *plate::Plate::FromNormalized(p);
    add(p, q);
  }
  ReadQuery pattern;
  pattern.pattern = *PlatePattern::Parse("U1*");
  add("pattern", pattern);
  ReadQuery area;
  area.area = Area{};
  area.area->cameras = {"cam2", "cam3"};
  add("area", area);
  ReadQuery window;
  window.cameras = {"cam1"};
  window.from = from + 20;
  add("camera window", window);
  return out;
}

// Stores written before version 4 keep answering, and converge: merges and
// purge rewrites turn their camera-ordered segments into plate-ordered ones
// with the same reads.
TEST_F(StoreQueryTest, SegmentsOfVersion2AreUpgradedByMergesAndPurgesAndAnswerTheSame) {
  const std::int64_t from = t0_ - kMinute, to = t0_ + 10 * kMinute;
  std::string before;
  {
    auto s = Open(SegmentLayout::kCameraOrder);
    for (int f = 0; f < 4; ++f) {
      std::vector<read::Read> batch;
      for (int i = 0; i < 60; ++i) {
        const int n = f * 60 + i;
        batch.push_back(At(t0_ + n * 7, "U" + std::to_string(n % 23), "cam" + std::to_string(n % 5),
                           n % 3 == 0 ? "SLCPD" : "STLPD"));
      }
      ASSERT_TRUE(s->Append(batch).ok());
      ASSERT_TRUE(s->Flush().ok());
    }
    before = AnswersOf(*s, from, to);
    Result<Store::Summary> d = Store::Describe(Env::Posix(), dir_.path() + "/store");
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->segments_by_version, (std::map<std::uint32_t, std::uint64_t>{{2, 8}}));
  }
  auto s = Open();
  EXPECT_EQ(AnswersOf(*s, from, to), before) << "version 2 segments answer as they did";
  ASSERT_TRUE(s->Merge().ok());
  Result<Store::Summary> d = Store::Describe(Env::Posix(), dir_.path() + "/store");
  EXPECT_EQ(d->segments_by_version, (std::map<std::uint32_t, std::uint64_t>{{4, 2}}))
      << "one merged segment per agency, in plate order";
  EXPECT_EQ(AnswersOf(*s, from, to), before) << "and answer the same after the merge";
  std::vector<std::string> problems;
  EXPECT_TRUE(Store::Verify(Env::Posix(), dir_.path() + "/store", &problems).ok())
      << (problems.empty() ? "" : problems.front());
  EXPECT_NE(before.find("U13"), std::string::npos) << "the questions find reads";
}

TEST_F(StoreQueryTest, APurgeRewritesAVersion2SegmentInPlateOrder) {
  {
    auto s = Open(SegmentLayout::kCameraOrder);
    std::vector<read::Read> batch;
    for (int i = 0; i < 40; ++i)
      batch.push_back(
          At(t0_ + i * 5000, "P" + std::to_string(i % 9), "cam" + std::to_string(i % 4)));
    ASSERT_TRUE(s->Append(batch).ok());
    ASSERT_TRUE(s->Flush().ok());
  }
  auto s = Open();
  // A retention that has expired the first ten reads (0-45 s) 50 s ago, past
  // the purge's grace (30 s).
  const std::int64_t retention = clock_.NowMillis() - t0_ - 50'000;
  s->SetRetention({{"STLPD", RetentionRule{retention}}});
  ASSERT_TRUE(s->RunMaintenance().ok());
  EXPECT_EQ(s->Count(), 30u);
  Result<Store::Summary> d = Store::Describe(Env::Posix(), dir_.path() + "/store");
  EXPECT_EQ(d->segments_by_version, (std::map<std::uint32_t, std::uint64_t>{{4, 1}}));
  ReadQuery q;
  q.agencies = {"STLPD"};
  q.plate = *plate::Plate::FromNormalized("P3");
  Result<QueryResult> r = s->Query(q);
  ASSERT_TRUE(r.ok());
  std::vector<std::int64_t> times;
  for (const read::Read& x : r->reads) times.push_back(x.time);
  EXPECT_EQ(times,
            (std::vector<std::int64_t>{t0_ + 195'000, t0_ + 150'000, t0_ + 105'000, t0_ + 60'000}))
      << "the kept reads of P3, newest first";
}

TEST_F(StoreQueryTest, VerifyChecksSegmentsAndTheCheckpoint) {
  {
    auto s = Open();
    ASSERT_TRUE(s->Append({At(t0_, "V1"), At(t0_ + 1, "V2")}).ok());
    ASSERT_TRUE(s->Flush().ok());
  }
  std::vector<std::string> problems;
  EXPECT_TRUE(Store::Verify(Env::Posix(), dir_.path() + "/store", &problems).ok());
  const std::string seg = Open()->SegmentPaths().at(0);
  std::string bytes = *Env::Posix().ReadFile(seg);
  bytes[20] = static_cast<char>(bytes[20] ^ 1);
  {
    auto f = Env::Posix().NewWritableFile(seg);
    ASSERT_TRUE((*f)->Append(bytes).ok());
  }
  problems.clear();
  EXPECT_FALSE(Store::Verify(Env::Posix(), dir_.path() + "/store", &problems).ok());
  ASSERT_FALSE(problems.empty());
  EXPECT_NE(problems[0].find(seg), std::string::npos) << problems[0];
  // Opening quarantines the corrupt segment and serves the rest.
  auto s = Open();
  EXPECT_EQ(s->recovery().quarantined.size(), 1u);
  EXPECT_EQ(s->Count(), 0u);
}

}  // namespace
}  // namespace interdict::store

namespace interdict::store {
namespace {

TEST_F(StoreQueryTest, QueriesSeeAConsistentSnapshotWhileWritesFlushesAndMergesGoOn) {
  auto s = Open();
  std::atomic<bool> done{false};
  std::atomic<int> acknowledged{0};
  std::thread writer([&] {
    struct Done {
      std::atomic<bool>& flag;
      ~Done() { flag = true; }  // also when an assertion below returns early
    } done_guard{done};
    for (int b = 0; b < 40; ++b) {
      std::vector<read::Read> batch;
      for (int i = 0; i < 25; ++i)
        batch.push_back(At(t0_ + b * 25 + i, "WATCH1", "cam" + std::to_string(i % 3)));
      ASSERT_TRUE(s->Append(batch).ok());
      acknowledged += 25;
      if (b % 5 == 4) {
        Status f = s->Flush();
        ASSERT_TRUE(f.ok()) << f.message();
      }
      if (b % 10 == 9) {
        Status m = s->Merge();
        ASSERT_TRUE(m.ok()) << m.message();
      }
    }
  });
  ReadQuery q;
  q.agencies = {"STLPD"};
  q.plate = *plate::Plate::FromNormalized("WATCH1");
  q.limit = 100000;
  std::size_t last = 0;
  while (!done) {
    const int floor = acknowledged.load();
    Result<QueryResult> r = s->Query(q);
    ASSERT_TRUE(r.ok()) << r.status().message();
    // Everything acknowledged before the query started is visible, exactly once.
    ASSERT_GE(r->reads.size(), static_cast<std::size_t>(floor));
    ASSERT_GE(r->reads.size(), last);
    for (std::size_t i = 1; i < r->reads.size(); ++i)
      ASSERT_LT(r->reads[i].time, r->reads[i - 1].time);
    last = r->reads.size();
  }
  writer.join();
  EXPECT_EQ(s->Query(q)->reads.size(), 1000u);
}

}  // namespace
}  // namespace interdict::store

namespace interdict::store {
namespace {

TEST(PlatePatternTest, PackedMatchingAgreesWithTextMatching) {
  std::mt19937 rng(7);
  const std::string alphabet = "ABK0123Z";
  auto random_text = [&](std::size_t min, std::size_t max) {
    std::string s(std::uniform_int_distribution<std::size_t>(min, max)(rng), 'A');
    for (char& c : s)
      c = alphabet[std::uniform_int_distribution<std::size_t>(0, alphabet.size() - 1)(rng)];
    return s;
  };
  for (int i = 0; i < 2000; ++i) {
    const std::string lit = random_text(1, 4);
    const std::string forms[] = {"*" + lit + "*", lit + "*", "?" + lit + "*", "*" + lit,
                                 lit.substr(0, 1) + "?" + lit};
    for (const std::string& f : forms) {
      Result<PlatePattern> p = PlatePattern::Parse(f);
      if (!p.ok()) continue;
      const plate::Plate plate = *plate::Plate::FromNormalized(random_text(1, 10));
      ASSERT_EQ(p->MatchesPacked(plate.Pack()), p->Matches(plate.text()))
          << f << " vs " << plate.text();
    }
  }
  // The dictionary scan (vectorized for substrings) agrees too, for literals
  // of every length.
  std::vector<std::uint64_t> dict;
  for (int i = 0; i < 5000; ++i)
    dict.push_back(plate::Plate::FromNormalized(random_text(1, 10))->Pack());
  std::size_t hits = 0;
  for (std::size_t len = 1; len <= plate::Plate::kMaxLength; ++len) {
    for (int k = 0; k < 20; ++k) {
      const std::string lit = random_text(len, len);
      for (const std::string& f : {"*" + lit + "*", lit + "*"}) {
        Result<PlatePattern> p = PlatePattern::Parse(f);
        ASSERT_TRUE(p.ok()) << f;
        std::vector<std::uint32_t> got, want;
        p->MatchDictionary(dict.data(), dict.size(), &got);
        for (std::uint32_t i = 0; i < dict.size(); ++i) {
          if (p->Matches(plate::Plate::Unpack(dict[i]).text())) want.push_back(i);
        }
        ASSERT_EQ(got, want) << f;
        hits += got.size();
      }
    }
  }
  EXPECT_GT(hits, 1000u) << "the test compares some matches";
}

}  // namespace
}  // namespace interdict::store

namespace interdict::store {
namespace {

TEST_F(StoreQueryTest, CursorPagesVisitEveryReadOnceEvenWithinOneMillisecond) {
  auto s = Open();
  std::vector<read::Read> batch;
  // 60 reads of one plate, 20 of them in the same millisecond on different cameras.
  for (int i = 0; i < 40; ++i) batch.push_back(At(t0_ + i, "PAGE1", "cam" + std::to_string(i % 4)));
  for (int i = 0; i < 20; ++i) batch.push_back(At(t0_ + 100, "PAGE1", "tie" + std::to_string(i)));
  ASSERT_TRUE(s->Append({batch.begin(), batch.begin() + 30}).ok());
  ASSERT_TRUE(s->Flush().ok());
  ASSERT_TRUE(s->Append({batch.begin() + 30, batch.end()}).ok());
  ReadQuery q;
  q.agencies = {"STLPD"};
  q.plate = *plate::Plate::FromNormalized("PAGE1");
  q.limit = 7;
  std::set<std::string> seen;
  std::int64_t last_time = INT64_MAX;
  int pages = 0;
  for (;;) {
    Result<QueryResult> r = s->Query(q);
    ASSERT_TRUE(r.ok());
    ++pages;
    for (const read::Read& x : r->reads) {
      EXPECT_TRUE(seen.insert(x.camera + "/" + x.id).second) << "read returned twice: " << x.id;
      EXPECT_LE(x.time, last_time);
      last_time = x.time;
    }
    if (!r->truncated) break;
    ASSERT_TRUE(r->next.has_value());
    q.after = r->next;
  }
  EXPECT_EQ(seen.size(), 60u);
  EXPECT_EQ(pages, 9);
}

}  // namespace
}  // namespace interdict::store
