// Placebo calibration (methods.h, PlaceboGroups and Calibrate): the
// comparison areas as if they had had the program decide how far a model's
// interval must reach on real areas.
#include <gtest/gtest.h>

#include <cmath>

#include "outcomes/methods.h"

namespace interdict::outcomes {
namespace {

// Areas "0" … "n−1" with constant monthly counts `sizes`.
Panel Constant(const std::vector<double>& sizes, int months) {
  Panel p;
  p.first = 2015 * 12;
  p.months = months;
  for (std::size_t a = 0; a < sizes.size(); ++a) {
    p.areas.push_back(std::to_string(a));
    for (int t = 0; t < months; ++t) p.cells.push_back(sizes[a]);
  }
  return p;
}

TEST(CalibrationTest, PlaceboGroupsAreAsManyAreasOfAboutTheTreatedSize) {
  std::vector<double> sizes = {10};                  // area 0 treated
  for (int i = 1; i <= 60; ++i) sizes.push_back(i);  // areas of 1 … 60 a month
  const Panel p = Constant(sizes, 48);
  const Window w{0, 36, 48};
  std::vector<int> pool;
  for (int a = 1; a <= 60; ++a) pool.push_back(a);
  const std::vector<int> one = {0};
  const auto singles = PlaceboGroups(p, pool, one, w);
  ASSERT_EQ(singles.size(), 19u)
      << "the 16 areas of 5 … 20 a month, and 21, 22, 23 (closer than 4)";
  for (const auto& g : singles) {
    ASSERT_EQ(g.size(), 1u);
    EXPECT_GE(sizes[static_cast<std::size_t>(g[0])], 5);
    EXPECT_LE(sizes[static_cast<std::size_t>(g[0])], 23);
  }
  // Groups of three summing to about three areas of 10.
  const std::vector<int> three = {0, 10, 11};  // 10 + 10 + 11 = 31 a month
  const auto groups = PlaceboGroups(p, pool, three, w);
  ASSERT_EQ(groups.size(), 99u);
  for (const auto& g : groups) {
    ASSERT_EQ(g.size(), 3u);
    double sum = 0;
    for (int a : g) sum += sizes[static_cast<std::size_t>(a)];
    EXPECT_GE(sum, 31 / 2.0);
    EXPECT_LE(sum, 31 * 2.0);
  }
  EXPECT_EQ(PlaceboGroups(p, pool, three, w), groups) << "the same claim, the same groups";
}

TEST(CalibrationTest, AFewAreasOfTheSizeAreMadeUpToNineteenByTheClosest) {
  const std::vector<double> sizes = {100, 90, 5,  4,  3,  2,  1,  6,  7,  8,  9,
                                     10,  11, 12, 13, 14, 15, 16, 17, 18, 19, 20};
  const Panel p = Constant(sizes, 48);
  std::vector<int> pool;
  for (int a = 1; a < static_cast<int>(sizes.size()); ++a) pool.push_back(a);
  const std::vector<int> one = {0};
  const auto groups = PlaceboGroups(p, pool, one, Window{0, 36, 48});
  ASSERT_EQ(groups.size(), 19u);
  EXPECT_EQ(groups[0], std::vector<int>{1}) << "the closest first";
  for (const auto& g : groups)
    EXPECT_NE(sizes[static_cast<std::size_t>(g[0])], 1) << "the farthest left out";
}

Estimate Model(double coef) {
  Estimate e;
  e.coef = coef;
  e.effect_pct = 100 * std::expm1(coef);
  e.low_pct = 100 * std::expm1(coef - 0.1);
  e.high_pct = 100 * std::expm1(coef + 0.1);
  e.p_value = 0.001;
  return e;
}

TEST(CalibrationTest, PlaceboEffectsWidenTheIntervalAndRaiseThePValue) {
  // 25 placebos from −0.3 to +0.3: the interval reaches the extremes.
  std::vector<double> placebos;
  for (int i = 0; i < 25; ++i) placebos.push_back(-0.3 + 0.025 * i);
  Estimate e = Model(-0.21);
  ASSERT_TRUE(e.Significant()) << "the model alone";
  Calibrate(e, placebos);
  EXPECT_NEAR(*e.low_pct, 100 * std::expm1(-0.21 - 0.3), 1e-9);
  EXPECT_NEAR(*e.high_pct, 100 * std::expm1(-0.21 + 0.3), 1e-9);
  EXPECT_FALSE(e.Significant()) << "a placebo strays as far by chance";
  EXPECT_NEAR(*e.model_low_pct, 100 * std::expm1(-0.31), 1e-9);
  EXPECT_EQ(e.placebos, 25);
  EXPECT_NEAR(*e.p_value, 9.0 / 26, 1e-12) << "8 placebos at least 0.21 from 0, and itself";
  // Narrow placebos keep the model's interval.
  Estimate narrow = Model(-0.2);
  Calibrate(narrow, std::vector<double>(30, 0.01));
  EXPECT_NEAR(*narrow.low_pct, 100 * std::expm1(-0.3), 1e-9);
  EXPECT_TRUE(narrow.Significant());
}

TEST(CalibrationTest, WithFewerThanNineteenPlacebosThereIsNoInterval) {
  Estimate e = Model(-0.5);
  Calibrate(e, std::vector<double>(18, 0.0));
  EXPECT_FALSE(e.low_pct.has_value());
  EXPECT_FALSE(e.Significant());
  EXPECT_TRUE(e.model_low_pct.has_value()) << "the model's own kept for the record";
}

}  // namespace
}  // namespace interdict::outcomes
