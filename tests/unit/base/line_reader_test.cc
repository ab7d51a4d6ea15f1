#include "base/line_reader.h"

#include <sstream>

#include <gtest/gtest.h>

namespace interdict {
namespace {

TEST(LineReaderTest, GivesEachLineWithItsNumberAndOffset) {
  std::istringstream in("ab\n\ncd\r\nlast");
  LineReader r(in, 100);
  std::string line;
  ASSERT_EQ(r.Next(&line), LineReader::Got::kLine);
  EXPECT_EQ(line, "ab");
  EXPECT_EQ(r.offset(), 0u);
  ASSERT_EQ(r.Next(&line), LineReader::Got::kLine);
  EXPECT_EQ(line, "");
  EXPECT_EQ(r.offset(), 3u);
  ASSERT_EQ(r.Next(&line), LineReader::Got::kLine);
  EXPECT_EQ(line, "cd\r");
  EXPECT_EQ(r.offset(), 4u);
  ASSERT_EQ(r.Next(&line), LineReader::Got::kLine);
  EXPECT_EQ(line, "last");
  EXPECT_EQ(r.offset(), 8u);
  EXPECT_EQ(r.number(), 4u);
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
  EXPECT_EQ(r.offset(), 65u);
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
