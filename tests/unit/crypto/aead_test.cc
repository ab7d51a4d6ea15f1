// AES-256-GCM for data at rest (decision 0036): the known answer of the GCM
// specification, and every way a sealed value can be wrong is refused.
#include <gtest/gtest.h>

#include <set>

#include "crypto/aead.h"
#include "crypto/crypto.h"

namespace interdict::crypto {
namespace {

std::string Hex(std::string_view hex) {
  return *HexDecode(hex);
}

TEST(AeadTest, SealingGivesTheGcmSpecificationsKnownAnswer) {
  // Test case 16 of McGrew and Viega's GCM specification (AES-256, 96-bit IV,
  // associated data).
  const std::string key = Hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
  const std::string nonce = Hex("cafebabefacedbaddecaf888");
  const std::string plain =
      Hex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e24"
          "49a6b525b16aedf5aa0de657ba637b39");
  const std::string associated = Hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
  Result<std::string> sealed = SealWithNonceForTest(key, nonce, plain, associated);
  ASSERT_TRUE(sealed.ok()) << sealed.status().message();
  EXPECT_EQ(HexEncode(*sealed),
            "cafebabefacedbaddecaf888"
            "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7"
            "b08b1056828838c5f61e6393ba7a0abcc9f662"
            "76fc6ece0f4e1768cddf8853bb2d551b");
  Result<std::string> opened = Open(key, *sealed, associated);
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  EXPECT_EQ(*opened, plain);
}

TEST(AeadTest, EverySealUsesAFreshNonceAndOpensToThePlaintext) {
  const std::string key = RandomBytes(kAeadKeyBytes);
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    Result<std::string> sealed = Seal(key, "7XK3J2 at cam-12", "segment 42 block 7");
    ASSERT_TRUE(sealed.ok());
    EXPECT_EQ(sealed->size(), 16 + kAeadOverheadBytes);
    EXPECT_TRUE(seen.insert(sealed->substr(0, kAeadNonceBytes)).second) << "a nonce came twice";
    EXPECT_EQ(*Open(key, *sealed, "segment 42 block 7"), "7XK3J2 at cam-12");
  }
  Result<std::string> empty = Seal(key, "", "");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->size(), kAeadOverheadBytes);
  EXPECT_EQ(*Open(key, *empty, ""), "");
}

TEST(AeadTest, AnyAlteredBitAnotherKeyOrAnotherContextIsRefused) {
  const std::string key = RandomBytes(kAeadKeyBytes);
  const std::string sealed = *Seal(key, "the plate and its place", "agency MO1 bucket 7");
  for (std::size_t byte = 0; byte < sealed.size(); ++byte) {
    std::string bad = sealed;
    bad[byte] = static_cast<char>(bad[byte] ^ 0x01);
    Result<std::string> r = Open(key, bad, "agency MO1 bucket 7");
    ASSERT_FALSE(r.ok()) << "byte " << byte;
    EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  }
  EXPECT_EQ(Open(RandomBytes(kAeadKeyBytes), sealed, "agency MO1 bucket 7").status().code(),
            StatusCode::kCorruption);
  EXPECT_EQ(Open(key, sealed, "agency MO1 bucket 8").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(Open(key, sealed.substr(0, 20), "agency MO1 bucket 7").status().code(),
            StatusCode::kCorruption);  // shorter than a nonce and a tag
  EXPECT_EQ(Seal("short key", "x", "").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Open("short key", sealed, "").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace interdict::crypto
