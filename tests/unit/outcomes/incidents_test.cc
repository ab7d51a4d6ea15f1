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
  Result<ReadReport> r = ReadSlmpd(text, {.coordinates = true, .category = {}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->errors.empty());
  ASSERT_EQ(r->incidents.size(), 3u);
  const Incident& a = r->incidents[0];
  EXPECT_EQ(FormatMonth(a.coded), "2018-01");
  EXPECT_EQ(a.crime, "067601") << "the leading zero put back";
  EXPECT_EQ(a.category, "larceny");
  EXPECT_EQ(a.neighborhood, 59);
  EXPECT_EQ(a.area, "59");
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
  EXPECT_NE(other.status().message().find("missing CodedMonth, DateOccur"), std::string::npos)
      << other.status().message();
}

TEST(IncidentsTest, EveryHeaderStyleOfSlmpdIsReadAlike) {
  // 2008–2013: MonthReportedtoMSHP… without Complaint or FlagCleanup.
  const std::string old =
      "MonthReportedtoMSHP,DateOccured,NewCrimeIndicator,UnfoundedCrimeIndicator,"
      "AdministrativeAdjustmentIndicator,Count,Crime,District,Description,ILEADSAddress,"
      "ILEADSStreet,Neighborhood,LocationName,LocationComment,CADAddress,CADStreet,XCoord,"
      "YCoord\n2008-01,01/01/1977 08:00,Y, , ,1, 71013,4,AUTO THEFT,1400,MORRISON LN,33, , ,"
      "1400,MORRISON LN,904294.5,1013566\n";
  // May 2017: spaced and hyphenated names, more columns, M/D/YYYY dates, and
  // a byte-order mark.
  const std::string may2017 =
      "\xEF\xBB\xBF"
      "Complaint,Coded Month,Date Occur,Flag-Crime,Flag-Unfounded,Flag-Administrative,Count,"
      "Flag Cleanup,Crime,ILeads Add,ILeads Approve,District,Beat,Description,ILEADS-Address,"
      "ILEADS-Street,Neighborhood,ILeads Asg,ILeads Type,Location Name,Location Comment,"
      "CAD-Address,CAD-Street,X-Coord,Y-Coord,Date Crime Coded\n"
      "17-022207,2017-05,5/10/2017 13:30,Y, , ,1, ,71013,5/14/2017 16:16,5/14/2017,5,529,AUTO "
      "THEFT,1700,HAMILTON AVE,50,305,, , ,,,882454.8,1034517,5/15/2017\n";
  for (const std::string& text : {old, may2017}) {
    Result<ReadReport> r = ReadSlmpd(text);
    ASSERT_TRUE(r.ok()) << r.status().message();
    ASSERT_EQ(r->incidents.size(), 1u);
    EXPECT_TRUE(r->errors.empty());
    EXPECT_EQ(r->incidents[0].category, "motor vehicle theft");
    EXPECT_FALSE(r->incidents[0].at.has_value()) << "coordinates only when asked";
  }
  EXPECT_EQ(FormatMonth(ReadSlmpd(old)->incidents[0].occurred), "1977-01");
  EXPECT_EQ(FormatMonth(ReadSlmpd(may2017)->incidents[0].occurred), "2017-05");
  EXPECT_EQ(ReadSlmpd(may2017)->incidents[0].area, "50");
}

TEST(IncidentsTest, ACategoryFilterKeepsItsIncidentsAndStillChecksEveryLine) {
  const std::string text = std::string(kHeader) +
                           "1,2018-01,01/01/2018 00:01,Y, , ,1, ,71013,4,X,1,A,59,,,1,A,0,0\n"
                           "2,2018-01,01/01/2018 00:01,Y, , ,1, ,67601,4,X,1,A,59,,,1,A,0,0\n"
                           "3,2018-01,01/01/2018 00:01,Y, , ,1, ,99,4,X,1,A,59,,,1,A,0,0\n";
  Result<ReadReport> r = ReadSlmpd(text, {.category = "Motor Vehicle Theft"});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->incidents.size(), 1u);
  EXPECT_EQ(r->incidents[0].crime, "071013");
  ASSERT_EQ(r->errors.size(), 1u);
  EXPECT_EQ(r->errors[0].line, 4u);
}

TEST(IncidentsTest, TheGenericCsvMapsOffenseWordingToCategoriesAndNamesBadLines) {
  const std::string text =
      "date,offense,area,count,lat,lon\n"
      "2019-03-04,Auto Theft,North,,38.6,-90.2\n"
      "2019-03,theft from vehicle,South,2,,\n"
      "2019-03-04,Shoplifting,South,,,\n"
      "2019-3-04,auto theft,South,,,\n"
      "2019-03-04,auto theft,,,,\n"
      "2019-03-04,auto theft,South,two,,\n"
      "2019-03-04,auto theft,South,,91,0\n";
  Result<ReadReport> r = ReadIncidentCsv(text);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->incidents.size(), 3u);
  EXPECT_EQ(r->incidents[0].category, "motor vehicle theft");
  EXPECT_EQ(r->incidents[0].area, "North");
  ASSERT_TRUE(r->incidents[0].at.has_value());
  EXPECT_EQ(r->incidents[1].category, "theft from motor vehicle");
  EXPECT_EQ(r->incidents[1].count, 2);
  EXPECT_EQ(r->incidents[2].category, "shoplifting") << "not in the table: its own category";
  const std::vector<std::pair<std::size_t, std::string>> want = {
      {5, "date"}, {6, "area"}, {7, "count"}, {8, "lat"}};
  ASSERT_EQ(r->errors.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(r->errors[i].line, want[i].first);
    EXPECT_EQ(r->errors[i].field, want[i].second) << r->errors[i].message;
  }
  Result<ReadReport> headless = ReadIncidentCsv("when,what\n2019-03-04,theft\n");
  ASSERT_FALSE(headless.ok());
  EXPECT_NE(headless.status().message().find("missing date, offense, area"), std::string::npos)
      << headless.status().message();
}

}  // namespace
}  // namespace interdict::outcomes
