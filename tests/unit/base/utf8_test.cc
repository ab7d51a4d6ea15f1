#include "base/utf8.h"

#include <gtest/gtest.h>

namespace interdict {
namespace {

TEST(Utf8Test, AcceptsValidText) {
  EXPECT_EQ(FindInvalidUtf8("Nuevo Le\xC3\xB3n \xE2\x80\x94 \xF0\x9F\x9A\x97"),
            std::string_view::npos);
}

TEST(Utf8Test, FindsTheFirstInvalidByte) {
  EXPECT_EQ(FindInvalidUtf8("AB\xFF"), 2u);
  EXPECT_EQ(FindInvalidUtf8("A\xC0\xAF"), 1u);         // overlong '/'
  EXPECT_EQ(FindInvalidUtf8("\xED\xA0\x80"), 0u);      // surrogate
  EXPECT_EQ(FindInvalidUtf8("ok\xE2\x80"), 2u);        // truncated
  EXPECT_EQ(FindInvalidUtf8("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
}

TEST(Utf8Test, SanitizeReplacesEachBadByte) {
  EXPECT_EQ(SanitizeUtf8("A\xFF"
                         "B"),
            "A\xEF\xBF\xBD"
            "B");
  EXPECT_EQ(SanitizeUtf8("fine"), "fine");
}

TEST(Utf8Test, TruncationCutsBeforeACharacterNeverInsideOne) {
  const std::string name = "Zo\xC3\xAB \xE6\x9D\x8E";  // "Zoë 李": 2- and 3-byte characters
  EXPECT_EQ(TruncateUtf8(name, 100), name) << "short enough: unchanged";
  EXPECT_EQ(TruncateUtf8(name, 3), "Zo") << "not half of the ë";
  EXPECT_EQ(TruncateUtf8(name, 4), "Zo\xC3\xAB");
  EXPECT_EQ(TruncateUtf8(name, 7), "Zo\xC3\xAB ") << "not two thirds of the 李";
  for (std::size_t n = 0; n <= name.size(); ++n)
    EXPECT_EQ(FindInvalidUtf8(TruncateUtf8(name, n)), std::string::npos) << n;
}

}  // namespace
}  // namespace interdict
