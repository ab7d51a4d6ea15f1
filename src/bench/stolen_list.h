// A stolen-vehicle list for the benchmarks that raise hits (bench ingest,
// bench api): an NCIC extract of the given plates, loaded through the
// alerting component, and the vehicle file switched on by two people (the
// administrator asks, a supervisor approves) as the two-person rule wants.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "catalog/database.h"
#include "identity/accounts.h"

namespace interdict::bench {

// The list's id. `ori` is the agency's ORI, as the extract's records carry it.
Result<std::int64_t> LoadStolenList(catalog::Database& db, const identity::Principal& admin,
                                    const identity::Principal& supervisor, const std::string& ori,
                                    const std::vector<std::string>& plates, std::int64_t now);

// An NCIC extract of `plates` (one vehicle record each) from `ori`.
std::string NcicExtract(const std::string& ori, const std::vector<std::string>& plates);

}  // namespace interdict::bench
