// The key store (docs/format/keys.md): master key files refused when others
// may read them, data keys that survive a restart only under the right master
// key, destruction that a crash cannot undo, rotation that changes no data key.
#include "crypto/keyring.h"
#include "crypto/crypto.h"

#include <fmt/core.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/temp_dir.h"

namespace interdict::crypto {
namespace {

constexpr std::int64_t kWeek = 7 * 86'400'000LL;

class KeyRingTest : public ::testing::Test {
 protected:
  std::unique_ptr<FileMasterKey> Master(const std::string& name) {
    const std::string path = dir_.File(name);
    if (!std::filesystem::exists(path)) {
      EXPECT_TRUE(FileMasterKey::Create(path).ok());
    }
    Result<std::unique_ptr<FileMasterKey>> m = FileMasterKey::Load(path);
    EXPECT_TRUE(m.ok()) << m.status().message();
    return m.ok() ? std::move(m).value() : nullptr;
  }
  std::string Ring() const { return dir_.File("keys"); }
  std::unique_ptr<KeyRing> OpenRing(const MasterKey& master, bool read_only = false) {
    Result<std::unique_ptr<KeyRing>> r =
        read_only ? KeyRing::OpenReadOnly(Ring(), master) : KeyRing::Open(Ring(), master);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? std::move(r).value() : nullptr;
  }
  static std::string Slurp(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }

  test::TempDir dir_;
};

TEST_F(KeyRingTest, MasterKeyFilesReadableByOthersOrMalformedAreRefusedByName) {
  const std::string path = dir_.File("master.key");
  ASSERT_TRUE(FileMasterKey::Create(path).ok());
  EXPECT_EQ(FileMasterKey::Create(path).code(), StatusCode::kAlreadyExists) << "never replaced";
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0400u);
  ASSERT_TRUE(FileMasterKey::Load(path).ok());

