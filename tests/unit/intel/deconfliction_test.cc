#include "intel/deconfliction.h"

#include <gtest/gtest.h>

#include <fmt/core.h>

namespace interdict::intel {
namespace {

constexpr std::int64_t kHour = 3'600'000;
constexpr std::int64_t kT = 1'800'000'000'000;

Area Circle(double lat, double lon, double r) {
  return *ParseArea(fmt::format("POINT({} {})", lon, lat), r);
}

// 0.001° of latitude is 111.2 m.
TEST(DeconflictionTest, OperationsConflictWhenTheirWindowsTouchAndTheyComeWithinTheBuffer) {
  const Placed raid{1, Circle(38.6000, -90.2000, 100), {kT, kT + 2 * kHour}};
  std::vector<Placed> others = {
      // 100 m + 100 m radii, centres 0.0035° (389 m) apart: 189 m apart, within 200.
      {2, Circle(38.6035, -90.2000, 100), {kT + kHour, kT + 3 * kHour}},
      // 0.0040° (445 m) apart: 245 m, outside the buffer.
      {3, Circle(38.6040, -90.2000, 100), {kT, kT + kHour}},
      // The same place, starting the minute the raid ends: closed windows meet.
      {4, Circle(38.6000, -90.2000, 50), {kT + 2 * kHour, kT + 3 * kHour}},
      // The same place, a millisecond after it ends.
      {5, Circle(38.6000, -90.2000, 50), {kT + 2 * kHour + 1, kT + 3 * kHour}},
      // Itself.
      {1, Circle(38.6000, -90.2000, 100), {kT, kT + 2 * kHour}},
  };
  const std::vector<Overlap> found = FindOverlaps(raid, others);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].other, 2);
  EXPECT_EQ(found[0].from, kT + kHour) << "the later start";
  EXPECT_NEAR(found[0].distance_m, 189, 2);
  EXPECT_EQ(found[1].other, 4);
  EXPECT_EQ(found[1].from, kT + 2 * kHour);
  EXPECT_DOUBLE_EQ(found[1].distance_m, 0);
  EXPECT_TRUE(FindOverlaps(raid, {others[0]}, 150).empty()) << "a narrower buffer";
}

TEST(DeconflictionTest, PolygonsAndCirclesMeasureFromTheirEdges) {
  // A block 0.002° square; a circle beside it; a polygon crossing it.
  const Area block = *ParseArea(
      "POLYGON((-90.202 38.600, -90.200 38.600, -90.200 38.602, -90.202 38.602, -90.202 38.600))",
      std::nullopt);
  EXPECT_EQ(block.ring.size(), 4u) << "the closing point is dropped";
  const Area beside = Circle(38.601, -90.198, 50);  // centre 174 m east of the east edge
  EXPECT_NEAR(AreaDistance(block, beside), 174 - 50, 3);
  EXPECT_NEAR(AreaDistance(beside, block), 174 - 50, 3) << "either way round";
  const Area cross =
      *ParseArea("POLYGON((-90.203 38.6005, -90.199 38.6005, -90.199 38.6015, -90.203 38.6015))",
                 std::nullopt);
  EXPECT_DOUBLE_EQ(AreaDistance(block, cross), 0) << "edges cross, no vertex inside the other";
  const Area inside = Circle(38.601, -90.201, 50);
  EXPECT_DOUBLE_EQ(AreaDistance(block, inside), 0);
}

TEST(DeconflictionTest, BadAreasAndWindowsAreRefusedNamingWhatAndWhere) {
  auto st = ParseArea("POINT(-90.2 38.6)", std::nullopt).status();
  EXPECT_NE(st.message().find("radius_m"), std::string::npos);
  EXPECT_FALSE(ParseArea("POINT(-90.2 38.6)", 10).ok()) << "under 50 m";
  EXPECT_FALSE(ParseArea("POINT(-90.2 38.6)", 6000).ok()) << "over 5 km";
  st = ParseArea("POINT(-190.2 38.6)", 100).status();
  EXPECT_NE(st.message().find("outside -180..180"), std::string::npos) << st.message();
  st = ParseArea("POINT(-90.2, 38.6)", 100).status();
  EXPECT_NE(st.message().find("at byte 11"), std::string::npos) << st.message();
  st = ParseArea("CIRCLE(1 2)", 100).status();
  EXPECT_NE(st.message().find("POINT or POLYGON expected at byte 0"), std::string::npos);
  st = ParseArea("POLYGON((0 0, 1 1, 1 0, 0 1))", std::nullopt).status();
  EXPECT_NE(st.message().find("edges"), std::string::npos) << "a bow tie: " << st.message();
  EXPECT_FALSE(ParseArea("POLYGON((0 0, 1 1, 0 0))", std::nullopt).ok()) << "two points";
  EXPECT_FALSE(ParseArea("POLYGON((0 0, 1 0, 1 1))", 100).ok()) << "a polygon has no radius";
  EXPECT_FALSE(ParseArea("POINT(-90.2 38.6) trailing", 100).ok());
  std::string many = "POLYGON((";
  for (int i = 0; i < 202; ++i) many += fmt::format("{} {},", 0.001 * i, (i % 2) * 0.001);
  many.back() = ')';
  many += ")";
  EXPECT_FALSE(ParseArea(many, std::nullopt).ok()) << "over 200 points";

  EXPECT_TRUE(CheckWindow({kT, kT}).ok()) << "an instant";
  EXPECT_FALSE(CheckWindow({kT, kT - 1}).ok());
  EXPECT_FALSE(CheckWindow({kT, kT + 14 * 24 * kHour + 1}).ok());
}

}  // namespace
}  // namespace interdict::intel
