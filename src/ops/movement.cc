#include "ops/movement.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#include <fmt/core.h>

#include "base/files.h"
#include "base/hash.h"

namespace interdict::ops {
namespace {

constexpr double kMinBinMs = 10'000, kMaxBinMs = 2 * 3'600'000;
// A (previous, camera) row speaks for the direction once this many vehicles
// (decayed) made that pair of passes; below it, the camera's own row does.
constexpr double kMinPairWeight = 3;
// How often learning decays a row's counts (queries decay to their own time).
constexpr std::int64_t kDecayStepMs = 3'600'000;
// Buckets made up front for the recent plates (a few MB).
constexpr std::size_t kRecentReserve = 1 << 18;
// Cameras followed on to the next hop.
constexpr std::size_t kBranch = 4;

constexpr std::string_view kMagic{"IDMOVE\0\1", 8};
constexpr std::uint32_t kMaxCameras = 1'000'000, kMaxPairs = 10'000'000;
static_assert(std::endian::native == std::endian::little, "the saved model is little-endian");

template <typename T>
void Put(std::string& out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.append(b, sizeof(T));
}

// Reads the saved model's fields in order; the first failure names its offset.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  template <typename T>
  bool Get(T* v, std::string_view what) {
    if (!Need(sizeof(T), what)) return false;
    std::memcpy(v, bytes_.data() + at_, sizeof(T));
    at_ += sizeof(T);
    return true;
  }
  bool Bytes(std::size_t n, std::string* out, std::string_view what) {
    if (!Need(n, what)) return false;
    out->assign(bytes_.substr(at_, n));
    at_ += n;
    return true;
  }
  bool Fail(std::string_view what) {
    if (error_.empty()) error_ = fmt::format("{} at byte {}", what, at_);
    return false;
  }
  std::size_t at() const { return at_; }
  const std::string& error() const { return error_; }

 private:
  bool Need(std::size_t n, std::string_view what) {
    if (bytes_.size() - at_ < n) return Fail(fmt::format("the file ends inside {}", what));
    return true;
  }
  std::string_view bytes_;
  std::size_t at_ = 0;
  std::string error_;
};

std::uint64_t PairKey(std::uint32_t prev, std::uint32_t camera) {
  return std::uint64_t{prev} << 32 | camera;
}

}  // namespace

int DayBand(int h) {
  if (h < 6) return 0;
  if (h < 10) return 1;
  if (h < 15) return 2;
  if (h < 19) return 3;
  return 4;
}

MovementModel::MovementModel(MovementOptions options, TimeZone zone)
    : options_(options), zone_(std::move(zone)) {
  // A busy region has a few hundred thousand plates within the window: grown
  // from empty, the map rehashes a dozen times on the ingest path.
  recent_.reserve(kRecentReserve);
}

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
  // Learning decays a row at most hourly (2^(-1/168) of a weight an hour:
  // less than the histogram's resolution); queries decay to their own time.
  if (at - row.decayed_at >= kDecayStepMs) Decay(row, at);
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
  auto [it, added] = recent_.try_emplace(plate, Recent{id, kNone, time});
  if (added) return;
  const Recent last = it->second;
  if (time < last.time) return;  // late: teaches nothing, keeps the newer read
  if (last.camera == id) {       // read again at the same camera: the same pass
    it->second.time = time;
    return;
  }
  it->second = {id, kNone, time};
  const std::int64_t travel = time - last.time;
  if (travel > options_.window_ms) return;
  if (const std::optional<double> mps = Speed(last, id, time)) {
    if (*mps > options_.max_speed_kmh / 3.6) {
      ++counters_.refused_speed;
      return;
    }
    if (*mps < options_.min_speed_kmh / 3.6) {
      ++counters_.stopped;
      return;
    }
  }
  Learn(last.camera, id, last.time, travel);
  if (last.prev != kNone && last.prev != id) LearnPair(last.prev, last.camera, id, last.time);
  it->second.prev = last.camera;
}

std::optional<double> MovementModel::Speed(const Recent& last, std::uint32_t camera,
                                           std::int64_t time) const {
  if (!places_[last.camera] || !places_[camera]) return std::nullopt;
  const double m = geo::DistanceMeters(*places_[last.camera], *places_[camera]);
  return m / (static_cast<double>(std::max<std::int64_t>(time - last.time, 1)) / 1000.0);
}

bool MovementModel::Continues(const Recent& last, std::uint32_t camera, std::int64_t time) const {
  const std::optional<double> mps = Speed(last, camera, time);
  return !mps || (*mps <= options_.max_speed_kmh / 3.6 && *mps >= options_.min_speed_kmh / 3.6);
}

