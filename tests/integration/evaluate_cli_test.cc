// `interdict evaluate` as a user runs it (docs/outcomes.md): a claim on
// SLMPD's real 2008–2019 counts shipped in data/outcomes, with the answer's
// JSON, the report and the charts; the counts made from SLMPD's own file
// format; bad input named, never a crash.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <filesystem>
#include <fstream>

#include "base/json.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace interdict {
namespace {

using test::RunProgram;
const std::string kBin = INTERDICT_BINARY;
const std::string kCounts =
    std::string(INTERDICT_SOURCE_DIR) + "/data/outcomes/slmpd-monthly-counts.csv";

void Write(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

TEST(EvaluateCliTest, DowntownsCamerasOnSlmpdsCountsComeWithAVerdictReportAndCharts) {
  test::TempDir dir;
  const test::RunResult r = RunProgram(
      {kBin, "evaluate", "claim", "--incidents", kCounts, "--format", "csv", "--category",
       "motor vehicle theft", "--areas", "Downtown,Downtown West", "--start", "2015-05", "--json",
       "--report", dir.File("report.html"), "--charts", dir.File("charts")},
      std::chrono::seconds(120));
  ASSERT_EQ(r.code, 0) << r.err;
  rapidjson::Document d;
  ASSERT_TRUE(json::Parse(r.out, &d).ok()) << r.out;
  // The members the issue names, at the top.
  EXPECT_NEAR(d["naive_change_pct"].GetDouble(), -12.8, 0.05);
  ASSERT_EQ(d["estimates"].Size(), 4u);
  for (const auto& e : d["estimates"].GetArray()) {
    EXPECT_TRUE(e["method"].IsString());
    EXPECT_TRUE(e["effect_pct"].IsNumber());
    EXPECT_TRUE(e["low_pct"].IsNumber());
    EXPECT_TRUE(e["high_pct"].IsNumber());
  }
  EXPECT_STREQ(d["verdict"].GetString(), "cannot_tell");
  EXPECT_STREQ(d["warnings"][0]["code"].GetString(), "pre_spike")
      << "the cameras went up after a spike";
  EXPECT_EQ(d["input"]["errors"].GetInt(), 0);
  EXPECT_EQ(d["input"]["lines"].GetInt(), 37423) << "every line of the shipped counts";
  std::ifstream report(dir.File("report.html"));
  const std::string html((std::istreambuf_iterator<char>(report)), {});
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("Verdict: cannot tell"), std::string::npos);
  for (const char* chart : {"series.svg", "event_study.svg", "placebos.svg"})
    EXPECT_TRUE(std::filesystem::exists(dir.File("charts") + "/" + chart)) << chart;
}

TEST(EvaluateCliTest, SlmpdFilesBecomeCountsAndPlacesByDistrictOrPosition) {
  test::TempDir dir;
  const std::string header =
      "Complaint,CodedMonth,DateOccur,FlagCrime,FlagUnfounded,FlagAdministrative,Count,"
      "FlagCleanup,Crime,District,Description,ILEADSAddress,ILEADSStreet,Neighborhood,"
      "LocationName,LocationComment,CADAddress,CADStreet,XCoord,YCoord\n";
  Write(
      dir.File("2018-01.csv"),
      header +
          "1,2018-01,01/03/2018 10:00,Y, , ,1, ,71013,4,AUTO THEFT,1,A,38,,,1,A,899361.5,1026965\n"
          "2,2018-01,12/30/2017 10:00,Y, , ,1, ,71013,4,AUTO THEFT,1,A,38,,,1,A,0,0\n"
          "3,2018-01,01/05/2018 10:00,Y, , ,1, ,67601,4,LARCENY,1,A,59,,,1,A,0,0\n"
          "4,2018-13,01/05/2018 10:00,Y, , ,1, ,67601,4,LARCENY,1,A,59,,,1,A,0,0\n");
  Write(dir.File("2018-02.csv"),
        header + "5,2018-02,02/01/2018 10:00,Y, , ,1, ,71013,6,AUTO THEFT,1,A,38,,,1,A,0,0\n");
  test::RunResult r = RunProgram({kBin, "evaluate", "counts", "--incidents", dir.path(),
                                  "--categories", "motor vehicle theft"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "date,offense,area,count\n2018-01,motor vehicle theft,38,1\n"
            "2018-02,motor vehicle theft,38,1\n")
      << "the December theft is outside the months the files cover";
  EXPECT_NE(r.err.find("2018-01.csv:5: CodedMonth"), std::string::npos) << r.err;
  r = RunProgram({kBin, "evaluate", "counts", "--incidents", dir.path(), "--place", "district"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("2018-02,motor vehicle theft,6,1"), std::string::npos) << r.out;
  // By position: the first theft's State Plane coordinates fall in ZIP 63106
  // (2543 N Grand); the ones without coordinates are in no area.
  r = RunProgram({kBin, "evaluate", "counts", "--incidents", dir.path(), "--place", "position",
                  "--area-kind", "zcta"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("2018-01,motor vehicle theft,63106,1"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("3 incidents are in no area"), std::string::npos) << r.err;
}

TEST(EvaluateCliTest, BadInputIsNamedAndNeverACrash) {
  test::TempDir dir;
  const std::vector<std::string> base = {kBin,          "evaluate",   "claim",
                                         "--incidents", kCounts,      "--format",
                                         "csv",         "--category", "robbery"};
  auto run = [&](std::vector<std::string> extra) {
    std::vector<std::string> argv = base;
    argv.insert(argv.end(), extra.begin(), extra.end());
    return RunProgram(argv, std::chrono::seconds(60));
  };
  test::RunResult r = run({"--areas", "38"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--start is required"), std::string::npos) << r.err;
  r = run({"--areas", "38", "--start", "2016-13"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--start: not a month"), std::string::npos) << r.err;
  r = run({"--areas", "38", "--start", "2016-06", "--claimed", "-120%"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--claimed"), std::string::npos) << r.err;
  r = run({"--areas", "Atlantis", "--start", "2016-06"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("\"Atlantis\""), std::string::npos) << r.err;
  r = run({"--areas", "38", "--start", "2030-01"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("the data cover 2008-01 to 2019-12"), std::string::npos) << r.err;
  Write(dir.File("wrong.csv"), "when,what\n2016-01,x\n");
  r = RunProgram({kBin, "evaluate", "claim", "--incidents", dir.File("wrong.csv"), "--format",
                  "csv", "--category", "x", "--areas", "1", "--start", "2016-01"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("missing date, offense, area"), std::string::npos) << r.err;
  Write(dir.File("areas.geojson"), R"({"type":"FeatureCollection","features":[{"id":"a"}]})");
  r = RunProgram({kBin, "evaluate", "counts", "--incidents", kCounts, "--format", "csv", "--place",
                  "position", "--polygons", dir.File("areas.geojson")});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("feature 0: no geometry"), std::string::npos) << r.err;
  EXPECT_EQ(RunProgram({kBin, "evaluate", "frobnicate"}).code, 2);
}

}  // namespace
}  // namespace interdict
