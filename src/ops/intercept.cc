#include "ops/intercept.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <string_view>

#include <fmt/core.h>

namespace interdict::ops {
namespace {

std::int64_t FromNow(const InterceptRequest& r, std::int64_t travel_ms) {
  return (r.read_time + travel_ms - r.now) / 1000;
}

// A leg of a predicted path: a straight line from the camera before (the
// hit's, or the one between) to a predicted camera, with the vehicle's
// arrival times at both ends (seconds from now).
struct Leg {
  std::size_t next = 0;  // index into plan.next
  geo::Point from, to;
  double p = 0;
  // The first pass of its path (the leg's own camera, or the one between)
  // and that pass's chance: a two-pass leg is a part of its first pass's
  // chance, and is not counted on top of it.
  std::string root;
  double root_p = 0;
  bool second = false;
  double from_earliest = 0, from_likely = 0, to_earliest = 0, to_likely = 0;
};

// A point where a unit could wait, and the legs that pass it: a vehicle on
// any of them passes it.
struct PathPoint {
  std::size_t leg = 0;  // the leg it was made on
  geo::Point at;
  double along = 1;
  struct On {
    const Leg* leg = nullptr;
    double earliest_s = 0, likely_s = 0;  // the vehicle's arrival there on that leg
  };
  std::vector<On> on;
};

constexpr double kAlong[] = {1.0 / 3, 2.0 / 3, 1.0};
// Where `x` falls along the leg (0..1) and how far from its line, in metres.
std::pair<double, double> Project(const Leg& leg, const geo::Point& x) {
  const geo::LocalPlane plane(leg.from);
  const geo::LocalPlane::Xy b = plane.ToMetres(leg.to), u = plane.ToMetres(x);
  const double len2 = b.x * b.x + b.y * b.y;
  const double f = len2 > 0 ? std::clamp((u.x * b.x + u.y * b.y) / len2, 0.0, 1.0) : 1.0;
  return {f, std::hypot(f * b.x - u.x, f * b.y - u.y)};
}

// The best point for one unit given its travel seconds to each: the most
// likely to be passed after the unit is there. A leg counts fully when the
// unit beats the vehicle's earliest likely arrival, half when only its
// likely one. Nullopt when it reaches none in time.
std::optional<Suggestion> BestFor(const UnitState& u, const std::vector<PredictedCamera>& next,
                                  const std::vector<Leg>& legs,
                                  const std::vector<PathPoint>& points,
                                  const std::vector<double>& eta_s) {
  std::optional<Suggestion> best;
  double best_score = 0;
  for (std::size_t i = 0; i < points.size(); ++i) {
    const PathPoint& pt = points[i];
    // By first pass: its own leg's credit, or its second passes' together
    // (never more than the first pass's chance).
    std::map<std::string_view, std::pair<double, double>> by_root;
    bool early = false;
    for (const PathPoint::On& on : pt.on) {
      double credit = 0;
      if (eta_s[i] <= on.earliest_s) {
        credit = on.leg->p;
        early = true;
      } else if (eta_s[i] <= on.likely_s) {
        credit = on.leg->p / 2;
      }
      auto& [first, second] = by_root[on.leg->root];
      (on.leg->second ? second : first) += credit;
    }
    double score = 0;
    for (const auto& entry : by_root) {  // not a structured binding: clang 14 cannot capture one
      const std::string_view root = entry.first;
      const auto& [own, seconds] = entry.second;
      const double root_p = std::find_if(legs.begin(), legs.end(), [&](const Leg& l) {
                              return l.root == root;
                            })->root_p;
      score += std::max(own, std::min(root_p, seconds));
    }
    score = std::min(1.0, score);
    if (score <= 0) continue;
    const PredictedCamera& c = next[legs[pt.leg].next];
    const double margin = pt.on.front().earliest_s - eta_s[i];
    if (score > best_score || (score == best_score && best && margin > best->margin_s)) {
      best_score = score;
      const std::string where =
          pt.along >= 1 ? c.camera
                        : fmt::format("the way to {} ({:.0f} % along)", c.camera, 100 * pt.along);
      std::string why =
          early ? fmt::format("reaches {} {:.0f} s before the vehicle's earliest likely arrival",
                              where, margin)
                : fmt::format("reaches {} before the vehicle's likely arrival, not its earliest",
                              where);
      if (pt.on.size() > 1) why += fmt::format("; {} of the likely paths pass there", pt.on.size());
      best = Suggestion{u.id,     u.call_sign, u.kind, c.camera, pt.at,
                        pt.along, eta_s[i],    margin, score,    why};
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
  // The legs of the paths, and points on them.
  std::vector<Leg> legs;
  const std::optional<geo::Point> read_at = r.place ? r.place(r.camera) : std::nullopt;
  const double since_read = static_cast<double>(r.read_time - r.now) / 1000.0;
  for (std::size_t i = 0; i < plan.next.size(); ++i) {
    const PredictedCamera& c = plan.next[i];
    const NextCamera& n = *std::find_if(r.next.begin(), r.next.end(),
                                        [&](const NextCamera& x) { return x.camera == c.camera; });
    Leg leg;
    leg.next = i;
    leg.from = leg.to = c.at;
    leg.p = c.p;
    leg.to_earliest = static_cast<double>(c.earliest_s);
    leg.to_likely = static_cast<double>(c.likely_s);
    leg.second = n.hops > 1;
    leg.root = leg.second ? n.via : c.camera;
    leg.root_p = c.p;
    if (leg.second) {
      const auto root = std::find_if(r.next.begin(), r.next.end(),
                                     [&](const NextCamera& x) { return x.camera == n.via; });
      leg.root_p = root != r.next.end() ? root->p : 1.0;
    }
    const std::optional<geo::Point> from = n.hops > 1 && r.place ? r.place(n.via) : read_at;
    if (from) leg.from = *from;
    leg.from_earliest = since_read + (n.hops > 1 ? static_cast<double>(n.via_p10_ms) / 1000 : 0);
    leg.from_likely = since_read + (n.hops > 1 ? static_cast<double>(n.via_p50_ms) / 1000 : 0);
    legs.push_back(leg);
  }
  std::vector<PathPoint> points;
  for (std::size_t j = 0; j < legs.size(); ++j) {
    for (double f : kAlong) {
      if (f < 1 && legs[j].from == legs[j].to) continue;
      PathPoint pt{j, geo::Interpolate(legs[j].from, legs[j].to, f), f, {}};
      // Its own leg first, then the others that pass within reach of it.
      auto on = [&](const Leg& leg, double along) {
        return PathPoint::On{&leg,
                             leg.from_earliest + along * (leg.to_earliest - leg.from_earliest),
                             leg.from_likely + along * (leg.to_likely - leg.from_likely)};
      };
      pt.on.push_back(on(legs[j], f));
      if (pt.on.front().likely_s <= 0) continue;  // the vehicle is past it
      for (std::size_t k = 0; k < legs.size(); ++k) {
        if (k == j) continue;
        const auto [along, off_m] = Project(legs[k], pt.at);
        if (off_m > rules.on_path_m) continue;
        const PathPoint::On o = on(legs[k], along);
        if (o.likely_s > 0) pt.on.push_back(o);
      }
      points.push_back(std::move(pt));
    }
  }
  std::vector<geo::Point> targets;
  for (const PathPoint& pt : points) targets.push_back(pt.at);
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
    std::optional<Suggestion> s = BestFor(u, plan.next, legs, points, eta);
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
