#include "read/native_format.h"

#include <gtest/gtest.h>

namespace interdict::read {
namespace {

Read MustParse(std::string_view json) {
  Read r;
  ReadRejection why;
  EXPECT_TRUE(ParseNativeRead(json, &r, &why)) << why.field << ": " << why.message;
  return r;
}

ReadRejection MustReject(std::string_view json) {
  Read r;
  ReadRejection why;
  EXPECT_FALSE(ParseNativeRead(json, &r, &why)) << "accepted: " << json;
  return why;
}

constexpr std::string_view kMinimal =
    R"({"id":"r1","agency":"STLPD","camera":"cam-12","time":"2026-11-29T04:21:28.123Z","plate":"abc 123"})";

TEST(NativeFormatTest, MinimalReadParses) {
  Read r = MustParse(kMinimal);
  EXPECT_EQ(r.id, "r1");
  EXPECT_EQ(r.agency, "STLPD");
  EXPECT_EQ(r.camera, "cam-12");
  EXPECT_EQ(r.time, 1'795'926'088'123);
  EXPECT_EQ(r.plate.text(), "ABC123");
  EXPECT_EQ(r.raw_plate, "abc 123");
  EXPECT_FALSE(r.state.known());
  EXPECT_FALSE(r.plate_confidence.known());
  EXPECT_FALSE(r.position.has_value());
  EXPECT_EQ(r.heading, -1);
}

TEST(NativeFormatTest, FullReadParsesEveryField) {
  Read r = MustParse(R"({"id":"r2","agency":"MSHP","camera":"I70-W-3","time":1795926088123,
    "plate":"7XK3J2","state":"us-mo","state_confidence":0.8,"plate_confidence":0.934,
    "lat":38.627003,"lon":-90.199404,"heading":271.6,
    "alternates":[{"plate":"7XK3JZ","confidence":0.41},{"plate":"7XK8J2"}],
    "vehicle":{"make":"TOYT","model":"CAM","color":"BLK","body":"4D"},
    "images":{"plate":"sha256:ab","overview":"sha256:cd"}})");
  EXPECT_EQ(r.state.code(), "US-MO");
  EXPECT_EQ(r.state_confidence.percent(), 80);
  EXPECT_EQ(r.plate_confidence.percent(), 93);
  ASSERT_TRUE(r.position);
  EXPECT_EQ(r.position->lat_e6, 38'627'003);
  EXPECT_EQ(r.position->lon_e6, -90'199'404);
  EXPECT_EQ(r.heading, 272);
  ASSERT_EQ(r.alternates.size(), 2u);
  EXPECT_EQ(r.alternates[0].plate.text(), "7XK3JZ");
  EXPECT_EQ(r.alternates[0].confidence.percent(), 41);
  EXPECT_FALSE(r.alternates[1].confidence.known());
  EXPECT_EQ(r.vehicle.color, "BLK");
  EXPECT_EQ(r.plate_image, "sha256:ab");
  EXPECT_TRUE(r.raw_plate.empty()) << "raw text equal to the plate is not kept twice";
}

TEST(NativeFormatTest, FormatThenParseGivesTheSameRead) {
  Read r = MustParse(R"({"id":"r2","agency":"MSHP","camera":"c","time":1795926088123,
    "plate":"7xk-3j2","state":"IL","plate_confidence":0.5,"lat":1.5,"lon":-2.25,"heading":0,
    "alternates":[{"plate":"7XK3JZ","confidence":0.41}],"vehicle":{"make":"FORD"}})");
  EXPECT_EQ(MustParse(FormatNativeRead(r)), r);
  Read minimal = MustParse(kMinimal);
  EXPECT_EQ(MustParse(FormatNativeRead(minimal)), minimal);
}

TEST(NativeFormatTest, MissingRequiredFieldsAreNamed) {
  EXPECT_EQ(MustReject(R"({"agency":"A","camera":"c","time":1795926088123,"plate":"X1"})").field,
            "id");
  EXPECT_EQ(MustReject(R"({"id":"1","camera":"c","time":1795926088123,"plate":"X1"})").field,
            "agency");
  EXPECT_EQ(MustReject(R"({"id":"1","agency":"A","time":1795926088123,"plate":"X1"})").field,
            "camera");
  EXPECT_EQ(MustReject(R"({"id":"1","agency":"A","camera":"c","plate":"X1"})").field, "time");
  EXPECT_EQ(MustReject(R"({"id":"1","agency":"A","camera":"c","time":1795926088123})").field,
            "plate");
}

TEST(NativeFormatTest, BadValuesAreNamedWithTheReason) {
  const std::string head =
      R"({"id":"1","agency":"A","camera":"c","time":1795926088123,"plate":"X1",)";
  struct Case {
    std::string tail, field, needle;
  };
  for (const Case& c : std::vector<Case>{
           {R"("state":"Atlantis"})", "state", "unknown jurisdiction"},
           {R"("plate_confidence":93})", "plate_confidence", "outside 0..1"},
           {R"("lat":91,"lon":0})", "lat", "outside"},
           {R"("lat":38.6})", "lon", "come together"},
           {R"("heading":-5})", "heading", "outside 0..360"},
           {R"("alternates":[{"plate":"AB?1"}]})", "alternates[0].plate", "wildcard"},
           {R"("alternates":[{"plate":"AB1","conf":1}]})", "alternates[0].conf", "unknown field"},
           {R"("vehicle":{"colour":"red"}})", "vehicle.colour", "unknown field"},
           {R"("plat":"X"})", "plat", "unknown field"},
       }) {
    ReadRejection why = MustReject(head + c.tail);
    EXPECT_EQ(why.field, c.field) << c.tail;
    EXPECT_NE(why.message.find(c.needle), std::string::npos) << c.tail << ": " << why.message;
  }
  EXPECT_EQ(
      MustReject(R"({"id":"1","agency":"../x","camera":"c","time":1795926088123,"plate":"X1"})")
          .field,
      "agency");
  EXPECT_NE(MustReject(R"({"id":"1","agency":"A","camera":"c","time":1795926088,"plate":"X1"})")
                .message.find("looks like seconds"),
            std::string::npos);
}

TEST(NativeFormatTest, SyntaxErrorsGiveTheByteOffset) {
  ReadRejection why = MustReject(R"({"id":"1",,})");
  EXPECT_EQ(why.field, "");
  EXPECT_NE(why.message.find("invalid JSON at byte 10"), std::string::npos) << why.message;
  EXPECT_NE(MustReject(std::string(kMinimal) + " x").message.find("invalid JSON"),
            std::string::npos);
  EXPECT_NE(MustReject("[1,2]").message.find("must be a JSON object"), std::string::npos);
  EXPECT_NE(MustReject("{\"id\":\"\xFF\"}").message.find("invalid JSON"), std::string::npos);
}

}  // namespace
}  // namespace interdict::read
