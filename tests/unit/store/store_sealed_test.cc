// Encryption at rest in the embedded store (decision 0036): sealed WAL records
// and segments answer as plain ones do, hold no plate in the clear, and a
// bucket's key goes when its last read expires, which makes every copy of the
// bucket (a backup) unreadable, while holds keep their keys.
#include <gtest/gtest.h>

#include <filesystem>

#include "crypto/keyring.h"
#include "store/segment.h"
#include "store/store.h"
#include "support/reads.h"
#include "support/temp_dir.h"

namespace interdict::store {
namespace {

constexpr std::int64_t kMinute = 60'000;

class SealedStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(crypto::FileMasterKey::Create(dir_.File("master.key")).ok());
    master_ = std::move(crypto::FileMasterKey::Load(dir_.File("master.key"))).value();
    keys_ = std::move(crypto::KeyRing::Open(dir_.File("keys"), *master_)).value();
  }

  std::unique_ptr<Store> Open(const std::string& name, crypto::KeyRing* keys,
                              SegmentLayout flush_layout = SegmentLayout::kPlateOrder) {
    StoreOptions o;
    o.dir = dir_.File(name);
    o.background = false;
    o.keys = keys;
    o.flush_layout = flush_layout;
    Result<std::unique_ptr<Store>> s = Store::Open(o, Env::Posix(), clock_, log_);
    EXPECT_TRUE(s.ok()) << s.status().message();
    return s.ok() ? std::move(s).value() : nullptr;
  }
  std::unique_ptr<Store> Open() { return Open("store", keys_.get()); }

  read::Read At(std::int64_t time, std::string plate, std::string camera = "cam1") {
    read::Read r;
    r.agency = "STLPD";
    r.camera = std::move(camera);
    r.time = time;
    r.id = r.camera + "-" + std::to_string(time);
    r.plate = *plate::Plate::FromNormalized(plate);
    r.raw_plate = r.plate.text();
    r.state = *plate::Jurisdiction::Parse("MO");
    return r;
  }

  // Every byte of every file under `dir`.
  static std::string AllBytes(const std::string& dir) {
    std::string out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
      if (e.is_regular_file()) out += *Env::Posix().ReadFile(e.path().string());
    }
    return out;
  }

  static std::vector<std::string> Plates(const QueryResult& r) {
    std::vector<std::string> out;
    for (const read::Read& x : r.reads) out.emplace_back(x.plate.text());
    std::sort(out.begin(), out.end());
    return out;
  }

  ReadQuery Everything() const {
    ReadQuery q;
    q.agencies = {"STLPD"};
    q.from = 0;
    q.to = clock_.NowMillis() + 86'400'000;
    return q;
  }

  void Maintain(Store& s, int ticks) {
    for (int i = 0; i < ticks; ++i) {
      clock_.Advance(std::chrono::seconds(10));
      ASSERT_TRUE(s.RunMaintenance().ok());
    }
  }

  test::TempDir dir_;
  FakeClock clock_;
  Logger log_{[](std::string_view) {}, clock_, LogLevel::kDebug};
  std::unique_ptr<crypto::FileMasterKey> master_;
  std::unique_ptr<crypto::KeyRing> keys_;
};

TEST_F(SealedStoreTest, NoPlateIsInTheClearInTheLogOrTheSegments) {
  auto s = Open();
  const std::int64_t t = clock_.NowMillis();
  std::vector<read::Read> batch;
  for (int i = 0; i < 300; ++i) batch.push_back(At(t + i, "SECRET" + std::to_string(i % 10)));
  ASSERT_EQ(s->Append(batch)->accepted, 300u);
  EXPECT_EQ(AllBytes(dir_.File("store")).find("SECRET"), std::string::npos) << "in the log";
  ASSERT_TRUE(s->Flush().ok());
  ASSERT_FALSE(s->SegmentPaths().empty());
  EXPECT_EQ(AllBytes(dir_.File("store")).find("SECRET"), std::string::npos) << "in a segment";
  // Nor a plate filter: its bits would answer "was this plate read here?"
  // for anyone holding the file.
  for (const std::string& path : s->SegmentPaths()) {
    Result<std::shared_ptr<Segment>> seg = Segment::Open(Env::Posix(), path, keys_.get());
    ASSERT_TRUE(seg.ok()) << seg.status().message();
    EXPECT_EQ((*seg)->version(), 5u);
    EXPECT_FALSE((*seg)->plate_filter_in_file()) << path;
  }

  // The same reads in a plain store are there in the clear: the check can fail.
  auto plain = Open("plain", nullptr);
  ASSERT_EQ(plain->Append(batch)->accepted, 300u);
  EXPECT_NE(AllBytes(dir_.File("plain")).find("SECRET"), std::string::npos);
}

