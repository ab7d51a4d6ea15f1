// Where units are (docs/format/units.md, "Positions in"): positions sent by
// in-car AVL, or made from ADS-B, checked field by field, kept for the
// agency's unit-locations retention.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "catalog/database.h"
#include "identity/accounts.h"
#include "ops/units.h"

namespace interdict::ops {

inline constexpr std::size_t kMaxPositionsPerRequest = 1000;
// How far ahead of the server's clock a position's time may be.
inline constexpr std::int64_t kMaxPositionSkewMs = 120'000;

// A position as sent: the unit's call sign (AVL) or ICAO address (ADS-B).
struct PositionIn {
  std::string unit;  // call sign
  std::string icao;  // set instead of `unit` for ADS-B
  Position pos;
};

// Why one position was refused: the field and what is wrong with it.
struct PositionRejection {
  std::size_t index = 0;
  std::string field, message;
};

// Parses one AVL position (a JSON object: unit, time, lat, lon, and
// optionally speed_mps and heading). Unknown members are refused. On
// failure returns false and fills `why` (its index is the caller's).
bool ParsePosition(std::string_view json, std::int64_t now, PositionIn* out,
                   PositionRejection* why);

struct RecordedPositions {
  std::size_t accepted = 0;
  std::vector<PositionRejection> rejected;
};
// Stores positions of the caller's agency's units (units.report): a call sign
// or ICAO address it does not have, a position older than its unit-locations
// retention, or a speed beyond the unit's kind is refused by index and field.
// `indices[i]` is positions[i]'s place in the request.
Result<RecordedPositions> RecordPositions(catalog::Database& db, const identity::Principal& p,
                                          const std::vector<PositionIn>& positions,
                                          const std::vector<std::size_t>& indices,
                                          std::int64_t now);

// Deletes positions past their agency's unit-locations retention (24 hours
// when it sets none), at most `limit` a call; returns how many.
Result<std::int64_t> PurgeUnitPositions(catalog::Database& db, std::int64_t now,
                                        int limit = 10'000);

}  // namespace interdict::ops
