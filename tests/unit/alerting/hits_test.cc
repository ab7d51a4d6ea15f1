#include "alerting/hits.h"
#include "alerting/images.h"
#include "alerting/sealing.h"

#include <fmt/core.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "crypto/keyring.h"
#include "support/catalog.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

namespace interdict::alerting {
namespace {

constexpr std::int64_t kDay = 86'400'000;

class HitRetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = test::MigratedCatalog(dir_.File("catalog.db"));
    ASSERT_TRUE(db_);
    ASSERT_EQ(test::AddAgency(*db_, "STLPD", "US-MO", "local", "St. Louis PD"), 1);
    ASSERT_TRUE(
        db_->Exec("INSERT INTO retention VALUES (1, 'hits', 31536000000, 'default', 0, 't');"
                  "INSERT INTO users (agency_id, username, display_name, role, created_at, "
                  "created_by) VALUES (1, 'a', 'A', 'administrator', 0, 't');"
                  "INSERT INTO hotlists (agency_id, name, kind, priority, one_edit, "
                  "created_at, created_by) VALUES (1, 'L', 'ncic', 1, 0, 0, 't')")
            .ok());
  }
  void AddHit(const std::string& plate, std::int64_t read_time) {
    auto st = db_->Prepare(
        "INSERT INTO hits (agency_id, read_id, camera, read_time, plate, read, hotlist_id, "
        "entry_id, entry, list_age_ms, match_kind, score, backfill, created_at) VALUES (1, ?1, "
        "'cam1', ?2, ?3, '{}', 1, 1, '{}', 0, 'exact', 1.0, 0, ?2) RETURNING id");
    st->Bind(1, plate + std::to_string(read_time)).Bind(2, read_time).Bind(3, plate);
    Result<std::int64_t> id = st->RunReturningId();
    ASSERT_TRUE(id.ok()) << id.status().message();
    ASSERT_TRUE(db_->Query("INSERT INTO hit_audience VALUES (?1, 1)", *id).ok());
  }
  std::int64_t Count(const std::string& sql) {
    auto q = db_->Prepare(sql);
    EXPECT_TRUE(*q->Step());
    return q->Int(0);
  }
  test::TempDir dir_;
  std::unique_ptr<catalog::Database> db_;
};

