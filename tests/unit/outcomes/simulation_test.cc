// The methods recover planted effects (issue 26, "Proven, not asserted"):
// over many simulated regions, each 95 % interval holds the truth about 95 %
// of the time, a program without effect is "significant" about 5 % of the
// time, and a start after a spike is warned of. The bands are wide enough
// for the simulation's own chance (binomial, 200 runs: ±3 points is 2 sd).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "outcomes/evaluate.h"
#include "outcomes/methods.h"
#include "unit/outcomes/simulated.h"

namespace interdict::outcomes {
namespace {

constexpr int kRuns = 200;

struct Tally {
  int runs = 0, covered = 0, significant = 0;
  double Coverage() const { return static_cast<double>(covered) / runs; }
  double Rejection() const { return static_cast<double>(significant) / runs; }
  void Add(const Estimate& e, double truth_pct) {
    ++runs;
    if (e.low_pct && e.high_pct && *e.low_pct <= truth_pct && truth_pct <= *e.high_pct) ++covered;
    if (e.Significant()) ++significant;
  }
};

std::vector<int> Range(int from, int to) {
  std::vector<int> v;
  for (int i = from; i < to; ++i) v.push_back(i);
  return v;
}

struct Tallies {
  Tally its, did, synthetic;
};

Tallies RunMany(const test::Simulation& s, std::uint64_t first_seed) {
  Tallies t;
  const double truth = 100 * std::expm1(s.effect);
  const Window w{0, s.start, s.months};
  const std::vector<int> treated = Range(0, s.treated), others = Range(s.treated, s.areas);
  for (int run = 0; run < kRuns; ++run) {
    const Panel p = test::Simulate(s, first_seed + static_cast<std::uint64_t>(run));
    Result<ItsResult> its = InterruptedTimeSeries(p.Sum(treated), s.start, p.first);
    Result<DidResult> did = DifferenceInDifferences(p, treated, others, w);
    Result<SyntheticResult> sc = SyntheticControl(p, treated, others, w);
    EXPECT_TRUE(its.ok() && did.ok() && sc.ok()) << "run " << run;
    if (its.ok()) t.its.Add(its->estimate, truth);
    if (did.ok()) t.did.Add(did->estimate, truth);
    if (sc.ok()) t.synthetic.Add(sc->estimate, truth);
  }
  return t;
}

TEST(SimulationTest, IntervalsHoldAPlantedEffectAtAboutTheirNominalRate) {
  const Tallies t = RunMany(test::Simulation{.effect = std::log(0.8)}, 1000);  // a fifth fewer
  EXPECT_GE(t.its.Coverage(), 0.90) << "interrupted time series";
  EXPECT_LE(t.its.Coverage(), 0.99);
  EXPECT_GE(t.did.Coverage(), 0.90) << "difference-in-differences";
  EXPECT_LE(t.did.Coverage(), 0.99);
  // Placebos are single areas, noisier than the treated three together: the
  // synthetic control's interval is conservative by design.
  EXPECT_GE(t.synthetic.Coverage(), 0.90) << "synthetic control";
  // And a fifth is found far more often than not.
  EXPECT_GE(t.did.Rejection(), 0.8);
  std::printf(
      "coverage of a planted -20 %%: its %.3f, did %.3f, synthetic %.3f; found: its %.3f, did "
      "%.3f, synthetic %.3f\n",
      t.its.Coverage(), t.did.Coverage(), t.synthetic.Coverage(), t.its.Rejection(),
      t.did.Rejection(), t.synthetic.Rejection());
}

TEST(SimulationTest, AProgramWithoutEffectIsSignificantAboutOneTimeInTwenty) {
  const Tallies t = RunMany(test::Simulation{.effect = 0}, 5000);
  std::printf("significant without effect: its %.3f, did %.3f, synthetic %.3f\n", t.its.Rejection(),
              t.did.Rejection(), t.synthetic.Rejection());
  EXPECT_LE(t.its.Rejection(), 0.10) << "interrupted time series";
  EXPECT_LE(t.did.Rejection(), 0.10) << "difference-in-differences";
  EXPECT_LE(t.synthetic.Rejection(), 0.10) << "synthetic control";
  // Not so timid that nothing is ever found.
  EXPECT_GE(t.did.Rejection() + t.its.Rejection(), 0.01);
}

TEST(SimulationTest, AStartAfterASpikeIsWarnedOfAndAStartWithoutOneRarely) {
  int warned_after_spike = 0, warned_without = 0;
  for (int run = 0; run < 100; ++run) {
    for (const double spike : {0.4, 0.0}) {
      const Panel p = test::Simulate(test::Simulation{.effect = 0, .spike = spike},
                                     9000 + static_cast<std::uint64_t>(run));
      Claim claim;
      claim.areas = {"1", "2", "3"};
      claim.start = p.first + 60;
      claim.claimed_pct = -30;
      claim.area_kind = "";
      Result<Evaluation> e = Evaluate(p, claim);
      ASSERT_TRUE(e.ok()) << e.status().message();
      const bool warned = std::any_of(e->warnings.begin(), e->warnings.end(),
                                      [](const Warning& w) { return w.code == "pre_spike"; });
      (spike > 0 ? warned_after_spike : warned_without) += warned ? 1 : 0;
    }
  }
  std::printf("pre_spike warned: after a spike %d of 100, without %d of 100\n", warned_after_spike,
              warned_without);
  EXPECT_GE(warned_after_spike, 90);
  EXPECT_LE(warned_without, 10);
}

// Areas that drift apart, as real neighbourhoods do (each its own trend):
// the models' own intervals call a program without effect significant far
// too often; calibrated by placebo programs (Evaluate) they do not.
TEST(SimulationTest, PlaceboCalibrationKeepsFalseAlarmsDownWhereAreasDriftApart) {
  int runs = 0, model_alarms = 0, calibrated_alarms = 0;
  for (int run = 0; run < 100; ++run) {
    const Panel p =
        test::Simulate(test::Simulation{.areas = 40, .treated = 1, .effect = 0, .trend_sd = 0.08},
                       7000 + static_cast<std::uint64_t>(run));
    Claim claim;
    claim.areas = {"1"};
    claim.start = p.first + 60;
    claim.area_kind = "";
    Result<Evaluation> e = Evaluate(p, claim);
    ASSERT_TRUE(e.ok()) << e.status().message();
    for (const Estimate& est : e->estimates) {
      if (est.method != "its" && est.method != "did") continue;
      ++runs;
      if (est.model_low_pct && (*est.model_low_pct > 0 || *est.model_high_pct < 0)) ++model_alarms;
      if (est.Significant()) ++calibrated_alarms;
    }
  }
  std::printf("drifting areas, false alarms of its and did: models %d of %d, calibrated %d\n",
              model_alarms, runs, calibrated_alarms);
  EXPECT_GE(model_alarms, runs / 5) << "the models alone are fooled";
  EXPECT_LE(calibrated_alarms, runs / 10);
}

}  // namespace
}  // namespace interdict::outcomes
