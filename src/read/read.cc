#include "read/read.h"

#include <cmath>
#include <numbers>

namespace interdict::read {

Confidence Confidence::FromFraction(double f) {
  const long p = std::lround(f * 100.0);
  return FromPercent(static_cast<std::uint8_t>(p < 0 ? 0 : (p > 100 ? 100 : p)));
}

GeoPoint GeoPoint::FromDegrees(double lat, double lon) {
  return {static_cast<std::int32_t>(std::lround(lat * 1e6)),
          static_cast<std::int32_t>(std::lround(lon * 1e6))};
}

bool IsAgencyCode(std::string_view code) {
  if (code.empty() || code.size() > kMaxAgencyBytes || code == "." || code == "..") return false;
  for (char c : code) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

double DistanceMeters(const GeoPoint& a, const GeoPoint& b) {
  constexpr double kEarthRadius = 6'371'008.8;
  constexpr double kRad = std::numbers::pi / 180.0;
  const double dlat = (b.lat() - a.lat()) * kRad;
  const double dlon = (b.lon() - a.lon()) * kRad;
  const double h =
      std::sin(dlat / 2) * std::sin(dlat / 2) +
      std::cos(a.lat() * kRad) * std::cos(b.lat() * kRad) * std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kEarthRadius * std::asin(std::min(1.0, std::sqrt(h)));
}

}  // namespace interdict::read
