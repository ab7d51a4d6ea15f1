// The region's areas, compiled in (data/areas/areas.json, built by
// scripts/prepare-areas): the counties of the metro with their population,
// St. Louis city's 88 neighbourhoods (SLMPD's neighbourhood numbers are their
// ids) and the ZIP code tabulation areas. Used by the disparity view and by
// the outcome evaluations.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "geo/geo.h"

namespace interdict::geo {

struct Area {
  std::string id, name;
  std::optional<std::int64_t> population;
  std::vector<Ring> rings;
  std::string rings_json;  // as shipped, for maps
  double min_lat = 90, max_lat = -90, min_lon = 180, max_lon = -180;

  bool Contains(const Point& p) const;
};

struct AreaKind {
  std::string kind, label, source;
  std::vector<Area> areas;

  const Area* Find(std::string_view id_or_name) const;  // by id, else by name (any case)
};

// "counties", "neighborhoods" or "zcta"; nullptr for any other name.
const AreaKind* Areas(std::string_view kind);

// Areas from a GeoJSON FeatureCollection (RFC 7946) of Polygon and
// MultiPolygon features: each feature's outer rings (holes are not kept),
// its id the string or number at properties[`id_property`] (or the
// feature's "id" when the property is absent), its name properties.name or
// the id. InvalidArgument names the feature and what is wrong: not an
// object, another geometry type, a ring of fewer than 3 points or one that
// crosses itself, a position that is not [lon, lat] in range, a missing id.
Result<AreaKind> AreasFromGeoJson(std::string_view text, std::string_view id_property = "id");

// Metres between two areas' outlines (0 when they touch or overlap). The
// shipped outlines are simplified to about 30 m, so neighbours may sit a few
// metres apart: call areas within 50 m adjacent.
double AreasDistance(const Area& a, const Area& b);
inline constexpr double kAdjacentMetres = 50;

}  // namespace interdict::geo
