// Disparity monitoring (docs/oversight.md, section 3): hits, stops, searches
// and reads by area — counties, St. Louis city neighbourhoods, ZIP code areas
// (data/areas/areas.json, compiled in) — as rates per 1,000 reads and per
// resident where the area's population is known, for a period.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

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

// Interdict's own outputs in `areas` (ids of `kind`'s areas), month by month
// for `months` months from `first_month` (year × 12 + month − 1, UTC): reads
// of the cameras that stand in them, hits at those cameras, the confirmed
// ones (checked with the source, or ending in a stop, arrest or recovery),
// recoveries and arrests. Region-wide aggregates, for beside the outcomes of
// an evaluation; the caller checks who may see them. Hits at cameras without
// a fixed position are not placed.
struct MonthOutputs {
  int month = 0;
  std::int64_t reads = 0, hits = 0, confirmed = 0, recoveries = 0, arrests = 0;
};
Result<std::vector<MonthOutputs>> OutputsByMonth(catalog::Database& db, std::string_view kind,
                                                 const std::vector<std::string>& areas,
                                                 int first_month, int months);

}  // namespace interdict::oversight
