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

#include "base/status.h"
#include "base/time_zone.h"
#include "geo/geo.h"

namespace interdict::ops {

struct MovementOptions {
  std::int64_t window_ms = 2 * 3'600'000;      // a later read this soon is the next camera
  std::int64_t half_life_ms = 7 * 86'400'000;  // counts halve this often
  int min_confidence = 80;                     // both reads at least this sure of the plate
  double max_speed_kmh = 200;                  // faster means two vehicles (a misread)
  double min_speed_kmh = 10;                   // slower means the car stopped: a new drive
  std::size_t successors = 16;                 // kept per camera and band
  std::size_t pair_successors = 8;             // kept per (previous camera, camera)
  std::size_t max_pairs = 200'000;             // (previous, camera) rows kept at most
  int hops = 2;                                // cameras predicted this many passes ahead
};

// The bands of the local day: 00-06, 06-10, 10-15, 15-19, 19-24.
inline constexpr int kBands = 5;
int DayBand(int local_hour);

struct NextCamera {
  std::string camera;                               // "<agency>/<code>"
  double p = 0;                                     // share of the vehicles seen next there
  double weight = 0;                                // the decayed count behind it
  std::int64_t p10_ms = 0, p50_ms = 0, p90_ms = 0;  // travel time quantiles
  int hops = 1;                                     // 1: the next camera; 2: the one after
  // Two passes ahead: the camera between, and the travel times to it (the
  // path runs through it).
  std::string via;
  std::int64_t via_p10_ms = 0, via_p50_ms = 0;
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

  // The cameras a vehicle read at `camera` at `time` is likely to pass
  // next (up to `hops` passes ahead), most likely first, at most `limit`;
  // empty when no vehicle was seen to leave it. Knowing the camera it came
  // from (its direction) sharpens the answer where enough vehicles made
  // the same pair of passes.
  std::vector<NextCamera> Next(std::string_view camera, std::int64_t time, std::size_t limit = 8,
                               std::string_view came_from = {}) const;
  // The same for a plate: the camera it came from is taken from the model's
  // recent reads when the plate was seen shortly before.
  std::vector<NextCamera> NextFor(std::uint64_t plate, std::string_view camera, std::int64_t time,
                                  std::size_t limit = 8) const;

  struct Stats {
    std::size_t cameras = 0, transitions = 0, recent_plates = 0;
    std::size_t bytes = 0;  // an estimate of the model's memory
    std::size_t pairs = 0;  // (previous, camera) rows
    std::uint64_t observed = 0, learned = 0, refused_confidence = 0, refused_speed = 0, stopped = 0,
                  pairs_full = 0;
  };
  Stats stats() const;

  // Drops plates not read within the window (done as reads arrive, too).
  void Sweep(std::int64_t now);

  // The model as the bytes of docs/format/units.md, "The saved model" (the
  // recent plates are not kept).
  std::string Serialize() const;
  // Replaces what the model knows with `bytes`; InvalidArgument naming the
  // byte offset of what is wrong, and the model unchanged.
  Status Restore(std::string_view bytes);
  // Serialize to `path`, crash-safe; Restore from it (NotFound when absent).
  Status Save(const std::string& path) const;
  Status Load(const std::string& path);

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
    std::uint32_t prev = kNone;  // the camera before, when that pass was learned
    std::int64_t time = 0;
  };
  static constexpr std::uint32_t kNone = ~std::uint32_t{0};
  // Successors of a (previous camera, camera) pair: counts only, the travel
  // times come from the camera's own row.
  struct PairNext {
    std::uint32_t to = 0;
    float weight = 0;
  };
  struct PairRow {
    std::int64_t decayed_at = 0;
    std::vector<PairNext> next;
  };
  struct Step {
    std::uint32_t to = 0;
    double p = 0, weight = 0;
    std::int64_t p10 = 0, p50 = 0, p90 = 0;
  };
  // One pass ahead from `from` (having come from `prev`, or kNone); requires mu_.
  std::vector<Step> Steps(std::uint32_t from, std::uint32_t prev, std::int64_t time) const;
  std::vector<NextCamera> NextLocked(std::uint32_t from, std::uint32_t prev, std::int64_t time,
                                     std::size_t limit) const;
  // Metres a second from `last` to `camera` at `time`; nullopt when a place
  // is unknown. Requires mu_.
  std::optional<double> Speed(const Recent& last, std::uint32_t camera, std::int64_t time) const;
  // Whether that pass continues the drive: no misread, no stop between.
  bool Continues(const Recent& last, std::uint32_t camera, std::int64_t time) const;
  void LearnPair(std::uint32_t prev, std::uint32_t from, std::uint32_t to, std::int64_t at);
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
  std::unordered_map<std::uint64_t, PairRow> pairs_;  // keyed by prev << 32 | camera
  std::int64_t last_sweep_ = 0;
  Stats counters_;
};

}  // namespace interdict::ops
