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

}  // namespace
}  // namespace interdict
