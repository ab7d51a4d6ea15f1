// An operation's area as an agency enters it (docs/format/intel.md): any
// bytes give a circle or a simple polygon within the limits, or an error
// that says why; and the distance between two parsed areas is never
// negative or undefined.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "intel/deconfliction.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace interdict::intel;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // The first byte picks a radius (or none), the rest is the text.
  const std::optional<double> radius =
      size > 0 && data[0] % 2 == 0 ? std::optional<double>(40.0 + data[0] * 20.0) : std::nullopt;
  auto a = ParseArea(size > 0 ? text.substr(1) : text, radius);
  if (!a.ok()) {
    if (a.status().message().empty()) std::abort();
    return 0;
  }
  if (a->center) {
    if (a->radius_m < kMinRadiusMetres || a->radius_m > kMaxRadiusMetres) std::abort();
  } else if (a->ring.size() < 3 || a->ring.size() > kMaxPolygonPoints) {
    std::abort();
  }
  const double d = AreaDistance(*a, *a);
  if (!(d == 0)) std::abort();  // an area overlaps itself
  return 0;
}
