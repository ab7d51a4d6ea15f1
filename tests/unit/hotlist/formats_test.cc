#include "hotlist/formats.h"

#include <gtest/gtest.h>

#include "base/time_format.h"

namespace interdict::hotlist {
namespace {

constexpr std::string_view kNcicHeader = "NCIC LPR EXTRACT 20261129 0600\n";

TEST(NcicFormat, ParsesTheDocumentedExample) {
  const std::string text = std::string(kNcicHeader) +
                           "V123456789LA057020020190509AB123456  CA2009MC2009YAMACYLMCBLK\r\n";
  Result<ParsedList> got = ParseList(Format::kNcic, text);
  ASSERT_TRUE(got.ok()) << got.status().message();
  ASSERT_EQ(got->entries.size(), 1u);
  EXPECT_TRUE(got->rejected.empty());
  const Entry& e = got->entries[0];
  EXPECT_EQ(e.kind, "V");
  EXPECT_EQ(e.record_id, "V123456789");
  EXPECT_EQ(e.originating, "LA0570200");
  EXPECT_EQ(e.incident_date, *ParseDate("20190509"));
  EXPECT_EQ(e.plate.text(), "AB123456");
  EXPECT_EQ(e.state.code(), "US-CA");
  EXPECT_EQ(e.tag_year, 2009);
  EXPECT_EQ(e.vehicle_year, 2009);
  EXPECT_EQ(e.make, "YAMA");
  EXPECT_EQ(e.model, "CYL");
  EXPECT_EQ(e.body, "MC");
  EXPECT_EQ(e.color, "BLK");
}

TEST(NcicFormat, RejectsBadLinesByNumberAndKeepsTheGoodOnes) {
  const std::string text = std::string(kNcicHeader) +
                           "V123456789LA057020020190509AB123456  CA2009MC2009YAMACYLMCBLK\n"
                           "Q123456789LA057020020190509AB123457  CA2009MC2009YAMACYLMCBLK\n"
                           "V123456789LA057020020191309AB123458  CA2009MC2009YAMACYLMCBLK\n"
                           "V123456789LA057020020190509          CA2009MC2009YAMACYLMCBLK\n"
                           "V123456789LA057020020190509AB123459  Q92009MC2009YAMACYLMCBLK\n"
                           "short line\n"
                           "\n"
                           "P987654321MO011000020261101KZ9 81    MO2026PC2015TOYTCAM4DWHI/BLK\n";
  Result<ParsedList> got = ParseList(Format::kNcic, text);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->entries.size(), 2u);
  EXPECT_EQ(got->entries[1].plate.text(), "KZ981");
  EXPECT_EQ(got->entries[1].kind, "P");
  EXPECT_EQ(got->entries[1].color, "WHI/BLK");
  ASSERT_EQ(got->rejected.size(), 5u);
  EXPECT_EQ(got->rejected[0].line, 3u);
  EXPECT_NE(got->rejected[0].error.find("list code"), std::string::npos);
  EXPECT_EQ(got->rejected[1].line, 4u);
  EXPECT_NE(got->rejected[1].error.find("incident date"), std::string::npos);
  EXPECT_EQ(got->rejected[2].line, 5u);
  EXPECT_NE(got->rejected[2].error.find("plate"), std::string::npos);
  EXPECT_EQ(got->rejected[3].line, 6u);
  EXPECT_NE(got->rejected[3].error.find("state"), std::string::npos);
  EXPECT_EQ(got->rejected[4].line, 7u);
}

TEST(StateCsvFormat, ParsesRecordsWithAndWithoutAHeader) {
  const std::string text =
      "record_id,orig_id,date,plate,state,reg_year,veh_year,make,model,body,color\n"
      "V0001,MO0110000,20261101,ABC1234,MO,2026,2018,HOND,CIV,4D,BLU\n"
      "\"P0002\",IL0000000,2026-11-02,\"XY 99\",IL,,,,,,\n"
      "V0003,MO0110000,20261101,ABC1234,MO\n";
  Result<ParsedList> got = ParseList(Format::kCsv, text);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->entries.size(), 2u);
  EXPECT_EQ(got->entries[0].kind, "V");
  EXPECT_EQ(got->entries[0].make, "HOND");
  EXPECT_EQ(got->entries[1].kind, "P");
  EXPECT_EQ(got->entries[1].plate.text(), "XY99");
  ASSERT_EQ(got->rejected.size(), 1u);
  EXPECT_EQ(got->rejected[0].line, 4u);
  EXPECT_NE(got->rejected[0].error.find("11"), std::string::npos);
}

