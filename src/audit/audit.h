// The audit trail: append-only and hash-chained (decision 0017), stored in the
// catalog database so an action and its entry commit together. Appends run
// inside the caller's transaction; a failed append fails the action.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "catalog/database.h"

namespace interdict::audit {

enum class Outcome { kOk, kDenied, kFailed };
std::string_view OutcomeName(Outcome o);

struct Entry {
  std::int64_t seq = 0;                // assigned by Append
  std::int64_t time = 0;               // epoch ms
  std::string actor;                   // "user:17", "integration:4", "system"
  std::optional<std::int64_t> agency;  // the actor's agency
  std::string event;                   // "login", "search.plate", "agreement.approve" …
  Outcome outcome = Outcome::kOk;
  std::string details = "{}";         // a JSON object: terms, purpose, case, counts …
  std::vector<std::int64_t> touched;  // agencies whose data the action touched
};

// Appends `e` (its seq is set) within the current transaction of `db`. A
// failure is an IOError (a 500 to a client) and counted (WriteFailures).
Status Append(catalog::Database& db, Entry& e);

// The hash of an entry given the previous entry's hash (docs/format/catalog.md).
std::string EntryHash(const std::string& prev, const Entry& e);

struct VerifyResult {
  std::int64_t entries = 0;               // entries checked
  std::optional<std::int64_t> first_bad;  // seq of the first bad entry (or where one is missing)
  std::string problem;                    // what is wrong with it
  std::string head;                       // hex hash of the last good entry
};
// Walks the chain from the anchor (or the start) and stops at the first entry
// that was edited, deleted, inserted or moved.
Result<VerifyResult> Verify(catalog::Database& db);

// The chain's head: the last entry's seq and hex hash (0 and "" when empty),
// for publishing (decision 0017).
struct Head {
  std::int64_t seq = 0;
  std::string hash;
};
Result<Head> CurrentHead(catalog::Database& db);

// The audit trail's own retention (GOVERNANCE 2, 23): entries older than
// `cutoff` — a prefix of the chain — are deleted, together with the agencies
// they touched and the review flags on them, after the anchor has moved onto
// the last of them, so the chain stays checkable from there. What was deleted
// is summarised in an `audit.purge` entry appended after: the range of seq and
// time, the anchor's hash, and the count by event (no terms, so no plates).
// At most `max_entries` per call; returns how many were deleted.
Result<std::int64_t> PurgeBefore(catalog::Database& db, std::int64_t cutoff, std::int64_t now,
                                 std::int64_t max_entries = 10000);

// Appends that failed since the process started (for the alert on audit
// failure, GOVERNANCE 33: a metric and an error in the log).
std::int64_t WriteFailures();

struct Query {
  // Only entries touching this agency's data, or only those by this agency's
  // people; with both, entries that do either.
  std::optional<std::int64_t> touched_agency;
  std::optional<std::int64_t> actor_agency;
  std::int64_t from = 0, to = INT64_MAX;  // time window
  std::int64_t after_seq = 0;             // cursor: entries after this one …
  std::int64_t before_seq = INT64_MAX;    // … and before this one
  bool newest_first = false;
  std::string event_prefix;  // "search." or "search.partial"; empty: every event
  std::string actor;         // "user:17"; empty: anyone
  // Only entries by people of other agencies (or the system) that touched
  // touched_agency's data: "who searched our data".
  bool others_only = false;
  std::size_t limit = 100;
};
Result<std::vector<Entry>> List(catalog::Database& db, const Query& q);

}  // namespace interdict::audit
