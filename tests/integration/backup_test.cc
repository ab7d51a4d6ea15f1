// Backups of a running server and restores (docs/format/backup.md): taken
// under steady ingest and searches, every read acknowledged before the
// snapshot point comes back with a verified audit chain; an old backup does
// not bring back reads that expired after it (their keys are gone); a damaged
// backup is found and named; an interrupted backup leaves nothing restorable.
#include "backup/backup.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/core.h>

#include "identity/accounts.h"
#include "identity/keys.h"
#include "media/image_store.h"
#include "store/store.h"
#include "support/accounts.h"
#include "support/catalog.h"
#include "support/fixtures.h"
#include "support/running_service.h"
#include "support/temp_dir.h"

namespace interdict::backup {
namespace {

namespace fs = std::filesystem;

constexpr const char* kPurpose =
    R"("purpose":{"code":"stolen-vehicle","case":"26-004411","offense":"auto theft",)"
    R"("justification":"vehicle taken from a driveway on Market St overnight"})";

std::set<std::string> ReadIds(const std::string& data_dir, crypto::KeyRing* keys,
                              const Clock& clock) {
  Logger log([](std::string_view) {}, clock);
  store::StoreOptions so;
  so.dir = data_dir + "/store";
  so.background = false;
  so.keys = keys;
  Result<std::unique_ptr<store::Store>> s = store::Store::Open(so, store::Env::Posix(), clock, log);
  EXPECT_TRUE(s.ok()) << s.status().message();
  std::set<std::string> ids;
  if (!s.ok()) return ids;
  store::ReadQuery q;
  q.agencies = {"STLPD"};
  q.from = 0;
  q.to = INT64_MAX / 2;
  q.limit = 1'000'000;
  Result<store::QueryResult> r = (*s)->Query(q);
  EXPECT_TRUE(r.ok());
  if (r.ok()) {
    for (const read::Read& x : r->reads) ids.insert(x.id);
  }
  return ids;
}

// A server of its own on a data directory, with encryption at rest when the
// parameter says so.
class BackupTest : public ::testing::TestWithParam<bool> {
 protected:
  bool encrypted() const { return GetParam(); }

  void SetUp() override {
    fs::create_directories(data_);
    auto db = test::MigratedCatalog(data_ + "/catalog.db");
    ASSERT_TRUE(db);
    const std::int64_t stl = test::AddAgency(*db, "STLPD", "US-MO", "local", "St. Louis PD");
    test::AddCamera(*db, stl, "market", 38.627, -90.199, "Market St");
    test::AddUser(*db, 1, "admin", "administrator");
    test::AddUser(*db, 1, "analyst", "analyst");
    identity::Accounts accounts(*db, {});
    Result<identity::NewKey> key = identity::CreateKey(*db, *accounts.UserPrincipal(1),
                                                       {"feed", {"reads.ingest"}, std::nullopt}, 0);
    ASSERT_TRUE(key.ok()) << key.status().message();
    key_ = key->key;
    db.reset();
    if (encrypted()) {
      ASSERT_TRUE(crypto::FileMasterKey::Create(master_path_).ok());
      master_ = std::move(crypto::FileMasterKey::Load(master_path_)).value();
    }
    Start();
  }

  void Start() {
    running_ = std::make_unique<test::RunningService>(data_, log_, clock_, [&](config::Config& c) {
      if (encrypted()) {
        c.encryption.master_key_file = master_path_;
        c.encryption.keys_dir = keys_dir_;
      }
    });
  }

  std::unique_ptr<crypto::KeyRing> ReadOnlyKeys() {
    if (!encrypted()) return nullptr;
    Result<std::unique_ptr<crypto::KeyRing>> r = crypto::KeyRing::OpenReadOnly(keys_dir_, *master_);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? std::move(r).value() : nullptr;
  }

  std::unique_ptr<http::Client> NewClient() {
    return std::make_unique<http::Client>(http::ClientOptions::To("127.0.0.1", running_->port()));
  }