TEST(GenetecFormat, FindsTheDelimiterAndKeepsFurtherAttributes) {
  const std::string text =
      "PlateNumber;PlateState;Reason;CaseNumber;Officer\n"
      "ABC1234;MO;burglary suspect;26-1;Smith\n"
      ";MO;no plate;26-2;\n"
      "ZZZ999;;watch;26-3;\n"
      "NOCASE1;MO;burglary suspect;;\n"
      "NOWHY12;MO;;26-5;\n";
  Result<ParsedList> got = ParseList(Format::kGenetec, text);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->entries.size(), 2u);
  EXPECT_EQ(got->entries[0].kind, "custom");
  EXPECT_EQ(got->entries[0].reason, "burglary suspect");
  EXPECT_EQ(got->entries[0].note, "Officer=Smith");
  EXPECT_FALSE(got->entries[1].state.known());
  ASSERT_EQ(got->rejected.size(), 3u);
  EXPECT_EQ(got->rejected[0].line, 3u);
  // A custom entry says why and for which case (GOVERNANCE 17).
  EXPECT_EQ(got->rejected[1].line, 5u);
  EXPECT_EQ(got->rejected[1].error.rfind("case_number: required", 0), 0u) << got->rejected[1].error;
  EXPECT_EQ(got->rejected[2].error.rfind("reason: required", 0), 0u) << got->rejected[2].error;
}

TEST(GenetecFormat, WithoutAPlateNumberColumnTheFileIsRefused) {
  Result<ParsedList> got = ParseList(Format::kGenetec, "Plate,State\nABC,MO\n");
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("PlateNumber"), std::string::npos);
}

TEST(JsonFormat, ParsesEntriesAndNamesTheBadOnesByIndex) {
  const std::string text = R"({"entries": [
    {"plate": "abc-1234", "state": "MO", "reason": "stolen trailer", "case_number": "26-001",
     "expires_at": "2026-12-20"},
    {"plate": "XYZ", "reason": "robbery", "caseNumber": "26-002", "expiry": "2026-12-01T00:00:00Z", "vehicle_year": 2011},
    {"state": "MO"},
    {"plate": "OK1", "colour": "red"},
    {"plate": "OK2", "reason": "robbery"}
  ]})";
  Result<ParsedList> got = ParseList(Format::kJson, text, "custom");
  ASSERT_TRUE(got.ok()) << got.status().message();
  ASSERT_EQ(got->entries.size(), 2u);
  EXPECT_EQ(got->entries[0].plate.text(), "ABC1234");
  EXPECT_EQ(got->entries[0].expires_at, *ParseDate("2026-12-20"));
  EXPECT_EQ(got->entries[1].case_number, "26-002");
  EXPECT_EQ(got->entries[1].vehicle_year, 2011);
  ASSERT_EQ(got->rejected.size(), 3u);
  EXPECT_EQ(got->rejected[0].index, 2u);
  EXPECT_EQ(got->rejected[0].error, "plate: is required");
  EXPECT_EQ(got->rejected[1].index, 3u);
  EXPECT_EQ(got->rejected[1].error, "colour: unknown field");
  EXPECT_EQ(got->rejected[2].index, 4u);
  EXPECT_EQ(got->rejected[2].error.rfind("case_number: required", 0), 0u);
}

TEST(JsonFormat, SyntaxErrorsNameTheByteOffset) {
  Result<ParsedList> got = ParseList(Format::kJson, R"({"entries": [{"plate": "A"},]})");
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("byte 28"), std::string::npos) << got.status().message();
}

TEST(Formats, AFileOverTheLimitIsRefusedInEveryFormatNamingTheLimit) {
  const std::string big(kMaxFileBytes + 1, '\n');
  for (Format f : {Format::kNcic, Format::kCsv, Format::kGenetec, Format::kJson}) {
    Result<ParsedList> r = ParseList(f, big);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("exceeds the limit of 268435456 bytes"), std::string::npos)
        << r.status().message();
  }
}

TEST(CheckReport, CountsByKindAndListsRejections) {
  const std::string text = std::string(kNcicHeader) +
                           "V123456789LA057020020190509AB123456  CA2009MC2009YAMACYLMCBLK\n"
                           "P123456789LA057020020190509AB123457  CA2009MC2009YAMACYLMCBLK\n"
                           "V123456789LA057020020190509AB123458  CA2009MC2009YAMACYLMCBLK\n"
                           "bad\n";
  Result<ParsedList> got = ParseList(Format::kNcic, text);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(
      CheckReportJson(*got),
      R"({"entries":3,"by_kind":{"P":1,"V":2},"rejected":[{"line":5,"error":)"
      R"x("line: 3 characters; an NCIC record has at least 39 (through the plate state at 37-38)"}]})x");
}

TEST(Formats, NamesParseAndUnknownOnesAreRefused) {
  EXPECT_EQ(*ParseFormat("genetec"), Format::kGenetec);
  EXPECT_FALSE(ParseFormat("xml").ok());
  EXPECT_FALSE(FindKind("I")->recommended);
  EXPECT_TRUE(FindKind("V")->recommended);
}

}  // namespace
}  // namespace interdict::hotlist
