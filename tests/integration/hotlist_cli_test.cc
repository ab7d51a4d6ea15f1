// `interdict hotlist check` on the sample files in tests/data/hotlists.
#include <gtest/gtest.h>

#include "support/process.h"

namespace interdict {
namespace {

const std::string kBin = INTERDICT_BINARY;
const std::string kData = std::string(INTERDICT_SOURCE_DIR) + "/tests/data/hotlists/";

TEST(HotlistCheck, ReportsEntriesByKindAndRejectedLinesOfAnNcicExtract) {
  test::RunResult r =
      test::RunProgram({kBin, "hotlist", "check", "--format", "ncic", kData + "ncic-extract.txt"});
  EXPECT_EQ(r.code, 1) << r.err;  // two lines are bad
  EXPECT_EQ(
      r.out,
      R"x({"entries":7,"by_kind":{"A":1,"I":1,"P":1,"V":3,"W":1},"rejected":[)x"
      R"x({"line":9,"error":"list code: 'Z' is not an NCIC file code (A F W V P M C H K L R T X I)"},)x"
      R"x({"line":10,"error":"incident date: invalid date '202611??': expected YYYYMMDD or YYYY-MM-DD"}]})x"
      "\n");
}

TEST(HotlistCheck, EveryFormatHasASampleThatChecks) {
  const std::pair<const char*, const char*> samples[] = {
      {"csv", "state.csv"}, {"genetec", "genetec.txt"}, {"json", "custom.json"}};
  for (const auto& [format, file] : samples) {
    test::RunResult r =
        test::RunProgram({kBin, "hotlist", "check", "--format", format, kData + file});
    EXPECT_EQ(r.code, 1) << format << ": " << r.err;  // each sample has one bad entry
    EXPECT_NE(r.out.find("\"entries\":2"), std::string::npos) << format << ": " << r.out;
    EXPECT_NE(r.out.find("\"rejected\":[{"), std::string::npos) << format << ": " << r.out;
  }
}

TEST(HotlistCheck, BadUsageExits2AndAnUnreadableFileExits1) {
  EXPECT_EQ(test::RunProgram({kBin, "hotlist", "check", kData + "state.csv"}).code, 2);
  test::RunResult r =
      test::RunProgram({kBin, "hotlist", "check", "--format", "xml", kData + "state.csv"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("use ncic, csv, genetec or json"), std::string::npos) << r.err;
  r = test::RunProgram({kBin, "hotlist", "check", "--format", "csv", "/nonexistent/file"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("cannot open /nonexistent/file"), std::string::npos) << r.err;
  r = test::RunProgram({kBin, "hotlist", "check", "--format", "json", kData + "state.csv"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("byte 0"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace interdict
