#include "intel/deconfliction.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

#include <fmt/core.h>

namespace interdict::intel {
namespace {

// A cursor over the text, for errors that name the byte.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}
  void Space() {
    while (at_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[at_]))) ++at_;
  }
  bool Word(std::string_view w) {
    Space();
    if (text_.size() - at_ < w.size()) return false;
    for (std::size_t i = 0; i < w.size(); ++i)
      if (std::toupper(static_cast<unsigned char>(text_[at_ + i])) != w[i]) return false;
    at_ += w.size();
    return true;
  }
  bool Char(char c) {
    Space();
    if (at_ < text_.size() && text_[at_] == c) {
      ++at_;
      return true;
    }
    return false;
  }
  std::optional<double> Number() {
    Space();
    double v = 0;
    const char* begin = text_.data() + at_;
    const auto [end, ec] = std::from_chars(begin, text_.data() + text_.size(), v);
    if (ec != std::errc() || !std::isfinite(v)) return std::nullopt;
    at_ += static_cast<std::size_t>(end - begin);
    return v;
  }
  bool AtEnd() {
    Space();
    return at_ == text_.size();
  }
  Status Error(std::string_view what) const {
    return Status::InvalidArgument(fmt::format("area: {} at byte {}", what, at_));
  }

 private:
  std::string_view text_;
  std::size_t at_ = 0;
};

// "lon lat" as a point, in range.
Result<geo::Point> LonLat(Cursor& in) {
  const std::optional<double> lon = in.Number();
  if (!lon) return in.Error("a longitude expected");
  const std::optional<double> lat = in.Number();
  if (!lat) return in.Error("a latitude expected (\"lon lat\")");
  if (*lon < -180 || *lon > 180 || *lat < -90 || *lat > 90)
    return in.Error("a point outside -180..180, -90..90 degrees");
  return geo::Point::FromDegrees(*lat, *lon);
}

// Metres from a circle to another area.
double CircleTo(const geo::Point& c, double r, const Area& b) {
  if (b.center) return std::max(0.0, geo::DistanceMeters(c, *b.center) - r - b.radius_m);
  return std::max(0.0, geo::DistanceToRing(b.ring, c) - r);
}

}  // namespace

Result<Area> ParseArea(std::string_view wkt, std::optional<double> radius_m) {
  Cursor in(wkt);
  Area area;
  if (in.Word("POINT")) {
    if (!in.Char('(')) return in.Error("'(' expected after POINT");
    Result<geo::Point> p = LonLat(in);
    if (!p.ok()) return p.status();
    if (!in.Char(')')) return in.Error("')' expected");
    if (!in.AtEnd()) return in.Error("nothing expected after the point");
    if (!radius_m || !(*radius_m >= kMinRadiusMetres && *radius_m <= kMaxRadiusMetres))
      return Status::InvalidArgument(
          fmt::format("radius_m: a point needs a radius of {:.0f} to {:.0f} metres",
                      kMinRadiusMetres, kMaxRadiusMetres));
    area.center = *p;
    area.radius_m = *radius_m;
    return area;
  }
  if (!in.Word("POLYGON")) return in.Error("POINT or POLYGON expected");
  if (radius_m) return Status::InvalidArgument("radius_m: only a point has a radius");
  if (!in.Char('(') || !in.Char('(')) return in.Error("'((' expected after POLYGON");
  for (;;) {
    Result<geo::Point> p = LonLat(in);
    if (!p.ok()) return p.status();
    area.ring.push_back(*p);
    if (area.ring.size() > kMaxPolygonPoints + 1)
      return in.Error(fmt::format("more than {} points", kMaxPolygonPoints));
    if (in.Char(',')) continue;
    if (in.Char(')')) break;
    return in.Error("',' or ')' expected");
  }
  if (!in.Char(')')) return in.Error("')' expected (one ring only)");
  if (!in.AtEnd()) return in.Error("nothing expected after the polygon");
  if (area.ring.size() > 1 && area.ring.front() == area.ring.back()) area.ring.pop_back();
  if (area.ring.size() > kMaxPolygonPoints)
    return Status::InvalidArgument(
        fmt::format("area: a polygon of at most {} points", kMaxPolygonPoints));
  geo::Ring distinct = area.ring;
  std::sort(distinct.begin(), distinct.end(), [](const geo::Point& a, const geo::Point& b) {
    return a.lat_e6 != b.lat_e6 ? a.lat_e6 < b.lat_e6 : a.lon_e6 < b.lon_e6;
  });
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  if (distinct.size() < 3)
    return Status::InvalidArgument("area: a polygon of 3 distinct points at least");
  if (const auto crossing = geo::RingSelfCrossing(area.ring))
    return Status::InvalidArgument(fmt::format(
        "area: the polygon's edges {} and {} cross (counting from 0: edge i runs from point i)",
        crossing->first, crossing->second));
  return area;
}

double AreaDistance(const Area& a, const Area& b) {
  if (a.center) return CircleTo(*a.center, a.radius_m, b);
  if (b.center) return CircleTo(*b.center, b.radius_m, a);
  return geo::RingsDistance(a.ring, b.ring);
}

Status CheckWindow(const Window& w) {
  if (w.start > w.end) return Status::InvalidArgument("ends_at: not before starts_at");
  if (w.end - w.start > kMaxWindowMs)
    return Status::InvalidArgument("ends_at: at most 14 days after starts_at");
  return Status::Ok();
}

std::vector<Overlap> FindOverlaps(const Placed& op, const std::vector<Placed>& others,
                                  double buffer_m) {
  std::vector<Overlap> out;
  for (const Placed& o : others) {
    if (o.id == op.id) continue;
    // Closed windows: touching ends overlap.
    if (o.window.end < op.window.start || op.window.end < o.window.start) continue;
    const double d = AreaDistance(op.area, o.area);
    if (d > buffer_m) continue;
    out.push_back({o.id, std::max(op.window.start, o.window.start), d});
  }
  std::sort(out.begin(), out.end(), [](const Overlap& a, const Overlap& b) {
    return a.from != b.from ? a.from < b.from : a.other < b.other;
  });
  return out;
}

}  // namespace interdict::intel
