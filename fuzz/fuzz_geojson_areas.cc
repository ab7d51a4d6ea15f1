// Areas from a GeoJSON FeatureCollection (geo/areas.h, `--polygons`): any
// bytes give areas or an error that says why; every area kept has an id and
// at least one ring of three points or more, and its bounds hold its points.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "geo/areas.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace interdict::geo;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto k = AreasFromGeoJson(text, "id");
  if (!k.ok()) {
    if (k.status().message().empty()) std::abort();
    return 0;
  }
  if (k->areas.empty()) std::abort();
  for (const Area& a : k->areas) {
    if (a.id.empty() || a.rings.empty()) std::abort();
    for (const Ring& r : a.rings) {
      if (r.size() < 3) std::abort();
      for (const Point& p : r)
        if (p.lat() < a.min_lat - 1e-6 || p.lat() > a.max_lat + 1e-6) std::abort();
      if (!a.Contains(r.front())) std::abort();  // a vertex is on the boundary
    }
  }
  return 0;
}
