#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "base/time_format.h"
#include "read/delimited_format.h"
#include "read/native_format.h"
#include "read/openalpr_format.h"

namespace interdict::read {
namespace {

std::string Sample(const std::string& name) {
  std::ifstream in(std::string(INTERDICT_SOURCE_DIR) + "/tests/data/" + name);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(OpenAlpr, ResultsBecomeOneReadPerPlateWithCandidatesAsAlternates) {
  Result<OpenAlprMessage> m = ParseOpenAlpr(Sample("openalpr/alpr_results.json"), "STLPD");
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->kind, OpenAlprMessage::Kind::kResults);
  ASSERT_EQ(m->reads.size(), 1u);
  const Read& r = m->reads[0];
  EXPECT_EQ(r.id, "site7-cam1-1800000000123-0");
  EXPECT_EQ(r.agency, "STLPD");
  EXPECT_EQ(r.camera, "site7-cam1");
  EXPECT_EQ(r.time, 1'800'000'000'123);
  EXPECT_EQ(r.plate.text(), "KZ9Q81");
  EXPECT_EQ(r.state.code(), "US-MO");
  EXPECT_EQ(r.plate_confidence.percent(), 91);
  EXPECT_EQ(r.state_confidence.percent(), 88);
  ASSERT_EQ(r.alternates.size(), 2u);  // the chosen plate is not its own alternate
  EXPECT_EQ(r.alternates[0].plate.text(), "KZ9O81");
  EXPECT_EQ(r.alternates[1].plate.text(), "KZ9D81");
  // The empty second result is refused by name, the first kept.
  ASSERT_EQ(m->rejected.size(), 1u);
  EXPECT_EQ(m->rejected[0].field, "results[1].plate");
}

TEST(OpenAlpr, AGroupIsOneReadWithPositionHeadingAndTheLikeliestVehicle) {
  Result<OpenAlprMessage> m = ParseOpenAlpr(Sample("openalpr/alpr_group.json"), "STLPD");
  ASSERT_TRUE(m.ok()) << m.status().message();
  ASSERT_EQ(m->reads.size(), 1u);
  const Read& r = m->reads[0];
  EXPECT_EQ(r.id, "agentA-cam3-1800000000500");
  EXPECT_EQ(r.camera, "agentA-cam3");
  EXPECT_EQ(r.plate.text(), "RT5501");
  ASSERT_TRUE(r.position.has_value());
  EXPECT_NEAR(r.position->lat(), 38.627, 1e-6);
  EXPECT_EQ(r.heading, 271);
  EXPECT_EQ(r.vehicle.color, "silver-gray");
  EXPECT_EQ(r.vehicle.make, "honda");
  EXPECT_EQ(r.vehicle.model, "honda_civic");
  EXPECT_EQ(r.vehicle.body, "sedan-standard");
  ASSERT_EQ(r.alternates.size(), 1u);
  EXPECT_EQ(r.alternates[0].plate.text(), "RT55O1");
}

TEST(OpenAlpr, ACropOfUpTo8MiBOfBase64IsKeptAndALargerOneIsDroppedWithTheReadKept) {
  const std::string group = Sample("openalpr/alpr_group.json");
  auto with_crop = [&](std::size_t base64_chars) {
    std::string text = group;
    const std::size_t at = text.find(R"("best_plate": {)");
    EXPECT_NE(at, std::string::npos);
    text.insert(at + 15, R"("plate_crop_jpeg": ")" + std::string(base64_chars, 'A') + R"(", )");
    return ParseOpenAlpr(text, "STLPD");
  };
  Result<OpenAlprMessage> at_limit = with_crop(std::size_t{8} << 20);
  ASSERT_TRUE(at_limit.ok()) << at_limit.status().message();
  ASSERT_EQ(at_limit->sources.size(), 1u);
  EXPECT_EQ(at_limit->sources[0].plate_crop.size(), std::size_t{6} << 20);
  Result<OpenAlprMessage> past = with_crop((std::size_t{8} << 20) + 4);
  ASSERT_TRUE(past.ok()) << past.status().message();
  ASSERT_EQ(past->reads.size(), 1u) << "the read stays without its image";
  EXPECT_TRUE(past->sources.empty() || past->sources[0].plate_crop.empty());
}

TEST(OpenAlpr, HeartbeatsNameTheirCamerasAndVersion) {
  Result<OpenAlprMessage> m = ParseOpenAlpr(Sample("openalpr/heartbeat.json"), "STLPD");
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->kind, OpenAlprMessage::Kind::kHeartbeat);
  EXPECT_EQ(m->cameras, std::vector<std::string>{"agentA-cam3"});
  EXPECT_EQ(m->agent_version, "4.1.2");
}

TEST(OpenAlpr, EpochSecondsFromOldDocumentationAreAccepted) {
  Result<OpenAlprMessage> m = ParseOpenAlpr(
      R"({"data_type":"alpr_results","epoch_time":1800000000,"camera_id":1,"site_id":"s","results":[{"plate":"ABC123"}]})",
      "STLPD");
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->reads.at(0).time, 1'800'000'000'000);
  EXPECT_EQ(m->reads.at(0).id, "s-cam1-1800000000000-0");
}

