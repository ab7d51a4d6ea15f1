// The region's units as the simulator moves them (docs/simulator.md,
// "Units"): patrols wander their home areas, K-9 teams and tactical medics
// stage near home, the aircraft flies a loop around its base; each is busy
// on a call now and then. Where a unit is depends only on (seed, unit,
// time), so the benchmark and the demo can ask for any moment in any order.
// A busy unit moves as before (to and from its call) but is not available.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "geo/geo.h"
#include "sim/region.h"

namespace interdict::sim {

struct UnitFix {
  geo::Point at;
  double speed_mps = 0;
  int heading = 0;  // degrees from north
  bool available = true;
};

struct UnitMotionOptions {
  std::uint64_t seed = 1;
  double patrol_radius_m = 4'000;  // how far from home a patrol wanders
  double busy_share = 0.25;        // of half-hours a unit spends on a call
  double aircraft_kmh = 200;
  double orbit_radius_m = 6'000;  // the aircraft's loop around its base
};

class UnitMotion {
 public:
  UnitMotion(const Region& region, UnitMotionOptions options);
  // Where `unit` (an index into region.units) is at `time` (UTC ms).
  UnitFix At(std::size_t unit, std::int64_t time) const;
  std::size_t size() const { return region_.units.size(); }

 private:
  geo::Point Waypoint(std::size_t unit, std::int64_t slot, double radius_m) const;

  const Region& region_;
  UnitMotionOptions opts_;
};

// The unit kind Interdict's registry uses for a region's unit kind ("k9",
// "tactical", "air", "patrol").
std::string_view RegistryKind(std::string_view region_kind);

}  // namespace interdict::sim
