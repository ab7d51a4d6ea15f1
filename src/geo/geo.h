// Geometry on the map, in one place: positions, distances, the polygons
// analysts draw for area and scene searches, protected places and disparity
// areas. Built on Boost.Geometry (decision 0029); its headers stay in geo.cc.
//
// Polygons are small (a search area fits within 50 km), so containment and
// validity use latitude and longitude as plane coordinates in micro-degrees,
// where Boost.Geometry's orientation tests are exact; distances are on the
// sphere (haversine and cross-track, mean Earth radius).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace interdict::geo {

// WGS84 position in micro-degrees (about 0.1 m).
struct Point {
  std::int32_t lat_e6 = 0;
  std::int32_t lon_e6 = 0;

  static Point FromDegrees(double lat, double lon);
  double lat() const { return lat_e6 / 1e6; }
  double lon() const { return lon_e6 / 1e6; }
  friend bool operator==(const Point&, const Point&) = default;
};

// The mean Earth radius (IUGG), metres.
inline constexpr double kEarthRadiusMetres = 6'371'008.8;

// Great-circle distance in metres.
double DistanceMeters(const Point& a, const Point& b);

// The point a share `f` (0..1) of the way from `a` to `b`, straight on the
// map (for the short legs of trips and staging points).
Point Interpolate(const Point& a, const Point& b, double f);

// A simple polygon: its ring of vertices, not closed (the last vertex is not
// repeated), at least 3 distinct points, in either direction.
using Ring = std::vector<Point>;

// Whether `p` is inside the ring or on its boundary.
bool RingContains(const Ring& ring, const Point& p);

// Where a ring is not a simple polygon, and so has no well-defined inside:
// the first pair of edges (by index; edge i runs from vertex i to i+1) that
// cross, touch other than at a shared vertex, or fold back over each other.
std::optional<std::pair<std::size_t, std::size_t>> RingSelfCrossing(const Ring& ring);

// Metres from `p` to the nearest point of the ring's area: 0 inside or on
// the boundary, else the distance to the nearest edge.
double DistanceToRing(const Ring& ring, const Point& p);

// Metres between two rings' areas: 0 when they overlap, touch or one holds
// the other; else the shortest distance from a vertex of one to an edge of
// the other (where disjoint polygons come closest).
double RingsDistance(const Ring& a, const Ring& b);

// The smallest circle (centre and radius in metres) around the ring's
// vertices' bounding box, for a first cut before RingContains.
std::pair<Point, double> RingBounds(const Ring& ring);

// Degrees of latitude and longitude that `metres` spans around `center`:
// the half-sides of a box that holds the circle of that radius.
std::pair<double, double> DegreesAround(const Point& center, double metres);

// A flat map around an origin, in metres east and north: for the simulator's
// trips, where only short straight lines are drawn.
class LocalPlane {
 public:
  struct Xy {
    double x = 0, y = 0;  // metres east, north
  };
  explicit LocalPlane(const Point& origin);
  Xy ToMetres(const Point& p) const;

 private:
  Point origin_;
  double metres_per_lon_degree_ = 0;
};

}  // namespace interdict::geo
