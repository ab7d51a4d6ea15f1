#include "store/wal.h"

#include <gtest/gtest.h>

#include <fstream>

#include "store/crc32c.h"
#include "store/row_codec.h"
#include "support/reads.h"
#include "support/temp_dir.h"

namespace interdict::store {
namespace {

std::vector<std::string> ReplayAll(const std::string& path, WalReplayResult* out) {
  std::vector<std::string> got;
  Result<WalReplayResult> r =
      ReplayWal(Env::Posix(), path, [&](std::uint8_t, std::string_view p, std::uint64_t) {
        got.emplace_back(p);
        return Status::Ok();
      });
  EXPECT_TRUE(r.ok()) << r.status().message();
  if (r.ok()) *out = *r;
  return got;
}

std::string Slurp(const std::string& path) {
  return *Env::Posix().ReadFile(path);
}
void Write(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

class WalTest : public ::testing::Test {
 protected:
  test::TempDir dir_;
  std::string path_ = dir_.File(WalFileName(7));
  std::vector<std::string> payloads_ = {"first", std::string(1000, 'x'), "", "last record"};

  void WriteAll() {
    Result<std::unique_ptr<WalWriter>> w = WalWriter::Create(Env::Posix(), path_, 7);
    ASSERT_TRUE(w.ok());
    for (const std::string& p : payloads_) ASSERT_TRUE((*w)->Add(kWalBatchRecord, p).ok());
    ASSERT_TRUE((*w)->Sync().ok());
    ASSERT_TRUE((*w)->Close().ok());
  }
};

// The on-disk checksum stays CRC-32C whoever computes it: the check value
// of RFC 3720 appendix B.4 and the standard "123456789" vector, whole and
// extended piece by piece, over short records and long file sections.
TEST(Crc32cTest, MatchesTheStandardVectorsWholeAndExtended) {
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(Crc32c(std::string(32, '\xff')), 0x62A8AB43u);
  EXPECT_EQ(Crc32c(""), 0u);
  std::string big(1 << 20, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 131 + (i >> 9));
  const std::uint32_t whole = Crc32c(big);
  std::uint32_t pieces = 0;
  for (std::size_t at = 0; at < big.size(); at += 1000) {
    pieces = Crc32cExtend(pieces, big.data() + at, std::min<std::size_t>(1000, big.size() - at));
  }
  EXPECT_EQ(pieces, whole);
}

TEST_F(WalTest, RecordsComeBackInOrder) {
  WriteAll();
  WalReplayResult r;
  EXPECT_EQ(ReplayAll(path_, &r), payloads_);
  EXPECT_EQ(r.first_seq, 7u);
  EXPECT_FALSE(r.torn_tail);
  EXPECT_TRUE(r.corruption.ok());
  EXPECT_EQ(r.good_bytes, r.file_bytes);
}

TEST_F(WalTest, AFileCutAtAnyByteYieldsAPrefixAndAReportedTornTail) {
  WriteAll();
  const std::string full = Slurp(path_);
  for (std::size_t cut = 0; cut < full.size(); ++cut) {
    Write(path_, full.substr(0, cut));
    WalReplayResult r;
    const std::vector<std::string> got = ReplayAll(path_, &r);
    ASSERT_TRUE(r.corruption.ok()) << "cut at " << cut << ": " << r.corruption.message();
    ASSERT_LE(got.size(), payloads_.size());
    for (std::size_t i = 0; i < got.size(); ++i)
      ASSERT_EQ(got[i], payloads_[i]) << "cut at " << cut;
    EXPECT_EQ(r.torn_tail, cut < kWalHeaderSize || r.good_bytes != cut) << "cut at " << cut;
  }
}

TEST_F(WalTest, ABadRecordFollowedByGoodOnesIsCorruptionNotATornWrite) {
  WriteAll();
  std::string bytes = Slurp(path_);
  bytes[kWalHeaderSize + kWalRecordHeaderSize + 1] ^= 0x40;  // inside the first payload
  Write(path_, bytes);
  WalReplayResult r;
  EXPECT_TRUE(ReplayAll(path_, &r).empty());
  EXPECT_FALSE(r.corruption.ok());
  EXPECT_NE(r.corruption.message().find("byte 16"), std::string::npos) << r.corruption.message();
  EXPECT_NE(r.corruption.message().find(path_), std::string::npos);
}

TEST_F(WalTest, ANonWalFileIsReportedAsCorrupt) {
  Write(path_, "definitely not a write-ahead log file");
  WalReplayResult r;
  ReplayAll(path_, &r);
  EXPECT_NE(r.corruption.message().find("bad magic"), std::string::npos);
}

TEST(RowCodecTest, EveryFieldSurvivesARoundTrip) {
  for (int n = 0; n < 50; ++n) {
    const read::Read original = test::MakeRead(n);
    std::string bytes;
    EncodeRead(original, bytes);
    Decoder in(bytes);
    read::Read back;
    ASSERT_TRUE(DecodeRead(in, &back)) << n;
    EXPECT_TRUE(in.done());
    EXPECT_EQ(back, original) << n;
  }
}

TEST(RowCodecTest, TruncatedInputIsRefusedNotOverrun) {
  std::string bytes;
  EncodeRead(test::MakeRead(15), bytes);
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    const std::string part = bytes.substr(0, cut);
    Decoder in(part);
    read::Read back;
    EXPECT_FALSE(DecodeRead(in, &back)) << "cut at " << cut;
  }
}

}  // namespace
}  // namespace interdict::store
