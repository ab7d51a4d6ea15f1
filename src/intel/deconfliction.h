// Event deconfliction (docs/format/intel.md, "Operations and deconfliction"):
// where and when an operation happens, read from the form an agency enters
// it in, and which other operations it runs into. Two operations conflict
// when their time windows overlap (closed: one ending at 14:00 and one
// starting at 14:00 do) and their areas come within a buffer of each other
// (200 m: two teams 150 m apart in a city are in each other's way).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "geo/geo.h"

namespace interdict::intel {

inline constexpr double kBufferMetres = 200;
inline constexpr double kMinRadiusMetres = 50, kMaxRadiusMetres = 5'000;
inline constexpr std::size_t kMaxPolygonPoints = 200;
inline constexpr std::int64_t kMaxWindowMs = 14 * 86'400'000LL;

// A circle (a point and a radius) or a simple polygon.
struct Area {
  std::optional<geo::Point> center;  // a circle
  double radius_m = 0;
  geo::Ring ring;  // a polygon, open (the first point not repeated)
};

// "POINT(lon lat)" with `radius_m` (50-5,000), or "POLYGON((lon lat, …))"
// (at most 200 points, closed or not, a simple polygon). InvalidArgument
// naming what is wrong and the byte where it is.
Result<Area> ParseArea(std::string_view wkt, std::optional<double> radius_m);

// Metres between two areas: 0 when they overlap or touch.
double AreaDistance(const Area& a, const Area& b);

struct Window {
  std::int64_t start = 0, end = 0;  // epoch ms, start <= end
};
// InvalidArgument unless start <= end and the window is at most 14 days.
Status CheckWindow(const Window& w);

struct Placed {
  std::int64_t id = 0;
  Area area;
  Window window;
};

struct Overlap {
  std::int64_t other = 0;  // the other operation's id
  std::int64_t from = 0;   // when the overlap begins (the later start)
  double distance_m = 0;   // between the areas (0: they overlap)
};

// The operations of `others` that `op` runs into, soonest first.
std::vector<Overlap> FindOverlaps(const Placed& op, const std::vector<Placed>& others,
                                  double buffer_m = kBufferMetres);

}  // namespace interdict::intel