// Sealed segments of version 3 (rows by camera) become version 5 (rows by
// plate, camera lists sealed too) when merged, answer the same, and still
// hold no plate in the clear.
TEST_F(SealedStoreTest, SealedVersion3SegmentsAreMergedIntoSealedVersion5) {
  const std::int64_t t = clock_.NowMillis();
  std::vector<std::string> before;
  {
    auto s = Open("store", keys_.get(), SegmentLayout::kCameraOrder);
    for (int b = 0; b < 3; ++b) {
      std::vector<read::Read> batch;
      for (int i = 0; i < 50; ++i)
        batch.push_back(
            At(t + b * 50 + i, "SECRET" + std::to_string(i % 7), "cam" + std::to_string(i % 3)));
      ASSERT_TRUE(s->Append(batch).ok());
      ASSERT_TRUE(s->Flush().ok());
    }
    before = Plates(*s->Query(Everything()));
  }
  Result<Store::Summary> d = Store::Describe(Env::Posix(), dir_.File("store"));
  EXPECT_EQ(d->segments_by_version, (std::map<std::uint32_t, std::uint64_t>{{3, 3}}));
  auto s = Open();
  ASSERT_TRUE(s->Merge().ok());
  d = Store::Describe(Env::Posix(), dir_.File("store"));
  EXPECT_EQ(d->segments_by_version, (std::map<std::uint32_t, std::uint64_t>{{5, 1}}));
  EXPECT_EQ(Plates(*s->Query(Everything())), before);
  ReadQuery window = Everything();
  window.cameras = {"cam1"};
  EXPECT_EQ(s->Query(window)->reads.size(), 51u) << "the sealed camera list opens";
  EXPECT_EQ(AllBytes(dir_.File("store")).find("SECRET"), std::string::npos);
  std::vector<std::string> problems;
  EXPECT_TRUE(Store::Verify(Env::Posix(), dir_.File("store"), &problems, keys_.get()).ok())
      << (problems.empty() ? "" : problems.front());
}

TEST_F(SealedStoreTest, ASealedStoreAnswersAsAPlainOneThroughFlushMergeAndRestart) {
  const std::int64_t t = clock_.NowMillis();
  auto sealed = Open();
  auto plain = Open("plain", nullptr);
  for (int b = 0; b < 4; ++b) {
    std::vector<read::Read> batch;
    for (int i = 0; i < 200; ++i) {
      batch.push_back(At(t + b * 1000 + i, "P" + std::to_string((b * 7 + i) % 50),
                         "cam" + std::to_string(i % 3)));
    }
    ASSERT_EQ(sealed->Append(batch)->accepted, 200u);
    ASSERT_EQ(plain->Append(batch)->accepted, 200u);
    if (b % 2 == 1) {
      ASSERT_TRUE(sealed->Flush().ok());
      ASSERT_TRUE(plain->Flush().ok());
    }
  }
  ASSERT_TRUE(sealed->Merge().ok());
  ReadQuery exact = Everything();
  exact.plate = *plate::Plate::FromNormalized("P7");
  EXPECT_EQ(Plates(*sealed->Query(exact)), Plates(*plain->Query(exact)));
  EXPECT_FALSE(sealed->Query(exact)->reads.empty());
  EXPECT_EQ(Plates(*sealed->Query(Everything())), Plates(*plain->Query(Everything())));

  sealed.reset();
  auto reopened = Open();
  EXPECT_EQ(reopened->Count(), 800u);
  EXPECT_EQ(Plates(*reopened->Query(Everything())), Plates(*plain->Query(Everything())));
  std::vector<std::string> problems;
  EXPECT_TRUE(Store::Verify(Env::Posix(), dir_.File("store"), &problems, keys_.get()).ok())
      << (problems.empty() ? "" : problems[0]);
}

TEST_F(SealedStoreTest, ReadsOnlyInTheSealedLogAreRecoveredAfterACrash) {
  {
    auto s = Open();
    ASSERT_EQ(
        s->Append({At(clock_.NowMillis(), "LOG1"), At(clock_.NowMillis() + 1, "LOG2")})->accepted,
        2u);
  }
  auto s = Open();
  EXPECT_EQ(s->recovery().reads_recovered, 2u);
  EXPECT_EQ(Plates(*s->Query(Everything())), (std::vector<std::string>{"LOG1", "LOG2"}));
}

