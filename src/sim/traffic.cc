#include "sim/traffic.h"

#include <algorithm>
#include <cmath>
#include <thread>

#include <fmt/core.h>

#include "base/time_format.h"
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
      zone_(TimeZone::Parse(opts_.time_zone).value_or(TimeZone::Utc())) {
  double lat = 0, lon = 0;
  for (const Camera& c : region_.cameras) {
    lat += c.at.lat();
    lon += c.at.lon();
  }
  plane_ =
      geo::LocalPlane(geo::Point::FromDegrees(lat / static_cast<double>(region_.cameras.size()),
                                              lon / static_cast<double>(region_.cameras.size())));
  for (std::size_t i = 0; i < region_.cameras.size(); ++i) {
    Site s;
    s.camera = static_cast<std::int32_t>(i);
    s.where = region_.cameras[i].at;
    s.at = Project(s.where);
    fixed_.push_back(s);
  }
  auto prefix = [](std::string_view agency, std::string_view camera) {
    return fmt::format(R"(","agency":"{}","camera":"{}","time":")", agency, camera);
  };
  for (const Camera& c : region_.cameras) {
    vendor_of_.push_back(region_.FindAgency(c.agency)->vendor);
    site_prefix_.push_back(prefix(c.agency, c.code));
  }
  for (const MobileCamera& c : region_.mobile_cameras) {
    vendor_of_.push_back(region_.FindAgency(c.agency)->vendor);
    site_prefix_.push_back(prefix(c.agency, c.code));
  }
  stolen_.assign(population_.vehicles().size(), false);
  for (std::size_t i : population_.stolen()) stolen_[i] = true;
  std::sort(fixed_.begin(), fixed_.end(),
            [](const Site& a, const Site& b) { return a.at.x < b.at.x; });
}

Traffic::Point Traffic::Project(const geo::Point& p) const {
  return plane_.ToMetres(p);
}

std::int64_t Traffic::LocalMidnight(std::int64_t utc) const {
  return zone_.LocalMidnight(utc);
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
    geo::Point to = v.home;
    to.lat_e6 += static_cast<std::int32_t>(rng.Between(-135'000, 135'000));
    to.lon_e6 += static_cast<std::int32_t>(rng.Between(-170'000, 170'000));
    // Most errands are by day; a few (shift work, late nights) at any hour.
    const std::int64_t leave = rng.Chance(0.06) ? rng.Between(0, 24 * 60 - 1) * kMinute
                                                : rng.Between(8 * 60, 21 * 60) * kMinute;
    out->push_back({v.home, to, leave});
    out->push_back({to, v.home, leave + rng.Between(20, 180) * kMinute});
  }
}

geo::Point Drive::At(std::int64_t time) const {
  if (arrive <= depart) return to;
  return geo::Interpolate(
      from, to,
      std::clamp(static_cast<double>(time - depart) / static_cast<double>(arrive - depart), 0.0,
                 1.0));
}

std::vector<Drive> Traffic::Drives(std::uint32_t vehicle, std::int64_t midnight_utc) const {
  const std::int64_t local_midnight = midnight_utc + zone_.OffsetAt(midnight_utc);
  const std::int64_t day_number = local_midnight / kDay;
  const Vehicle& v = population_.vehicles()[vehicle];
  std::vector<Trip> trips;
  Trips(v, day_number, &trips);
  const std::int64_t lag = v.follows >= 0 ? v.lag_s * 1000LL : 0;
  std::vector<Drive> out;
  for (const Trip& trip : trips) {
    const Point a = Project(trip.from), b = Project(trip.to);
    const double length = std::hypot(b.x - a.x, b.y - a.y);
    if (length < 1) continue;
    Drive d;
    d.from = trip.from;
    d.to = trip.to;
    d.depart = midnight_utc + trip.depart + lag;
    d.arrive = d.depart + static_cast<std::int64_t>(length / Speed(length) * 1000.0);
    out.push_back(d);
  }
  return out;
}

