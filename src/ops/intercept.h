// Where to stage units ahead of a vehicle a hit found (docs/format/units.md,
// "A hit's operations"; decision 0039): the cameras it is likely to pass
// next with their arrival windows, and for each available unit the camera
// it can reach before the vehicle, ranked. Interdict suggests staging ahead
// of the vehicle, never a pursuit.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "geo/geo.h"
#include "ops/movement.h"
#include "ops/roads.h"

namespace interdict::ops {

struct UnitState {
  std::int64_t id = 0;
  std::string call_sign, kind;  // kind as in kUnitKinds
  geo::Point at;                // its newest position
};

// The agency's rules for what else a hit calls for, by the entry's NCIC file
// kind ("V" stolen vehicle, "W" wanted person, …).
struct InterceptRules {
  std::set<std::string> aircraft_kinds;  // always suggest the aircraft for these
  std::set<std::string> k9_kinds;        // suggest a K-9 team
  std::set<std::string> medic_kinds;     // suggest a tactical medic
  // Suggest the aircraft too when the ground units' suggestions cover less
  // than this share of where the vehicle is likely to go.
  double aircraft_below_coverage = 0.5;
  // A vehicle on a predicted path passes a unit waiting this close to it.
  double on_path_m = 300;
  double aircraft_kmh = 200;
  TravelModel ground;
};

struct InterceptRequest {
  std::string camera;          // the hit's camera
  std::int64_t read_time = 0;  // when the vehicle passed it
  std::int64_t now = 0;
  std::string list_kind;
  std::vector<NextCamera> next;  // from the movement model
  // Where a camera stands; nullopt when unknown (it is then left out).
  std::function<std::optional<geo::Point>(const std::string& camera)> place;
  std::vector<UnitState> units;  // the available ones
};

struct PredictedCamera {
  std::string camera;
  geo::Point at;
  double p = 0;
  std::int64_t earliest_s = 0, likely_s = 0, latest_s = 0;  // from now: p10, p50, p90
};

struct Suggestion {
  std::int64_t unit = 0;
  std::string call_sign, kind, camera;  // camera: the one the path leads to
  geo::Point to;                        // the point on the path to stage at
  double along = 1;                     // how far along the path: 1 = at the camera
  double unit_eta_s = 0;
  double margin_s = 0;  // before the vehicle's earliest likely arrival
  double p = 0;         // the share of vehicles that go there
  std::string reason;
};

struct ExtraSuggestion {
  bool suggested = false;
  std::string reason;
  std::optional<Suggestion> unit;  // the unit of that kind that would go, if any
};

struct InterceptPlan {
  std::vector<PredictedCamera> next;
  std::vector<Suggestion> suggestions;  // ranked: the likeliest camera reached first
  double ground_coverage = 0;           // the share of `next` some ground suggestion covers
  ExtraSuggestion aircraft, k9, medic;
};

// Ground units (everything but aircraft) are routed on `graph` (may be
// null). The paths are straight legs from the hit's camera to each predicted
// camera (through the camera between, two passes ahead), and each unit is
// suggested at the point of them (a third, two thirds, or all the way along
// a leg) on the likeliest path it reaches before the vehicle's earliest
// likely arrival there (p10), or, failing that, before its likely one (p50),
// with half the weight.
InterceptPlan PlanIntercept(const InterceptRequest& request, const RoadGraph* graph,
                            const InterceptRules& rules);

}  // namespace interdict::ops
