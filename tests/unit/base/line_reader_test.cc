#include "base/line_reader.h"

#include <sstream>
#include <vector>

#include <gtest/gtest.h>

namespace interdict {
namespace {

TEST(LineReaderTest, GivesEachLineWithItsNumberAndLength) {
  std::istringstream in("ab\n\ncd\r\nlast");
  LineReader r(in, 100);
  std::string line;
  const std::vector<std::string> want = {"ab", "", "cd\r", "last"};
  for (std::size_t i = 0; i < want.size(); ++i) {
    ASSERT_EQ(r.Next(&line), LineReader::Got::kLine) << i;
    EXPECT_EQ(line, want[i]);
    EXPECT_EQ(r.length(), want[i].size());
    EXPECT_EQ(r.number(), i + 1);
  }
  EXPECT_EQ(r.Next(&line), LineReader::Got::kEnd);
}

TEST(LineReaderTest, ALineAtTheLimitIsKeptAndOnePastItIsSkippedWithoutBeingHeld) {
  const std::string at(64, 'a');
  const std::string past(10'000'000, 'b');  // far more than the limit and the buffer
  std::istringstream in(at + "\n" + past + "\nafter\n");
  LineReader r(in, 64);
  std::string line;
  ASSERT_EQ(r.Next(&line), LineReader::Got::kLine);
  EXPECT_EQ(line, at);
  ASSERT_EQ(r.Next(&line), LineReader::Got::kTooLong);
  EXPECT_TRUE(line.empty());
  EXPECT_LE(line.capacity(), 64u) << "the long line was held";
  EXPECT_EQ(r.length(), past.size());
  EXPECT_EQ(r.number(), 2u);
  EXPECT_EQ(r.TooLongMessage(), "a line of 10000000 bytes exceeds the limit of 64 bytes");
  ASSERT_EQ(r.Next(&line), LineReader::Got::kLine) << "the line after it is read as usual";
  EXPECT_EQ(line, "after");
  EXPECT_EQ(r.number(), 3u);
  EXPECT_EQ(r.Next(&line), LineReader::Got::kEnd);
}

TEST(LineReaderTest, AnEmptyStreamHasNoLines) {
  std::istringstream in("");
  LineReader r(in, 10);
  std::string line;
  EXPECT_EQ(r.Next(&line), LineReader::Got::kEnd);
  EXPECT_EQ(r.number(), 0u);
}

}  // namespace
}  // namespace interdict