TEST_F(HitRetentionTest, HitsOlderThanTheAgencysPeriodGoUnlessAHoldKeepsThem) {
  const std::int64_t now = 1'800'000'000'000;
  AddHit("OLD1", now - 400 * kDay);
  AddHit("HELD1", now - 400 * kDay);
  AddHit("NEW1", now - 10 * kDay);
  ASSERT_TRUE(db_->Exec("INSERT INTO holds (agency_id, plate, basis, requested_by, expires_at, "
                        "created_by, created_at) VALUES (1, 'HELD1', 'court order', 'ADA', "
                        "1900000000000, 1, 0)")
                  .ok());
  Result<std::int64_t> n = PurgeExpiredHits(*db_, now);
  ASSERT_TRUE(n.ok()) << n.status().message();
  EXPECT_EQ(*n, 1);
  EXPECT_EQ(Count("SELECT count(*) FROM hits WHERE plate = 'OLD1'"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM hits"), 2);
  EXPECT_EQ(Count("SELECT count(*) FROM hit_audience"), 2);
  EXPECT_EQ(Count("SELECT count(*) FROM audit WHERE event = 'hits.purge'"), 1);
  // Nothing more to do: a second pass deletes nothing and records nothing.
  EXPECT_EQ(*PurgeExpiredHits(*db_, now), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM audit WHERE event = 'hits.purge'"), 1);
  // Once the hold is released, the held hit goes too.
  ASSERT_TRUE(db_->Exec("UPDATE holds SET released_at = 1").ok());
  EXPECT_EQ(*PurgeExpiredHits(*db_, now), 1);
}

// Every byte of the catalog's files, as someone with a copy of the disk
// would read them.
std::string RawFiles(const std::string& path) {
  std::string all;
  for (const std::string& f : {path, path + "-wal"}) {
    std::ifstream in(f, std::ios::binary);
    all += std::string((std::istreambuf_iterator<char>(in)), {});
  }
  return all;
}

TEST_F(HitRetentionTest, APurgedHitsPlateCannotBeReadBackFromTheFilesOrTheLog) {
  if (test::OnPostgres())
    GTEST_SKIP() << "SQLite's files only: PostgreSQL reuses a deleted row's space later, "
                    "without zeroing it (docs/security.md, the catalog on PostgreSQL)";
  const std::int64_t now = 1'800'000'000'000;
  for (int i = 0; i < 50; ++i) AddHit("NEW" + std::to_string(100 + i), now - kDay);
  AddHit("GONE4EVR", now - 400 * kDay);
  ASSERT_TRUE(db_->CheckpointTruncate().ok());  // the plate is in the database file now
  ASSERT_NE(RawFiles(dir_.File("catalog.db")).find("GONE4EVR"), std::string::npos);
  ASSERT_EQ(*PurgeExpiredHits(*db_, now), 1);
  // The write-ahead log still holds the pages as they were written before;
  // the service truncates it every minute after its purges.
  Result<bool> truncated = db_->CheckpointTruncate();
  ASSERT_TRUE(truncated.ok() && *truncated);
  EXPECT_EQ(RawFiles(dir_.File("catalog.db")).find("GONE4EVR"), std::string::npos)
      << "secure_delete zeroes the cell, its index entries and freed pages";
  EXPECT_NE(RawFiles(dir_.File("catalog.db")).find("NEW120"), std::string::npos)
      << "the check can see a plate that is still there";
}

TEST_F(HitRetentionTest, WithoutSecureDeleteThePlateWouldStayInTheFile) {
  if (test::OnPostgres())
    GTEST_SKIP() << "SQLite's files only: PostgreSQL reuses a deleted row's space later, "
                    "without zeroing it (docs/security.md, the catalog on PostgreSQL)";
  // The control: the same purge with secure_delete off leaves the bytes.
  ASSERT_TRUE(db_->Exec("PRAGMA secure_delete=OFF").ok());
  const std::int64_t now = 1'800'000'000'000;
  for (int i = 0; i < 50; ++i) AddHit("NEW" + std::to_string(100 + i), now - kDay);
  AddHit("GONE4EVR", now - 400 * kDay);
  ASSERT_TRUE(db_->CheckpointTruncate().ok());
  ASSERT_EQ(*PurgeExpiredHits(*db_, now), 1);
  ASSERT_TRUE(db_->CheckpointTruncate().ok());
  EXPECT_NE(RawFiles(dir_.File("catalog.db")).find("GONE4EVR"), std::string::npos);
}

TEST_F(HitRetentionTest, ImagesGoAfterTheirRetentionUnlessAHitKeepsThem) {
  const std::int64_t now = 1'800'000'000'000;
  ASSERT_TRUE(
      db_->Exec("INSERT INTO retention VALUES (1, 'images', 2592000000, 'default', 0, 't')").ok());
  const std::string kept = "sha256:" + std::string(64, 'a');
  const std::string old = "sha256:" + std::string(64, 'b');
  const std::string fresh = "sha256:" + std::string(64, 'c');
  ASSERT_TRUE(RecordImage(*db_, 1, kept, "image/jpeg", 10, now - 40 * kDay).ok());
  ASSERT_TRUE(RecordImage(*db_, 1, old, "image/jpeg", 10, now - 40 * kDay).ok());
  ASSERT_TRUE(RecordImage(*db_, 1, fresh, "image/jpeg", 10, now - 1 * kDay).ok());
  AddHit("KEPT1", now - 40 * kDay);
  ASSERT_TRUE(db_->Exec("INSERT INTO hit_images VALUES (1, 'plate', '" + kept + "')").ok());
  Result<std::vector<ImageFile>> gone = ExpireImages(*db_, now);
  ASSERT_TRUE(gone.ok()) << gone.status().message();
  EXPECT_EQ(*gone, (std::vector<ImageFile>{{old, ""}}));
  EXPECT_TRUE(*AgencyHoldsImage(*db_, 1, kept));
  EXPECT_TRUE(*AgencyHoldsImage(*db_, 1, fresh));
  EXPECT_FALSE(*AgencyHoldsImage(*db_, 1, old));
  EXPECT_EQ(Count("SELECT count(*) FROM audit WHERE event = 'images.purge'"), 1);
}

TEST_F(HitRetentionTest, AHoldOnAReadKeepsItsImagesAsLongAsTheHold) {
  const std::int64_t now = 1'800'000'000'000;
  ASSERT_TRUE(
      db_->Exec("INSERT INTO retention VALUES (1, 'images', 2592000000, 'default', 0, 't')").ok());
  const std::string held = "sha256:" + std::string(64, 'd');
  const std::string other = "sha256:" + std::string(64, 'e');
  ASSERT_TRUE(RecordImage(*db_, 1, held, "image/jpeg", 10, now - 40 * kDay).ok());
  ASSERT_TRUE(RecordImage(*db_, 1, other, "image/jpeg", 10, now - 40 * kDay).ok());
  ASSERT_TRUE(RecordImageReads(*db_, {{held, 1, "HELD9", "cam1", now - 40 * kDay},
                                      {other, 1, "FREE9", "cam1", now - 40 * kDay}})
                  .ok());
  // A court order holds HELD9's reads of that month.
  ASSERT_TRUE(db_->Exec(fmt::format("INSERT INTO holds (agency_id, plate, window_from, window_to, "
                                    "basis, requested_by, expires_at, created_by, created_at) "
                                    "VALUES (1, 'HELD9', {}, {}, 'court order', 'ADA', {}, 1, 0)",
                                    now - 45 * kDay, now - 35 * kDay, now + 90 * kDay))
                  .ok());
  EXPECT_EQ(*ExpireImages(*db_, now), (std::vector<ImageFile>{{other, ""}}));
  EXPECT_TRUE(*AgencyHoldsImage(*db_, 1, held));
  EXPECT_EQ(Count("SELECT count(*) FROM image_reads WHERE plate = 'FREE9'"), 0)
      << "its reads' plates go with the image";
  // Released, the hold no longer keeps it.
  ASSERT_TRUE(db_->Exec("UPDATE holds SET released_at = 1").ok());
  EXPECT_EQ(*ExpireImages(*db_, now), (std::vector<ImageFile>{{held, ""}}));
  EXPECT_EQ(Count("SELECT count(*) FROM image_reads"), 0);
}

// Encryption at rest (decision 0036): an agency's images are sealed under its
// images key of the upload's bucket; the key lives while an image row names
// it (a hit or a hold keeps the row) and goes once its bucket has expired.
TEST_F(HitRetentionTest, ASealedImagesKeyLivesWhileAHitKeepsItAndIsDestroyedAfterRetention) {
  const std::int64_t now = 1'800'000'000'000;
  ASSERT_TRUE(
      db_->Exec("INSERT INTO retention VALUES (1, 'images', 2592000000, 'default', 0, 't')").ok());
  ASSERT_TRUE(crypto::FileMasterKey::Create(dir_.File("master.key")).ok());
  auto master = std::move(crypto::FileMasterKey::Load(dir_.File("master.key"))).value();
  auto ring = std::move(crypto::KeyRing::Open(dir_.File("keys"), *master)).value();
  auto images =
      std::move(media::ImageStore::Open(dir_.File("images"), store::Env::Posix())).value();
  const auto jpeg = [](char c) {
    return std::string("\xFF\xD8\xFF\xE0", 4) + std::string(32, c) + "\xFF\xD9";
  };
  // Two images in one 3-day bucket 40 days ago (retention 30 days), one fresh.
  const std::string kept = *StoreImage(*db_, *images, ring.get(), 1, jpeg('k'), now - 40 * kDay);
  const std::string old = *StoreImage(*db_, *images, ring.get(), 1, jpeg('o'), now - 40 * kDay);
  const std::string fresh = *StoreImage(*db_, *images, ring.get(), 1, jpeg('f'), now - kDay);
  EXPECT_EQ(*StoreImage(*db_, *images, ring.get(), 1, jpeg('k'), now - 39 * kDay), kept)
      << "sent again, the same copy";
  EXPECT_EQ(Count("SELECT count(DISTINCT key_id) FROM images"), 2);
  EXPECT_EQ(Count("SELECT count(*) FROM images WHERE key_id IS NULL"), 0);
  EXPECT_FALSE(images->Contains(kept)) << "no plain copy";
  Result<HeldImage> held = FindHeldImage(*db_, 1, kept);
  ASSERT_TRUE(held.ok()) << held.status().message();
  EXPECT_TRUE(held->sealed);
  EXPECT_EQ(*ReadHeldImage(*images, ring.get(), *held), jpeg('k'));
  EXPECT_EQ(ReadHeldImage(*images, nullptr, *held).status().code(),
            StatusCode::kFailedPrecondition);
  // A copy of the sealed file, as a backup would hold it.
  const std::string hex = old.substr(7);
  const std::string old_file = dir_.File("images/sealed/STLPD/" + hex.substr(0, 2) + "/" + hex);
  std::string backup_copy;
  {
    std::ifstream in(old_file, std::ios::binary);
    backup_copy.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  ASSERT_FALSE(backup_copy.empty());

  AddHit("KEPT1", now - 40 * kDay);
  ASSERT_TRUE(db_->Exec("INSERT INTO hit_images VALUES (1, 'plate', '" + kept + "')").ok());
  Result<std::vector<ImageFile>> gone = ExpireImages(*db_, now);
  ASSERT_TRUE(gone.ok()) << gone.status().message();
  EXPECT_EQ(*gone, (std::vector<ImageFile>{{old, "STLPD"}}));
  for (const ImageFile& f : *gone) ASSERT_TRUE(RemoveImageFile(*images, f).ok());
  EXPECT_FALSE(images->ContainsSealed(old, "STLPD"));
  auto key_of = [&](const std::string& address) {
    auto q = db_->Query("SELECT key_id FROM images WHERE address = ?1", address);
    return q->Text(0);
  };
  const std::string kept_key = key_of(kept), fresh_key = key_of(fresh);
  // Making a bucket's key makes the next one's too: that one, unused and
  // expired, goes now.
  Result<std::int64_t> shredded = ShredExpiredKeys(*db_, *ring, "images", now);
  ASSERT_TRUE(shredded.ok()) << shredded.status().message();
  EXPECT_EQ(ring->StateOf(kept_key), crypto::KeyState::kLive) << "the hit's image names it";
  EXPECT_EQ(*ReadHeldImage(*images, ring.get(), *FindHeldImage(*db_, 1, kept)), jpeg('k'));

  // The hit goes; its image expires with it, and then the bucket's key.
  ASSERT_TRUE(db_->Exec("DELETE FROM hit_images").ok());
  EXPECT_EQ(*ExpireImages(*db_, now), (std::vector<ImageFile>{{kept, "STLPD"}}));
  EXPECT_EQ(*ShredExpiredKeys(*db_, *ring, "images", now), 1);
  EXPECT_EQ(ring->StateOf(kept_key), crypto::KeyState::kDestroyed);
  EXPECT_EQ(*ShredExpiredKeys(*db_, *ring, "images", now + 5 * kDay), 0)
      << "the fresh image's bucket is not past retention yet";
  EXPECT_EQ(ring->StateOf(fresh_key), crypto::KeyState::kLive);
  EXPECT_EQ(Count("SELECT count(*) FROM audit WHERE event = 'images.key_destroyed'"),
            *shredded + 1);
  EXPECT_EQ(*ReadHeldImage(*images, ring.get(), *FindHeldImage(*db_, 1, fresh)), jpeg('f'));
  // The backup's copy of the expired image no longer opens.
  std::ofstream(old_file, std::ios::binary) << backup_copy;
  Result<std::string> restored = images->GetSealed(old, "STLPD", *ring);
  EXPECT_EQ(restored.status().code(), StatusCode::kNotFound);
  EXPECT_NE(restored.status().message().find("expired"), std::string::npos);
}

TEST_F(HitRetentionTest, APlainImageSentAgainOnceEncryptionIsOnIsSealedAndItsPlainFileGoes) {
  const std::int64_t now = 1'800'000'000'000;
  auto images =
      std::move(media::ImageStore::Open(dir_.File("images"), store::Env::Posix())).value();
  const std::string jpeg = std::string("\xFF\xD8\xFF\xE0", 4) + "plain before" + "\xFF\xD9";
  const std::string a = *StoreImage(*db_, *images, nullptr, 1, jpeg, now);
  EXPECT_TRUE(images->Contains(a));
  EXPECT_FALSE(FindHeldImage(*db_, 1, a)->sealed);
  ASSERT_TRUE(crypto::FileMasterKey::Create(dir_.File("master.key")).ok());
  auto master = std::move(crypto::FileMasterKey::Load(dir_.File("master.key"))).value();
  auto ring = std::move(crypto::KeyRing::Open(dir_.File("keys"), *master)).value();
  EXPECT_EQ(*StoreImage(*db_, *images, ring.get(), 1, jpeg, now + 1), a);
  EXPECT_TRUE(FindHeldImage(*db_, 1, a)->sealed);
  EXPECT_FALSE(images->Contains(a)) << "no agency holds it in plain any more";
  EXPECT_EQ(*ReadHeldImage(*images, ring.get(), *FindHeldImage(*db_, 1, a)), jpeg);
}

class SealedValuesTest : public HitRetentionTest {
 protected:
  void SetUp() override {
    HitRetentionTest::SetUp();
    ASSERT_TRUE(crypto::FileMasterKey::Create(dir_.File("master.key")).ok());
    master_ = std::move(crypto::FileMasterKey::Load(dir_.File("master.key"))).value();
    ring_ = std::move(crypto::KeyRing::Open(dir_.File("keys"), *master_)).value();
    sealer_ = std::make_shared<KeyRingSealer>(*ring_);
  }
  std::unique_ptr<crypto::FileMasterKey> master_;
  std::unique_ptr<crypto::KeyRing> ring_;
  std::shared_ptr<KeyRingSealer> sealer_;
};

TEST_F(SealedValuesTest, ASealedValueOpensOnlyInItsColumnWithItsKeyAndSaysWhenItExpired) {
  const std::string key = *sealer_->KeyFor("STLPD", "hits", 0, kDay, 1000);
  EXPECT_EQ(*sealer_->KeyFor("STLPD", "hits", 0, kDay, 2000), key) << "one key a bucket";
  Result<std::string> sealed = sealer_->Seal(key, "hits.read", R"({"plate":"KZ9Q81"})");
  ASSERT_TRUE(sealed.ok()) << sealed.status().message();
  EXPECT_TRUE(catalog::IsSealedValue(*sealed));
  EXPECT_EQ(sealed->find("KZ9Q81"), std::string::npos);
  EXPECT_EQ(*sealer_->Open("hits.read", *sealed), R"({"plate":"KZ9Q81"})");
  EXPECT_EQ(sealer_->Open("hits.entry", *sealed).status().code(), StatusCode::kCorruption)
      << "moved to another column, it does not open";
  std::string flipped = *sealed;
  const std::size_t mid = flipped.size() / 2;  // well inside the base64, away from padding
  flipped[mid] = flipped[mid] == 'A' ? 'B' : 'A';
  EXPECT_EQ(sealer_->Open("hits.read", flipped).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(sealer_->Open("hits.read", "sealed:k-0000000000000000:AAAA").status().code(),
            StatusCode::kCorruption)
      << "a key the ring never had";
  // A connection without keys refuses a sealed value, and passes a plain one.
  EXPECT_EQ(db_->OpenValue("hits.read", *sealed).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(*db_->OpenValue("hits.read", "{}"), "{}");
  db_->set_sealer(sealer_);
  EXPECT_EQ(*db_->OpenValue("hits.read", *sealed), R"({"plate":"KZ9Q81"})");
  ASSERT_TRUE(ring_->Destroy(key, "retention", 3000).ok());
  Result<std::string> gone = db_->OpenValue("hits.read", *sealed);
  EXPECT_EQ(gone.status().code(), StatusCode::kNotFound);
  EXPECT_NE(gone.status().message().find("expired"), std::string::npos);
}

TEST_F(SealedValuesTest, AHitsKeyGoesOnceItsHitsArePurgedAndNotWhileAHoldKeepsOne) {
  const std::int64_t now = 1'800'000'000'000;
  // A year's retention: week-long buckets. Two hits in one bucket 400 days ago.
  const std::int64_t week = 7 * kDay;
  const std::int64_t start = crypto::BucketStart(now - 400 * kDay, week);
  const std::string key = *sealer_->KeyFor("STLPD", "hits", start, start + week, now);
  AddHit("OLD1", now - 400 * kDay);
  AddHit("HELD1", now - 400 * kDay);
  ASSERT_TRUE(db_->Exec("UPDATE hits SET key_id = '" + key + "'").ok());
  ASSERT_TRUE(db_->Exec("INSERT INTO holds (agency_id, plate, basis, requested_by, expires_at, "
                        "created_by, created_at) VALUES (1, 'HELD1', 'court order', 'ADA', "
                        "1900000000000, 1, 0)")
                  .ok());
  ASSERT_EQ(*PurgeExpiredHits(*db_, now), 1);
  Result<std::int64_t> shredded = ShredExpiredKeys(*db_, *ring_, "hits", now);
  ASSERT_TRUE(shredded.ok()) << shredded.status().message();
  EXPECT_EQ(ring_->StateOf(key), crypto::KeyState::kLive) << "the held hit names it";
  ASSERT_TRUE(db_->Exec("UPDATE holds SET released_at = 1").ok());
  ASSERT_EQ(*PurgeExpiredHits(*db_, now), 1);
  EXPECT_GE(*ShredExpiredKeys(*db_, *ring_, "hits", now), 1);
  EXPECT_EQ(ring_->StateOf(key), crypto::KeyState::kDestroyed);
  EXPECT_GE(Count("SELECT count(*) FROM audit WHERE event = 'hits.key_destroyed'"), 1);
  EXPECT_EQ(ShredExpiredKeys(*db_, *ring_, "reads", now).status().code(),
            StatusCode::kInvalidArgument)
      << "the store destroys its own keys";
}

}  // namespace
}  // namespace interdict::alerting
