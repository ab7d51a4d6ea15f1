#include "outcomes/placebo_study.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "base/json_writer.h"
#include "outcomes/evaluate.h"

namespace interdict::outcomes {

Result<PlaceboStudyResult> RunPlaceboStudy(const Panel& panel, const PlaceboStudyOptions& o,
                                           const std::function<bool(int, int)>& progress) {
  if (o.runs < 1 || o.runs > 100'000) return Status::InvalidArgument("runs: 1 to 100,000");
  const int first_start = o.min_pre_months, last_start = panel.months - o.min_post_months;
  if (first_start >= last_start)
    return Status::InvalidArgument("the data are too short for the pre- and post-periods asked");
  // Areas with enough events before the earliest start to be worth a claim.
  std::vector<int> eligible;
  for (int a = 0; a < static_cast<int>(panel.areas.size()); ++a) {
    double total = 0;
    for (int t = 0; t < panel.months; ++t) total += panel.At(a, t);
    if (total / panel.months >= o.min_per_month) eligible.push_back(a);
  }
  if (eligible.empty()) return Status::InvalidArgument("no area has enough events a month");
  std::mt19937_64 rng(o.seed);
  std::uniform_int_distribution<std::size_t> area(0, eligible.size() - 1);
  std::uniform_int_distribution<int> start(first_start, last_start);
  PlaceboStudyResult r;
  for (int run = 0; run < o.runs; ++run) {
    Claim claim;
    claim.areas = {panel.areas[static_cast<std::size_t>(eligible[area(rng)])]};
    claim.start = panel.first + start(rng);
    claim.pre_months = o.pre_months;
    claim.post_months = o.post_months;
    claim.area_kind = o.area_kind;
    ++r.runs;
    Result<Evaluation> e = Evaluate(panel, claim);
    if (!e.ok()) {
      ++r.failed;
    } else {
      for (const Estimate& est : e->estimates) {
        if (!est.low_pct || !est.high_pct) continue;
        ++r.evaluated[est.method];
        if (est.Significant()) ++r.significant[est.method];
      }
      for (const Warning& w : e->warnings) ++r.warned[w.code];
      if (e->naive_change_pct) r.naive.push_back(*e->naive_change_pct);
      if (e->naive_change_pct && *e->naive_change_pct <= o.big_drop_pct) {
        ++r.big_naive_drops;
        ++r.verdicts_of_drops[e->verdict];
      }
    }
    if (progress && !progress(run + 1, o.runs)) break;
  }
  return r;
}

std::string PlaceboStudyJson(const PlaceboStudyResult& r, const PlaceboStudyOptions& o) {
  auto rate = [](int n, int of) { return of > 0 ? std::round(1000.0 * n / of) / 1000 : 0.0; };
  return json::Write([&](json::Writer& w) {
    w.StartObject();
    json::Members(w, "category", o.category, "runs", r.runs, "failed", r.failed, "seed", o.seed,
                  "big_drop_pct", o.big_drop_pct, "big_naive_drops", r.big_naive_drops,
                  "big_naive_drop_rate", rate(r.big_naive_drops, r.runs));
    // How often the naive figure alone shows a drop of 20, 30, 40 % or more.
    json::Key(w, "naive_drop_rates");
    w.StartObject();
    for (const int drop : {10, 20, 30, 40}) {
      const auto n =
          std::count_if(r.naive.begin(), r.naive.end(), [&](double v) { return v <= -drop; });
      json::Members(w, fmt::format("{}", -drop),
                    rate(static_cast<int>(n), static_cast<int>(r.naive.size())));
    }
    w.EndObject();
    json::Key(w, "verdicts_of_big_drops");
    w.StartObject();
    for (const auto& [verdict, n] : r.verdicts_of_drops) json::Members(w, verdict, n);
    w.EndObject();
    json::Key(w, "false_alarm_rate");
    w.StartObject();
    for (const auto& [method, n] : r.evaluated) {
      const auto it = r.significant.find(method);
      json::Members(w, method, rate(it == r.significant.end() ? 0 : it->second, n));
    }
    w.EndObject();
    json::Key(w, "warnings");
    w.StartObject();
    for (const auto& [code, n] : r.warned) json::Members(w, code, n);
    w.EndObject();
    w.EndObject();
  });
}

}  // namespace interdict::outcomes
