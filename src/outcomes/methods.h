// The methods of an evaluation (docs/outcomes.md, "Methods"): interrupted
// time series, difference-in-differences with its event study, and synthetic
// control with in-space placebos. Each says what the program did to one
// category's monthly counts as a percentage with a 95 % interval.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "outcomes/series.h"

namespace interdict::outcomes {

// Months as indices into a panel: the evaluation uses [first, end), and the
// program started at `start` (first < start < end).
struct Window {
  int first = 0, start = 0, end = 0;
  int pre() const { return start - first; }
  int post() const { return end - start; }
};

struct Estimate {
  std::string method;     // its, did, synthetic, displacement
  double effect_pct = 0;  // 100 (e^b − 1): −20 is a fifth fewer than without the program
  std::optional<double> low_pct, high_pct;  // the 95 % interval; none when it cannot be had
  std::optional<double> p_value;            // of no effect
  double coef = 0, se = 0;                  // on the log scale (its, did, displacement)
  // The model's own interval and p-value, before Calibrate widened them.
  std::optional<double> model_low_pct, model_high_pct, model_p_value;
  int placebos = 0;  // the placebo programs the interval was calibrated with
  bool Significant() const { return low_pct && high_pct && (*low_pct > 0 || *high_pct < 0); }
};

// Placebo programs among `pool` like the program: groups of as many pool
// areas as are treated whose summed monthly mean before the start is within
// a factor of 2 of the treated areas' (so chance and each area's own drift
// move them about as much), up to `max_groups` distinct ones — every single
// area when one is treated (at least the 19 closest in size), else groups
// drawn at random with a fixed seed (the same claim, the same groups), the
// factor relaxed until 19 are found.
std::vector<std::vector<int>> PlaceboGroups(const Panel& panel, std::span<const int> pool,
                                            std::span<const int> treated, const Window& w,
                                            std::size_t max_groups = 99);

// Calibrates a model's estimate by the log effects the same method finds for
// placebo programs (Conley and Taber 2011): areas that did not get the
// program show how far the method strays by chance where nothing happened.
// The interval becomes the wider of the model's and b less the placebos'
// bounds (PlaceboBounds), the p-value the larger of the model's and the
// placebos' rank. With fewer than 19 placebos the estimate keeps no interval
// (the model's alone is not to be trusted on real areas).
void Calibrate(Estimate& e, std::vector<double> placebo_logs);

struct ItsResult {
  Estimate estimate;
  std::vector<double> counterfactual;  // the same without the step
  std::vector<double> low, high;       // the counterfactual's 95 % band
  double dispersion = 0;               // Pearson χ² / (n − k): 1 is Poisson
  int lags = 0;
};

// Interrupted time series of one series (`y`: the window's months, the
// program from index `start`): Poisson regression on a level, a linear trend,
// the calendar month (from 24 months on) and a step at the start, with
// Newey–West standard errors (n / (n − k) corrected, t with n − k degrees of
// freedom). `first_month` places the calendar months.
Result<ItsResult> InterruptedTimeSeries(std::span<const double> y, int start, Month first_month);

// The log effects interrupted time series finds in each placebo group's
// summed series at the same start.
std::vector<double> ItsPlacebos(const Panel& panel, const std::vector<std::vector<int>>& groups,
                                const Window& w);

struct DidResult {
  Estimate estimate;
  int units = 0, periods = 0;
};

// Difference-in-differences over the panel's window: Poisson regression with
// an effect per area and per month and a step for the treated areas after
// the start; Driscoll–Kraay standard errors (t with T − 1 degrees of
// freedom). Areas without events in the window and months without events in
// any area are left out (they carry no information).
Result<DidResult> DifferenceInDifferences(const Panel& panel, std::span<const int> treated,
                                          std::span<const int> comparison, const Window& w);

// The log effects difference-in-differences finds for each placebo group
// against the rest of `pool`, as the log ratio of the groups' summed counts
// after and before the start (which the Poisson fit's estimate equals up to
// the weighting of months), so that a hundred placebos cost little.
std::vector<double> DidPlacebos(const Panel& panel, const std::vector<std::vector<int>>& groups,
                                std::span<const int> pool, const Window& w);

struct EventBin {
  int year = 0;  // years from the start: −1 is the reference year before it
  double effect_pct = 0;
  std::optional<double> low_pct, high_pct;
  bool reference = false;  // the year the others are measured from (0 by definition)
};

struct EventStudy {
  std::vector<EventBin> bins;
  std::optional<double> pretrend_p;  // the joint test that every year before −1 is 0
  int pretrend_df = 0;
};

// The event-study view of the same regression: the step replaced by an
// effect per year from the start (12-month bins; the year before the start
// the reference), so anyone can see whether treated and comparison areas
// moved in parallel before it.
Result<EventStudy> EventStudyByYear(const Panel& panel, std::span<const int> treated,
                                    std::span<const int> comparison, const Window& w);

// Calibrates the event study as Calibrate does an estimate: each year's
// interval by the placebo groups' year-by-year log ratios (the group's count
// in the year over the reference year's, against the rest of `pool`'s), and
// the pre-trend test by the rank of the treated areas' sum of squared
// pre-start log ratios among the placebos' (the larger p-value kept).
void CalibrateEventStudy(EventStudy& es, const Panel& panel, std::span<const int> treated,
                         std::span<const int> pool, const std::vector<std::vector<int>>& groups,
                         const Window& w);

struct SyntheticResult {
  Estimate estimate;
  std::vector<std::pair<int, double>> weights;  // donor area, weight (≥ 0.001 shown)
  std::vector<double> synthetic;                // per month of the window
  double pre_rmspe_pct = 0;                     // the pre-period's fit, % of its mean
  std::vector<double> placebo_effects_pct;      // each donor in turn as the treated one
  int donors = 0;
};

// Synthetic control: the treated areas' sum and each donor scaled to its
// pre-period mean; weights ≥ 0 summing to 1 (NLopt's SLSQP) fit the
// pre-period; the effect is the post-period's actual over synthetic counts.
// Inference by in-space placebos (PlaceboGroups of the donors, as many areas
// as are treated): the p-value is the treated ratio of post- to pre-period
// fit error ranked among the placebos' (Abadie et al. 2010); the interval is
// the effect's log less the placebos' 2.5 and 97.5 % quantiles (19 placebos
// at least). Donors with fewer than 2 events a month before the start are
// left out. Placebos are fitted on two threads.
Result<SyntheticResult> SyntheticControl(const Panel& panel, std::span<const int> treated,
                                         std::span<const int> donors, const Window& w);

struct SpikeCheck {
  double actual = 0, expected = 0;  // the last `recent` months before the start
  double z = 0;                     // (actual − expected) / √(dispersion · expected)
};

// Whether the start came after a spike: the trend and season of the months
// before the last `recent` ones, carried forward, against those months.
// InvalidArgument with fewer than 12 months to learn from.
Result<SpikeCheck> PreStartSpike(std::span<const double> y, int start, Month first_month,
                                 int recent = 6);

// The 95 % two-sided quantile of Student's t (the normal's beyond 1,000
// degrees of freedom).
double TQuantile975(int df);

}  // namespace interdict::outcomes
