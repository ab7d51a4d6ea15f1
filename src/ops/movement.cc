#include "ops/movement.h"

#include <algorithm>
#include <cmath>

namespace interdict::ops {
namespace {

constexpr double kMinBinMs = 10'000, kMaxBinMs = 2 * 3'600'000;

}  // namespace

int DayBand(int h) {
  if (h < 6) return 0;
  if (h < 10) return 1;
  if (h < 15) return 2;
  if (h < 19) return 3;
  return 4;
}

MovementModel::MovementModel(MovementOptions options, TimeZone zone)
    : options_(options), zone_(std::move(zone)) {}

int MovementModel::Bin(std::int64_t ms) {
  const double x = std::log(std::clamp(static_cast<double>(ms), kMinBinMs, kMaxBinMs) / kMinBinMs) /
                   std::log(kMaxBinMs / kMinBinMs);
  return std::min(kBins - 1, static_cast<int>(x * kBins));
}

// The travel time at a (fractional) bin position: bin b spans [b, b + 1).
std::int64_t MovementModel::BinMs(double bin) {
  return std::llround(kMinBinMs * std::pow(kMaxBinMs / kMinBinMs, bin / kBins));
}

std::uint32_t MovementModel::CameraId(std::string_view camera) {
  auto it = ids_.find(camera);
  if (it != ids_.end()) return it->second;
  const auto id = static_cast<std::uint32_t>(names_.size());
  ids_.emplace(std::string(camera), id);
  names_.emplace_back(camera);
  rows_.emplace_back();
  places_.emplace_back();
  return id;
}

void MovementModel::Decay(Row& row, std::int64_t now) const {
  if (now <= row.decayed_at) return;
  const double f = std::exp2(-static_cast<double>(now - row.decayed_at) /
                             static_cast<double>(options_.half_life_ms));
  for (Successor& s : row.next) {
    s.weight *= f;
    for (double& b : s.bins) b *= f;
  }
  row.decayed_at = now;
}

int MovementModel::BandAt(std::int64_t time) const {
  constexpr std::int64_t kDayMs = 86'400'000;
  const std::int64_t local = time + zone_.OffsetAt(time);
  return DayBand(static_cast<int>(((local % kDayMs) + kDayMs) % kDayMs / 3'600'000));
}

void MovementModel::Learn(std::uint32_t from, std::uint32_t to, std::int64_t at,
                          std::int64_t travel_ms) {
  Row& row = rows_[from][static_cast<std::size_t>(BandAt(at))];
  Decay(row, at);
  auto it = std::find_if(row.next.begin(), row.next.end(),
                         [&](const Successor& s) { return s.to == to; });
  if (it == row.next.end()) {
    if (row.next.size() < options_.successors) {
      row.next.push_back({to, 0, {}});
      it = row.next.end() - 1;
    } else {
      // The least counted successor gives its place; the newcomer starts at
      // one. (Space-saving's inherited count would let a stream of one-off
      // successors push out every busy one.) Decay lets a new route in as
      // the old ones fade.
      it = std::min_element(
          row.next.begin(), row.next.end(),
          [](const Successor& a, const Successor& b) { return a.weight < b.weight; });
      it->to = to;
      it->weight = 0;
      it->bins.fill(0);
    }
  }
  it->weight += 1;
  it->bins[static_cast<std::size_t>(Bin(travel_ms))] += 1;
  ++counters_.learned;
}

void MovementModel::Observe(const std::vector<Sighting>& reads) {
  std::lock_guard l(mu_);
  for (const Sighting& r : reads) ObserveOne(r);
}

void MovementModel::ObserveOne(const Sighting& read) {
  const auto& [plate, camera, at, time, confidence] = read;
  ++counters_.observed;
  if (time - last_sweep_ > options_.window_ms) {
    for (auto it = recent_.begin(); it != recent_.end();)
      it = time - it->second.time > options_.window_ms ? recent_.erase(it) : std::next(it);
    last_sweep_ = time;
  }
  if (confidence < options_.min_confidence) {
    ++counters_.refused_confidence;
    return;
  }
  const std::uint32_t id = CameraId(camera);
  if (at) places_[id] = at;
  auto [it, added] = recent_.try_emplace(plate, Recent{id, time});
  if (added) return;
  const Recent last = it->second;
  if (time < last.time) return;  // late: teaches nothing, keeps the newer read
  it->second = {id, time};
  const std::int64_t travel = time - last.time;
  if (last.camera == id || travel > options_.window_ms) return;
  if (places_[last.camera] && places_[id]) {
    const double m = geo::DistanceMeters(*places_[last.camera], *places_[id]);
    if (m / (static_cast<double>(std::max<std::int64_t>(travel, 1)) / 1000.0) >
        options_.max_speed_kmh / 3.6) {
      ++counters_.refused_speed;
      return;
    }
  }
  Learn(last.camera, id, last.time, travel);
}

std::vector<NextCamera> MovementModel::Next(std::string_view camera, std::int64_t time,
                                            std::size_t limit) const {
  std::lock_guard l(mu_);
  std::vector<NextCamera> out;
  const auto id = ids_.find(camera);
  if (id == ids_.end()) return out;
  Row row = rows_[id->second][static_cast<std::size_t>(BandAt(time))];  // a copy to decay
  Decay(row, time);
  double total = 0;
  for (const Successor& s : row.next) total += s.weight;
  if (total <= 0) return out;
  for (const Successor& s : row.next) {
    if (s.weight <= 0) continue;
    NextCamera n;
    n.camera = names_[s.to];
    n.weight = s.weight;
    n.p = s.weight / total;
    double sum = 0;
    for (double b : s.bins) sum += b;
    // Quantiles read off the histogram, interpolated within a bin.
    auto quantile = [&](double q) {
      double seen = 0;
      for (int b = 0; b < kBins; ++b) {
        const double here = s.bins[static_cast<std::size_t>(b)];
        if (here > 0 && seen + here >= q * sum) return BinMs(b + (q * sum - seen) / here);
        seen += here;
      }
      return BinMs(kBins);
    };
    if (sum > 0) {
      n.p10_ms = quantile(0.1);
      n.p50_ms = quantile(0.5);
      n.p90_ms = quantile(0.9);
    }
    out.push_back(std::move(n));
  }
  std::sort(out.begin(), out.end(), [](const NextCamera& a, const NextCamera& b) {
    return a.p != b.p ? a.p > b.p : a.camera < b.camera;
  });
  if (out.size() > limit) out.resize(limit);
  return out;
}

MovementModel::Stats MovementModel::stats() const {
  std::lock_guard l(mu_);
  Stats s = counters_;
  s.cameras = names_.size();
  s.recent_plates = recent_.size();
  for (const auto& bands : rows_)
    for (const Row& r : bands) s.transitions += r.next.size();
  s.bytes = s.transitions * sizeof(Successor) + rows_.size() * sizeof(rows_[0]) +
            recent_.size() * (sizeof(std::uint64_t) + sizeof(Recent) + 16) + names_.size() * 48;
  return s;
}

void MovementModel::Sweep(std::int64_t now) {
  std::lock_guard l(mu_);
  for (auto it = recent_.begin(); it != recent_.end();)
    it = now - it->second.time > options_.window_ms ? recent_.erase(it) : std::next(it);
  last_sweep_ = now;
}

}  // namespace interdict::ops