void MovementModel::LearnPair(std::uint32_t prev, std::uint32_t from, std::uint32_t to,
                              std::int64_t at) {
  auto found = pairs_.find(PairKey(prev, from));
  if (found == pairs_.end()) {
    if (pairs_.size() >= options_.max_pairs) {
      ++counters_.pairs_full;
      return;
    }
    found = pairs_.emplace(PairKey(prev, from), PairRow{at, {}}).first;
  }
  PairRow& row = found->second;
  if (at - row.decayed_at >= kDecayStepMs) {
    const auto f = static_cast<float>(std::exp2(-static_cast<double>(at - row.decayed_at) /
                                                static_cast<double>(options_.half_life_ms)));
    for (PairNext& n : row.next) n.weight *= f;
    row.decayed_at = at;
  }
  auto it =
      std::find_if(row.next.begin(), row.next.end(), [&](const PairNext& n) { return n.to == to; });
  if (it == row.next.end()) {
    if (row.next.size() < options_.pair_successors) {
      row.next.push_back({to, 0});
      it = row.next.end() - 1;
    } else {  // as in Learn: the least counted gives its place
      it = std::min_element(
          row.next.begin(), row.next.end(),
          [](const PairNext& a, const PairNext& b) { return a.weight < b.weight; });
      *it = {to, 0};
    }
  }
  it->weight += 1;
}

std::vector<MovementModel::Step> MovementModel::Steps(std::uint32_t from, std::uint32_t prev,
                                                      std::int64_t time) const {
  std::vector<Step> out;
  Row row = rows_[from][static_cast<std::size_t>(BandAt(time))];  // a copy to decay
  Decay(row, time);
  // Quantiles read off a successor's histogram, interpolated within a bin.
  auto quantile = [](const Successor& s, double sum, double q) {
    double seen = 0;
    for (int b = 0; b < kBins; ++b) {
      const double here = s.bins[static_cast<std::size_t>(b)];
      if (here > 0 && seen + here >= q * sum) return BinMs(b + (q * sum - seen) / here);
      seen += here;
    }
    return BinMs(kBins);
  };
  double total = 0;
  for (const Successor& s : row.next) {
    double sum = 0;
    for (double b : s.bins) sum += b;
    if (s.weight <= 0 || sum <= 0) continue;
    out.push_back(
        {s.to, 0, s.weight, quantile(s, sum, 0.1), quantile(s, sum, 0.5), quantile(s, sum, 0.9)});
    total += s.weight;
  }
  // The direction: where vehicles that came the same way went, when enough did.
  if (prev != kNone) {
    if (auto pr = pairs_.find(PairKey(prev, from)); pr != pairs_.end()) {
      const double f =
          std::exp2(-static_cast<double>(std::max<std::int64_t>(0, time - pr->second.decayed_at)) /
                    static_cast<double>(options_.half_life_ms));
      double pair_total = 0;
      for (const PairNext& n : pr->second.next) pair_total += static_cast<double>(n.weight) * f;
      if (pair_total >= kMinPairWeight) {
        std::vector<Step> directed;
        double kept = 0;
        for (const PairNext& n : pr->second.next) {
          auto s =
              std::find_if(out.begin(), out.end(), [&](const Step& x) { return x.to == n.to; });
          if (s == out.end() || n.weight <= 0) continue;  // no travel times in this band
          Step d = *s;
          d.weight = static_cast<double>(n.weight) * f;
          kept += d.weight;
          directed.push_back(d);
        }
        if (kept >= kMinPairWeight) {
          out = std::move(directed);
          total = kept;
        }
      }
    }
  }
  for (Step& s : out) s.p = s.weight / total;
  std::sort(out.begin(), out.end(), [](const Step& a, const Step& b) { return a.p > b.p; });
  return out;
}

