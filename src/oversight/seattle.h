// The disparity worked example on real data (docs/oversight.md, section 6):
// the Seattle Police Department's ALPR read log of October 2021 (UW Center
// for Human Rights), whose rows carry their ZIP area's census columns. Reads
// per resident by ZIP area, with each area's make-up, and the rank
// correlation between the read rate and each group's share across areas.
#pragma once

#include <istream>
#include <string>

#include "base/status.h"

namespace interdict::oversight {

// Reads the pipe-separated log (header first) from `in`; areas with fewer
// than `min_population` residents are listed but left out of the
// correlations. Returns JSON. A missing column is an error naming it; rows
// whose numbers do not parse are counted and skipped.
Result<std::string> SeattleDisparity(std::istream& in, long min_population = 1000);

}  // namespace interdict::oversight