  ::chmod(path.c_str(), 0644);
  Result<std::unique_ptr<FileMasterKey>> open = FileMasterKey::Load(path);
  EXPECT_EQ(open.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(open.status().message().find(path), std::string::npos) << open.status().message();

  const std::string bad = dir_.File("bad.key");
  std::ofstream(bad) << "not hex\n";
  ::chmod(bad.c_str(), 0600);
  EXPECT_EQ(FileMasterKey::Load(bad).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(FileMasterKey::Load(dir_.File("missing.key")).status().code(), StatusCode::kNotFound);
}

TEST_F(KeyRingTest, ABucketKeepsOneKeyAcrossRestartsAndOthersGetTheirOwn) {
  auto master = Master("master.key");
  std::string material, id;
  {
    auto ring = OpenRing(*master);
    auto k = *ring->ForBucket("STLPD", "reads", 0, kWeek, 1000);
    EXPECT_EQ(k->material.size(), 32u);
    EXPECT_EQ(k->id.size(), 18u);
    EXPECT_EQ((*ring->ForBucket("STLPD", "reads", 0, kWeek, 2000))->id, k->id);
    EXPECT_NE((*ring->ForBucket("STLPD", "reads", kWeek, 2 * kWeek, 2000))->id, k->id);
    EXPECT_NE((*ring->ForBucket("MSHP", "reads", 0, kWeek, 2000))->id, k->id);
    EXPECT_NE((*ring->ForBucket("STLPD", "images", 0, kWeek, 2000))->id, k->id);
    material = k->material;
    id = k->id;
  }
  auto ring = OpenRing(*master);
  // Four buckets asked for; making each also made the next bucket's key, and
  // the second STLPD week was one of those.
  EXPECT_EQ(ring->List().size(), 6u);
  auto again = *ring->Find(id);
  EXPECT_EQ(again->material, material) << "the same key after a restart";
  EXPECT_EQ(Slurp(Ring() + "/ring").find(HexEncode(material)), std::string::npos)
      << "the ring holds keys wrapped, never in the clear";
  for (const DataKey& k : ring->List()) EXPECT_TRUE(k.material.empty()) << "listings hold no keys";
}

TEST_F(KeyRingTest, AnotherMasterKeyIsRefusedNamingBothIds) {
  auto master = Master("master.key");
  auto other = Master("other.key");
  { ASSERT_TRUE((OpenRing(*master))->ForBucket("STLPD", "reads", 0, 1, 0).ok()); }
  Result<std::unique_ptr<KeyRing>> wrong = KeyRing::Open(Ring(), *other);
  ASSERT_EQ(wrong.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(wrong.status().message().find(master->id()), std::string::npos);
  EXPECT_NE(wrong.status().message().find(other->id()), std::string::npos);
}

TEST_F(KeyRingTest, OneProcessAtATimeMayChangeTheRing) {
  auto master = Master("master.key");
  auto first = OpenRing(*master);
  ASSERT_TRUE(first->ForBucket("STLPD", "reads", 0, 1, 0).ok());
  EXPECT_EQ(KeyRing::Open(Ring(), *master).status().code(), StatusCode::kUnavailable);
  auto reader = OpenRing(*master, true);
  EXPECT_EQ(reader->List().size(), 2u) << "a read-only open sees the keys (and the next bucket's)";
  EXPECT_EQ(reader->ForBucket("STLPD", "reads", 5, 6, 0).status().code(),
            StatusCode::kFailedPrecondition)
      << "but cannot make one";
}

TEST_F(KeyRingTest, AWrappedKeyMovedToAnotherAgencyDoesNotOpen) {
  auto master = Master("master.key");
  { ASSERT_TRUE((OpenRing(*master))->ForBucket("STLPD", "reads", 0, 1, 0).ok()); }
  std::string text = Slurp(Ring() + "/ring");
  const auto at = text.find("\"STLPD\"");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 7, "\"MSHP\"");
  std::ofstream(Ring() + "/ring", std::ios::trunc) << text;
  Result<std::unique_ptr<KeyRing>> ring = KeyRing::Open(Ring(), *master);
  EXPECT_EQ(ring.status().code(), StatusCode::kCorruption);
  EXPECT_NE(ring.status().message().find("line 2"), std::string::npos) << ring.status().message();
}

TEST_F(KeyRingTest, DestroyedKeysAreGoneForGoodAndListedWithoutMaterial) {
  auto master = Master("master.key");
  std::string id, kept;
  {
    auto ring = OpenRing(*master);
    id = (*ring->ForBucket("STLPD", "reads", 0, kWeek, 0))->id;
    kept = (*ring->ForBucket("STLPD", "reads", kWeek, 2 * kWeek, 0))->id;
    Result<DataKey> gone = ring->Destroy(id, "retention", 5000);
    ASSERT_TRUE(gone.ok()) << gone.status().message();
    EXPECT_TRUE(gone->material.empty());
    EXPECT_EQ(ring->StateOf(id), KeyState::kDestroyed);
    EXPECT_EQ(ring->Find(id).status().code(), StatusCode::kNotFound);
    EXPECT_NE(ring->Find(id).status().message().find("destroyed"), std::string::npos);
    EXPECT_EQ(ring->Destroy(id, "again", 6000).status().code(), StatusCode::kNotFound);
    // A new read in the bucket gets a new key, never the destroyed one back.
    EXPECT_NE((*ring->ForBucket("STLPD", "reads", 0, kWeek, 7000))->id, id);
  }
  auto ring = OpenRing(*master);
  EXPECT_EQ(ring->StateOf(id), KeyState::kDestroyed);
  EXPECT_EQ(ring->StateOf(kept), KeyState::kLive);
  EXPECT_EQ(ring->StateOf("k-0000000000000000"), KeyState::kUnknown);
  ASSERT_EQ(ring->Destroyed()->size(), 1u);
  EXPECT_EQ(ring->Destroyed()->at(0).agency, "STLPD");
  const std::string log = Slurp(Ring() + "/destroyed.log");
  EXPECT_NE(log.find("\"reason\":\"retention\""), std::string::npos) << log;
  EXPECT_EQ(log.find("wrapped"), std::string::npos) << "the log never holds key material";
}

TEST_F(KeyRingTest, ACompactedDestructionLogStillKnowsEveryDestroyedKeyInEightBytesEach) {
  auto master = Master("master.key");
  std::vector<std::string> ids;
  std::string full_log;
  {
    auto ring = OpenRing(*master);
    // A short retention's keys: one a minute.
    for (int i = 0; i < 30; ++i)
      ids.push_back((*ring->ForBucket("NHSP", "reads", i * 60'000, (i + 1) * 60'000, 0))->id);
    for (const std::string& id : ids) ASSERT_TRUE(ring->Destroy(id, "retention", 1000).ok());
    full_log = Slurp(Ring() + "/destroyed.log");
    Result<std::size_t> moved = ring->CompactDestroyedLog(10);
    ASSERT_TRUE(moved.ok()) << moved.status().message();
    EXPECT_EQ(*moved, 20u);
    EXPECT_EQ(ring->Destroyed()->size(), 10u) << "the newest stay in the log, with details";
    EXPECT_EQ(ring->Destroyed()->front().id, ids[20]);
    EXPECT_EQ(ring->CompactedCount(), 20u);
    for (const std::string& id : ids) EXPECT_EQ(ring->StateOf(id), KeyState::kDestroyed) << id;
    EXPECT_EQ(*ring->CompactDestroyedLog(10), 0u) << "nothing more to move";
  }
  EXPECT_EQ(std::filesystem::file_size(Ring() + "/destroyed.ids"), 8u + 8u + 20u * 8u + 32u);
  {
    auto ring = OpenRing(*master);
    for (const std::string& id : ids) EXPECT_EQ(ring->StateOf(id), KeyState::kDestroyed) << id;
    EXPECT_EQ(ring->CompactedCount(), 20u);
  }
  // A crash after the ids were written and before the log was shortened:
  // keys in both are harmless, and the next compaction adds none twice.
  std::ofstream(Ring() + "/destroyed.log", std::ios::trunc) << full_log;
  {
    auto ring = OpenRing(*master);
    EXPECT_EQ(ring->Destroyed()->size(), 30u);
    EXPECT_EQ(*ring->CompactDestroyedLog(10), 20u);
    EXPECT_EQ(ring->CompactedCount(), 20u);
  }
  // A bad line in the middle of the log stops the compaction, by line: no
  // destroyed key is dropped unread.
  {
    auto ring = OpenRing(*master);
    std::string log = Slurp(Ring() + "/destroyed.log");
    std::string damaged = "not json\n" + log + log + log;  // 31 lines, the first bad
    std::ofstream(Ring() + "/destroyed.log", std::ios::trunc) << damaged;
    Result<std::size_t> moved = ring->CompactDestroyedLog(10);
    EXPECT_EQ(moved.status().code(), StatusCode::kCorruption);
    EXPECT_NE(moved.status().message().find("line 1"), std::string::npos)
        << moved.status().message();
    std::ofstream(Ring() + "/destroyed.log", std::ios::trunc) << log;
  }
  // A damaged ids file is refused, by name: a key it held must not come back.
  std::string bytes = Slurp(Ring() + "/destroyed.ids");
  bytes[20] = static_cast<char>(bytes[20] ^ 0x01);
  std::ofstream(Ring() + "/destroyed.ids", std::ios::trunc | std::ios::binary) << bytes;
  Result<std::unique_ptr<KeyRing>> broken = KeyRing::Open(Ring(), *master);
  EXPECT_EQ(broken.status().code(), StatusCode::kCorruption);
  EXPECT_NE(broken.status().message().find("destroyed.ids"), std::string::npos)
      << broken.status().message();
}

TEST_F(KeyRingTest, AWritableOpenCompactsALongDestructionLogByItself) {
  auto master = Master("master.key");
  { OpenRing(*master); }  // the ring's header
  // Years of one-minute buckets, as destroyed.log lines.
  const std::size_t n = 2 * KeyRing::kKeepDestroyedLines + 1;
  {
    std::ofstream log(Ring() + "/destroyed.log");
    for (std::size_t i = 0; i < n; ++i) {
      log << fmt::format(
          R"({{"id":"k-{:016x}","agency":"NHSP","class":"reads","bucket":[{},{}],)"
          R"("created":"2026-01-01T00:00:00.000Z","destroyed_at":"2026-01-02T00:00:00.000Z",)"
          R"("reason":"retention"}})"
          "\n",
          i + 1, i * 60'000, (i + 1) * 60'000);
    }
  }
  {
    auto read_only = KeyRing::OpenReadOnly(Ring(), *master);
    ASSERT_TRUE(read_only.ok());
    EXPECT_EQ((*read_only)->CompactedCount(), 0u) << "a read-only open changes nothing";
  }
  auto ring = OpenRing(*master);
  EXPECT_EQ(ring->CompactedCount(), n - KeyRing::kKeepDestroyedLines);
  EXPECT_EQ(ring->Destroyed()->size(), KeyRing::kKeepDestroyedLines);
  EXPECT_EQ(ring->StateOf("k-0000000000000001"), KeyState::kDestroyed) << "the oldest";
  EXPECT_EQ(ring->StateOf(fmt::format("k-{:016x}", n)), KeyState::kDestroyed) << "the newest";
  EXPECT_EQ(ring->StateOf(fmt::format("k-{:016x}", n + 1)), KeyState::kUnknown);
}

TEST_F(KeyRingTest, ACrashBetweenLoggingAndRewritingTheRingStillDestroysTheKey) {
  auto master = Master("master.key");
  std::string saved_ring, id;
  {
    auto ring = OpenRing(*master);
    id = (*ring->ForBucket("STLPD", "reads", 0, kWeek, 0))->id;
    saved_ring = Slurp(Ring() + "/ring");
    ASSERT_TRUE(ring->Destroy(id, "retention", 1).ok());
  }
  // The crash: the log line was synced, the ring's rewrite never happened.
  std::ofstream(Ring() + "/ring", std::ios::trunc) << saved_ring;
  // And a torn last line of the log, from a second destruction cut short.
  std::ofstream(Ring() + "/destroyed.log", std::ios::app) << "{\"id\":\"k-12";
  auto ring = OpenRing(*master);
  EXPECT_EQ(ring->StateOf(id), KeyState::kDestroyed);
  EXPECT_EQ(ring->List().size(), 1u) << "only the next week's key";
  EXPECT_EQ(Slurp(Ring() + "/ring").find(id), std::string::npos) << "the ring was rewritten";
}

TEST_F(KeyRingTest, BucketsAskedForTogetherAreMadeInOneGoAndTheNextBucketIsReady) {
  auto master = Master("master.key");
  auto ring = OpenRing(*master);
  Result<std::vector<std::shared_ptr<const DataKey>>> keys = ring->ForBuckets(
      {{"STLPD", "reads", 0, kWeek}, {"MSHP", "reads", 0, kWeek}, {"STLPD", "reads", 0, kWeek}}, 0);
  ASSERT_TRUE(keys.ok()) << keys.status().message();
  ASSERT_EQ(keys->size(), 3u);
  EXPECT_EQ((*keys)[0]->id, (*keys)[2]->id) << "one bucket, one key";
  EXPECT_NE((*keys)[0]->id, (*keys)[1]->id);
  const std::size_t before = ring->List().size();
  EXPECT_EQ(before, 4u);
  ASSERT_TRUE(ring->ForBucket("STLPD", "reads", kWeek, 2 * kWeek, 0).ok());
  EXPECT_EQ(ring->List().size(), before) << "the next week's key was already there";
}

TEST_F(KeyRingTest, RotationRewrapsEveryKeyUnderTheNewMasterAndChangesNoDataKey) {
  auto old_master = Master("old.key");
  auto new_master = Master("new.key");
  std::string id, material;
  {
    auto ring = OpenRing(*old_master);
    auto k = *ring->ForBucket("STLPD", "reads", 0, kWeek, 0);
    id = k->id;
    material = k->material;
    ASSERT_TRUE(ring->ForBucket("MSHP", "images", 0, kWeek, 0).ok());
    EXPECT_EQ(KeyRing::Rotate(Ring(), *old_master, *new_master).status().code(),
              StatusCode::kUnavailable)
        << "not while another process holds the ring";
  }
  Result<std::size_t> n = KeyRing::Rotate(Ring(), *old_master, *new_master);
  ASSERT_TRUE(n.ok()) << n.status().message();
  EXPECT_EQ(*n, 4u) << "two keys and the next bucket's of each";
  EXPECT_EQ(KeyRing::Open(Ring(), *old_master).status().code(), StatusCode::kFailedPrecondition);
  auto ring = OpenRing(*new_master);
  EXPECT_EQ((*ring->Find(id))->material, material);
}

}  // namespace
}  // namespace interdict::crypto
