// Placebo programs (docs/outcomes.md, "Worked example"): programs that never
// happened, at random areas and start months of real data, each evaluated
// as a claim would be. How often a naive before/after comparison shows a big
// drop, and how often the adjusted methods support it, is the measure of
// what such claims are worth — and of the methods' false alarms.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "base/status.h"
#include "outcomes/series.h"

namespace interdict::outcomes {

struct PlaceboStudyOptions {
  int runs = 200;
  std::uint64_t seed = 1;
  int pre_months = 60, post_months = 24;
  int min_pre_months = 36, min_post_months = 12;  // where a start may fall
  double min_per_month = 5;   // areas with at least this many events a month before
  double big_drop_pct = -40;  // what counts as a claim-worthy naive drop
  std::string area_kind = "neighborhoods";
  std::string category;  // for the report
};

struct PlaceboStudyResult {
  int runs = 0, failed = 0;
  int big_naive_drops = 0;                       // naive ≤ big_drop_pct
  std::map<std::string, int> verdicts_of_drops;  // their verdicts, the naive figure claimed
  std::map<std::string, int> significant;        // by method: a significant effect (a false alarm)
  std::map<std::string, int> evaluated;          // by method: estimates with an interval
  std::map<std::string, int> warned;             // by warning code
  std::vector<double> naive;                     // every run's naive change, %
};

// Runs the study on `panel`; `progress(done, runs)` after each run returns
// false to stop early (the result then holds the runs done).
Result<PlaceboStudyResult> RunPlaceboStudy(const Panel& panel, const PlaceboStudyOptions& options,
                                           const std::function<bool(int, int)>& progress = {});

std::string PlaceboStudyJson(const PlaceboStudyResult& r, const PlaceboStudyOptions& options);

}  // namespace interdict::outcomes
