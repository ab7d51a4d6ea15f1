#include "ops/roads.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

namespace interdict::ops {
namespace {

geo::Point P(double lat, double lon) {
  return geo::Point::FromDegrees(lat, lon);
}

// A small town on the equator (0.01° is 1,112 m both ways there):
//
//   B ---local--- C
//   |             |
// primary       local          E --- F   (a road no other touches)
//   |             |
//   A ---local--- D ---primary--- G
//
// A→C: via B is 1,112 m at 90 km/h + 1,112 m at 40 km/h = 44.5 + 100.1 s;
// via D it is 100.1 + 100.1 s. G hangs off D by a primary road.
class SmallTownTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const geo::Point a = P(0, 0), b = P(0.01, 0), c = P(0.01, 0.01), d = P(0, 0.01), g = P(0, 0.02),
                     e = P(0.05, 0.05), f = P(0.05, 0.06);
    Result<std::unique_ptr<RoadGraph>> built = RoadGraph::Build({
        {"S1100", {a, b}},
        {"S1400", {b, P(0.01, 0.005), c}},  // a vertex mid-block
        {"S1400", {a, d}},
        {"S1400", {d, c}},
        {"S1100", {d, g}},
        {"S1400", {e, f}},
    });
    ASSERT_TRUE(built.ok()) << built.status().message();
    graph_ = std::move(built).value();
  }
  std::size_t Node(double lat, double lon) { return *graph_->Nearest(P(lat, lon), 1); }
  std::unique_ptr<RoadGraph> graph_;
};

TEST_F(SmallTownTest, ShortestDrivingTimesFollowTheFasterRoadAndNoRoadMeansInfinity) {
  EXPECT_EQ(graph_->node_count(), 8u) << "shared corners are one node each";
  EXPECT_EQ(graph_->edge_count(), 7u);
  const std::vector<double> t = graph_->SecondsFrom(Node(0, 0));
  const double km_at_90 = 1111.95 / 25.0, km_at_40 = 1111.95 / (40 / 3.6);
  EXPECT_NEAR(t[Node(0.01, 0)], km_at_90, 0.5);
  EXPECT_NEAR(t[Node(0.01, 0.01)], km_at_90 + km_at_40, 0.5) << "by the primary road to B";
  EXPECT_NEAR(t[Node(0, 0.02)], km_at_40 + km_at_90, 0.5);
  EXPECT_TRUE(std::isinf(t[Node(0.05, 0.05)])) << "no road joins E to the town";
  EXPECT_EQ(graph_->SecondsFrom(Node(0, 0))[Node(0, 0)], 0.0);
}

TEST_F(SmallTownTest, AUnitOffTheGraphOrTowardsAnUnreachablePointTakesTheStraightLineWithDetour) {
  const TravelModel m;  // 300 m snap, ×1.35 at 60 km/h
  // From 100 m south of A to 100 m north of C: legs to and from the road, and the roads between.
  const std::vector<double> s =
      GroundTimesTo(graph_.get(), m, {P(0.0109, 0.01)}).From(P(-0.0009, 0));
  const double legs = 2 * 100.1 / (60 / 3.6);
  EXPECT_NEAR(s[0], 1111.95 / 25.0 + 1111.95 / (40 / 3.6) + legs, 1.0);
  // Far from any road, and to the unconnected road: straight × 1.35 at 60 km/h.
  const geo::Point far = P(0.2, 0.2);
  const std::vector<double> off =
      GroundTimesTo(graph_.get(), m, {far, P(0.05, 0.05)}).From(P(0, 0));
  EXPECT_NEAR(off[0], geo::DistanceMeters(P(0, 0), far) * 1.35 / (60 / 3.6), 0.01);
  EXPECT_NEAR(off[1], geo::DistanceMeters(P(0, 0), P(0.05, 0.05)) * 1.35 / (60 / 3.6), 0.01);
  // Without a graph at all, the same rule.
  EXPECT_NEAR(GroundTimesTo(nullptr, m, {far}).From(P(0, 0))[0], off[0], 1e-9);
  // An aircraft: a minute to get going, then straight at its speed.
  EXPECT_NEAR(AirSeconds(P(0, 0), P(0.1, 0), 200), 60 + 11119.5 / (200 / 3.6), 0.5);
}

TEST_F(SmallTownTest, TheNearestNodeIsFoundWithinItsRadiusOnly) {
  EXPECT_EQ(graph_->Nearest(P(0.0001, 0.0001), 50), Node(0, 0));
  EXPECT_EQ(graph_->Nearest(P(0.01, 0.0049), 100), Node(0.01, 0.005)) << "the mid-block vertex";
  EXPECT_FALSE(graph_->Nearest(P(0.03, 0.03), 300).has_value());
}

TEST(RoadsJson, BadDocumentsAreRefusedNamingTheSegment) {
  EXPECT_TRUE(ParseRoadsJson(R"({"segments":[["S1400",[-90.2,38.6,-90.21,38.61]]]})").ok());
  for (const char* bad : {"[]", R"({"segments":{}})", R"({"segments":[["S1400",[-90.2,38.6]]]})",
                          R"({"segments":[["S1400",[-90.2,38.6,-190,38.61]]]})",
                          R"({"segments":[["S1400",[-90.2,38.6,-90.2]]]})"}) {
    Result<std::vector<RoadSegment>> r = ParseRoadsJson(bad);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(r.status().message().rfind("roads:", 0), 0u) << r.status().message();
  }
  EXPECT_NE(ParseRoadsJson(R"({"segments":[["S1400",[-90.2,38.6,-190,38.61]]]})")
                .status()
                .message()
                .find("segments[0]"),
            std::string::npos);
}

// The city's own roads (data/roads, TIGER 2019): one connected network, and
// a drive from downtown to Forest Park takes as long as one does.
TEST(CityRoads, DowntownToForestParkIsADrivingTimeAStLouisDriverWouldRecognise) {
  const RoadGraph* g = CityRoadGraph();
  ASSERT_NE(g, nullptr) << "the compiled-in roads build";
  EXPECT_EQ(g, CityRoadGraph()) << "built once";
  const geo::Point downtown = P(38.6270, -90.1994), park = P(38.6390, -90.2850);
  const std::optional<std::size_t> from = g->Nearest(downtown, 300);
  ASSERT_TRUE(from.has_value());
  const std::vector<double> t = g->SecondsFrom(*from);
  std::size_t reached = 0;
  for (double s : t) reached += std::isfinite(s);
  EXPECT_GT(reached, t.size() * 9 / 10) << "most of the city is one network";
  const double s = GroundTimesTo(g, {}, {park}).From(downtown)[0];
  const double straight = geo::DistanceMeters(downtown, park);  // ~7.5 km
  EXPECT_GT(s, straight / 25.0) << "no faster than 90 km/h as the crow flies";
  EXPECT_LT(s, 20 * 60) << "under 20 minutes";
}

}  // namespace
}  // namespace interdict::ops
