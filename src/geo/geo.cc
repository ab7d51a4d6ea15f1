#include "geo/geo.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include <boost/geometry.hpp>
#include <boost/geometry/geometries/register/point.hpp>
#include <boost/geometry/geometries/register/ring.hpp>

// The plane view: a Point is (x = longitude, y = latitude) in micro-degrees,
// and a Ring is an open ring of them, for containment: Boost.Geometry's side
// test promotes integer coordinates to double, and within the 50 km a search
// area spans every product it forms is exact. Its segment intersection does
// not promote (Cramer's rule in the coordinate type overflows int32, found by
// UBSan), so validity works on a copy in doubles: `PlanePoint`.
BOOST_GEOMETRY_REGISTER_POINT_2D(interdict::geo::Point, std::int32_t,
                                 boost::geometry::cs::cartesian, lon_e6, lat_e6)
BOOST_GEOMETRY_REGISTER_RING(interdict::geo::Ring)

namespace boost::geometry::traits {
template <>
struct closure<interdict::geo::Ring> {
  static const closure_selector value = open;
};
}  // namespace boost::geometry::traits

namespace interdict::geo {
namespace {

namespace bg = boost::geometry;

constexpr double kRad = std::numbers::pi / 180.0;

// The sphere view, for distances: (longitude, latitude) in degrees.
using SpherePoint = bg::model::point<double, 2, bg::cs::spherical_equatorial<bg::degree>>;
using SphereSegment = bg::model::segment<SpherePoint>;
using PlanePoint = bg::model::d2::point_xy<double>;  // micro-degrees, as doubles
using PlaneSegment = bg::model::segment<PlanePoint>;
using PlaneRing = bg::model::ring<PlanePoint, true, false>;  // clockwise, open

SpherePoint OnSphere(const Point& p) {
  return SpherePoint(p.lon(), p.lat());
}

PlanePoint OnPlane(const Point& p) {
  return PlanePoint(p.lon_e6, p.lat_e6);
}

// Whether edges i and j of the ring meet where they should not: anywhere
// for edges that are not neighbours; anywhere but their shared vertex for
// neighbours (which then fold back over each other).
bool EdgesMeet(const PlaneRing& ring, std::size_t i, std::size_t j) {
  const std::size_t n = ring.size();
  const PlaneSegment a(ring[i], ring[(i + 1) % n]);
  const PlaneSegment b(ring[j], ring[(j + 1) % n]);
  const bool neighbours = j == i + 1 || (i == 0 && j == n - 1);
  if (!neighbours) return bg::intersects(a, b);
  // Neighbours that do not lie along one line meet at their shared vertex
  // exactly (an end of each); the points where they meet are then that
  // vertex, and anything else is a fold.
  std::vector<PlanePoint> meet;
  bg::intersection(a, b, meet);
  const PlanePoint& shared = j == i + 1 ? ring[j] : ring[i];
  return std::any_of(meet.begin(), meet.end(), [&](const PlanePoint& m) {
    return m.x() != shared.x() || m.y() != shared.y();
  });
}

}  // namespace

Point Point::FromDegrees(double lat, double lon) {
  return {static_cast<std::int32_t>(std::lround(lat * 1e6)),
          static_cast<std::int32_t>(std::lround(lon * 1e6))};
}

Point Interpolate(const Point& a, const Point& b, double f) {
  return {a.lat_e6 + static_cast<std::int32_t>(std::lround(f * (b.lat_e6 - a.lat_e6))),
          a.lon_e6 + static_cast<std::int32_t>(std::lround(f * (b.lon_e6 - a.lon_e6)))};
}

double DistanceMeters(const Point& a, const Point& b) {
  return bg::distance(OnSphere(a), OnSphere(b),
                      bg::strategy::distance::haversine<double>(kEarthRadiusMetres));
}

bool RingContains(const Ring& ring, const Point& p) {
  if (ring.size() < 3) return false;
  return bg::covered_by(p, ring);
}

std::optional<std::pair<std::size_t, std::size_t>> RingSelfCrossing(const Ring& ring) {
  const std::size_t n = ring.size();
  if (n < 3) return std::nullopt;
  // Boost.Geometry's verdict first (O(n log n)); it wants a clockwise ring,
  // and an analyst may draw either way.
  PlaneRing plane;
  plane.reserve(n);
  for (const Point& p : ring) plane.push_back(OnPlane(p));
  PlaneRing clockwise = plane;
  bg::correct(clockwise);
  if (bg::is_valid(clockwise)) return std::nullopt;
  // Then the edges to name, pair by pair, only for a ring that is not simple.
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = i + 1; j < n; ++j) {
      if (EdgesMeet(plane, i, j)) return std::pair{i, j};
    }
  }
  // Not simple, yet no two edges meet: a vertex repeated in a row (an edge
  // of no length; ParsePolygon collapses those before asking). Named as the
  // first and last edges, which meet at the ring's start.
  return std::pair{std::size_t{0}, n - 1};
}