TEST_F(SealedStoreTest, WithoutItsKeysASealedStoreIsRefusedAndNothingIsQuarantined) {
  {
    auto s = Open();
    ASSERT_TRUE(s->Append({At(clock_.NowMillis(), "KEYED1")}).ok());
    ASSERT_TRUE(s->Flush().ok());
    ASSERT_TRUE(s->Append({At(clock_.NowMillis() + 1, "KEYED2")}).ok());
  }
  StoreOptions o;
  o.dir = dir_.File("store");
  o.background = false;
  Result<std::unique_ptr<Store>> s = Store::Open(o, Env::Posix(), clock_, log_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kFailedPrecondition) << s.status().message();
  EXPECT_NE(s.status().message().find("encryption is not configured"), std::string::npos);
  EXPECT_TRUE(std::filesystem::is_empty(dir_.File("store/quarantine")));
  EXPECT_EQ(Open()->Count(), 2u) << "with the keys back, everything is there";
}

TEST_F(SealedStoreTest, ExpiredBucketsLoseTheirKeysAndACopyTakenBeforeIsUnreadable) {
  auto s = Open();
  s->SetRetention({{"STLPD", RetentionRule{3 * kMinute}}});
  const std::int64_t t = clock_.NowMillis();
  ASSERT_TRUE(s->Append({At(t, "GONE1"), At(t + 1, "GONE2")}).ok());
  ASSERT_TRUE(s->Flush().ok());
  ASSERT_TRUE(s->Append({At(t + 2, "GONE3")}).ok());  // only in the log
  // The copy a backup would hold, taken before the reads expire.
  std::filesystem::copy(dir_.File("store"), dir_.File("copy"),
                        std::filesystem::copy_options::recursive);
  const std::size_t live_before = keys_->List().size();
  ASSERT_GE(live_before, 1u);

  Maintain(*s, 60);  // 10 minutes: expired, purged, and the keys destroyed
  EXPECT_EQ(s->Count(), 0u);
  EXPECT_TRUE(keys_->List().empty());
  ASSERT_EQ(keys_->Destroyed()->size(), live_before);
  const std::string report = *Env::Posix().ReadFile(dir_.File("store/purge.log"));
  EXPECT_NE(report.find("\"action\":\"key_destroyed\""), std::string::npos) << report;
  EXPECT_NE(report.find(keys_->Destroyed()->at(0).id), std::string::npos) << "names the key";

  // The copy opens, but what it held is expired noise: removed, not served,
  // not quarantined as damage.
  s.reset();
  auto copy = Open("copy", keys_.get());
  EXPECT_EQ(copy->Count(), 0u);
  EXPECT_EQ(copy->recovery().reads_recovered, 0u);
  EXPECT_GE(copy->recovery().expired_segments_removed, 1u);
  EXPECT_GE(copy->recovery().expired_wal_records, 1u);
  EXPECT_TRUE(copy->recovery().quarantined.empty());
  EXPECT_TRUE(copy->Query(Everything())->reads.empty());
}

TEST_F(SealedStoreTest, AHoldKeepsItsBucketsKeyUntilItIsReleased) {
  auto s = Open();
  s->SetRetention({{"STLPD", RetentionRule{3 * kMinute}}});
  const std::int64_t t = clock_.NowMillis();
  Hold hold;
  hold.id = "hold-1";
  hold.agency = "STLPD";
  hold.plate = *plate::Plate::FromNormalized("EVID1");
  hold.expires_at = t + 30 * kMinute;
  s->SetHolds({hold});
  ASSERT_TRUE(s->Append({At(t, "EVID1"), At(t, "OTHER1", "cam2")}).ok());
  Maintain(*s, 60);
  EXPECT_EQ(s->Count(), 1u);
  EXPECT_FALSE(keys_->List().empty()) << "the held read's key stays";
  ReadQuery q = Everything();
  q.plate = *plate::Plate::FromNormalized("EVID1");
  EXPECT_EQ(s->Query(q)->reads.size(), 1u) << "and the held read stays readable";

  s->SetHolds({});  // released
  Maintain(*s, 6);
  EXPECT_EQ(s->Count(), 0u);
  EXPECT_TRUE(keys_->List().empty());
}

TEST_F(SealedStoreTest, KeysOfBucketsStillInRetentionAreKept) {
  auto s = Open();
  s->SetRetention({{"STLPD", RetentionRule{60 * kMinute}}});
  ASSERT_TRUE(s->Append({At(clock_.NowMillis(), "KEEP1")}).ok());
  Maintain(*s, 30);  // 5 minutes
  EXPECT_EQ(s->Count(), 1u);
  EXPECT_EQ(keys_->List().size(), 2u) << "the bucket's key and the next bucket's";
  EXPECT_TRUE(keys_->Destroyed()->empty());
}

}  // namespace
}  // namespace interdict::store
