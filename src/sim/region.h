// The simulated region (docs/simulator.md): real camera positions, fictional
// agencies, county outlines with population, employment hubs and units, as
// built by scripts/prepare-region and compiled into the binary.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "geo/geo.h"
#include "read/read.h"

namespace interdict::sim {

enum class Vendor { kNone, kOpenAlpr, kNative, kCsv };
std::string_view VendorName(Vendor v);

struct Agency {
  std::string code, name, kind, state;  // kind: local, county, state, federal; state "US-MO"
  Vendor vendor = Vendor::kNone;        // the feed format its cameras speak
  int retention_days = 90;
};

enum class RoadClass { kArterial, kInterstate };

struct Camera {
  std::string agency, code, name;
  geo::Point at;
  std::optional<int> bearing;  // degrees the camera faces, when mapped
  std::string make;            // the manufacturer OpenStreetMap names, if any
  RoadClass road = RoadClass::kArterial;
  bool synthetic = false;  // not from OpenStreetMap (St. Louis city's roads)
};

struct MobileCamera {
  std::string agency, code, name;
};

struct County {
  std::string name, state;
  std::int64_t population = 0;
  geo::Ring ring;
};

struct Hub {
  std::string name;
  geo::Point at;
  int weight = 1;
};

struct Unit {
  std::string agency, kind, name;  // kind: patrol, k9, tactical, air
  geo::Point home;
};

struct Region {
  std::string name;
  std::vector<Agency> agencies;
  std::vector<Camera> cameras;
  std::vector<MobileCamera> mobile_cameras;
  std::vector<County> counties;
  std::vector<Hub> hubs;
  std::vector<Unit> units;

  // The region compiled into the binary (parsed once).
  static const Region& Embedded();
  // Parses a region file's text; InvalidArgument naming what is wrong.
  static Result<Region> Parse(std::string_view json);

  const Agency* FindAgency(std::string_view code) const;
};

}  // namespace interdict::sim