double DistanceToRing(const Ring& ring, const Point& p) {
  if (ring.empty()) return std::numeric_limits<double>::infinity();
  if (RingContains(ring, p)) return 0;
  const bg::strategy::distance::cross_track<double> on_sphere(kEarthRadiusMetres);
  const SpherePoint q = OnSphere(p);
  double best = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < ring.size(); ++i) {
    const SphereSegment edge(OnSphere(ring[i]), OnSphere(ring[(i + 1) % ring.size()]));
    best = std::min(best, bg::distance(q, edge, on_sphere));
  }
  return best;
}

double RingsDistance(const Ring& a, const Ring& b) {
  if (a.size() < 3 || b.size() < 3) return std::numeric_limits<double>::infinity();
  // A vertex inside the other, or two edges crossing (on the plane of
  // micro-degrees: the areas compared are a few kilometres across).
  for (const Point& p : a)
    if (RingContains(b, p)) return 0;
  for (const Point& p : b)
    if (RingContains(a, p)) return 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const PlaneSegment ea(OnPlane(a[i]), OnPlane(a[(i + 1) % a.size()]));
    for (std::size_t j = 0; j < b.size(); ++j) {
      const PlaneSegment eb(OnPlane(b[j]), OnPlane(b[(j + 1) % b.size()]));
      if (bg::intersects(ea, eb)) return 0;
    }
  }
  double best = std::numeric_limits<double>::infinity();
  for (const Point& p : a) best = std::min(best, DistanceToRing(b, p));
  for (const Point& p : b) best = std::min(best, DistanceToRing(a, p));
  return best;
}

std::pair<Point, double> RingBounds(const Ring& ring) {
  const bg::model::box<Point> box = bg::return_envelope<bg::model::box<Point>>(ring);
  const Point lo = box.min_corner(), hi = box.max_corner();
  Point c;
  c.lat_e6 = static_cast<std::int32_t>((std::int64_t{lo.lat_e6} + hi.lat_e6) / 2);
  c.lon_e6 = static_cast<std::int32_t>((std::int64_t{lo.lon_e6} + hi.lon_e6) / 2);
  return {c, std::max(DistanceMeters(c, hi), DistanceMeters(c, lo)) * 1.01 + 1.0};
}

std::pair<double, double> DegreesAround(const Point& center, double metres) {
  const double dlat = metres / (kEarthRadiusMetres * kRad);
  return {dlat, dlat / std::max(1e-9, std::cos(center.lat() * kRad))};
}

LocalPlane::LocalPlane(const Point& origin)
    : origin_(origin),
      metres_per_lon_degree_(kEarthRadiusMetres * kRad * std::cos(origin.lat() * kRad)) {}

LocalPlane::Xy LocalPlane::ToMetres(const Point& p) const {
  return {(p.lon() - origin_.lon()) * metres_per_lon_degree_,
          (p.lat() - origin_.lat()) * kEarthRadiusMetres * kRad};
}

}  // namespace interdict::geo
