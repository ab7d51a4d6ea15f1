// Deconfliction targets (docs/format/intel.md, "Targets"): a plate, a person,
// a phone number or an address an agency works on a case. A new target is
// matched against the targets of every agency it deconflicts with through
// its match keys (match_keys.h), kept as hashes in the catalog's index
// (target_keys): consistent across servers, and answered in microseconds at
// a million targets. A match makes a conflict of kind "target": both case
// owners get each other's contact, never each other's case or target.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "catalog/database.h"
#include "identity/accounts.h"
#include "intel/conflicts.h"
#include "intel/match_keys.h"
#include "intel/target_index.h"

namespace interdict::intel {

inline constexpr std::int64_t kMaxTargetLifeMs = 366LL * 86'400'000;
inline constexpr std::int64_t kDefaultTargetLifeMs = 180LL * 86'400'000;

struct TargetRequest {
  std::string kind;   // plate, person, phone, address
  std::string value;  // the plate, phone or address; for a person, the name
  std::string dob;    // a person's date of birth, YYYY-MM-DD
  std::string case_number;
  std::optional<std::int64_t> operation;  // one of the agency's operations
  std::string contact_name, contact_phone;
  std::optional<std::int64_t> expires_at;  // default 180 days, at most a year
};

struct Target {
  std::int64_t id = 0;
  std::string agency;  // code
  std::string kind, value, case_number;
  std::optional<std::int64_t> operation;
  std::string contact_name, contact_phone;
  std::int64_t created_at = 0;
  std::string created_by;
  std::int64_t expires_at = 0;
  std::optional<std::int64_t> removed_at;
};

struct TargetResult {
  Target target;
  std::vector<ConflictNotice> notices;  // new matches, one notice per side
};

// A match key as the catalog's index keeps it: its 64-bit XXH3 hash, as a
// signed integer (target_keys.key_hash).
std::int64_t TargetKeyHash(const std::string& key);

// The keys of a request's value (its kind's Key* function).
Result<Keyed> KeyTarget(const TargetRequest& r);

// operations.manage: enters a target of the caller's agency, matches it and
// records its conflicts. Audited (target.enter; a match also conflict.found).
Result<TargetResult> EnterTarget(catalog::Database& db, const identity::Principal& p,
                                 const TargetRequest& r, std::int64_t now);
// operations.manage: removes a target of the caller's agency (it no longer
// matches). Audited.
Status RemoveTarget(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                    std::int64_t now);
// operations.read: the caller's agency's targets in force at `now`, newest
// first (at most 500).
Result<std::vector<Target>> ListTargets(catalog::Database& db, const identity::Principal& p,
                                        std::int64_t now);

// Every plate target in force at `now` into `index` (emptied first): what live
// reads are checked against.
Status LoadPlateTargets(catalog::Database& db, TargetIndex* index, std::int64_t now);

// The background round: targets past their expiry are removed (their keys
// dropped, the rows kept as the audit trail's reference, their values
// blanked). Returns how many.
Result<std::int64_t> ExpireTargets(catalog::Database& db, std::int64_t now);

}  // namespace interdict::intel
