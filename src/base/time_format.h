// RFC 3339 timestamps, UTC, millisecond precision.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"

namespace interdict {

// "2026-11-29T04:21:28.123Z". Valid for years 0000-9999.
std::string FormatRfc3339(UnixMillis t);
// The same for an instant that may be absent (a JSON null).
inline std::optional<std::string> FormatRfc3339(std::optional<UnixMillis> t) {
  return t ? std::optional(FormatRfc3339(*t)) : std::nullopt;
}

// Parses RFC 3339 with a 'Z' or numeric offset ("+02:00"), optional fraction
// (truncated to milliseconds); 't' and 'z' are accepted as RFC 3339 allows.
Result<UnixMillis> ParseRfc3339(std::string_view text);

// A calendar date, "YYYYMMDD" or "YYYY-MM-DD", as midnight UTC.
Result<UnixMillis> ParseDate(std::string_view text);

// A civil date and time of day as UTC milliseconds; an error names the field
// out of range (month 13, 30 February, hour 24).
Result<UnixMillis> CivilToUnix(int year, int month, int day, int hour, int minute, int second);

}  // namespace interdict
