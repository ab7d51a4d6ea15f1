#include "crypto/crypto.h"

#include <gtest/gtest.h>

#include <set>

#include "crypto/password.h"
#include "crypto/totp.h"

namespace interdict::crypto {
namespace {

TEST(CryptoTest, Sha256MatchesTheStandardVectors) {
  // FIPS 180-2 appendix B.1 and the empty message.
  EXPECT_EQ(HexEncode(AsBytes(Sha256("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HexEncode(AsBytes(Sha256(""))),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256({"a", "bc"}), Sha256("abc")) << "parts are concatenated";
}

TEST(CryptoTest, HmacSha256MatchesRfc4231) {
  EXPECT_EQ(HexEncode(HmacSha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(CryptoTest, RandomBytesAreFreshEachTime) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string r = RandomBytes(32);
    ASSERT_EQ(r.size(), 32u);
    seen.insert(r);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(CryptoTest, ConstantTimeEqualComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEqual("secret", "secret"));
  EXPECT_FALSE(ConstantTimeEqual("secret", "secreT"));
  EXPECT_FALSE(ConstantTimeEqual("secret", "secret1"));
  EXPECT_TRUE(ConstantTimeEqual("", ""));
}

TEST(CryptoTest, HexRoundTripsAndRejectsNonHex) {
  EXPECT_EQ(HexEncode(std::string("\x00\xff\x10", 3)), "00ff10");
  EXPECT_EQ(HexDecode("00FF10"), std::string("\x00\xff\x10", 3));
  EXPECT_FALSE(HexDecode("0g"));
  EXPECT_FALSE(HexDecode("abc"));
}

TEST(CryptoTest, Base32MatchesRfc4648AndForgivesHowPeopleTypeIt) {
  EXPECT_EQ(Base32Encode(""), "");
  EXPECT_EQ(Base32Encode("f"), "MY");
  EXPECT_EQ(Base32Encode("foobar"), "MZXW6YTBOI");
  EXPECT_EQ(Base32Decode("MZXW6YTBOI"), "foobar");
  EXPECT_EQ(Base32Decode("mzxw 6ytb oi======"), "foobar");
  EXPECT_FALSE(Base32Decode("MZXW1"));  // 1 is not in the alphabet
  EXPECT_FALSE(Base32Decode("MY==MY"));
}

// RFC 6238 appendix B, SHA-1 rows, with the last 6 of the 8 digits.
TEST(TotpTest, CodesMatchRfc6238) {
  const std::string secret = "12345678901234567890";
  EXPECT_EQ(TotpCode(secret, TotpStep(59'000), 8), "94287082");
  EXPECT_EQ(TotpCode(secret, TotpStep(1'111'111'109'000), 8), "07081804");
  EXPECT_EQ(TotpCode(secret, TotpStep(1'234'567'890'000), 8), "89005924");
  EXPECT_EQ(TotpCode(secret, TotpStep(20'000'000'000'000), 8), "65353130");
  EXPECT_EQ(TotpCode(secret, TotpStep(59'000)), "287082");
  // liboath makes 6 to 8 digits; anything else is no code at all.
  EXPECT_EQ(TotpCode(secret, TotpStep(59'000), 5), "");
  EXPECT_FALSE(TotpCheck(secret, "", 59'000, 0));
}

TEST(TotpTest, ACodeWorksOneStepEitherSideAndOnlyOnce) {
  const std::string secret = "12345678901234567890";
  const std::int64_t now = 1'800'000'000'000;
  const std::int64_t step = TotpStep(now);
  EXPECT_EQ(TotpCheck(secret, TotpCode(secret, step), now, 0), step);
  EXPECT_EQ(TotpCheck(secret, TotpCode(secret, step - 1), now, 0), step - 1);
  EXPECT_EQ(TotpCheck(secret, TotpCode(secret, step + 1), now, 0), step + 1);
  EXPECT_FALSE(TotpCheck(secret, TotpCode(secret, step - 2), now, 0)) << "too old";
  EXPECT_FALSE(TotpCheck(secret, TotpCode(secret, step + 2), now, 0)) << "too far ahead";
  EXPECT_FALSE(TotpCheck(secret, TotpCode(secret, step), now, step)) << "replayed";
  EXPECT_FALSE(TotpCheck(secret, TotpCode(secret, step - 1), now, step)) << "older than used";
  EXPECT_FALSE(TotpCheck(secret, "12345", now, 0));
  EXPECT_FALSE(TotpCheck("another secret", TotpCode(secret, step), now, 0));
}

TEST(TotpTest, UriCarriesTheSecretInBase32AndEscapesTheAccount) {
  EXPECT_EQ(TotpUri("foobar", "j doe@stlpd"),
            "otpauth://totp/Interdict:j%20doe%40stlpd?secret=MZXW6YTBOI&issuer=Interdict&digits=6"
            "&period=30");
}

// Small parameters keep the test fast; the code path is the production one.
constexpr PasswordCost kTestCost{1, 64, 1};

TEST(PasswordTest, AHashVerifiesItsPasswordAndNoOther) {
  Result<std::string> h = HashPassword("correct horse battery staple", kTestCost);
  ASSERT_TRUE(h.ok()) << h.status().message();
  EXPECT_EQ(h->rfind("$argon2id$v=19$m=64,t=1,p=1$", 0), 0u) << *h;
  EXPECT_TRUE(VerifyPassword(*h, "correct horse battery staple"));
  EXPECT_FALSE(VerifyPassword(*h, "correct horse battery stapler"));
  EXPECT_FALSE(VerifyPassword(*h, ""));
  EXPECT_FALSE(VerifyPassword("not a hash", "x"));
  EXPECT_FALSE(VerifyPassword("$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaA", "x"));
}

TEST(PasswordTest, EachHashHasItsOwnSalt) {
  EXPECT_NE(*HashPassword("same", kTestCost), *HashPassword("same", kTestCost));
}

TEST(PasswordTest, HashesWithOtherParametersNeedRehashing) {
  const std::string h = *HashPassword("pw", kTestCost);
  EXPECT_FALSE(NeedsRehash(h, kTestCost));
  EXPECT_TRUE(NeedsRehash(h, PasswordCost{}));
}

}  // namespace
}  // namespace interdict::crypto
