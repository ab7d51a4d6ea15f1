// Every estimate against Debian's statsmodels and scipy on the same data
// (decision 0043): tests/support/outcomes_referee.py fits the simulated panel
// from formulas of its own, and the estimates must agree to the stated
// tolerance.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <fstream>

#include "base/json.h"
#include "outcomes/methods.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "unit/outcomes/simulated.h"

namespace interdict::outcomes {
namespace {

// Coefficients to 1e-6 and standard errors to 1e-5, relative: both fit
// to deviance changes below 1e-10, so the rest is rounding.
constexpr double kCoefTolerance = 1e-6;
constexpr double kSeTolerance = 1e-5;

class RefereeTest : public ::testing::Test {
 protected:
  // The referee's answer for `mode` on the panel's window.
  rapidjson::Document Referee(const std::string& mode, const Panel& p, const Window& w,
                              int treated) {
    const std::string path = dir_.File("panel.csv");
    std::ofstream out(path);
    out << "unit,month,y,treated\n";
    for (int a = 0; a < static_cast<int>(p.areas.size()); ++a)
      for (int t = w.first; t < w.end; ++t)
        out << p.areas[static_cast<std::size_t>(a)] << ',' << t - w.first << ',' << p.At(a, t)
            << ',' << (a < treated ? 1 : 0) << '\n';
    out.close();
    const interdict::test::RunResult r = interdict::test::RunProgram(
        {"/usr/bin/python3", INTERDICT_SOURCE_DIR "/tests/support/outcomes_referee.py", mode, path,
         std::to_string(w.start - w.first), std::to_string((p.first + w.first) % 12)},
        std::chrono::seconds(120));
    EXPECT_EQ(r.code, 0) << "python3-statsmodels (scripts/deps.txt) must be installed: " << r.err;
    rapidjson::Document d;
    EXPECT_TRUE(json::Parse(r.out, &d).ok()) << r.out;
    return d;
  }
  interdict::test::TempDir dir_;
};

std::vector<int> Range(int from, int to) {
  std::vector<int> v;
  for (int i = from; i < to; ++i) v.push_back(i);
  return v;
}

TEST_F(RefereeTest, InterruptedTimeSeriesMatchesStatsmodelsPoissonWithNeweyWest) {
  const test::Simulation s{.effect = -0.2};
  const Panel p = test::Simulate(s, 11);
  const Window w{0, s.start, s.months};
  const std::vector<int> treated = Range(0, s.treated);
  const std::vector<double> y = p.Sum(treated);
  Result<ItsResult> its = InterruptedTimeSeries(y, s.start, p.first);
  ASSERT_TRUE(its.ok()) << its.status().message();
  const rapidjson::Document ref = Referee("its", p, w, s.treated);
  ASSERT_TRUE(ref.IsObject());
  EXPECT_NEAR(its->estimate.coef, ref["coef"].GetDouble(),
              kCoefTolerance * std::abs(ref["coef"].GetDouble()));
  EXPECT_NEAR(its->estimate.se, ref["se"].GetDouble(), kSeTolerance * ref["se"].GetDouble());
  // And a short series: no seasons under 24 months.
  const Window short_window{s.start - 12, s.start, s.start + 6};
  const std::vector<double> short_y(y.begin() + short_window.first, y.begin() + short_window.end);
  Result<ItsResult> short_its = InterruptedTimeSeries(short_y, 12, p.first + short_window.first);
  ASSERT_TRUE(short_its.ok()) << short_its.status().message();
  const rapidjson::Document short_ref = Referee("its", p, short_window, s.treated);
  EXPECT_NEAR(short_its->estimate.coef, short_ref["coef"].GetDouble(),
              kCoefTolerance * std::abs(short_ref["coef"].GetDouble()));
  EXPECT_NEAR(short_its->estimate.se, short_ref["se"].GetDouble(),
              kSeTolerance * short_ref["se"].GetDouble());
}

TEST_F(RefereeTest, DifferenceInDifferencesMatchesStatsmodelsWithDriscollKraay) {
  const test::Simulation s{.areas = 12, .effect = -0.15};
  Panel p = test::Simulate(s, 12);
  p.At(5, 3) = 0;  // an area-month without events stays in
  const Window w{12, s.start, s.months};
  Result<DidResult> did =
      DifferenceInDifferences(p, Range(0, s.treated), Range(s.treated, s.areas), w);
  ASSERT_TRUE(did.ok()) << did.status().message();
  const rapidjson::Document ref = Referee("did", p, w, s.treated);
  ASSERT_TRUE(ref.IsObject());
  EXPECT_NEAR(did->estimate.coef, ref["coef"][0].GetDouble(),
              kCoefTolerance * std::abs(ref["coef"][0].GetDouble()));
  EXPECT_NEAR(did->estimate.se, ref["se"][0].GetDouble(), kSeTolerance * ref["se"][0].GetDouble());
}

TEST_F(RefereeTest, EventStudyMatchesStatsmodelsYearByYearAndItsPretrendTest) {
  const test::Simulation s{.areas = 12, .effect = -0.15};
  const Panel p = test::Simulate(s, 13);
  const Window w{6, s.start, s.months};  // 54 months before: a partial first year
  Result<EventStudy> es = EventStudyByYear(p, Range(0, s.treated), Range(s.treated, s.areas), w);
  ASSERT_TRUE(es.ok()) << es.status().message();
  const rapidjson::Document ref = Referee("event", p, w, s.treated);
  ASSERT_TRUE(ref.IsObject());
  // Years −5 … 1, −1 the reference: six estimated.
  std::vector<const EventBin*> estimated;
  for (const EventBin& b : es->bins)
    if (b.year != -1) estimated.push_back(&b);
  ASSERT_EQ(estimated.size(), ref["coef"].Size());
  ASSERT_EQ(estimated.size(), 6u);
  for (std::size_t i = 0; i < estimated.size(); ++i) {
    const double coef = ref["coef"][static_cast<rapidjson::SizeType>(i)].GetDouble();
    EXPECT_NEAR(std::log1p(estimated[i]->effect_pct / 100), coef, 1e-6 * std::abs(coef) + 1e-9)
        << "year " << estimated[i]->year;
  }
  ASSERT_TRUE(es->pretrend_p.has_value());
  EXPECT_NEAR(*es->pretrend_p, ref["pretrend_p"].GetDouble(), 1e-4);
}

TEST_F(RefereeTest, SyntheticControlMatchesScipySlsqpOnTheSimplex) {
  const test::Simulation s{.areas = 25, .effect = -0.25};
  const Panel p = test::Simulate(s, 14);
  const Window w{0, s.start, s.months};
  Result<SyntheticResult> sc =
      SyntheticControl(p, Range(0, s.treated), Range(s.treated, s.areas), w);
  ASSERT_TRUE(sc.ok()) << sc.status().message();
  const rapidjson::Document ref = Referee("synthetic", p, w, s.treated);
  ASSERT_TRUE(ref.IsObject());
  // Both find the least-squares optimum on the simplex: the fit's error to
  // 1e-4 of itself, and so the effect to 1e-3 on the log scale.
  EXPECT_NEAR(sc->pre_rmspe_pct / 100, ref["pre_rmspe"].GetDouble(),
              1e-4 * ref["pre_rmspe"].GetDouble());
  EXPECT_NEAR(sc->estimate.coef, ref["effect_log"].GetDouble(), 1e-3);
  double total = 0;
  for (const auto& [area, weight] : sc->weights) {
    EXPECT_GE(area, s.treated) << "a donor, never a treated area";
    EXPECT_GT(weight, 0);
    total += weight;
  }
  EXPECT_NEAR(total, 1, 0.01);
  EXPECT_EQ(sc->placebo_effects_pct.size(), 99u) << "99 groups of three donors";
}

}  // namespace
}  // namespace interdict::outcomes
