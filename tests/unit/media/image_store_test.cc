#include "media/image_store.h"

#include <gtest/gtest.h>

#include <fstream>
#include <vector>

#include "base/base64.h"
#include "crypto/keyring.h"
#include "support/temp_dir.h"

namespace interdict::media {
namespace {

const std::string kJpeg = std::string("\xFF\xD8\xFF\xE0", 4) + "JFIF fake scan data" + "\xFF\xD9";

TEST(Base64, RoundTripsAndRefusesWhatIsNotBase64) {
  for (const std::string& s :
       std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba", "foobar", kJpeg}) {
    EXPECT_EQ(Base64Decode(Base64Encode(s)), s);
  }
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Decode("Zm9v\nYmE="), "fooba");
  EXPECT_FALSE(Base64Decode("Zm9v!").has_value());
  EXPECT_FALSE(Base64Decode("Zg=x").has_value());
  EXPECT_FALSE(Base64Decode("Z").has_value());
  // Padding is optional, and whitespace may fall anywhere.
  EXPECT_EQ(Base64Decode("Zm9vYg"), "foob");
  EXPECT_EQ(Base64Decode("Zm9vYg=="), "foob");
  EXPECT_EQ(Base64Decode(" Zm 9v\tYmE\r\n"), "fooba");
  EXPECT_EQ(Base64Decode(""), "");
  EXPECT_FALSE(Base64Decode("Zg===").has_value());
  EXPECT_FALSE(Base64Decode("Zm9v=YmE=").has_value());
  EXPECT_EQ(Base64Encode(std::string("\xff\x00\x80", 3)), "/wCA");
}

TEST(ImageStore, StoresOnceByContentAndFindsCorruption) {
  test::TempDir dir;
  auto store = ImageStore::Open(dir.File("images"), store::Env::Posix());
  ASSERT_TRUE(store.ok());
  Result<std::string> a = (*store)->Put(kJpeg);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_TRUE(ImageStore::IsAddress(*a));
  EXPECT_EQ(*(*store)->Put(kJpeg), *a);  // the same bytes, the same address
  EXPECT_EQ(*(*store)->Get(*a), kJpeg);
  EXPECT_EQ(*ImageStore::ContentType(kJpeg), "image/jpeg");
  EXPECT_FALSE((*store)->Put("GIF89a...").ok());
  EXPECT_FALSE((*store)->Put(std::string(kMaxImageBytes + 1, '\xFF')).ok());
  // A flipped byte on disk is found, not served.
  const std::string hex = a->substr(7);
  const std::string path = dir.File("images/" + hex.substr(0, 2) + "/" + hex);
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      << kJpeg.substr(0, kJpeg.size() - 1) << 'X';
  EXPECT_EQ((*store)->Get(*a).status().code(), StatusCode::kCorruption);
  ASSERT_TRUE((*store)->Remove(*a).ok());
  EXPECT_FALSE((*store)->Contains(*a));
  EXPECT_EQ((*store)->Get(*a).status().code(), StatusCode::kNotFound);
  EXPECT_FALSE((*store)->Get("sha256:../../etc/passwd").ok());
}

// Encryption at rest (decision 0036): an agency's copy is sealed under its
// images key, opens only with it, and is gone for good once the key is.
class SealedImageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(crypto::FileMasterKey::Create(dir_.File("master.key")).ok());
    master_ = std::move(crypto::FileMasterKey::Load(dir_.File("master.key"))).value();
    ring_ = std::move(crypto::KeyRing::Open(dir_.File("keys"), *master_)).value();
    store_ = std::move(ImageStore::Open(dir_.File("images"), store::Env::Posix())).value();
  }
  std::shared_ptr<const crypto::DataKey> Key(const std::string& agency, std::int64_t start) {
    return *ring_->ForBucket(agency, "images", start, start + 60'000, 1000);
  }
  std::string FileOf(const std::string& address, const std::string& agency) {
    const std::string hex = address.substr(7);
    return dir_.File("images/sealed/" + agency + "/" + hex.substr(0, 2) + "/" + hex);
  }

  test::TempDir dir_;
  std::unique_ptr<crypto::FileMasterKey> master_;
  std::unique_ptr<crypto::KeyRing> ring_;
  std::unique_ptr<ImageStore> store_;
};

TEST_F(SealedImageTest, ASealedCopyOpensWithItsKeyAndHoldsNoPlaintext) {
  Result<std::string> a = store_->PutSealed(*ImageStore::Check(kJpeg), "STLPD", *Key("STLPD", 0));
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(*a, *store_->Put(kJpeg)) << "the address is the plaintext's";
  EXPECT_TRUE(store_->ContainsSealed(*a, "STLPD"));
  EXPECT_FALSE(store_->ContainsSealed(*a, "MSHP"));
  Result<std::string> back = store_->GetSealed(*a, "STLPD", *ring_);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(*back, kJpeg);
  std::ifstream in(FileOf(*a, "STLPD"), std::ios::binary);
  const std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(raw.find("JFIF fake scan data"), std::string::npos) << "no plaintext on disk";
  EXPECT_EQ(store_->GetSealed(*a, "MSHP", *ring_).status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(store_->RemoveSealed(*a, "STLPD").ok());
  EXPECT_FALSE(store_->ContainsSealed(*a, "STLPD"));
  EXPECT_TRUE(store_->Contains(*a)) << "the plain copy is another file";
}

TEST_F(SealedImageTest, AnotherAgencysKeyOrAReadsKeyOrAPathInTheCodeIsRefused) {
  EXPECT_EQ(store_->PutSealed(*ImageStore::Check(kJpeg), "STLPD", *Key("MSHP", 0)).status().code(),
            StatusCode::kInvalidArgument);
  auto reads = *ring_->ForBucket("STLPD", "reads", 0, 60'000, 1000);
  EXPECT_EQ(store_->PutSealed(*ImageStore::Check(kJpeg), "STLPD", *reads).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->PutSealed(*ImageStore::Check(kJpeg), "../x", *Key("STLPD", 0)).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_FALSE(store_->ContainsSealed("sha256:" + std::string(64, 'a'), "../../etc"));
}

TEST_F(SealedImageTest, AFlippedByteIsCorruptionAndADestroyedKeySaysTheImageExpired) {
  const std::string a = *store_->PutSealed(*ImageStore::Check(kJpeg), "STLPD", *Key("STLPD", 0));
  const std::string path = FileOf(a, "STLPD");
  std::string raw;
  {
    std::ifstream in(path, std::ios::binary);
    raw.assign((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  std::string flipped = raw;
  flipped[flipped.size() - 20] = static_cast<char>(flipped[flipped.size() - 20] ^ 0x01);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << flipped;
  EXPECT_EQ(store_->GetSealed(a, "STLPD", *ring_).status().code(), StatusCode::kCorruption);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << raw.substr(0, 5);
  EXPECT_EQ(store_->GetSealed(a, "STLPD", *ring_).status().code(), StatusCode::kCorruption);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << raw;
  ASSERT_TRUE(store_->GetSealed(a, "STLPD", *ring_).ok());
  // Retention destroys the key: the file is noise, and said to be expired.
  ASSERT_TRUE(ring_->Destroy(Key("STLPD", 0)->id, "retention", 2000).ok());
  Result<std::string> gone = store_->GetSealed(a, "STLPD", *ring_);
  EXPECT_EQ(gone.status().code(), StatusCode::kNotFound);
  EXPECT_NE(gone.status().message().find("expired"), std::string::npos) << gone.status().message();
}

}  // namespace
}  // namespace interdict::media
