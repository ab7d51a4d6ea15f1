#include "sim/traffic.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include <fmt/core.h>

#include "plate/lookalike.h"

namespace interdict::sim {
namespace {

constexpr std::int64_t kMinute = 60'000;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kDay = 24 * kHour;
constexpr std::string_view kChars = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ";

// Metres per second for a trip of this length: town streets, arterials, highways.
double Speed(double metres) {
  if (metres < 5'000) return 35 / 3.6;
  if (metres < 20'000) return 55 / 3.6;
  return 80 / 3.6;
}

// A character the OCR takes `c` for: another of its look-alike class, if any.
char Confuse(char c, Rng& rng) {
  const std::string_view members = plate::LookalikeClasses::Default().Members(c);
  if (members.size() < 2) return '\0';
  for (;;) {
    const char m = members[rng.Index(members.size())];
    if (m != c) return m;
  }
}

char Other(char c, Rng& rng) {
  for (;;) {
    const char m = kChars[rng.Index(kChars.size())];
    if (m != c) return m;
  }
}

// A look-alike substitution at a random position that has one.
bool SubstituteLookalike(std::string& s, Rng& rng) {
  std::vector<std::size_t> at;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (plate::LookalikeClasses::Default().Members(s[i]).size() > 1) at.push_back(i);
  }
  if (at.empty()) return false;
  const std::size_t i = at[rng.Index(at.size())];
  s[i] = Confuse(s[i], rng);
  return true;
}

// What the camera reads of `truth`: right 86 % of the time by default; else
// mostly a look-alike character, sometimes another, a character dropped or
// added, or two look-alikes. Returns whether it is wrong and by one character.
std::pair<bool, bool> Misread(std::string& s, double error_rate, Rng& rng) {
  if (!rng.Chance(error_rate)) return {false, false};
  const std::string before = s;
  const double kind = rng.Uniform();
  if (kind < 0.70) {
    if (!SubstituteLookalike(s, rng)) {
      const std::size_t i = rng.Index(s.size());
      s[i] = Other(s[i], rng);
    }
  } else if (kind < 0.85) {
    const std::size_t i = rng.Index(s.size());
    s[i] = Other(s[i], rng);
  } else if (kind < 0.95) {
    const std::size_t i = rng.Index(s.size());
    if (s.size() > 2 && (s.size() >= plate::Plate::kMaxLength || rng.Chance(0.6))) {
      s.erase(i, 1);
    } else {
      s.insert(i, 1, kChars[rng.Index(kChars.size())]);
    }
  } else {
    SubstituteLookalike(s, rng);
    if (!SubstituteLookalike(s, rng)) {
      const std::size_t i = rng.Index(s.size());
      s[i] = Other(s[i], rng);
    }
  }
  if (s == before) return {false, false};
  return {true, kind < 0.95};
}

}  // namespace

void TrafficStats::Add(const TrafficStats& o) {
  passes += o.passes;
  reads += o.reads;
  wrong += o.wrong;
  one_character += o.one_character;
  stolen_reads += o.stolen_reads;
  if (by_camera.size() < o.by_camera.size()) by_camera.resize(o.by_camera.size(), 0);
  for (std::size_t i = 0; i < o.by_camera.size(); ++i) by_camera[i] += o.by_camera[i];
}

Traffic::Traffic(const Region& region, const Population& population, TrafficOptions options)
    : region_(region),
      population_(population),
      opts_(std::move(options)),
      zone_(*UsTimeZone::Parse(opts_.time_zone)) {
  double lat = 0, lon = 0;
  for (const Camera& c : region_.cameras) {
    lat += c.at.lat();
    lon += c.at.lon();
  }
  origin_lat_ = lat / static_cast<double>(region_.cameras.size());
  origin_lon_ = lon / static_cast<double>(region_.cameras.size());
  metres_per_lon_ = 111'320.0 * std::cos(origin_lat_ * std::numbers::pi / 180.0);
  for (std::size_t i = 0; i < region_.cameras.size(); ++i) {
    Site s;
    s.camera = static_cast<std::int32_t>(i);
    s.where = region_.cameras[i].at;
    s.at = Project(s.where);
    fixed_.push_back(s);
  }
  std::sort(fixed_.begin(), fixed_.end(),
            [](const Site& a, const Site& b) { return a.at.x < b.at.x; });
}

Traffic::Point Traffic::Project(const read::GeoPoint& p) const {
  return {(p.lon() - origin_lon_) * metres_per_lon_, (p.lat() - origin_lat_) * 110'540.0};
}

std::int64_t Traffic::LocalMidnight(std::int64_t utc) const {
  const std::int64_t local = utc + zone_.OffsetAt(utc);
  const std::int64_t day = (local >= 0 ? local : local - kDay + 1) / kDay;
  // The offset at midnight may differ from the one at `utc` (a DST change
  // that day); local midnight is before 02:00, so the earlier offset holds.
  const std::int64_t guess = day * kDay - zone_.OffsetAt(utc);
  return day * kDay - zone_.OffsetAt(guess);
}

void Traffic::Trips(const Vehicle& v, std::int64_t day_number, std::vector<Trip>* out) const {
  out->clear();
  Rng rng(MixSeed(v.seed, static_cast<std::uint64_t>(day_number)));
  const int weekday = static_cast<int>(((day_number + 3) % 7 + 7) % 7);  // 0 = Monday
  const bool workday = weekday < 5;
  if (v.commuter && workday && rng.Chance(0.92)) {
    out->push_back({v.home, v.work, v.leave_minute * kMinute + rng.Between(-10, 10) * kMinute});
    out->push_back({v.work, v.home, v.return_minute * kMinute + rng.Between(-15, 25) * kMinute});
  }
  const int errands = rng.Poisson(workday ? 1.2 : 1.6);
  for (int e = 0; e < errands; ++e) {
    read::GeoPoint to = v.home;
    to.lat_e6 += static_cast<std::int32_t>(rng.Between(-135'000, 135'000));
    to.lon_e6 += static_cast<std::int32_t>(rng.Between(-170'000, 170'000));
    // Most errands are by day; a few (shift work, late nights) at any hour.
    const std::int64_t leave = rng.Chance(0.06) ? rng.Between(0, 24 * 60 - 1) * kMinute
                                                : rng.Between(8 * 60, 21 * 60) * kMinute;
    out->push_back({v.home, to, leave});
    out->push_back({to, v.home, leave + rng.Between(20, 180) * kMinute});
  }
}

void Traffic::Sites(std::int64_t day_number, std::vector<Site>* mobile) const {
  // Each mobile ALPR unit works a 12-hour shift in eight stints of 45
  // minutes, parked near its unit's home area (an overpass, a shoulder).
  mobile->clear();
  for (std::size_t m = 0; m < region_.mobile_cameras.size(); ++m) {
    const MobileCamera& cam = region_.mobile_cameras[m];
    read::GeoPoint home = region_.cameras.front().at;
    std::size_t nth = 0;
    for (const Unit& u : region_.units) {
      if (u.agency != cam.agency || u.kind != "patrol") continue;
      home = u.home;
      if (nth++ == m % 3) break;
    }
    Rng rng(MixSeed(opts_.seed, static_cast<std::uint64_t>(day_number), 0xA11CE + m));
    for (int stint = 0; stint < 8; ++stint) {
      Site s;
      s.mobile = static_cast<std::int32_t>(m);
      s.where = home;
      s.where.lat_e6 += static_cast<std::int32_t>(rng.Between(-100'000, 100'000));
      s.where.lon_e6 += static_cast<std::int32_t>(rng.Between(-130'000, 130'000));
      s.at = Project(s.where);
      s.from = 7 * kHour + stint * 90 * kMinute;
      s.to = s.from + 45 * kMinute;
      mobile->push_back(s);
    }
  }
}

void Traffic::Day(std::int64_t midnight_utc, std::vector<read::Read>* out,
                  TrafficStats* stats) const {
  const std::int64_t local_midnight = midnight_utc + zone_.OffsetAt(midnight_utc);
  const std::int64_t day_number = local_midnight / kDay;
  std::vector<Site> mobile;
  Sites(day_number, &mobile);
  std::vector<Trip> trips;
  const std::size_t first = out->size();
  stats->by_camera.resize(region_.cameras.size() + region_.mobile_cameras.size(), 0);
  const std::vector<Vehicle>& vehicles = population_.vehicles();
  std::vector<bool> stolen(vehicles.size(), false);
  std::vector<Vendor> vendor_of;
  for (const Camera& c : region_.cameras) vendor_of.push_back(region_.FindAgency(c.agency)->vendor);
  for (const MobileCamera& c : region_.mobile_cameras)
    vendor_of.push_back(region_.FindAgency(c.agency)->vendor);
  for (std::size_t s : population_.stolen()) stolen[s] = true;
  for (std::size_t vi = 0; vi < vehicles.size(); ++vi) {
    const Vehicle& v = vehicles[vi];
    Trips(v, day_number, &trips);
    const std::int64_t lag = v.follows >= 0 ? v.lag_s * 1000LL : 0;
    Rng noise(MixSeed(opts_.seed, static_cast<std::uint64_t>(day_number), 0x5EED0000 + vi));
    for (const Trip& trip : trips) {
      const Point a = Project(trip.from), b = Project(trip.to);
      const double dx = b.x - a.x, dy = b.y - a.y;
      const double length = std::hypot(dx, dy);
      if (length < 1) continue;
      const double speed = Speed(length);
      // The fixed cameras in the path's bounding box, widened by the corridor.
      const double x_lo = std::min(a.x, b.x) - opts_.corridor_m;
      const double x_hi = std::max(a.x, b.x) + opts_.corridor_m;
      const double y_lo = std::min(a.y, b.y) - opts_.corridor_m;
      const double y_hi = std::max(a.y, b.y) + opts_.corridor_m;
      auto first_site = std::lower_bound(fixed_.begin(), fixed_.end(), x_lo,
                                         [](const Site& site, double x) { return site.at.x < x; });
      auto pass = [&](const Site& site) {
        const double t = std::clamp(
            ((site.at.x - a.x) * dx + (site.at.y - a.y) * dy) / (length * length), 0.0, 1.0);
        const double ex = a.x + t * dx - site.at.x, ey = a.y + t * dy - site.at.y;
        if (ex * ex + ey * ey > opts_.corridor_m * opts_.corridor_m) return;
        const std::int64_t at =
            trip.depart + lag + static_cast<std::int64_t>(t * length / speed * 1000.0);
        if (at < 0 || at >= kDay) return;
        if (site.mobile >= 0 && (at < site.from || at >= site.to)) return;
        ++stats->passes;
        if (noise.Chance(opts_.miss_rate)) return;
        read::Read r;
        r.time = midnight_utc + at;
        if (site.mobile >= 0) {
          const MobileCamera& m = region_.mobile_cameras[static_cast<std::size_t>(site.mobile)];
          r.agency = m.agency;
          r.camera = m.code;
          r.position = site.where;
        } else {
          const Camera& c = region_.cameras[static_cast<std::size_t>(site.camera)];
          r.agency = c.agency;
          r.camera = c.code;
        }
        std::string text = v.plate.str();
        const auto [wrong, one] = Misread(text, opts_.error_rate, noise);
        Result<plate::Plate> read_plate = plate::Plate::FromNormalized(text);
        if (!read_plate.ok()) read_plate = v.plate;
        r.plate = *read_plate;
        r.plate_confidence = read::Confidence::FromPercent(
            static_cast<std::uint8_t>(wrong ? noise.Between(55, 88) : noise.Between(80, 99)));
        if (noise.Chance(0.95)) {
          r.state = v.state;
          r.state_confidence =
              read::Confidence::FromPercent(static_cast<std::uint8_t>(noise.Between(75, 99)));
        }
        // Alternates: the OCR's next guesses; for a wrong read the truth is
        // among them more often than not.
        const int alternates = static_cast<int>(noise.Between(1, 3));
        for (int k = 0; k < alternates; ++k) {
          std::string alt = r.plate.str();
          if (wrong && k == 0 && noise.Chance(0.6)) {
            alt = v.plate.str();
          } else if (!SubstituteLookalike(alt, noise)) {
            continue;
          }
          Result<plate::Plate> ap = plate::Plate::FromNormalized(alt);
          if (!ap.ok() || *ap == r.plate) continue;
          if (std::any_of(r.alternates.begin(), r.alternates.end(),
                          [&](const read::Alternate& x) { return x.plate == *ap; }))
            continue;
          r.alternates.push_back({*ap, read::Confidence::FromPercent(
                                           static_cast<std::uint8_t>(noise.Between(30, 70)))});
        }
        if (vendor_of[site.mobile >= 0
                          ? region_.cameras.size() + static_cast<std::size_t>(site.mobile)
                          : static_cast<std::size_t>(site.camera)] == Vendor::kOpenAlpr) {
          // Only OpenALPR's vehicle recognition reports make, model, colour and body.
          r.vehicle.make = std::string(v.make);
          r.vehicle.model = std::string(v.model);
          r.vehicle.color = std::string(v.color);
          r.vehicle.body = std::string(v.body);
        }
        r.id = fmt::format(
            "{:016x}",
            MixSeed(opts_.seed, static_cast<std::uint64_t>(r.time),
                    vi * 4096 + static_cast<std::uint64_t>(site.camera + 2 + site.mobile)));
        ++stats->reads;
        if (wrong) ++stats->wrong;
        if (one) ++stats->one_character;
        if (stolen[vi]) ++stats->stolen_reads;
        ++stats->by_camera[site.mobile >= 0
                               ? region_.cameras.size() + static_cast<std::size_t>(site.mobile)
                               : static_cast<std::size_t>(site.camera)];
        out->push_back(std::move(r));
      };
      for (auto it = first_site; it != fixed_.end() && it->at.x <= x_hi; ++it) {
        if (it->at.y >= y_lo && it->at.y <= y_hi) pass(*it);
      }
      for (const Site& site : mobile) pass(site);
    }
  }
  std::sort(out->begin() + static_cast<std::ptrdiff_t>(first), out->end(),
            [](const read::Read& x, const read::Read& y) {
              return x.time != y.time ? x.time < y.time : x.id < y.id;
            });
}

}  // namespace interdict::sim
