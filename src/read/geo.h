// Plane geometry on small areas of the map (a city, a county): polygons drawn
// by analysts for area searches. Latitude and longitude are treated as plane
// coordinates, which is exact enough for containment at these sizes; distances
// use read::DistanceMeters.
#pragma once

#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

#include "read/read.h"

namespace interdict::read {

// A simple polygon: its ring of vertices, not closed (the last vertex is not
// repeated), at least 3 distinct points.
using Ring = std::vector<GeoPoint>;

// Whether `p` is inside the ring or on its boundary (even-odd rule).
bool RingContains(const Ring& ring, const GeoPoint& p);

// The first pair of edges (by index; edge i runs from vertex i to i+1) that
// cross or touch other than at a shared vertex, if any: a ring that crosses
// itself has no well-defined inside.
std::optional<std::pair<std::size_t, std::size_t>> RingSelfCrossing(const Ring& ring);

// Metres from `p` to the nearest point of the ring's area: 0 inside or on
// the boundary, else the distance to the nearest edge (a local plane around
// `p`, exact enough within the 50 km a search area may span).
double DistanceToRing(const Ring& ring, const GeoPoint& p);

// The smallest circle (centre and radius in metres) around the ring's vertices'
// bounding box, for a first cut before RingContains.
std::pair<GeoPoint, double> RingBounds(const Ring& ring);

}  // namespace interdict::read
