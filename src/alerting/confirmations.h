// The NCIC rule inside Interdict (docs/format/units.md, "Confirmation"): a hit
// is a lead until the agency that entered the listing confirms the entry is
// still valid. A request goes from the hit to the list's owner with a
// deadline by priority; past it, the owner's supervisors are told; the
// answer (confirmed, denied, no record) is kept with the hit. All audited.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "catalog/database.h"
#include "identity/accounts.h"

namespace interdict::alerting {

inline constexpr std::int64_t kUrgentConfirmationMs = 10 * 60'000;   // a priority 1 list
inline constexpr std::int64_t kRoutineConfirmationMs = 60 * 60'000;  // the others

struct ConfirmationRequest {
  std::int64_t id = 0, hit_id = 0;
  std::string owner;  // the list owner's agency code: who answers
  std::int64_t owner_id = 0;
  std::string requester;  // the requesting agency's code
  std::string priority;   // "urgent" or "routine"
  std::string plate;      // what the owner looks up
  std::int64_t entry_id = 0;
  std::string requested_by;
  std::int64_t requested_at = 0, due_at = 0;
  std::optional<std::int64_t> escalated_at;
  std::string answer;  // empty while open; "confirmed", "denied" or "no_record"
  std::optional<std::int64_t> answered_at;
  std::string answered_by, note;
};

// hits.work, on a hit `p` may see: asks the list's owner. `priority` is
// "urgent", "routine" or empty (urgent for a priority-1 list). One open
// request a hit (AlreadyExists otherwise). Audited ("confirmation.request");
// the owner is notified.
Result<ConfirmationRequest> RequestConfirmation(catalog::Database& db, const identity::Principal& p,
                                                std::int64_t hit, std::string_view priority,
                                                std::int64_t now);
// hotlists.confirm, of the owning agency: the answer, once. Audited
// ("confirmation.answer"), recorded on the hit, and the requesting agency
// is notified.
Result<ConfirmationRequest> AnswerConfirmation(catalog::Database& db, const identity::Principal& p,
                                               std::int64_t id, std::string_view answer,
                                               std::string_view note, std::int64_t now);
// hotlists.confirm: the requests the caller's agency must answer, open ones
// first (soonest due first), then the last 100 answered.
Result<std::vector<ConfirmationRequest>> ConfirmationsToAnswer(catalog::Database& db,
                                                               const identity::Principal& p);
// The newest request about a hit, if any (for its card and the workflow).
Result<std::optional<ConfirmationRequest>> LatestConfirmation(catalog::Database& db,
                                                              std::int64_t hit);
// Open requests past their deadline: escalated once to the owner's
// supervisors (a notification) and audited ("confirmation.escalate").
// Returns how many.
Result<std::int64_t> EscalateOverdueConfirmations(catalog::Database& db, std::int64_t now);

}  // namespace interdict::alerting
