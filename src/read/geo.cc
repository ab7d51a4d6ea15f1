#include "read/geo.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>

namespace interdict::read {
namespace {

// Integer coordinates (micro-degrees) keep the orientation test exact.
std::int64_t Cross(const GeoPoint& o, const GeoPoint& a, const GeoPoint& b) {
  return (std::int64_t{a.lon_e6} - o.lon_e6) * (std::int64_t{b.lat_e6} - o.lat_e6) -
         (std::int64_t{a.lat_e6} - o.lat_e6) * (std::int64_t{b.lon_e6} - o.lon_e6);
}

int Sign(std::int64_t v) {
  return (v > 0) - (v < 0);
}

bool OnSegment(const GeoPoint& a, const GeoPoint& b, const GeoPoint& p) {
  return Cross(a, b, p) == 0 && std::min(a.lon_e6, b.lon_e6) <= p.lon_e6 &&
         p.lon_e6 <= std::max(a.lon_e6, b.lon_e6) && std::min(a.lat_e6, b.lat_e6) <= p.lat_e6 &&
         p.lat_e6 <= std::max(a.lat_e6, b.lat_e6);
}

bool SegmentsMeet(const GeoPoint& a, const GeoPoint& b, const GeoPoint& c, const GeoPoint& d) {
  const int d1 = Sign(Cross(c, d, a)), d2 = Sign(Cross(c, d, b));
  const int d3 = Sign(Cross(a, b, c)), d4 = Sign(Cross(a, b, d));
  if (d1 * d2 < 0 && d3 * d4 < 0) return true;
  return OnSegment(c, d, a) || OnSegment(c, d, b) || OnSegment(a, b, c) || OnSegment(a, b, d);
}

}  // namespace

bool RingContains(const Ring& ring, const GeoPoint& p) {
  const std::size_t n = ring.size();
  if (n < 3) return false;
  bool inside = false;
  for (std::size_t i = 0, j = n - 1; i < n; j = i++) {
    const GeoPoint& a = ring[i];
    const GeoPoint& b = ring[j];
    if (OnSegment(a, b, p)) return true;
    if ((a.lat_e6 > p.lat_e6) != (b.lat_e6 > p.lat_e6)) {
      // Where the edge crosses the point's latitude, compared exactly:
      // p.lon < a.lon + (p.lat - a.lat) * (b.lon - a.lon) / (b.lat - a.lat).
      const std::int64_t dy = std::int64_t{b.lat_e6} - a.lat_e6;
      const std::int64_t lhs = (std::int64_t{p.lon_e6} - a.lon_e6) * dy;
      const std::int64_t rhs =
          (std::int64_t{p.lat_e6} - a.lat_e6) * (std::int64_t{b.lon_e6} - a.lon_e6);
      if (dy > 0 ? lhs < rhs : lhs > rhs) inside = !inside;
    }
  }
  return inside;
}

std::optional<std::pair<std::size_t, std::size_t>> RingSelfCrossing(const Ring& ring) {
  const std::size_t n = ring.size();
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = i + 1; j < n; ++j) {
      const bool adjacent = j == i + 1 || (i == 0 && j == n - 1);
      const GeoPoint &a = ring[i], &b = ring[(i + 1) % n];
      const GeoPoint &c = ring[j], &d = ring[(j + 1) % n];
      if (adjacent) {
        // Neighbours share one vertex; they may not fold back over each other.
        const GeoPoint& shared = j == i + 1 ? b : a;
        const GeoPoint& p = j == i + 1 ? a : b;
        const GeoPoint& q = j == i + 1 ? d : c;
        if (Cross(shared, p, q) == 0 && (OnSegment(shared, p, q) || OnSegment(shared, q, p)))
          return std::pair{i, j};
        continue;
      }
      if (SegmentsMeet(a, b, c, d)) return std::pair{i, j};
    }
  }
  return std::nullopt;
}

double DistanceToRing(const Ring& ring, const GeoPoint& p) {
  if (ring.empty()) return std::numeric_limits<double>::infinity();
  if (RingContains(ring, p)) return 0;
  // Metres east and north of p, on the plane tangent at p.
  constexpr double kRad = std::numbers::pi / 180;
  constexpr double kMetresPerDegree = 6'371'008.8 * kRad;
  const double east = kMetresPerDegree * std::cos(p.lat() * kRad);
  const auto local = [&](const GeoPoint& q) {
    return std::pair{(q.lon() - p.lon()) * east, (q.lat() - p.lat()) * kMetresPerDegree};
  };
  double best = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < ring.size(); ++i) {
    const auto [ax, ay] = local(ring[i]);
    const auto [bx, by] = local(ring[(i + 1) % ring.size()]);
    const double dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
    // The point of the edge nearest the origin (p).
    const double t = len2 == 0 ? 0 : std::clamp(-(ax * dx + ay * dy) / len2, 0.0, 1.0);
    best = std::min(best, std::hypot(ax + t * dx, ay + t * dy));
  }
  return best;
}

std::pair<GeoPoint, double> RingBounds(const Ring& ring) {
  std::int32_t lat_lo = ring.front().lat_e6, lat_hi = lat_lo;
  std::int32_t lon_lo = ring.front().lon_e6, lon_hi = lon_lo;
  for (const GeoPoint& p : ring) {
    lat_lo = std::min(lat_lo, p.lat_e6);
    lat_hi = std::max(lat_hi, p.lat_e6);
    lon_lo = std::min(lon_lo, p.lon_e6);
    lon_hi = std::max(lon_hi, p.lon_e6);
  }
  GeoPoint c;
  c.lat_e6 = static_cast<std::int32_t>((std::int64_t{lat_lo} + lat_hi) / 2);
  c.lon_e6 = static_cast<std::int32_t>((std::int64_t{lon_lo} + lon_hi) / 2);
  GeoPoint corner;
  corner.lat_e6 = lat_hi;
  corner.lon_e6 = lon_hi;
  GeoPoint other;
  other.lat_e6 = lat_lo;
  other.lon_e6 = lon_lo;
  return {c, std::max(DistanceMeters(c, corner), DistanceMeters(c, other)) * 1.01 + 1.0};
}

}  // namespace interdict::read
