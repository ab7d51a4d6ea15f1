#include "ops/intercept.h"

#include <algorithm>
#include <cmath>

#include <fmt/core.h>

namespace interdict::ops {
namespace {

std::int64_t FromNow(const InterceptRequest& r, std::int64_t travel_ms) {
  return (r.read_time + travel_ms - r.now) / 1000;
}

// The best camera for one unit given its travel seconds to each: the
// likeliest it beats the vehicle to (score p), or beats its likely arrival
// to (score p / 2). Nullopt when it reaches none in time.
std::optional<Suggestion> BestFor(const UnitState& u, const std::vector<PredictedCamera>& next,
                                  const std::vector<double>& eta_s) {
  std::optional<Suggestion> best;
  double best_score = 0;
  for (std::size_t i = 0; i < next.size(); ++i) {
    const PredictedCamera& c = next[i];
    double score = 0;
    std::string why;
    if (eta_s[i] <= static_cast<double>(c.earliest_s)) {
      score = c.p;
      why = fmt::format("reaches {} {:.0f} s before the vehicle's earliest likely arrival",
                        c.camera, static_cast<double>(c.earliest_s) - eta_s[i]);
    } else if (eta_s[i] <= static_cast<double>(c.likely_s)) {
      score = c.p / 2;
      why =
          fmt::format("reaches {} before the vehicle's likely arrival, not its earliest", c.camera);
    }
    const double margin = static_cast<double>(c.earliest_s) - eta_s[i];
    if (score > best_score ||
        (score > 0 && score == best_score && best && margin > best->margin_s)) {
      best_score = score;
      best = Suggestion{u.id, u.call_sign, u.kind, c.camera, c.at, eta_s[i], margin, score, why};
    }
  }
  return best;
}

}  // namespace

InterceptPlan PlanIntercept(const InterceptRequest& r, const RoadGraph* graph,
                            const InterceptRules& rules) {
  InterceptPlan plan;
  for (const NextCamera& n : r.next) {
    const std::optional<geo::Point> at = r.place ? r.place(n.camera) : std::nullopt;
    if (!at) continue;
    PredictedCamera c{
        n.camera, *at, n.p, FromNow(r, n.p10_ms), FromNow(r, n.p50_ms), FromNow(r, n.p90_ms)};
    if (c.latest_s <= 0) continue;  // it has been and gone
    plan.next.push_back(c);
  }
  std::vector<geo::Point> targets;
  for (const PredictedCamera& c : plan.next) targets.push_back(c.at);
  const GroundTimesTo ground(graph, rules.ground, targets);
  std::optional<Suggestion> best_aircraft, best_k9, best_medic;
  std::set<std::string> covered;
  for (const UnitState& u : r.units) {
    std::vector<double> eta;
    if (u.kind == "aircraft") {
      for (const geo::Point& t : targets) eta.push_back(AirSeconds(u.at, t, rules.aircraft_kmh));
    } else {
      eta = ground.From(u.at);
    }
    std::optional<Suggestion> s = BestFor(u, plan.next, eta);
    if (!s) continue;
    auto better = [](const std::optional<Suggestion>& a, const Suggestion& b) {
      return !a || b.p > a->p || (b.p == a->p && b.margin_s > a->margin_s);
    };
    if (u.kind == "aircraft") {
      if (better(best_aircraft, *s)) best_aircraft = s;
      continue;
    }
    if (u.kind == "k9" && better(best_k9, *s)) best_k9 = s;
    if (u.kind == "tactical_medic" && better(best_medic, *s)) best_medic = s;
    covered.insert(s->camera);
    plan.suggestions.push_back(std::move(*s));
  }
  std::sort(plan.suggestions.begin(), plan.suggestions.end(),
            [](const Suggestion& a, const Suggestion& b) {
              if (a.p != b.p) return a.p > b.p;
              if (a.margin_s != b.margin_s) return a.margin_s > b.margin_s;
              return a.call_sign < b.call_sign;
            });
  double total = 0;
  for (const PredictedCamera& c : plan.next) {
    total += c.p;
    if (covered.contains(c.camera)) plan.ground_coverage += c.p;
  }
  if (total > 0) plan.ground_coverage /= total;

  if (rules.aircraft_kinds.contains(r.list_kind)) {
    plan.aircraft = {
        true, fmt::format("the agency's rules call for the aircraft on {} entries", r.list_kind),
        best_aircraft};
  } else if (!plan.next.empty() && plan.ground_coverage < rules.aircraft_below_coverage) {
    plan.aircraft = {true,
                     fmt::format("ground units can reach {:.0f} % of where the vehicle is likely "
                                 "to go before it",
                                 100 * plan.ground_coverage),
                     best_aircraft};
  }
  if (rules.k9_kinds.contains(r.list_kind))
    plan.k9 = {true,
               fmt::format("the agency's rules call for a K-9 team on {} entries", r.list_kind),
               best_k9};
  if (rules.medic_kinds.contains(r.list_kind))
    plan.medic = {
        true,
        fmt::format("the agency's rules call for a tactical medic on {} entries", r.list_kind),
        best_medic};
  return plan;
}

}  // namespace interdict::ops