  // Posts one batch; true when the server acknowledged every read.
  bool Post(http::Client& client, int first, int n) {
    std::string body;
    for (int i = first; i < first + n; ++i) {
      body += fmt::format(
          R"({{"id":"r{}","agency":"STLPD","camera":"market","time":{},"plate":"BK{:05}","state":"MO"}})"
          "\n",
          i, clock_.NowMillis() - 1000 + i % 500, i);
    }
    auto r = test::Call(client, key_, "POST", "/api/v1/reads", body, "application/x-ndjson");
    return r.status == 200 && r.body.find(fmt::format(R"("accepted":{})", n)) != std::string::npos;
  }

  // Restores the newest backup into `data_dir` with the live key store (read-only).
  Result<RestoreReport> RestoreInto(const std::string& data_dir, crypto::KeyRing* keys) {
    RestoreOptions ro;
    ro.dest = dest_;
    ro.data_dir = data_dir;
    ro.master = master_.get();
    ro.keys = keys;
    return Restore(ro, clock_, log_, nullptr, nullptr);
  }

  CreateOptions Options() const {
    CreateOptions o;
    o.data_dir = data_;
    o.dest = dest_;
    o.master = master_.get();
    return o;
  }

  test::TempDir dir_;
  const std::string data_ = dir_.File("data");
  const std::string dest_ = dir_.File("backups");
  const std::string master_path_ = dir_.File("master.key");
  const std::string keys_dir_ = dir_.File("keys");
  FakeClock clock_{1'800'000'000'000};
  Logger log_{[](std::string_view) {}, clock_};
  std::unique_ptr<crypto::FileMasterKey> master_;
  std::unique_ptr<test::RunningService> running_;
  std::string key_;
};

TEST_P(BackupTest, ABackupUnderIngestAndSearchesRestoresEveryAcknowledgedReadAndTheAuditChain) {
  const std::string analyst = test::SignIn(running_->client(), clock_, "analyst");
  std::mutex mu;
  std::vector<int> acked;  // first read of each acknowledged batch of 50
  std::atomic<bool> done{false};
  std::atomic<int> searches{0}, failed_searches{0};
  std::thread ingest([&] {
    auto client = NewClient();
    for (int b = 0; b < 400 && !done; ++b) {  // bounded: 20,000 reads at most
      if (Post(*client, b * 50, 50)) {
        std::lock_guard l(mu);
        acked.push_back(b * 50);
      }
    }
  });
  std::thread search([&] {
    auto client = NewClient();
    for (int i = 0; i < 200 && !done; ++i) {
      auto r = test::Call(
          *client, analyst, "POST", "/api/v1/search",
          fmt::format(R"({{"type":"plate","params":{{"plate":"BK{:05}"}},{}}})", i * 7, kPurpose));
      ++searches;
      if (r.status != 200) ++failed_searches;
    }
  });
  // Let some reads in, then back up while both go on.
  for (int i = 0; i < 500; ++i) {
    {
      std::lock_guard l(mu);
      if (acked.size() >= 40) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::vector<int> before;
  {
    std::lock_guard l(mu);
    before = acked;  // the snapshot point: every batch acknowledged by now
  }
  Result<CreateResult> made = Create(Options(), clock_, nullptr, nullptr);
  done = true;
  ingest.join();
  search.join();
  ASSERT_TRUE(made.ok()) << made.status().message();
  ASSERT_GE(before.size(), 40u);
  EXPECT_GT(searches.load(), 0);
  EXPECT_EQ(failed_searches.load(), 0);

  Result<VerifyReport> checked = Verify(dest_, "", master_.get());
  ASSERT_TRUE(checked.ok()) << checked.status().message();
  EXPECT_TRUE(checked->problems.empty()) << checked->problems[0].what;

  auto keys = ReadOnlyKeys();
  const std::string restored_dir = dir_.File("restored");
  Result<RestoreReport> restored = RestoreInto(restored_dir, keys.get());
  ASSERT_TRUE(restored.ok()) << restored.status().message();
  EXPECT_EQ(restored->id, made->id);
  EXPECT_GT(restored->audit_entries, 0) << "the chain verified from its start";
  EXPECT_EQ(restored->audit_seq, made->audit_seq);
  EXPECT_TRUE(restored->recovery.quarantined.empty());

  const std::set<std::string> ids = ReadIds(restored_dir, keys.get(), clock_);
  for (int first : before) {
    for (int i = first; i < first + 50; ++i)
      ASSERT_TRUE(ids.contains(fmt::format("r{}", i))) << "acknowledged read r" << i << " lost";
  }
  EXPECT_EQ(restored->reads, ids.size());
}

TEST_P(BackupTest, ASecondBackupCopiesOnlyWhatChangedAndRestoresTheSameCount) {
  auto client = NewClient();
  for (int b = 0; b < 20; ++b) ASSERT_TRUE(Post(*client, b * 50, 50));
  running_.reset();  // a flush at shutdown: the reads are in segments now
  Start();
  if (encrypted()) {
    CreateOptions unsigned_options = Options();
    unsigned_options.master = nullptr;
    EXPECT_EQ(Create(unsigned_options, clock_, nullptr, nullptr).status().code(),
              StatusCode::kFailedPrecondition)
        << "a sealed store's backup is signed under its master key";
  }
  Result<CreateResult> first = Create(Options(), clock_, nullptr, nullptr);
  ASSERT_TRUE(first.ok()) << first.status().message();
  client = NewClient();
  for (int b = 20; b < 22; ++b) ASSERT_TRUE(Post(*client, b * 50, 50));
  Result<CreateResult> second = Create(Options(), clock_, nullptr, nullptr);
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_LT(second->new_bytes, second->bytes / 2) << "segments are not copied again";
  running_.reset();

  auto keys = ReadOnlyKeys();
  const std::size_t live = ReadIds(data_, keys.get(), clock_).size();
  const std::string restored_dir = dir_.File("restored");
  Result<RestoreReport> restored = RestoreInto(restored_dir, keys.get());
  ASSERT_TRUE(restored.ok()) << restored.status().message();
  EXPECT_EQ(restored->id, second->id) << "the newest backup by default";
  EXPECT_EQ(live, 1100u);
  EXPECT_EQ(restored->reads, live);
}

// Every file under `dir` whose bytes hold `needle`.
std::vector<std::string> FilesHolding(const std::string& dir, const std::string& needle) {
  std::vector<std::string> found;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.find(needle) != std::string::npos) found.push_back(e.path().string());
  }
  return found;
}

TEST_P(BackupTest, ImagesAreBackedUpAndRestoredAndSealedWhenEncryptionIsOn) {
  auto client = NewClient();
  const std::string jpeg =
      std::string("\xFF\xD8\xFF\xE0", 4) + "plate crop of BK00001 " + "\xFF\xD9";
  auto r = test::Call(*client, key_, "POST", "/api/v1/images", jpeg, "image/jpeg");
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string hex = r.body.substr(r.body.find("sha256:") + 7, 64);
  const std::string rel = encrypted() ? "images/sealed/STLPD/" + hex.substr(0, 2) + "/" + hex
                                      : "images/" + hex.substr(0, 2) + "/" + hex;
  EXPECT_TRUE(fs::exists(data_ + "/" + rel)) << rel;
  EXPECT_EQ(FilesHolding(data_, "plate crop of BK00001").empty(), encrypted())
      << "sealed, no file holds the image's bytes";
  Result<CreateResult> made = Create(Options(), clock_, nullptr, nullptr);
  ASSERT_TRUE(made.ok()) << made.status().message();
  EXPECT_EQ(FilesHolding(dest_, "plate crop of BK00001").empty(), encrypted());
  running_.reset();
  auto keys = ReadOnlyKeys();
  const std::string restored_dir = dir_.File("restored");
  Result<RestoreReport> restored = RestoreInto(restored_dir, keys.get());
  ASSERT_TRUE(restored.ok()) << restored.status().message();
  ASSERT_TRUE(fs::exists(restored_dir + "/" + rel)) << rel;
  auto images =
      std::move(media::ImageStore::Open(restored_dir + "/images", store::Env::Posix())).value();
  Result<std::string> back = encrypted() ? images->GetSealed("sha256:" + hex, "STLPD", *keys)
                                         : images->Get("sha256:" + hex);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(*back, jpeg);
}

TEST_P(BackupTest, ACorruptedOrMissingBackupFileIsFoundAndNamedAndNotRestored) {
  auto client = NewClient();
  ASSERT_TRUE(Post(*client, 0, 50));
  running_.reset();
  Start();
  Result<CreateResult> made = Create(Options(), clock_, nullptr, nullptr);
  ASSERT_TRUE(made.ok()) << made.status().message();
  // Find a segment's object and the catalog's through the manifest.
  std::ifstream in(dest_ + "/sets/" + made->id + ".json");
  std::stringstream text;
  text << in.rdbuf();
  const std::string manifest = text.str();
  auto object_of = [&](std::string_view path_prefix) {
    const auto at = manifest.find(std::string("\"path\":\"") + std::string(path_prefix));
    EXPECT_NE(at, std::string::npos) << manifest;
    const auto sha = manifest.find("\"sha256\":\"", at) + 10;
    const std::string hex = manifest.substr(sha, 64);
    return std::make_pair(manifest.substr(at + 8, manifest.find('"', at + 8) - at - 8),
                          "objects/" + hex.substr(0, 2) + "/" + hex);
  };
  const auto [seg_path, seg_object] = object_of("store/seg/");
  const auto [cat_path, cat_object] = object_of("catalog.db");
  {
    // Flipped, not set: a byte of ciphertext may already hold any value.
    std::fstream f(dest_ + "/" + seg_object, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(100);
    const char was = static_cast<char>(f.get());
    f.seekp(100);
    f.put(static_cast<char>(was ^ 0x01));
  }
  fs::remove(dest_ + "/" + cat_object);

  Result<VerifyReport> checked = Verify(dest_, "", master_.get());
  ASSERT_TRUE(checked.ok()) << checked.status().message();
  ASSERT_EQ(checked->problems.size(), 2u);
  std::map<std::string, Problem> by_path;
  for (const Problem& p : checked->problems) by_path[p.path] = p;
  EXPECT_EQ(by_path[seg_path].object, seg_object);
  EXPECT_NE(by_path[seg_path].what.find("wrong hash"), std::string::npos);
  EXPECT_EQ(by_path[cat_path].what, "missing");

  auto keys = ReadOnlyKeys();
  const std::string restored_dir = dir_.File("restored");
  Result<RestoreReport> restored = RestoreInto(restored_dir, keys.get());
  EXPECT_FALSE(restored.ok());
  EXPECT_FALSE(fs::exists(restored_dir)) << "nothing that looks restored";

  // An edited manifest fails its signature.
  std::string edited = manifest;
  edited.replace(edited.find(seg_path), seg_path.size(), seg_path + "x");
  std::ofstream(dest_ + "/sets/" + made->id + ".json", std::ios::trunc) << edited;
  checked = Verify(dest_, made->id, master_.get());
  ASSERT_TRUE(checked.ok());
  ASSERT_EQ(checked->problems.size(), 1u);
  EXPECT_NE(checked->problems[0].what.find("signature"), std::string::npos)
      << checked->problems[0].what;
}

TEST_P(BackupTest, AnInterruptedBackupLeavesNothingRestorableAndRestoreRefusesAFullTarget) {
  const std::atomic<bool> stop{true};
  Result<CreateResult> made = Create(Options(), clock_, &stop, nullptr);
  EXPECT_EQ(made.status().code(), StatusCode::kCancelled);
  EXPECT_TRUE(fs::is_empty(dest_ + "/sets"));
  Result<VerifyReport> checked = Verify(dest_, "", master_.get());
  ASSERT_TRUE(checked.ok());
  EXPECT_EQ(checked->manifests, 0u);
  EXPECT_FALSE(checked->unreferenced.empty()) << "the stray objects are listed";

  ASSERT_TRUE(Create(Options(), clock_, nullptr, nullptr).ok());
  auto keys = ReadOnlyKeys();
  Result<RestoreReport> restored = RestoreInto(data_, keys.get());  // the live, non-empty one
  EXPECT_EQ(restored.status().code(), StatusCode::kFailedPrecondition);
}

INSTANTIATE_TEST_SUITE_P(Encryption, BackupTest, ::testing::Values(false, true),
                         [](const auto& p) { return p.param ? "Sealed" : "Plain"; });

// Crypto-shredding reaches backups: an old backup restored after its reads
// expired (and their bucket's key was destroyed) brings none of them back,
// and says so; reads still in retention come back.
TEST(BackupRetentionTest, ARestoredOldBackupDoesNotServeReadsThatExpiredAfterIt) {
  test::TempDir dir;
  FakeClock clock{1'800'000'000'000};
  Logger log([](std::string_view) {}, clock);
  const std::string data = dir.File("data");
  fs::create_directories(data);
  ASSERT_TRUE(test::MigratedCatalog(data + "/catalog.db"));
  ASSERT_TRUE(crypto::FileMasterKey::Create(dir.File("master.key")).ok());
  auto master = std::move(crypto::FileMasterKey::Load(dir.File("master.key"))).value();
  auto keys = std::move(crypto::KeyRing::Open(dir.File("keys"), *master)).value();
  store::StoreOptions so;
  so.dir = data + "/store";
  so.background = false;
  so.keys = keys.get();
  auto live = std::move(store::Store::Open(so, store::Env::Posix(), clock, log)).value();
  live->SetRetention({{"STLPD", store::RetentionRule{3 * 60'000}}});
  auto read = [&](const std::string& id, std::int64_t time) {
    read::Read r;
    r.agency = "STLPD";
    r.camera = "cam1";
    r.id = id;
    r.time = time;
    r.plate = *plate::Plate::FromNormalized("OLD" + id);
    return r;
  };
  const std::int64_t t = clock.NowMillis();
  ASSERT_TRUE(live->Append({read("1", t), read("2", t + 1)}).ok());
  ASSERT_TRUE(live->Flush().ok());
  ASSERT_TRUE(live->Append({read("3", t + 2)}).ok());  // only in the log

  CreateOptions o;
  o.data_dir = data;
  o.dest = dir.File("backups");
  o.master = master.get();
  Result<CreateResult> made = Create(o, clock, nullptr, nullptr);
  ASSERT_TRUE(made.ok()) << made.status().message();

  // Ten minutes on: expired, purged, keys destroyed. A new read arrives.
  for (int i = 0; i < 60; ++i) {
    clock.Advance(std::chrono::seconds(10));
    ASSERT_TRUE(live->RunMaintenance().ok());
  }
  ASSERT_TRUE(live->Append({read("4", clock.NowMillis())}).ok());
  EXPECT_FALSE(keys->Destroyed()->empty());

  RestoreOptions ro;
  ro.dest = o.dest;
  ro.data_dir = dir.File("restored");
  ro.master = master.get();
  ro.keys = keys.get();
  Result<RestoreReport> restored = Restore(ro, clock, log, nullptr, nullptr);
  ASSERT_TRUE(restored.ok()) << restored.status().message();
  EXPECT_EQ(restored->reads, 0u) << "nothing that expired after the backup came back";
  EXPECT_GE(restored->recovery.expired_segments_removed, 1u);
  EXPECT_GE(restored->recovery.expired_wal_records, 1u);
  EXPECT_TRUE(restored->recovery.quarantined.empty()) << "expired, not damaged";

  // Without the key store, an encrypted backup is refused, not opened as plain.
  ro.keys = nullptr;
  ro.data_dir = dir.File("restored2");
  EXPECT_EQ(Restore(ro, clock, log, nullptr, nullptr).status().code(),
            StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace interdict::backup
