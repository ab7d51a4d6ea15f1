#include "ops/movement.h"

#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace interdict::ops {
namespace {

constexpr std::int64_t kS = 1000, kHour = 3'600'000, kDay = 24 * kHour;
// 2027-01-15 00:00 UTC: the model runs in UTC here, so bands are UTC hours.
constexpr std::int64_t kMidnight = 1'800'000'000'000 - 8 * kHour;

geo::Point P(double lat, double lon) {
  return geo::Point::FromDegrees(lat, lon);
}

class MovementTest : public ::testing::Test {
 protected:
  MovementModel model_{MovementOptions{}, TimeZone::Utc()};
  // Vehicle `v` read at `from` at `t`, then at `to` `travel` later.
  void Pass(std::uint64_t v, const char* from, const char* to, std::int64_t t, std::int64_t travel,
            int confidence = 90) {
    model_.Observe({v, from, P(38.60, -90.20), t, confidence});
    model_.Observe({v, to, std::nullopt, t + travel, confidence});
  }
};

// Seconds, for comparisons within a tolerance.
double Seconds(std::int64_t ms) {
  return static_cast<double>(ms) / 1000;
}

TEST_F(MovementTest, TheNextCamerasComeWithTheirSharesAndTravelTimes) {
  const std::int64_t t = kMidnight + 12 * kHour;
  for (std::uint64_t v = 0; v < 100; ++v)
    Pass(v, "GCPD/A", "GCPD/B", t + static_cast<std::int64_t>(v) * kS,
         (200 + 2 * static_cast<std::int64_t>(v)) * kS);
  for (std::uint64_t v = 100; v < 150; ++v) Pass(v, "GCPD/A", "GCPD/C", t, 600 * kS);
  const std::vector<NextCamera> next = model_.Next("GCPD/A", t + kHour);
  ASSERT_EQ(next.size(), 2u);
  EXPECT_EQ(next[0].camera, "GCPD/B");
  EXPECT_NEAR(next[0].p, 2.0 / 3, 0.01);
  EXPECT_EQ(next[1].camera, "GCPD/C");
  EXPECT_NEAR(next[1].p, 1.0 / 3, 0.01);
  // Travel times 200-398 s, evenly: p10 ~220 s, p50 ~300 s, p90 ~380 s, to a
  // bin's width (25 %).
  EXPECT_NEAR(Seconds(next[0].p10_ms), 220, 0.25 * 220);
  EXPECT_NEAR(Seconds(next[0].p50_ms), 300, 0.25 * 300);
  EXPECT_NEAR(Seconds(next[0].p90_ms), 380, 0.25 * 380);
  EXPECT_LE(next[0].p10_ms, next[0].p50_ms);
  EXPECT_LE(next[0].p50_ms, next[0].p90_ms);
  EXPECT_NEAR(Seconds(next[1].p50_ms), 600, 0.25 * 600);
  EXPECT_TRUE(model_.Next("GCPD/B", t).empty()) << "nobody was seen to leave B";
  EXPECT_TRUE(model_.Next("GCPD/Z", t).empty()) << "an unknown camera";
}

TEST_F(MovementTest, WhatIsLearnedAtOneTimeOfDayAnswersForThatBandOnly) {
  for (std::uint64_t v = 0; v < 20; ++v) Pass(v, "A", "B", kMidnight + 8 * kHour, 300 * kS);
  EXPECT_EQ(model_.Next("A", kMidnight + 7 * kHour).size(), 1u) << "06-10, the same band";
  EXPECT_TRUE(model_.Next("A", kMidnight + 12 * kHour).empty()) << "10-15, another band";
  EXPECT_EQ(DayBand(0), 0);
  EXPECT_EQ(DayBand(9), 1);
  EXPECT_EQ(DayBand(14), 2);
  EXPECT_EQ(DayBand(18), 3);
  EXPECT_EQ(DayBand(23), 4);
}

TEST_F(MovementTest, UnsureReadsTooLongGapsImpossibleSpeedsAndLateReadsTeachNothing) {
  const std::int64_t t = kMidnight + 12 * kHour;
  Pass(1, "A", "B", t, 3 * kHour);     // past the two-hour window
  Pass(2, "A", "B", t, 300 * kS, 60);  // a doubtful plate
  // 10 km in 10 s: two vehicles (a misread), not one.
  model_.Observe(
      {{3, "NEAR", P(38.60, -90.20), t, 95}, {3, "FAR", P(38.69, -90.20), t + 10 * kS, 95}});
  // A read older than the plate's last one.
  model_.Observe({4, "X", std::nullopt, t, 95});
  model_.Observe({4, "Y", std::nullopt, t - 60 * kS, 95});
  EXPECT_TRUE(model_.Next("A", t).empty());
  EXPECT_TRUE(model_.Next("NEAR", t).empty());
  EXPECT_TRUE(model_.Next("X", t).empty());
  EXPECT_TRUE(model_.Next("Y", t).empty());
  const MovementModel::Stats s = model_.stats();
  EXPECT_EQ(s.learned, 0u);
  EXPECT_EQ(s.refused_confidence, 2u);
  EXPECT_EQ(s.refused_speed, 1u);
}

TEST_F(MovementTest, OldTransitionsFadeWithAWeekHalfLifeSoNewRoutesTakeOver) {
  const std::int64_t t = kMidnight + 12 * kHour;
  for (std::uint64_t v = 0; v < 40; ++v) Pass(v, "A", "OLD", t, 300 * kS);
  EXPECT_NEAR(model_.Next("A", t + 300 * kS)[0].weight, 40, 0.1);
  EXPECT_NEAR(model_.Next("A", t + 7 * kDay)[0].weight, 20, 0.1) << "a week: half";
  // Four weeks on, a road works detour: 10 vehicles now go to NEW.
  const std::int64_t later = t + 28 * kDay;
  for (std::uint64_t v = 100; v < 110; ++v) Pass(v, "A", "NEW", later, 300 * kS);
  const std::vector<NextCamera> next = model_.Next("A", later + kHour);
  ASSERT_EQ(next.size(), 2u);
  EXPECT_EQ(next[0].camera, "NEW") << "40 / 16 = 2.5 left of the old route";
  EXPECT_GT(next[0].p, 0.75);
}

TEST_F(MovementTest, ACameraKeepsItsSixteenMostTravelledSuccessorsAndForgetsIdlePlates) {
  const std::int64_t t = kMidnight + 12 * kHour;
  std::uint64_t v = 0;
  for (int k = 0; k < 16; ++k)
    for (int n = 0; n < 10; ++n) Pass(v++, "HUB", ("S" + std::to_string(k)).c_str(), t, 300 * kS);
  for (int k = 0; k < 40; ++k) Pass(v++, "HUB", ("RARE" + std::to_string(k)).c_str(), t, 300 * kS);
  const std::vector<NextCamera> next = model_.Next("HUB", t + kHour, 100);
  EXPECT_EQ(next.size(), 16u);
  int busy = 0;
  for (const NextCamera& n : next) busy += n.camera[0] == 'S';
  EXPECT_GE(busy, 15) << "the busy successors stay";
  EXPECT_GT(model_.stats().recent_plates, 0u);
  model_.Sweep(t + 3 * kHour);
  EXPECT_EQ(model_.stats().recent_plates, 0u) << "plates past the window are forgotten";
  EXPECT_GT(model_.stats().bytes, 0u);
}

TEST_F(MovementTest, AStopBetweenTwoReadsStartsANewDriveAndTeachesNothing) {
  const std::int64_t t = kMidnight + 12 * kHour;
  // 1.1 km in 30 minutes: the car parked between the two cameras.
  model_.Observe(
      {{1, "SHOP", P(38.60, -90.20), t, 95}, {1, "HOME", P(38.61, -90.20), t + 1'800 * kS, 95}});
  EXPECT_TRUE(model_.Next("SHOP", t).empty());
  EXPECT_EQ(model_.stats().stopped, 1u);
  EXPECT_EQ(model_.stats().learned, 0u);
}

TEST_F(MovementTest, TheCameraAVehicleCameFromPicksTheWayItGoesOn) {
  const std::int64_t t = kMidnight + 12 * kHour;
  // Through H both ways: 40 vehicles west to east, 40 east to west.
  for (std::uint64_t v = 0; v < 80; ++v) {
    const bool eastbound = v < 40;
    model_.Observe({{v, eastbound ? "W" : "E", std::nullopt, t, 95},
                    {v, "H", std::nullopt, t + 120 * kS, 95},
                    {v, eastbound ? "E" : "W", std::nullopt, t + 240 * kS, 95}});
  }
  const std::vector<NextCamera> any = model_.Next("H", t, 8);
  ASSERT_EQ(any.size(), 2u);
  EXPECT_NEAR(any[0].p, 0.5, 0.01) << "without the direction: either way";
  const std::vector<NextCamera> east = model_.Next("H", t, 8, "W");
  ASSERT_FALSE(east.empty());
  EXPECT_EQ(east[0].camera, "E");
  EXPECT_DOUBLE_EQ(east[0].p, 1.0) << "every vehicle from W went on to E";
  // A plate read at W, then at H (not yet learned): its way is known.
  model_.Observe({500, "W", std::nullopt, t + kHour, 95});
  EXPECT_EQ(model_.NextFor(500, "H", t + kHour + 120 * kS)[0].camera, "E");
  // ... and once H is learned too.
  model_.Observe({500, "H", std::nullopt, t + kHour + 120 * kS, 95});
  EXPECT_EQ(model_.NextFor(500, "H", t + kHour + 120 * kS)[0].camera, "E");
  EXPECT_NEAR(model_.NextFor(999, "H", t)[0].p, 0.5, 0.01) << "a plate not seen before";
  EXPECT_EQ(model_.stats().pairs, 2u);
}

TEST_F(MovementTest, TwoPassesAheadTheChancesMultiplyAndTheTimesAdd) {
  const std::int64_t t = kMidnight + 12 * kHour;
  // A -> B always (200 s); then from B, 6 in 10 go on to C and 4 to D (100 s).
  for (std::uint64_t v = 0; v < 50; ++v) {
    model_.Observe({{v, "A", std::nullopt, t, 95},
                    {v, "B", std::nullopt, t + 200 * kS, 95},
                    {v, v % 10 < 6 ? "C" : "D", std::nullopt, t + 300 * kS, 95}});
  }
  const std::vector<NextCamera> next = model_.Next("A", t);
  ASSERT_EQ(next.size(), 3u);
  EXPECT_EQ(next[0].camera, "B");
  EXPECT_EQ(next[0].hops, 1);
  EXPECT_EQ(next[1].camera, "C");
  EXPECT_EQ(next[1].hops, 2);
  EXPECT_EQ(next[1].via, "B");
  EXPECT_NEAR(next[1].p, 0.6, 0.01);
  EXPECT_NEAR(Seconds(next[1].p50_ms), 300, 0.25 * 300) << "200 s to B, then 100 s";
  EXPECT_EQ(next[1].via_p50_ms, next[0].p50_ms);
  EXPECT_NEAR(next[2].p, 0.4, 0.01);
}

TEST_F(MovementTest, ASavedModelRestoresToTheSameAnswersAndABadFileChangesNothing) {
  const std::int64_t t = kMidnight + 12 * kHour;
  for (std::uint64_t v = 0; v < 30; ++v) {
    model_.Observe({{v, "W", P(38.60, -90.30), t, 95},
                    {v, "H", P(38.60, -90.28), t + 120 * kS, 95},
                    {v, v % 3 ? "E" : "N", P(38.61, -90.26), t + 240 * kS, 95}});
  }
  const std::string bytes = model_.Serialize();
  MovementModel copy{MovementOptions{}, TimeZone::Utc()};
  ASSERT_TRUE(copy.Restore(bytes).ok());
  for (const char* from : {"W", "H"}) {
    const std::vector<NextCamera> a = model_.Next(from, t, 8, "W"), b = copy.Next(from, t, 8, "W");
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i].camera, b[i].camera);
      EXPECT_DOUBLE_EQ(a[i].p, b[i].p);
      EXPECT_EQ(a[i].p50_ms, b[i].p50_ms);
    }
  }
  EXPECT_EQ(copy.stats().pairs, model_.stats().pairs);
  EXPECT_EQ(copy.Serialize(), bytes) << "the same bytes again";

  // A flipped byte, a cut file, another file: refused, and the copy keeps
  // what it knew.
  std::string flipped = bytes;
  flipped[40] = static_cast<char>(flipped[40] ^ 0x20);
  Status st = copy.Restore(flipped);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("does not match"), std::string::npos) << st.message();
  EXPECT_EQ(copy.Restore(bytes.substr(0, bytes.size() / 2)).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(copy.Restore("not a model at all").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(copy.Next("H", t, 8, "W").front().camera, "E");

  test::TempDir dir;
  ASSERT_TRUE(model_.Save(dir.File("movement.bin")).ok());
  MovementModel loaded{MovementOptions{}, TimeZone::Utc()};
  ASSERT_TRUE(loaded.Load(dir.File("movement.bin")).ok());
  EXPECT_EQ(loaded.Serialize(), bytes);
  EXPECT_EQ(loaded.Load(dir.File("absent.bin")).code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace interdict::ops
