// From the population's trips to camera reads (docs/simulator.md, "From trips
// to reads"): which cameras each trip passes and when, which passes the
// cameras miss, and the OCR errors, confidences and alternates of each read.
// A day's reads depend only on (seed, day, vehicle): the same seed gives the
// same reads, and days can be made in any order or in parallel.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/time_zone.h"
#include "read/read.h"
#include "sim/population.h"
#include "sim/region.h"

namespace interdict::sim {

struct TrafficOptions {
  std::uint64_t seed = 1;
  double corridor_m = 400;                    // a trip passes the cameras this close to its path
  double miss_rate = 0.10;                    // passes a camera does not read
  double error_rate = 0.14;                   // reads with a wrong plate
  std::string time_zone = "America/Chicago";  // when people leave home
};

// What a day (or a run) produced, for the statistics the simulator prints.
struct TrafficStats {
  std::uint64_t passes = 0;         // vehicles passing a camera
  std::uint64_t reads = 0;          // passes read
  std::uint64_t wrong = 0;          // reads whose plate is not the vehicle's
  std::uint64_t one_character = 0;  // ... of them, off by one character
  std::uint64_t stolen_reads = 0;   // reads of stolen vehicles (hit candidates)
  // Reads by camera: region.cameras in order, then region.mobile_cameras.
  std::vector<std::uint64_t> by_camera;
  void Add(const TrafficStats& other);
};

// A read as the simulator makes it, without strings: what bulk files are
// written from (Traffic::AppendNative), and what Traffic::ToRead expands.
struct SimRead {
  std::int64_t time = 0;
  std::uint64_t id = 0;     // the read id, as 16 hex digits
  std::uint64_t plate = 0;  // plate::Plate::Pack of what the camera read
  std::uint64_t alternates[3] = {0, 0, 0};
  std::uint8_t alternate_confidence[3] = {0, 0, 0};
  std::uint32_t vehicle = 0;  // index into the population
  std::uint16_t site = 0;     // region.cameras index, or cameras.size() + mobile camera index
  std::uint8_t plate_confidence = 0;
  std::uint8_t state_confidence = kNoState;  // kNoState: the state was not read
  std::int32_t lat_e6 = 0, lon_e6 = 0;       // mobile cameras: where the unit stood
  static constexpr std::uint8_t kNoState = 255;
};

// A vehicle's drive as the simulator makes it: a straight line at a steady
// speed, passing the cameras near it (what the benchmarks take as the truth).
struct Drive {
  geo::Point from, to;
  std::int64_t depart = 0, arrive = 0;  // UTC ms
  // Where the vehicle is at `time`, clamped to the drive's ends.
  geo::Point At(std::int64_t time) const;
};

class Traffic {
 public:
  Traffic(const Region& region, const Population& population, TrafficOptions options);

  // UTC instant of the local midnight starting the day that contains `utc`.
  std::int64_t LocalMidnight(std::int64_t utc) const;

  // The reads of the local day starting at `midnight_utc` (a LocalMidnight),
  // in time order, appended to `out`; statistics added to `stats`.
  void Day(std::int64_t midnight_utc, std::vector<read::Read>* out, TrafficStats* stats) const;
  // The same reads, compact (`out` is replaced). Large populations are made on
  // two threads; the result does not depend on it.
  void DayCompact(std::int64_t midnight_utc, std::vector<SimRead>* out, TrafficStats* stats) const;
  read::Read ToRead(const SimRead& r) const;
  // The drives of one vehicle on the local day starting at `midnight_utc`,
  // in the order made (departures may overlap a little).
  std::vector<Drive> Drives(std::uint32_t vehicle, std::int64_t midnight_utc) const;
  // The read as one native-format JSON line (no line break), what
  // FormatNativeRead(ToRead(r)) means, written directly.
  void AppendNative(const SimRead& r, std::string* out) const;

  // Whether the vehicle is on the simulated hotlists (a stolen car).
  bool Listed(std::uint32_t vehicle) const { return stolen_[vehicle]; }
  const Region& region() const { return region_; }
  const Population& population() const { return population_; }

 private:
  using Point = geo::LocalPlane::Xy;  // metres east and north of the region's origin
  struct Site {                       // a camera or a mobile unit's stint, where reads happen
    std::int32_t camera = -1;         // index into region.cameras, or -1: mobile
    std::int32_t mobile = -1;         // index into region.mobile_cameras
    Point at;
    geo::Point where;
    std::int64_t from = 0, to = 0;  // mobile stints: offsets from midnight
  };
  struct Trip {
    geo::Point from, to;
    std::int64_t depart = 0;  // ms after local midnight
  };
  Point Project(const geo::Point& p) const;
  void Trips(const Vehicle& v, std::int64_t day_number, std::vector<Trip>* out) const;
  void Sites(std::int64_t day_number, std::vector<Site>* mobile) const;
  void Vehicles(std::int64_t midnight_utc, std::int64_t day_number, const std::vector<Site>& mobile,
                std::size_t from, std::size_t to, std::vector<SimRead>* out,
                TrafficStats* stats) const;
  const Agency* AgencyOf(std::size_t site) const;

  const Region& region_;
  const Population& population_;
  TrafficOptions opts_;
  TimeZone zone_;
  geo::LocalPlane plane_{geo::Point{}};
  std::vector<Site> fixed_;
  std::vector<Vendor> vendor_of_;         // by site
  std::vector<std::string> site_prefix_;  // by site: the JSON from the agency to the time's quote
  std::vector<bool> stolen_;              // by vehicle
  // fixed_ is sorted by x: a trip's candidates are a range of it.
};

}  // namespace interdict::sim
