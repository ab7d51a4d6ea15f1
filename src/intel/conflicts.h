// Deconfliction conflicts (docs/format/intel.md, "Operations and
// deconfliction"): two operations that overlap in place and time, or two
// agencies' targets that match. Each side is told only what it needs to call
// the other — agency, contact, phone, and what kind of operation or target —
// never the other's case number, title, place or target. Each side records
// its resolution; the conflict closes when both have.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "catalog/database.h"
#include "identity/accounts.h"

namespace interdict::intel {

// What one side of a conflict may learn of the other.
struct Counterpart {
  std::string agency_code, agency_name, contact_name, contact_phone;
  std::string kind;  // the operation's kind ("raid") or the target's ("plate")
};

// One side of a conflict as recorded: its item (operation or target) and
// agency, and what the other side may learn of it.
struct Side {
  std::int64_t item = 0;
  std::int64_t agency = 0;
  Counterpart shown;
};

// A notice of a new conflict to one side, for its alert stream (event:
// conflict); the console notice and the webhooks are written with the
// conflict itself.
struct ConflictNotice {
  std::int64_t conflict = 0;
  std::int64_t agency = 0;  // to whom
  std::string kind;         // "operation" or "target"
  std::int64_t own_item = 0;
  Counterpart other;
  std::int64_t from = 0;  // when the overlap begins (targets: when found)
  // {"conflict":…,"kind":…,"own":…,"other":{…},"from":…}
  std::string Json() const;
};

// Records the conflict between `x` and `y` that `by`'s entry revealed at
// `now` (`from`: when the overlap begins), inside the caller's transaction:
// the row, a console notice and webhook deliveries ({"event":
// "deconfliction",…}) to both agencies, and an audit entry (conflict.found)
// touching both. Returns the notices for the streams; none when the two were
// found in conflict before.
Result<std::vector<ConflictNotice>> RecordConflict(catalog::Database& db,
                                                   const identity::Principal& by,
                                                   std::string_view kind, const Side& x,
                                                   const Side& y, std::int64_t from,
                                                   std::int64_t now);

struct Conflict {
  std::int64_t id = 0;
  std::string kind;
  std::int64_t own_item = 0;  // the caller's agency's operation or target
  Counterpart other;
  std::int64_t found_at = 0, urgency_at = 0;
  std::optional<std::string> own_resolution, other_resolution;
  std::optional<std::int64_t> closed_at;
};

// operations.read: the conflicts of the caller's agency, newest first (open
// ones only when `open_only`), at most 500.
Result<std::vector<Conflict>> ListConflicts(catalog::Database& db, const identity::Principal& p,
                                            bool open_only);
// conflicts.watch: the agency's open conflicts, the most urgent (soonest
// overlap) first. Audited (conflict.watch).
Result<std::vector<Conflict>> WatchConflicts(catalog::Database& db, const identity::Principal& p,
                                             std::int64_t now);
// operations.manage: the caller's side's resolution (proceed, joint, delay,
// cancel) with an optional note (at most 500 characters). A conflict within
// one agency closes with one resolution. Audited (conflict.resolve).
Result<Conflict> ResolveConflict(catalog::Database& db, const identity::Principal& p,
                                 std::int64_t id, std::string_view resolution,
                                 std::string_view note, std::int64_t now);

}  // namespace interdict::intel
