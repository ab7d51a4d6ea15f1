#include "media/image_store.h"

#include <gtest/gtest.h>

#include <fstream>
#include <vector>

#include "base/base64.h"
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

}  // namespace
}  // namespace interdict::media