void Traffic::Sites(std::int64_t day_number, std::vector<Site>* mobile) const {
  // Each mobile ALPR unit works a 12-hour shift in eight stints of 45
  // minutes, parked near its unit's home area (an overpass, a shoulder).
  mobile->clear();
  for (std::size_t m = 0; m < region_.mobile_cameras.size(); ++m) {
    const MobileCamera& cam = region_.mobile_cameras[m];
    geo::Point home = region_.cameras.front().at;
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

void Traffic::Vehicles(std::int64_t midnight_utc, std::int64_t day_number,
                       const std::vector<Site>& mobile, std::size_t from, std::size_t to,
                       std::vector<SimRead>* out, TrafficStats* stats) const {
  std::vector<Trip> trips;
  stats->by_camera.resize(region_.cameras.size() + region_.mobile_cameras.size(), 0);
  const std::vector<Vehicle>& vehicles = population_.vehicles();
  std::string text, alt;
  for (std::size_t vi = from; vi < to; ++vi) {
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
        SimRead r;
        r.time = midnight_utc + at;
        r.vehicle = static_cast<std::uint32_t>(vi);
        const std::size_t site_index =
            site.mobile >= 0 ? region_.cameras.size() + static_cast<std::size_t>(site.mobile)
                             : static_cast<std::size_t>(site.camera);
        r.site = static_cast<std::uint16_t>(site_index);
        if (site.mobile >= 0) {
          r.lat_e6 = site.where.lat_e6;
          r.lon_e6 = site.where.lon_e6;
        }
        text = v.plate.str();
        const auto [wrong, one] = Misread(text, opts_.error_rate, noise);
        plate::Plate read_plate = v.plate;
        if (wrong) {
          if (Result<plate::Plate> p = plate::Plate::FromNormalized(text); p.ok()) read_plate = *p;
        }
        r.plate = read_plate.Pack();
        r.plate_confidence =
            static_cast<std::uint8_t>(wrong ? noise.Between(55, 88) : noise.Between(80, 99));
        if (noise.Chance(0.95)) {
          r.state_confidence = static_cast<std::uint8_t>(noise.Between(75, 99));
        }
        // Alternates: the OCR's next guesses; for a wrong read the truth is
        // among them more often than not.
        const int alternates = static_cast<int>(noise.Between(1, 3));
        std::size_t n = 0;
        for (int k = 0; k < alternates; ++k) {
          alt = read_plate.str();
          if (wrong && k == 0 && noise.Chance(0.6)) {
            alt = v.plate.str();
          } else if (!SubstituteLookalike(alt, noise)) {
            continue;
          }
          Result<plate::Plate> ap = plate::Plate::FromNormalized(alt);
          if (!ap.ok() || *ap == read_plate) continue;
          const std::uint64_t packed = ap->Pack();
          if (std::find(r.alternates, r.alternates + n, packed) != r.alternates + n) continue;
          r.alternates[n] = packed;
          r.alternate_confidence[n] = static_cast<std::uint8_t>(noise.Between(30, 70));
          ++n;
        }
        r.id = MixSeed(opts_.seed, static_cast<std::uint64_t>(r.time),
                       vi * 4096 + static_cast<std::uint64_t>(site.camera + 2 + site.mobile));
        ++stats->reads;
        if (wrong) ++stats->wrong;
        if (one) ++stats->one_character;
        if (stolen_[vi]) ++stats->stolen_reads;
        ++stats->by_camera[site_index];
        out->push_back(r);
      };
      for (auto it = first_site; it != fixed_.end() && it->at.x <= x_hi; ++it) {
        if (it->at.y >= y_lo && it->at.y <= y_hi) pass(*it);
      }
      for (const Site& site : mobile) pass(site);
    }
  }
  std::sort(out->begin(), out->end(), [](const SimRead& x, const SimRead& y) {
    return x.time != y.time ? x.time < y.time : x.id < y.id;
  });
}

void Traffic::DayCompact(std::int64_t midnight_utc, std::vector<SimRead>* out,
                         TrafficStats* stats) const {
  const std::int64_t local_midnight = midnight_utc + zone_.OffsetAt(midnight_utc);
  const std::int64_t day_number = local_midnight / kDay;
  std::vector<Site> mobile;
  Sites(day_number, &mobile);
  const std::size_t n = population_.vehicles().size();
  out->clear();
  if (n < 20'000) {
    Vehicles(midnight_utc, day_number, mobile, 0, n, out, stats);
    return;
  }
  // Two halves of the population on two threads, merged in the same order a
  // single sort gives (time, then id).
  std::vector<SimRead> second;
  TrafficStats second_stats;
  std::thread other(
      [&] { Vehicles(midnight_utc, day_number, mobile, n / 2, n, &second, &second_stats); });
  std::vector<SimRead> first;
  Vehicles(midnight_utc, day_number, mobile, 0, n / 2, &first, stats);
  other.join();
  stats->Add(second_stats);
  out->resize(first.size() + second.size());
  std::merge(first.begin(), first.end(), second.begin(), second.end(), out->begin(),
             [](const SimRead& x, const SimRead& y) {
               return x.time != y.time ? x.time < y.time : x.id < y.id;
             });
}

const Agency* Traffic::AgencyOf(std::size_t site) const {
  return region_.FindAgency(site < region_.cameras.size()
                                ? region_.cameras[site].agency
                                : region_.mobile_cameras[site - region_.cameras.size()].agency);
}

