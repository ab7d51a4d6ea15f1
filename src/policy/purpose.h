// Why a search runs: every search names a purpose from the vocabulary, a case
// or incident number, an offense type and a justification; prohibited
// purposes are refused (and the attempt audited); searches beyond the default
// limits need a supervisor's approval, recorded with the search
// (GOVERNANCE B.8–B.10).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "catalog/database.h"
#include "identity/accounts.h"

namespace interdict::policy {

// Default limits beyond which a search needs approval.
inline constexpr std::int64_t kDefaultMaxSpanMs = 30LL * 86'400'000;
inline constexpr std::int64_t kApprovalValidityMs = 24LL * 3'600'000;
inline constexpr std::size_t kMinJustification = 20;

struct Purpose {
  std::string code, label, description;
  bool prohibited = false;
};
Result<std::vector<Purpose>> ListPurposes(catalog::Database& db);
// Adds or relabels a purpose of the vocabulary (`interdict admin purpose`, by
// the operator on the host). A prohibited purpose can never be made allowed.
// Audited as the operator's act.
Status SetPurpose(catalog::Database& db, const Purpose& purpose, std::int64_t now);

struct SearchReason {
  std::string purpose;  // a code from the vocabulary
  std::string case_number;
  std::string offense;
  std::string justification;
  std::optional<std::int64_t> approval;  // id of a supervisor's approval, when one is needed
  // The agency the search is run for (a federal partner's request through a
  // local officer), by code; "" for the searcher's own (GOVERNANCE 14).
  std::string on_behalf_of;
};

struct SearchScope {
  std::int64_t span_ms = 0;  // time window searched
  std::size_t agencies = 1;  // agencies whose data it would touch
  bool pattern_analysis = false;
  double radius_m = 0;              // the widest area searched (policy/places.h); 0 for none
  std::vector<std::string> places;  // protected places the areas touch, by name
  // Bulk pulls (GOVERNANCE 6): results this person had in the last 24 hours,
  // and the cap past which a search needs approval (0: none). In an approval,
  // daily_cap is the cap it raises the person's to.
  std::int64_t results_today = 0;
  std::int64_t daily_cap = 0;
  std::string on_behalf_of;  // as SearchReason::on_behalf_of
};

// Results a person may have in 24 hours, all searches and pages together,
// before further searches need approval (`search.daily_results_cap`).
inline constexpr std::int64_t kDefaultDailyResultsCap = 5000;

// Why the scope needs approval, every reason ("" when it does not).
std::string ApprovalNeededFor(const SearchScope& scope);

// Checks a search before it runs. InvalidArgument naming a missing or bad
// field; PermissionDenied for a prohibited purpose or a scope beyond the
// limits without an approval in force for this person, case and scope (one
// that names every protected place the search touches and allows its
// radius). Both refusals are audited as search.refused with the reason and
// the places.
Status CheckSearch(catalog::Database& db, const identity::Principal& p, const SearchReason& why,
                   const SearchScope& scope, std::int64_t now);

// A request for approval of a wide search (search.reads); returns its id.
Result<std::int64_t> RequestApproval(catalog::Database& db, const identity::Principal& p,
                                     const SearchReason& why, const SearchScope& scope,
                                     std::int64_t now);
// An approval's scope as an API request states it: the days, agencies and
// pattern analysis; the radius (0: the default) and the protected places.
struct ApprovalInfo {
  std::int64_t id = 0;
  std::string requested_by;  // username
  SearchReason reason;
  SearchScope scope;
  std::int64_t requested_at = 0;
  std::string approved_by;  // username; empty while requested
  std::optional<std::int64_t> approved_at, expires_at;
};
// Approval requests of p's agency since `since`, newest first: p's own, and
// every one of the agency when p may approve (search.approve).
Result<std::vector<ApprovalInfo>> ListApprovals(catalog::Database& db, const identity::Principal& p,
                                                std::int64_t since);

// A supervisor of the same agency, not the requester, approves
// (search.approve); valid for 24 hours. Audited.
Status Approve(catalog::Database& db, const identity::Principal& p, std::int64_t id,
               std::int64_t now);

}  // namespace interdict::policy
