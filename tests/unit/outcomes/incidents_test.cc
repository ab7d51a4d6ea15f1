#include "outcomes/incidents.h"

#include <gtest/gtest.h>

namespace interdict::outcomes {
namespace {

// Lines of SLMPD's monthly files (2018-01, 2015-06; SLMPD via
// kylesykes/stl-crime-data and slu-soc5650/crime-data-sp22, data/… SOURCES),
// and lines spoiled on purpose.
constexpr std::string_view kHeader =
    "Complaint,CodedMonth,DateOccur,FlagCrime,FlagUnfounded,FlagAdministrative,Count,"
    "FlagCleanup,Crime,District,Description,ILEADSAddress,ILEADSStreet,Neighborhood,"
    "LocationName,LocationComment,CADAddress,CADStreet,XCoord,YCoord\n";

TEST(IncidentsTest, SlmpdLinesBecomeMonthsCategoriesAreasAndWgs84Points) {
  const std::string text =
      std::string(kHeader) +
      "18-000063,2018-01,01/01/2018 00:01,Y, , ,1, , 67601,4,\"LARCENY-FROM BUILDING $500 - "
      "$24,999\",2543,N GRAND BLVD,59,THE BOULEVARD, ,2543,GRAND,899361.5,1026965\n"
      "15-026157,2015-06,01/01/2015 00:01,Y, , ,1, , 21000,4,RAPE -- FORCIBLE,3800,SAINT LOUIS "
      "AVE,59, , ,4800,HAMMETT,0,0\n"
      "16-000001,2016-03,02/27/2016 23:10,Y, ,Y,-1, ,064701,6,LARCENY-FROM MTR VEH UNDER "
      "$500,100,MARKET ST,35, , ,100,MARKET,0,0\n";
  Result<ReadReport> r = ReadSlmpd(text);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->errors.empty());
  ASSERT_EQ(r->incidents.size(), 3u);
  const Incident& a = r->incidents[0];
  EXPECT_EQ(FormatMonth(a.coded), "2018-01");
  EXPECT_EQ(a.crime, "067601") << "the leading zero put back";
  EXPECT_EQ(a.category, "larceny");
  EXPECT_EQ(a.neighborhood, 59);
  ASSERT_TRUE(a.at.has_value());
  // SLMPD's own Part I file gives this complaint at 38.65363936, -90.22282239.
  EXPECT_NEAR(a.at->lat(), 38.65363936, 1e-6);
  EXPECT_NEAR(a.at->lon(), -90.22282239, 1e-6);
  EXPECT_EQ(r->incidents[1].category, "rape");
  EXPECT_FALSE(r->incidents[1].at.has_value()) << "0, 0: unverified";
  EXPECT_EQ(r->incidents[2].category, "theft from motor vehicle") << "the longest prefix, 064";
  EXPECT_EQ(r->incidents[2].count, -1) << "a reclassification subtracts";
  EXPECT_EQ(FormatMonth(r->incidents[2].occurred), "2016-02");
}

TEST(IncidentsTest, BadLinesAreCountedByLineAndFieldAndTheRestRead) {
  const std::string text = std::string(kHeader) +
                           "1,2018-13,01/01/2018 00:01,Y, , ,1, ,67601,4,X,1,A,59,,,1,A,0,0\n"
                           "2,2018-01,1/1/18,Y, , ,1, ,67601,4,X,1,A,59,,,1,A,0,0\n"
                           "3,2018-01,01/01/2018 00:01,Y, , ,1, ,990000,4,X,1,A,59,,,1,A,0,0\n"
                           "4,2018-01,01/01/2018 00:01,Y, , ,2, ,67601,4,X,1,A,59,,,1,A,0,0\n"
                           "5,2018-01,01/01/2018 00:01,Y, , ,1, ,67601,4,X,1,A,99,,,1,A,0,0\n"
                           "6,2018-01,01/01/2018 00:01,Y, , ,1, ,71013,4,X,1,A,59,,,1,A,0,0\n";
  Result<ReadReport> r = ReadSlmpd(text);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->lines, 6u);
  ASSERT_EQ(r->incidents.size(), 1u);
  EXPECT_EQ(r->incidents[0].category, "motor vehicle theft");
  ASSERT_EQ(r->errors.size(), 5u);
  const std::vector<std::pair<std::size_t, std::string>> want = {
      {2, "CodedMonth"}, {3, "DateOccur"}, {4, "Crime"}, {5, "Count"}, {6, "Neighborhood"}};
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(r->errors[i].line, want[i].first);
    EXPECT_EQ(r->errors[i].field, want[i].second) << r->errors[i].message;
  }
  Result<ReadReport> other = ReadSlmpd("date,offense,area\n2018-01-01,theft,59\n");
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.status().message().find("missing Complaint, CodedMonth"), std::string::npos)
      << other.status().message();
}

}  // namespace
}  // namespace interdict::outcomes
