// The audit review queue (docs/oversight.md, section 2): rules over the
// search entries of the audit trail raise flags that supervisors and
// auditors resolve with a note; and the package an independent auditor takes
// away. Everything here is audited like any other act.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/json_writer_fwd.h"
#include "base/status.h"
#include "catalog/database.h"
#include "identity/accounts.h"
#include "policy/places.h"

namespace interdict::oversight {

struct ReviewRules {
  int min_justification_words = 6;
  int repeat_count = 3;  // the n-th search of one plate by one person in repeat_days
  std::int64_t repeat_days = 7;
  std::string time_zone = "America/Chicago";  // of users' shifts
  // The shift of a person who has none set: searches outside it are flagged
  // (GOVERNANCE 25); "" to flag only against shifts that are set.
  std::string default_shift = "06:00-22:00";
  std::int64_t wide_days = 90;
  std::size_t wide_agencies = 5;
  double wide_radius_m = 5000;
  // The places searches are checked against before they run; a search that
  // touched one (approved) or tried to (refused) is flagged for review.
  policy::PlaceRules places;
};

// The rules' names, as flags carry them.
// The last four are Part 23's (docs/intelligence.md), on criminal
// intelligence records' audit entries.
inline constexpr std::string_view kRules[] = {
    "prohibited_attempt", "no_case",     "thin_justification", "repeated_plate",  "off_shift",
    "protected_place",    "wide",        "self_approved",      "imminent_danger", "first_amendment",
    "intel_review_due",   "no_predicate"};

// Applies the rules to the search entries written since the last sweep and
// stores the flags; returns how many were raised. Idempotent: an entry is
// flagged once per rule.
Result<std::size_t> Sweep(catalog::Database& db, const ReviewRules& rules, std::int64_t now);

struct Flag {
  std::int64_t id = 0, seq = 0;
  std::string agency, actor, actor_name, rule, detail;
  std::int64_t created_at = 0, search_time = 0;
  std::string event, terms;  // the search's audit entry: event and details (JSON)
  std::string resolution, note, resolved_by;
  std::optional<std::int64_t> resolved_at;
  // A search by another agency's person that touched this agency's data: the
  // owner sees the flag (GOVERNANCE 24); the searcher's agency resolves it.
  bool partner = false;
};

// The flag's resolution, note, resolver and time as members of an open
// object: all null while the flag is open. One shape for the API's list and
// the auditor's package.
void WriteResolution(json::Writer& w, const Flag& f);

// audit.review: flags on searches by p's agency's people, and on searches by
// other agencies' people that touched p's agency's data (partner); state
// "open", "resolved" or "all"; newest first, at most `limit`, only flags
// numbered below `before` when it is set (the next page).
Result<std::vector<Flag>> ListFlags(catalog::Database& db, const identity::Principal& p,
                                    std::string_view state, std::size_t limit,
                                    std::int64_t before = 0);

// audit.review: resolves an open flag of p's agency with "justified",
// "training", "referred" or "violation" and a note of at least 10
// characters; never a flag on p's own search. Audited (review.resolve).
Status Resolve(catalog::Database& db, const identity::Principal& p, std::int64_t id,
               std::string_view resolution, std::string_view note, std::int64_t now);

// audit.review: the package for an independent auditor, as JSON: the agency's
// trail for [from, to), the flags raised on it and their resolutions, the
// chain's verification and head, the rules' parameters, and the SHA-256 of
// the package. Audited (review.export).
Result<std::string> ExportPackage(catalog::Database& db, const identity::Principal& p,
                                  const ReviewRules& rules, std::int64_t from, std::int64_t to,
                                  std::int64_t now);

}  // namespace interdict::oversight
