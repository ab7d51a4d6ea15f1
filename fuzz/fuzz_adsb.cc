// ADS-B receivers' aircraft.json (POST /api/v1/units/adsb, docs/format/units.md):
// any bytes give positions that are valid degrees with a 6-hex address, or
// an error that says why.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ops/adsb.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto a = interdict::ops::ParseAircraftJson(text);
  if (!a.ok()) {
    if (a.status().message().empty()) std::abort();
    return 0;
  }
  for (const auto& p : a->positions) {
    if (p.icao.size() != 6 || !std::isfinite(p.pos.lat) || std::fabs(p.pos.lat) > 90 ||
        !std::isfinite(p.pos.lon) || std::fabs(p.pos.lon) > 180)
      std::abort();
    if (p.pos.speed_mps && !(*p.pos.speed_mps >= 0 && *p.pos.speed_mps <= 120)) std::abort();
    if (p.pos.heading && (*p.pos.heading < 0 || *p.pos.heading > 359)) std::abort();
  }
  return 0;
}
