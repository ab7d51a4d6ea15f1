// Where a vehicle goes next (decision 0039): camera-to-camera transitions
// learned online from the region's reads. For each camera and band of the
// local day, the cameras vehicles were next read at within two hours, with
// how often and how long it took. Bounded memory, decaying counts.
// Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/time_zone.h"
#include "geo/geo.h"

namespace interdict::ops {

struct MovementOptions {
  std::int64_t window_ms = 2 * 3'600'000;      // a later read this soon is the next camera
  std::int64_t half_life_ms = 7 * 86'400'000;  // counts halve this often
  int min_confidence = 80;                     // both reads at least this sure of the plate
  double max_speed_kmh = 200;                  // faster means two vehicles (a misread)
  std::size_t successors = 16;                 // kept per camera and band
};

// The bands of the local day: 00-06, 06-10, 10-15, 15-19, 19-24.
inline constexpr int kBands = 5;
int DayBand(int local_hour);

struct NextCamera {
  std::string camera;                               // "<agency>/<code>"
  double p = 0;                                     // share of the vehicles seen next there
  double weight = 0;                                // the decayed count behind it
  std::int64_t p10_ms = 0, p50_ms = 0, p90_ms = 0;  // travel time quantiles
};

class MovementModel {
 public:
  // `zone` sets the local day's bands.
  MovementModel(MovementOptions options, TimeZone zone);

  // One read: the plate (packed, plate::Plate::Pack), its camera and where
  // the camera stood (for the speed check; nullopt when unknown), time and
  // the plate's confidence.
  struct Sighting {
    std::uint64_t plate = 0;
    std::string_view camera;  // "<agency>/<code>"
    std::optional<geo::Point> at;
    std::int64_t time = 0;
    int confidence = 0;
  };
  // Learns from a batch of reads, under one lock (ingest's path). Reads
  // arrive roughly in time order; one older than its plate's last read
  // teaches nothing.
  void Observe(const std::vector<Sighting>& reads);
  void Observe(const Sighting& read) { Observe(std::vector<Sighting>{read}); }

  // The likely next cameras after `camera` at `time`, most likely first, at
  // most `limit`; empty when no vehicle was seen to leave it.
  std::vector<NextCamera> Next(std::string_view camera, std::int64_t time,
                               std::size_t limit = 8) const;

  struct Stats {
    std::size_t cameras = 0, transitions = 0, recent_plates = 0;
    std::size_t bytes = 0;  // an estimate of the model's memory
    std::uint64_t observed = 0, learned = 0, refused_confidence = 0, refused_speed = 0;
  };
  Stats stats() const;

  // Drops plates not read within the window (done as reads arrive, too).
  void Sweep(std::int64_t now);

 private:
  static constexpr int kBins = 30;  // travel times, log-spaced from 10 s to 2 h
  struct Successor {
    std::uint32_t to = 0;
    double weight = 0;
    std::array<double, kBins> bins{};
  };
  struct Row {
    std::int64_t decayed_at = 0;  // weights are as of this time
    std::vector<Successor> next;
  };
  struct Recent {
    std::uint32_t camera = 0;
    std::int64_t time = 0;
  };
  std::uint32_t CameraId(std::string_view camera);  // requires mu_
  void Learn(std::uint32_t from, std::uint32_t to, std::int64_t at,
             std::int64_t travel_ms);     // requires mu_
  void ObserveOne(const Sighting& read);  // requires mu_
  int BandAt(std::int64_t time) const;    // the band of the local day at `time`
  static int Bin(std::int64_t ms);
  static std::int64_t BinMs(double bin);
  void Decay(Row& row, std::int64_t now) const;

  MovementOptions options_;
  TimeZone zone_;
  mutable std::mutex mu_;
  // Looked up by string_view: no string is made for a camera already known.
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::uint32_t, NameHash, std::equal_to<>> ids_;
  std::vector<std::string> names_;
  std::vector<std::array<Row, kBands>> rows_;      // by camera id
  std::vector<std::optional<geo::Point>> places_;  // by camera id
  std::unordered_map<std::uint64_t, Recent> recent_;
  std::int64_t last_sweep_ = 0;
  Stats counters_;
};

}  // namespace interdict::ops
