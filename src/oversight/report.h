// The public transparency report (docs/oversight.md, section 1): what the
// system holds as configuration and what it did in a period, per agency and
// for the region, aggregates only, small counts suppressed. Nothing that names
// a plate, a person, a case or a camera's place name is read into it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "catalog/database.h"

namespace interdict::oversight {

// Whole UTC days: [from_day, to_day).
struct Period {
  std::int64_t from_day = 0, to_day = 0;
};

// "YYYY-MM-DD" bounds (`to` exclusive); by default the last 30 days, today
// included. At most 400 days; errors name the parameter.
Result<Period> ParsePeriod(std::optional<std::string_view> from, std::optional<std::string_view> to,
                           std::int64_t now);

// "YYYY-MM-DD" of a UTC day number.
std::string FormatDay(std::int64_t day);

struct ReportOptions {
  // Counts from 1 to min_count - 1 are published as null and listed as
  // suppressed; 0 and counts of min_count and more are published.
  std::int64_t min_count = 5;
  // The shift assumed for people without one (oversight.default_shift), said
  // among the policies; "" when searches are checked only against set shifts.
  std::string default_shift;
};

// The report as JSON.
Result<std::string> TransparencyReport(catalog::Database& db, const Period& period,
                                       std::int64_t now, const ReportOptions& options);

}  // namespace interdict::oversight
