#include "base/log.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace interdict {
namespace {

struct Captured {
  std::vector<std::string> lines;
  LogSink sink() {
    return [this](std::string_view l) { lines.emplace_back(l); };
  }
};

TEST(LogTest, TextLinesCarryTimeLevelMessageAndFields) {
  FakeClock clock(1'700'000'000'123);
  Captured out;
  Logger log(out.sink(), clock);
  log.Info("listening", {{"url", "http://127.0.0.1:8480"}, {"threads", 2}, {"tls", false}});
  ASSERT_EQ(out.lines.size(), 1u);
  EXPECT_EQ(out.lines[0],
            "ts=2023-11-14T22:13:20.123Z level=info msg=\"listening\" url=http://127.0.0.1:8480 "
            "threads=2 tls=false\n");
}

TEST(LogTest, LinesBelowTheLevelAreDropped) {
  FakeClock clock;
  Captured out;
  Logger log(out.sink(), clock, LogLevel::kWarn);
  log.Info("quiet");
  log.Debug("quieter");
  log.Error("loud");
  ASSERT_EQ(out.lines.size(), 1u);
  EXPECT_NE(out.lines[0].find("level=error"), std::string::npos);
}

TEST(LogTest, HostileValuesCannotForgeALine) {
  FakeClock clock;
  Captured out;
  Logger log(out.sink(), clock);
  log.Warn("bad plate", {{"plate", "AB1\nts=x level=error msg=\"forged\""}});
  ASSERT_EQ(out.lines.size(), 1u);
  EXPECT_EQ(out.lines[0].find('\n'), out.lines[0].size() - 1);
  EXPECT_NE(out.lines[0].find("plate=\"AB1\\nts=x level=error msg=\\\"forged\\\"\""),
            std::string::npos);
}

TEST(LogTest, JsonFormatIsOneObjectPerLine) {
  FakeClock clock(0);
  Captured out;
  Logger log(out.sink(), clock, LogLevel::kInfo, LogFormat::kJson);
  log.Info("hit", {{"list", "NCIC \"V\""}, {"score", 0.5}});
  ASSERT_EQ(out.lines.size(), 1u);
  EXPECT_EQ(out.lines[0],
            "{\"ts\":\"1970-01-01T00:00:00.000Z\",\"level\":\"info\",\"msg\":\"hit\",\"list\":"
            "\"NCIC \\\"V\\\"\",\"score\":0.5}\n");
}

TEST(LogTest, ParsesLevelsAndFormatsByName) {
  EXPECT_EQ(*ParseLogLevel("debug"), LogLevel::kDebug);
  EXPECT_EQ(*ParseLogLevel("error"), LogLevel::kError);
  EXPECT_FALSE(ParseLogLevel("loud").ok());
  EXPECT_EQ(*ParseLogFormat("json"), LogFormat::kJson);
  EXPECT_FALSE(ParseLogFormat("xml").ok());
}

}  // namespace
}  // namespace interdict

#include "base/json_escape.h"

namespace interdict {
namespace {

TEST(JsonEscapeTest, QuotesBackslashesAndControlCharactersCannotBreakTheDocument) {
  EXPECT_EQ(JsonQuote("plain"), "\"plain\"");
  EXPECT_EQ(JsonQuote("a\"b\\c\nd\x01"), "\"a\\\"b\\\\c\\nd\\u0001\"");
}

}  // namespace
}  // namespace interdict
