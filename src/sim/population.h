// The vehicles of the simulated region (docs/simulator.md, "The population"):
// plates, homes, workplaces, habits and the special actors (pairs that travel
// together, a cloned plate, stolen vehicles). Deterministic in the seed.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "plate/jurisdiction.h"
#include "plate/plate.h"
#include "read/read.h"
#include "sim/region.h"
#include "sim/rng.h"

namespace interdict::sim {

struct Vehicle {
  plate::Plate plate;
  plate::Jurisdiction state;
  std::string_view make, model, color, body;  // from static tables
  geo::Point home, work;
  bool commuter = false;
  std::int16_t leave_minute = 0;   // local time, weekdays
  std::int16_t return_minute = 0;  // local time, weekdays
  std::int32_t follows = -1;       // a companion: the vehicle it travels behind
  std::int32_t lag_s = 0;          // ... this many seconds behind
  std::uint64_t seed = 0;          // of its trips (a companion uses its leader's)
};

class Population {
 public:
  static Population Make(const Region& region, std::size_t vehicles, std::uint64_t seed);

  const std::vector<Vehicle>& vehicles() const { return vehicles_; }
  // Special actors, by index.
  const std::vector<std::pair<std::size_t, std::size_t>>& convoys() const { return convoys_; }
  std::pair<std::size_t, std::size_t> clone() const { return clone_; }
  const std::vector<std::size_t>& stolen() const { return stolen_; }

 private:
  std::vector<Vehicle> vehicles_;
  std::vector<std::pair<std::size_t, std::size_t>> convoys_;  // leader, companion
  std::pair<std::size_t, std::size_t> clone_{0, 0};           // original, clone
  std::vector<std::size_t> stolen_;
};

// A uniformly random point inside a county's outline.
geo::Point RandomPointIn(const County& county, Rng& rng);

}  // namespace interdict::sim
