// Disparity monitoring (docs/oversight.md, section 3): hits, stops, searches
// and reads by area — counties, St. Louis city neighbourhoods, ZIP code areas
// (data/areas/areas.json, compiled in) — as rates per 1,000 reads and per
// resident where the area's population is known, for a period.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "catalog/database.h"
#include "identity/accounts.h"
#include "oversight/report.h"

namespace interdict::oversight {

// audit.review: the figures for areas of `kind` ("counties", "neighborhoods"
// or "zcta") over the region's data in `period`, as JSON; with `geometry`,
// each area's outline too (for a map). Audited (oversight.disparity).
Result<std::string> Disparity(catalog::Database& db, const identity::Principal& p,
                              std::string_view kind, const Period& period, bool geometry,
                              std::int64_t now);

}  // namespace interdict::oversight