TEST(OpenAlpr, AnIdCutInsideACharacterStaysWithinItsLimit) {
  // 1 + 2 × 100 bytes: the cut at 128 bytes splits an "À"; repairing the
  // broken character (U+FFFD, three bytes) must not take the id past its
  // limit (found by fuzz_openalpr).
  std::string uuid = "x";
  for (int i = 0; i < 100; ++i) uuid += "\\u00C0";
  Result<OpenAlprMessage> m = ParseOpenAlpr(
      R"({"data_type":"alpr_group","epoch_start":1800000000500,"agent_uid":"a","camera_id":1,"best_plate_number":"RT5501","best_uuid":")" +
          uuid + R"("})",
      "STLPD");
  ASSERT_TRUE(m.ok()) << m.status().message();
  const Read& r = m->reads.at(0);
  EXPECT_LE(r.id.size(), kMaxIdBytes);
  Read back;
  ReadRejection why;
  EXPECT_TRUE(ParseNativeRead(FormatNativeRead(r), &back, &why))
      << why.field << ": " << why.message;
}

TEST(OpenAlpr, UnusableMessagesAreRefusedNamingTheField) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"data_type":"alpr_results","epoch_time":1800000000123,"camera_id":1,"site_id":"s"})",
       "results"},
      {R"({"data_type":"alpr_results","camera_id":1,"site_id":"s","results":[]})", "epoch_time"},
      {R"({"data_type":"alpr_results","epoch_time":1800000000123,"site_id":"s","results":[]})",
       "camera_id"},
      {R"({"data_type":"alpr_results","epoch_time":1800000000123,"camera_id":1,"results":[]})",
       "site_id or agent_uid"},
      {R"({"data_type":"vehicle","epoch_time":1800000000123})", "data_type"},
      {R"({"data_type":"alpr_results","epoch_time":-5,"camera_id":1,"site_id":"s","results":[]})",
       "epoch_time"},
      {R"({"data_type": "alpr_results", )", "byte 30"},
  };
  for (const auto& [json, field] : cases) {
    Result<OpenAlprMessage> m = ParseOpenAlpr(json, "STLPD");
    ASSERT_FALSE(m.ok()) << json;
    EXPECT_NE(m.status().message().find(field), std::string::npos)
        << json << " -> " << m.status().message();
  }
}

TEST(UsPacificTime, FollowsTheUsDaylightSavingRules) {
  // 2021: PDT from 14 March 02:00 to 7 November 02:00.
  EXPECT_EQ(*UsPacificToUtc(2021, 10, 7, 16, 30, 51), *ParseRfc3339("2021-10-07T23:30:51Z"));
  EXPECT_EQ(*UsPacificToUtc(2021, 12, 1, 8, 0, 0), *ParseRfc3339("2021-12-01T16:00:00Z"));
  EXPECT_EQ(*UsPacificToUtc(2021, 3, 14, 1, 59, 59), *ParseRfc3339("2021-03-14T09:59:59Z"));
  EXPECT_EQ(*UsPacificToUtc(2021, 3, 14, 3, 0, 0), *ParseRfc3339("2021-03-14T10:00:00Z"));
  EXPECT_EQ(*UsPacificToUtc(2021, 11, 7, 0, 59, 0), *ParseRfc3339("2021-11-07T07:59:00Z"));
  EXPECT_EQ(*UsPacificToUtc(2021, 11, 7, 2, 0, 0), *ParseRfc3339("2021-11-07T10:00:00Z"));
  EXPECT_FALSE(UsPacificToUtc(2021, 2, 30, 0, 0, 0).ok());
}

