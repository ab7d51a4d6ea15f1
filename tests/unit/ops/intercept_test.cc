#include "ops/intercept.h"

#include <map>

#include <gtest/gtest.h>

namespace interdict::ops {
namespace {

geo::Point P(double lat, double lon) {
  return geo::Point::FromDegrees(lat, lon);
}

// On the equator, no road graph: ground units take the straight line × 1.35
// at 60 km/h (0.01° = 1,112 m: 90 s). The hit's camera H is at the origin;
// 70 % of vehicles are next read at EAST (0.05° east, 300-600 s later), 30 %
// at WEST (0.05° west, the same times).
class InterceptTest : public ::testing::Test {
 protected:
  InterceptRequest Request(std::vector<UnitState> units, std::string kind = "V") {
    InterceptRequest r;
    r.camera = "H";
    r.read_time = 1'800'000'000'000;
    r.now = r.read_time;
    r.list_kind = std::move(kind);
    r.next = {{"EAST", 0.7, 70, 300'000, 420'000, 600'000, 1, {}, 0, 0},
              {"WEST", 0.3, 30, 300'000, 420'000, 600'000, 1, {}, 0, 0},
              {"NOWHERE", 0.1, 1, 300'000, 420'000, 600'000, 1, {}, 0, 0}};
    r.place = [](const std::string& c) -> std::optional<geo::Point> {
      static const std::map<std::string, geo::Point> kAt = {{"EAST", P(0, 0.05)},
                                                            {"WEST", P(0, -0.05)}};
      const auto it = kAt.find(c);
      return it == kAt.end() ? std::nullopt : std::optional<geo::Point>(it->second);
    };
    r.units = std::move(units);
    return r;
  }
};

TEST_F(InterceptTest, UnitsAreRankedByTheLikeliestCameraTheyReachBeforeTheVehicle) {
  const InterceptPlan plan = PlanIntercept(
      Request({{1, "GC-1", "patrol", P(0, 0.06)},    // 1.1 km past EAST: 90 s
               {2, "GC-2", "patrol", P(0, -0.085)},  // 3.9 km past WEST: 315 s
               {3, "GC-3", "patrol", P(0, -0.001)},  // beside H: 5.4 km from either, 441 s
               {4, "GC-4", "patrol", P(0, -0.075)},  // 2.8 km past WEST: 225 s
               {5, "GC-5", "patrol", P(1, 1)}}),     // far away
      nullptr, {});
  ASSERT_EQ(plan.next.size(), 2u) << "a camera with no known place is left out";
  EXPECT_EQ(plan.next[0].earliest_s, 300);
  ASSERT_EQ(plan.suggestions.size(), 3u) << "the nearest unit to the hit is behind the vehicle";
  EXPECT_EQ(plan.suggestions[0].call_sign, "GC-1");
  EXPECT_EQ(plan.suggestions[0].camera, "EAST");
  EXPECT_NEAR(plan.suggestions[0].unit_eta_s, 1111.95 * 1.35 / (60 / 3.6), 1);
  EXPECT_NEAR(plan.suggestions[0].margin_s, 300 - 1111.95 * 1.35 / (60 / 3.6), 1);
  EXPECT_DOUBLE_EQ(plan.suggestions[0].p, 0.7);
  EXPECT_EQ(plan.suggestions[1].call_sign, "GC-4");
  EXPECT_EQ(plan.suggestions[1].camera, "WEST");
  EXPECT_DOUBLE_EQ(plan.suggestions[1].p, 0.3);
  EXPECT_EQ(plan.suggestions[2].call_sign, "GC-2");
  EXPECT_DOUBLE_EQ(plan.suggestions[2].p, 0.3 / 2) << "before the likely arrival only: half";
  EXPECT_NE(plan.suggestions[2].reason.find("likely arrival"), std::string::npos);
  EXPECT_DOUBLE_EQ(plan.ground_coverage, 1.0);
  EXPECT_FALSE(plan.aircraft.suggested) << "the ground units cover every likely camera";
}

TEST_F(InterceptTest, TheAircraftIsSuggestedWhenGroundUnitsCannotCoverTheSpreadOrTheRulesSaySo) {
  const UnitState air{9, "AIR 1", "aircraft", P(0.1, 0)};  // 11 km north of H
  InterceptPlan plan =
      PlanIntercept(Request({{1, "GC-1", "patrol", P(0, -0.06)}, air}), nullptr, {});
  EXPECT_DOUBLE_EQ(plan.ground_coverage, 0.3) << "only WEST is covered";
  ASSERT_TRUE(plan.aircraft.suggested);
  EXPECT_NE(plan.aircraft.reason.find("30 %"), std::string::npos) << plan.aircraft.reason;
  ASSERT_TRUE(plan.aircraft.unit.has_value());
  EXPECT_EQ(plan.aircraft.unit->camera, "EAST");
  EXPECT_NEAR(plan.aircraft.unit->unit_eta_s,
              60 + geo::DistanceMeters(air.at, P(0, 0.05)) / (200 / 3.6), 0.5)
      << "a minute to get going, then straight";
  for (const Suggestion& s : plan.suggestions) EXPECT_NE(s.kind, "aircraft");

  InterceptRules rules;
  rules.aircraft_kinds = {"W"};
  rules.k9_kinds = {"W"};
  rules.medic_kinds = {"W"};
  plan = PlanIntercept(Request({{1, "GC-1", "patrol", P(0, 0.06)},
                                {2, "GC-2", "patrol", P(0, -0.06)},
                                {3, "K9-1", "k9", P(0, 0.055)}},
                               "W"),
                       nullptr, rules);
  EXPECT_TRUE(plan.aircraft.suggested);
  EXPECT_NE(plan.aircraft.reason.find("rules"), std::string::npos);
  EXPECT_FALSE(plan.aircraft.unit.has_value()) << "no aircraft is available";
  ASSERT_TRUE(plan.k9.suggested);
  EXPECT_EQ(plan.k9.unit->call_sign, "K9-1");
  EXPECT_TRUE(plan.medic.suggested);
  EXPECT_FALSE(plan.medic.unit.has_value());
  EXPECT_FALSE(PlanIntercept(Request({}, "V"), nullptr, rules).k9.suggested);
}

TEST_F(InterceptTest, CamerasTheVehicleHasAlreadyPassedAreNotPredicted) {
  InterceptRequest r = Request({{1, "GC-1", "patrol", P(0, 0.06)}});
  r.now = r.read_time + 700'000;  // past every p90
  const InterceptPlan plan = PlanIntercept(r, nullptr, {});
  EXPECT_TRUE(plan.next.empty());
  EXPECT_TRUE(plan.suggestions.empty());
  EXPECT_FALSE(plan.aircraft.suggested) << "nothing to cover";
}

// With the hit's camera placed, the paths are legs from H: a unit can wait
// part way along one.
TEST_F(InterceptTest, AUnitCanWaitPartWayAlongTheVehiclesLikelyPath) {
  InterceptRequest r = Request({{1, "GC-1", "patrol", P(0.005, 0.0333)}});  // 556 m off the leg
  const auto known = r.place;
  r.place = [known](const std::string& c) -> std::optional<geo::Point> {
    return c == "H" ? std::optional<geo::Point>(P(0, 0)) : known(c);
  };
  const InterceptPlan plan = PlanIntercept(r, nullptr, {});
  ASSERT_EQ(plan.suggestions.size(), 1u);
  const Suggestion& s = plan.suggestions[0];
  EXPECT_EQ(s.camera, "EAST");
  EXPECT_NEAR(s.along, 2.0 / 3, 1e-9) << "two thirds of the way, beside the unit";
  EXPECT_NEAR(s.to.lon(), 0.0333, 1e-4);
  EXPECT_NEAR(s.unit_eta_s, 556 * 1.35 / (60 / 3.6), 2);
  EXPECT_NEAR(s.margin_s, 2.0 / 3 * 300 - s.unit_eta_s, 2) << "the vehicle is there at 2/3 of p10";
  EXPECT_DOUBLE_EQ(s.p, 0.7);
  EXPECT_NE(s.reason.find("the way to EAST (67 % along)"), std::string::npos) << s.reason;
}

// Two passes ahead, via EAST: a vehicle going on to FAR or BEYOND passed
// EAST first, so waiting at EAST is worth EAST's 0.7, not 0.7 + 0.35 + 0.35.
TEST_F(InterceptTest, SecondPassesAreNotCountedOnTopOfTheirFirst) {
  InterceptRequest r = Request({{1, "GC-1", "patrol", P(0, 0.051)}});
  r.next.push_back({"FAR", 0.35, 35, 500'000, 620'000, 800'000, 2, "EAST", 300'000, 420'000});
  r.next.push_back({"BEYOND", 0.35, 35, 500'000, 620'000, 800'000, 2, "EAST", 300'000, 420'000});
  const auto known = r.place;
  r.place = [known](const std::string& c) -> std::optional<geo::Point> {
    if (c == "FAR") return P(0.05, 0.05);
    if (c == "BEYOND") return P(-0.05, 0.05);
    return known(c);
  };
  const InterceptPlan plan = PlanIntercept(r, nullptr, {});
  ASSERT_EQ(plan.suggestions.size(), 1u);
  EXPECT_EQ(plan.suggestions[0].camera, "EAST");
  EXPECT_DOUBLE_EQ(plan.suggestions[0].p, 0.7);
  EXPECT_NE(plan.suggestions[0].reason.find("3 of the likely paths"), std::string::npos)
      << plan.suggestions[0].reason;
}

}  // namespace
}  // namespace interdict::ops
