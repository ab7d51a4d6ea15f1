#include "sim/units.h"

#include <cmath>
#include <numbers>

#include "sim/rng.h"

namespace interdict::sim {
namespace {

constexpr std::int64_t kMinute = 60'000;
constexpr std::int64_t kLeg = 10 * kMinute;   // a patrol drives to a new point this often
constexpr std::int64_t kCall = 30 * kMinute;  // busy or not, by half-hour
constexpr double kMetresPerDegreeLat = 111'195;

geo::Point Offset(const geo::Point& p, double east_m, double north_m) {
  const double lat = p.lat() + north_m / kMetresPerDegreeLat;
  const double lon =
      p.lon() + east_m / (kMetresPerDegreeLat * std::cos(p.lat() * std::numbers::pi / 180));
  return geo::Point::FromDegrees(lat, lon);
}

int Heading(const geo::Point& a, const geo::Point& b) {
  const double north = (b.lat() - a.lat()) * kMetresPerDegreeLat;
  const double east =
      (b.lon() - a.lon()) * kMetresPerDegreeLat * std::cos(a.lat() * std::numbers::pi / 180);
  if (north == 0 && east == 0) return 0;
  const double deg = std::atan2(east, north) * 180 / std::numbers::pi;
  return static_cast<int>(std::lround(deg + 360)) % 360;
}

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  return a / b - (a % b != 0 && (a < 0) != (b < 0) ? 1 : 0);
}

}  // namespace

std::string_view RegistryKind(std::string_view region_kind) {
  if (region_kind == "k9") return "k9";
  if (region_kind == "tactical") return "tactical_medic";
  if (region_kind == "air") return "aircraft";
  if (region_kind == "patrol") return "patrol";
  return "other";
}

UnitMotion::UnitMotion(const Region& region, UnitMotionOptions options)
    : region_(region), opts_(options) {}

geo::Point UnitMotion::Waypoint(std::size_t unit, std::int64_t slot, double radius_m) const {
  Rng rng(MixSeed(opts_.seed, 0x0417 + unit, static_cast<std::uint64_t>(slot)));
  // Uniform over the disc around home.
  const double r = radius_m * std::sqrt(rng.Uniform());
  const double a = 2 * std::numbers::pi * rng.Uniform();
  return Offset(region_.units[unit].home, r * std::sin(a), r * std::cos(a));
}

UnitFix UnitMotion::At(std::size_t unit, std::int64_t time) const {
  const Unit& u = region_.units[unit];
  UnitFix fix;
  const std::int64_t call = FloorDiv(time, kCall);
  Rng busy(MixSeed(opts_.seed, 0xB057 + unit, static_cast<std::uint64_t>(call)));
  fix.available = !busy.Chance(opts_.busy_share);
  if (u.kind == "air") {
    // A loop around the base (while busy, on another task on the way).
    const double speed = opts_.aircraft_kmh / 3.6;
    const double period_s = 2 * std::numbers::pi * opts_.orbit_radius_m / speed;
    const double phase =
        2 * std::numbers::pi * std::fmod(static_cast<double>(time) / 1000.0, period_s) / period_s;
    fix.at = Offset(u.home, opts_.orbit_radius_m * std::sin(phase),
                    opts_.orbit_radius_m * std::cos(phase));
    fix.speed_mps = speed;
    fix.heading = static_cast<int>(std::lround(phase * 180 / std::numbers::pi + 90)) % 360;
    return fix;
  }
  const bool stages = u.kind == "k9" || u.kind == "tactical";
  const double radius = stages ? opts_.patrol_radius_m / 4 : opts_.patrol_radius_m;
  const std::int64_t leg = stages ? 6 * kLeg : kLeg;
  const std::int64_t slot = FloorDiv(time, leg);
  const geo::Point a = Waypoint(unit, slot, radius);
  const geo::Point b = Waypoint(unit, slot + 1, radius);
  // Drive to the next point in the first half of the leg, then wait there.
  const double t =
      std::min(1.0, 2.0 * static_cast<double>(time - slot * leg) / static_cast<double>(leg));
  fix.at = geo::Interpolate(a, b, t);
  if (t < 1) {
    fix.speed_mps = geo::DistanceMeters(a, b) / (static_cast<double>(leg) / 2000.0);
    fix.heading = Heading(a, b);
  }
  return fix;
}

}  // namespace interdict::sim
