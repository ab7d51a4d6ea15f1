#include "base/delimited.h"

#include <gtest/gtest.h>

namespace interdict {
namespace {

TEST(DelimitedTest, TableRowsSkipCommentsAndBlanksAndTrimFields) {
  std::string error;
  const auto rows = TableRows("# a comment\n\n a , b \n\"c, d\",e\n", &error);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(rows[1], (std::vector<std::string>{"c, d", "e"}));
  EXPECT_EQ(error, "");
}

TEST(DelimitedTest, ATableLineThatCannotBeSplitIsKeptWholeAndNamed) {
  std::string error;
  const auto rows = TableRows("a,b\n\"open,c\nd,e\n", &error);
  ASSERT_EQ(rows.size(), 3u) << "never dropped";
  EXPECT_EQ(rows[1], (std::vector<std::string>{"\"open,c"}));
  EXPECT_EQ(rows[2], (std::vector<std::string>{"d", "e"}));
  EXPECT_NE(error.find("line 2"), std::string::npos) << error;
}

}  // namespace
}  // namespace interdict