std::vector<NextCamera> MovementModel::NextLocked(std::uint32_t from, std::uint32_t prev,
                                                  std::int64_t time, std::size_t limit) const {
  std::vector<NextCamera> out;
  // Passed one way or the other: the chances add; the path and times are
  // those of the likelier way.
  auto add = [&](NextCamera n) {
    auto it = std::find_if(out.begin(), out.end(),
                           [&](const NextCamera& o) { return o.camera == n.camera; });
    if (it == out.end()) {
      out.push_back(std::move(n));
      return;
    }
    const double p = std::min(1.0, it->p + n.p);
    if (n.p > it->p) *it = std::move(n);
    it->p = p;
  };
  const std::vector<Step> first = Steps(from, prev, time);
  for (const Step& s : first) add({names_[s.to], s.p, s.weight, s.p10, s.p50, s.p90, 1, {}, 0, 0});
  if (options_.hops > 1) {
    for (std::size_t i = 0; i < first.size() && i < kBranch; ++i) {
      const Step& a = first[i];
      for (const Step& b : Steps(a.to, from, time + a.p50)) {
        if (b.to == from) continue;  // back where it was read
        add({names_[b.to], a.p * b.p, b.weight, a.p10 + b.p10, a.p50 + b.p50, a.p90 + b.p90, 2,
             names_[a.to], a.p10, a.p50});
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const NextCamera& a, const NextCamera& b) {
    return a.p != b.p ? a.p > b.p : a.camera < b.camera;
  });
  if (out.size() > limit) out.resize(limit);
  return out;
}

std::vector<NextCamera> MovementModel::Next(std::string_view camera, std::int64_t time,
                                            std::size_t limit, std::string_view came_from) const {
  std::lock_guard l(mu_);
  const auto id = ids_.find(camera);
  if (id == ids_.end()) return {};
  const auto prev = came_from.empty() ? ids_.end() : ids_.find(came_from);
  return NextLocked(id->second, prev == ids_.end() ? kNone : prev->second, time, limit);
}

std::vector<NextCamera> MovementModel::NextFor(std::uint64_t plate, std::string_view camera,
                                               std::int64_t time, std::size_t limit) const {
  std::lock_guard l(mu_);
  const auto id = ids_.find(camera);
  if (id == ids_.end()) return {};
  std::uint32_t prev = kNone;
  if (auto r = recent_.find(plate); r != recent_.end()) {
    const Recent& last = r->second;
    if (last.camera == id->second && last.time == time) {
      prev = last.prev;  // this read was learned: the one before it
    } else if (last.camera != id->second && last.time < time &&
               time - last.time <= options_.window_ms && Continues(last, id->second, time)) {
      prev = last.camera;  // this read is not learned yet
    }
  }
  return NextLocked(id->second, prev, time, limit);
}

MovementModel::Stats MovementModel::stats() const {
  std::lock_guard l(mu_);
  Stats s = counters_;
  s.cameras = names_.size();
  s.recent_plates = recent_.size();
  for (const auto& bands : rows_)
    for (const Row& r : bands) s.transitions += r.next.size();
  s.pairs = pairs_.size();
  std::size_t pair_next = 0;
  for (const auto& [key, row] : pairs_) pair_next += row.next.capacity();
  s.bytes = s.transitions * sizeof(Successor) + rows_.size() * sizeof(rows_[0]) +
            pairs_.size() * (sizeof(std::uint64_t) + sizeof(PairRow) + 16) +
            pair_next * sizeof(PairNext) +
            recent_.size() * (sizeof(std::uint64_t) + sizeof(Recent) + 16) + names_.size() * 48;
  return s;
}

void MovementModel::Sweep(std::int64_t now) {
  std::lock_guard l(mu_);
  for (auto it = recent_.begin(); it != recent_.end();)
    it = now - it->second.time > options_.window_ms ? recent_.erase(it) : std::next(it);
  last_sweep_ = now;
}

std::string MovementModel::Serialize() const {
  std::lock_guard l(mu_);
  std::string out(kMagic);
  Put(out, static_cast<std::uint32_t>(names_.size()));
  for (std::size_t c = 0; c < names_.size(); ++c) {
    Put(out, static_cast<std::uint16_t>(names_[c].size()));
    out += names_[c];
    Put(out, static_cast<std::uint8_t>(places_[c] ? 1 : 0));
    Put(out, places_[c] ? places_[c]->lat_e6 : 0);
    Put(out, places_[c] ? places_[c]->lon_e6 : 0);
    for (const Row& row : rows_[c]) {
      Put(out, row.decayed_at);
      Put(out, static_cast<std::uint8_t>(row.next.size()));
      for (const Successor& n : row.next) {
        Put(out, n.to);
        Put(out, n.weight);
        for (double b : n.bins) Put(out, b);
      }
    }
  }
  Put(out, static_cast<std::uint32_t>(pairs_.size()));
  // In key order: the same model, the same bytes.
  std::vector<std::uint64_t> keys;
  keys.reserve(pairs_.size());
  for (const auto& kv : pairs_) keys.push_back(kv.first);
  std::sort(keys.begin(), keys.end());
  for (const std::uint64_t key : keys) {
    const PairRow& row = pairs_.at(key);
    Put(out, static_cast<std::uint32_t>(key >> 32));
    Put(out, static_cast<std::uint32_t>(key));
    Put(out, row.decayed_at);
    Put(out, static_cast<std::uint8_t>(row.next.size()));
    for (const PairNext& n : row.next) {
      Put(out, n.to);
      Put(out, n.weight);
    }
  }
  Put(out, Hash64(out));
  return out;
}

Status MovementModel::Restore(std::string_view bytes) {
  if (bytes.size() < kMagic.size() + 8 || bytes.substr(0, kMagic.size()) != kMagic)
    return Status::InvalidArgument("not a saved movement model (its first 8 bytes)");
  const std::string_view body = bytes.substr(0, bytes.size() - 8);
  std::uint64_t check = 0;
  std::memcpy(&check, bytes.data() + body.size(), 8);
  if (Hash64(body) != check)
    return Status::InvalidArgument(
        fmt::format("the check at byte {} does not match the bytes before it", body.size()));
  Reader in(body.substr(kMagic.size()));
  std::vector<std::string> names;
  std::vector<std::optional<geo::Point>> places;
  std::vector<std::array<Row, kBands>> rows;
  std::unordered_map<std::uint64_t, PairRow> pairs;
  auto parse = [&]() -> bool {
    std::uint32_t cameras = 0;
    if (!in.Get(&cameras, "the camera count")) return false;
    if (cameras > kMaxCameras) return in.Fail("too many cameras");
    for (std::uint32_t c = 0; c < cameras; ++c) {
      std::uint16_t len = 0;
      std::string name;
      std::uint8_t has_place = 0;
      geo::Point at;
      if (!in.Get(&len, "a camera's name length")) return false;
      if (len == 0 || len > 200) return in.Fail("a camera name of 1-200 bytes expected");
      if (!in.Bytes(len, &name, "a camera's name") || !in.Get(&has_place, "a camera's place") ||
          !in.Get(&at.lat_e6, "a camera's latitude") || !in.Get(&at.lon_e6, "a camera's longitude"))
        return false;
      names.push_back(std::move(name));
      places.push_back(has_place ? std::optional<geo::Point>(at) : std::nullopt);
      std::array<Row, kBands>& bands = rows.emplace_back();
      for (Row& row : bands) {
        std::uint8_t n = 0;
        if (!in.Get(&row.decayed_at, "a row's time") || !in.Get(&n, "a row's successor count"))
          return false;
        row.next.resize(n);
        for (Successor& succ : row.next) {
          if (!in.Get(&succ.to, "a successor") || !in.Get(&succ.weight, "a successor's weight"))
            return false;
          for (double& b : succ.bins)
            if (!in.Get(&b, "a travel-time bin")) return false;
          if (succ.to >= cameras) return in.Fail("a successor that is no camera");
          if (!(succ.weight >= 0)) return in.Fail("a negative or undefined weight");
        }
      }
    }
    std::uint32_t count = 0;
    if (!in.Get(&count, "the pair count")) return false;
    if (count > kMaxPairs) return in.Fail("too many pairs");
    for (std::uint32_t i = 0; i < count; ++i) {
      std::uint32_t prev = 0, camera = 0;
      std::uint8_t n = 0;
      PairRow row;
      if (!in.Get(&prev, "a pair's camera") || !in.Get(&camera, "a pair's camera") ||
          !in.Get(&row.decayed_at, "a pair's time") || !in.Get(&n, "a pair's successor count"))
        return false;
      if (prev >= cameras || camera >= cameras) return in.Fail("a pair of no cameras");
      row.next.resize(n);
      for (PairNext& succ : row.next) {
        if (!in.Get(&succ.to, "a pair's successor") || !in.Get(&succ.weight, "a pair's weight"))
          return false;
        if (succ.to >= cameras) return in.Fail("a successor that is no camera");
        if (!(succ.weight >= 0)) return in.Fail("a negative or undefined weight");
      }
      pairs[PairKey(prev, camera)] = std::move(row);
    }
    if (in.at() != body.size() - kMagic.size()) return in.Fail("bytes after the last pair");
    return true;
  };
  if (!parse()) return Status::InvalidArgument(in.error());
  std::unordered_map<std::string, std::uint32_t, NameHash, std::equal_to<>> ids;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!ids.emplace(names[i], static_cast<std::uint32_t>(i)).second)
      return Status::InvalidArgument(fmt::format("camera {} is named twice", names[i]));
  }
  std::lock_guard l(mu_);
  ids_ = std::move(ids);
  names_ = std::move(names);
  places_ = std::move(places);
  rows_ = std::move(rows);
  pairs_ = std::move(pairs);
  recent_.clear();
  return Status::Ok();
}

Status MovementModel::Save(const std::string& path) const {
  return files::WriteFileAtomically(path, Serialize());
}

Status MovementModel::Load(const std::string& path) {
  Result<std::string> bytes = files::ReadFile(path);
  if (!bytes.ok()) return bytes.status();
  return Restore(*bytes);
}

}  // namespace interdict::ops