read::Read Traffic::ToRead(const SimRead& s) const {
  const Vehicle& v = population_.vehicles()[s.vehicle];
  read::Read r;
  r.id = fmt::format("{:016x}", s.id);
  if (s.site < region_.cameras.size()) {
    r.agency = region_.cameras[s.site].agency;
    r.camera = region_.cameras[s.site].code;
  } else {
    const MobileCamera& m = region_.mobile_cameras[s.site - region_.cameras.size()];
    r.agency = m.agency;
    r.camera = m.code;
    geo::Point p;
    p.lat_e6 = s.lat_e6;
    p.lon_e6 = s.lon_e6;
    r.position = p;
  }
  r.time = s.time;
  r.plate = plate::Plate::Unpack(s.plate);
  r.plate_confidence = read::Confidence::FromPercent(s.plate_confidence);
  if (s.state_confidence != SimRead::kNoState) {
    r.state = v.state;
    r.state_confidence = read::Confidence::FromPercent(s.state_confidence);
  }
  for (std::size_t k = 0; k < 3 && s.alternates[k] != 0; ++k) {
    r.alternates.push_back({plate::Plate::Unpack(s.alternates[k]),
                            read::Confidence::FromPercent(s.alternate_confidence[k])});
  }
  if (vendor_of_[s.site] == Vendor::kOpenAlpr) {
    // Only OpenALPR's vehicle recognition reports make, model, colour and body.
    r.vehicle.make = std::string(v.make);
    r.vehicle.model = std::string(v.model);
    r.vehicle.color = std::string(v.color);
    r.vehicle.body = std::string(v.body);
  }
  return r;
}

void Traffic::Day(std::int64_t midnight_utc, std::vector<read::Read>* out,
                  TrafficStats* stats) const {
  std::vector<SimRead> compact;
  DayCompact(midnight_utc, &compact, stats);
  out->reserve(out->size() + compact.size());
  for (const SimRead& s : compact) out->push_back(ToRead(s));
}

namespace {

void AppendDigits(std::int64_t v, int width, std::string* out) {
  char buf[20];
  for (int i = width - 1; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  out->append(buf, static_cast<std::size_t>(width));
}

// A 0..100 percentage as a JSON fraction: 86 -> 0.86, 100 -> 1.
void AppendFraction(std::uint8_t percent, std::string* out) {
  if (percent >= 100) {
    out->push_back('1');
    return;
  }
  out->append("0.");
  AppendDigits(percent, 2, out);
}

void AppendDegrees(std::int32_t e6, std::string* out) {
  std::int64_t v = e6;
  if (v < 0) {
    out->push_back('-');
    v = -v;
  }
  out->append(std::to_string(v / 1'000'000));
  out->push_back('.');
  AppendDigits(v % 1'000'000, 6, out);
}

}  // namespace

void Traffic::AppendNative(const SimRead& r, std::string* out) const {
  static constexpr char kHex[] = "0123456789abcdef";
  out->append(R"({"id":")");
  for (int shift = 60; shift >= 0; shift -= 4) out->push_back(kHex[(r.id >> shift) & 15]);
  out->append(site_prefix_[r.site]);
  // RFC 3339 in UTC: the date from the formatter, once per day; the time by hand.
  const std::int64_t day = r.time / kDay, ms = r.time % kDay;
  thread_local std::int64_t cached_day = -1;
  thread_local std::string date;
  if (day != cached_day) {
    cached_day = day;
    date = FormatRfc3339(day * kDay).substr(0, 11);
  }
  out->append(date);
  AppendDigits(ms / 3'600'000, 2, out);
  out->push_back(':');
  AppendDigits(ms / 60'000 % 60, 2, out);
  out->push_back(':');
  AppendDigits(ms / 1000 % 60, 2, out);
  out->push_back('.');
  AppendDigits(ms % 1000, 3, out);
  out->append(R"(Z","plate":")");
  out->append(plate::Plate::Unpack(r.plate).text());
  out->push_back('"');
  const Vehicle& v = population_.vehicles()[r.vehicle];
  if (r.state_confidence != SimRead::kNoState) {
    out->append(R"(,"state":")");
    out->append(v.state.code());
    out->append(R"(","state_confidence":)");
    AppendFraction(r.state_confidence, out);
  }
  out->append(R"(,"plate_confidence":)");
  AppendFraction(r.plate_confidence, out);
  if (r.site >= region_.cameras.size()) {
    out->append(R"(,"lat":)");
    AppendDegrees(r.lat_e6, out);
    out->append(R"(,"lon":)");
    AppendDegrees(r.lon_e6, out);
  }
  if (r.alternates[0] != 0) {
    out->append(R"(,"alternates":[)");
    for (std::size_t k = 0; k < 3 && r.alternates[k] != 0; ++k) {
      out->append(k ? R"(,{"plate":")" : R"({"plate":")");
      out->append(plate::Plate::Unpack(r.alternates[k]).text());
      out->append(R"(","confidence":)");
      AppendFraction(r.alternate_confidence[k], out);
      out->push_back('}');
    }
    out->push_back(']');
  }
  if (vendor_of_[r.site] == Vendor::kOpenAlpr) {
    out->append(R"(,"vehicle":{"make":")");
    out->append(v.make);
    out->append(R"(","model":")");
    out->append(v.model);
    out->append(R"(","color":")");
    out->append(v.color);
    out->append(R"(","body":")");
    out->append(v.body);
    out->append(R"("})");
  }
  out->push_back('}');
}

}  // namespace interdict::sim
