// Aircraft positions from ADS-B, in the aircraft.json format Debian's
// dump1090-mutability writes (docs/format/units.md, "Aircraft"). Outside
// input: a fuzz target feeds it.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "ops/positions.h"

namespace interdict::ops {

inline constexpr std::size_t kMaxAircraftJsonBytes = 4u << 20;
// Positions older than this when the receiver wrote the file are stale.
inline constexpr double kMaxSeenPosS = 60;

struct AdsbParse {
  std::vector<PositionIn> positions;  // icao set, source "adsb"
  std::size_t without_position = 0;   // aircraft the receiver heard but could not place
  std::size_t stale = 0;              // seen_pos over kMaxSeenPosS
};

// The aircraft with a fresh position. InvalidArgument, naming what is wrong,
// for a document that is not aircraft.json; entries with odd members are
// skipped and counted, as a receiver's file holds whatever it heard.
Result<AdsbParse> ParseAircraftJson(std::string_view text);

}  // namespace interdict::ops