TEST(SeattleLog, ParsesTheRealSampleIntoPseudoPlatesAndUtcTimes) {
  const std::string text = Sample("reads/seattle-spd-alpr-sample.csv");
  std::istringstream in(text);
  std::string header, line;
  std::getline(in, header);
  Result<DelimitedReadParser> p =
      DelimitedReadParser::FromHeader(DelimitedFormat::kSeattle, header, "SPD");
  ASSERT_TRUE(p.ok()) << p.status().message();
  int n = 0, with_position = 0;
  while (std::getline(in, line)) {
    Read r;
    ReadRejection why;
    ASSERT_TRUE(p->Parse(line, &r, &why)) << line << ": " << why.field << " " << why.message;
    EXPECT_EQ(r.plate.size(), 10u);
    EXPECT_EQ(r.plate[0], 'H');
    EXPECT_TRUE(r.raw_plate.empty());
    EXPECT_GE(r.time, *ParseRfc3339("2021-10-01T07:00:00Z"));
    EXPECT_LT(r.time, *ParseRfc3339("2021-10-09T07:00:00Z"));
    with_position += r.position ? 1 : 0;
    ++n;
  }
  EXPECT_EQ(n, 234);
  EXPECT_GT(with_position, 100);
  EXPECT_LT(with_position, n);  // some rows carry "NA"
}

TEST(SeattleLog, TheSameHashGivesTheSamePseudoPlate) {
  const std::string header = "dt|device|plate_hash|lon|lat";
  auto p = DelimitedReadParser::FromHeader(DelimitedFormat::kSeattle, header, "SPD");
  ASSERT_TRUE(p.ok());
  Read a, b;
  ReadRejection why;
  ASSERT_TRUE(p->Parse("10/07/2021 - 16:30:51|D1|1ea44336207b9a32fbd46ced905e9bdc3dc7045e|NA|NA",
                       &a, &why));
  ASSERT_TRUE(p->Parse(
      "10/08/2021 - 09:00:00|D2|1ea44336207b9a32fbd46ced905e9bdc3dc7045e|-122.3|47.6", &b, &why));
  EXPECT_EQ(a.plate, b.plate);
  EXPECT_NE(a.id, b.id);
  EXPECT_FALSE(
      p->Parse("10/07/2021 16:30:51|D1|1ea44336207b9a32fbd46ced905e9bdc3dc7045e|NA|NA", &a, &why));
  EXPECT_EQ(why.field, "dt");
  EXPECT_FALSE(p->Parse("10/07/2021 - 16:30:51|D1|nothex|NA|NA", &a, &why));
  EXPECT_EQ(why.field, "plate_hash");
  EXPECT_FALSE(p->Parse(
      "10/07/2021 - 16:30:51|D1|1ea44336207b9a32fbd46ced905e9bdc3dc7045e|-122.3|NA", &a, &why));
}

TEST(CsvReads, NamedColumnsInAnyOrder) {
  auto p = DelimitedReadParser::FromHeader(
      DelimitedFormat::kCsv, "time,plate,camera,agency,id,state,lat,lon,make,plate_confidence", "");
  ASSERT_TRUE(p.ok()) << p.status().message();
  Read r;
  ReadRejection why;
  ASSERT_TRUE(
      p->Parse("2026-11-29T04:21:28Z,7XK 3J2,cam12,STLPD,r-1,MO,38.6,-90.2,TOYT,0.93", &r, &why))
      << why.field << " " << why.message;
  EXPECT_EQ(r.plate.text(), "7XK3J2");
  EXPECT_EQ(r.raw_plate, "7XK 3J2");
  EXPECT_EQ(r.vehicle.make, "TOYT");
  EXPECT_EQ(r.plate_confidence.percent(), 93);
  EXPECT_FALSE(p->Parse("1795926088123,7XK3J2,cam12,STLPD,r-1,MO,38.6,-90.2,TOYT,1.5", &r, &why));
  EXPECT_EQ(why.field, "plate_confidence");
  EXPECT_FALSE(p->Parse("1795926088123,7XK3J2,cam12,STLPD,r-1,MO", &r, &why));
  EXPECT_FALSE(DelimitedReadParser::FromHeader(DelimitedFormat::kCsv, "id,agency,plate", "").ok());
}

}  // namespace
}  // namespace interdict::read
