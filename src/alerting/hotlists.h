// Hotlists in the catalog: lists owned by an agency, their audience, their
// entries in generations (an extract import is a full reload: the new
// generation replaces the old at one commit), the NCIC files each agency has
// enabled, and supervisor approval of custom entries (GOVERNANCE D.17-D.19).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "catalog/database.h"
#include "hotlist/formats.h"
#include "identity/accounts.h"

namespace interdict::alerting {

// Runs `f` with the catalog locked, for work done in several short
// transactions (a 5 M-entry reload must not hold the catalog for minutes).
using WithDb = std::function<Status(const std::function<Status(catalog::Database&)>&)>;

struct ListSpec {
  std::string name;
  // "ncic": entries carry their own NCIC file code (ncic and csv imports);
  // otherwise every entry takes this kind: an NCIC code or "custom".
  std::string kind = "custom";
  int priority = 2;                   // 1 urgent … 3 routine
  std::vector<std::string> audience;  // agency codes that receive its hits
  std::optional<bool> one_edit;       // default: decision 0018
};

struct ListInfo {
  std::int64_t id = 0;
  std::string agency, name, kind;
  int priority = 2;
  bool one_edit = false;
  std::int64_t generation = 0;
  std::optional<std::int64_t> published_at, loaded_at;
  std::int64_t entries = 0, pending = 0;
  std::vector<std::string> audience;
};

struct EntryInfo {
  std::int64_t id = 0;
  std::string plate, state, kind, status;  // status: active or pending
  std::string detail;                      // JSON object: the source's fields
  std::string entered_by;                  // username, or the actor ("integration:3")
  std::int64_t entered_at = 0;
  std::optional<std::int64_t> expires_at;
};
// hotlists.read: the current entries of one of p's agency's own lists (a
// recipient sees entries only through hits), `status` "active", "pending" or
// empty for both, by id after `after_id`, at most `limit`. Audited
// (hotlist.entries.read), since the entries name plates.
Result<std::vector<EntryInfo>> ListEntries(catalog::Database& db, const identity::Principal& p,
                                           std::int64_t list, std::string_view status,
                                           std::int64_t after_id, std::size_t limit,
                                           std::int64_t now);

// Custom entries expire after at most this long unless renewed (D.17).
inline constexpr std::int64_t kCustomEntryMaxMs = 30LL * 86'400'000;
// A list older than this raises the stale-list alarm (D.18).
inline constexpr std::int64_t kStaleListMs = 24LL * 3'600'000;

// A list whose latest file is older than kStaleListMs at `now` (D.18).
struct StaleList {
  std::int64_t id = 0;
  std::string agency, name;
  std::int64_t age_ms = 0;
};
Result<std::vector<StaleList>> StaleLists(catalog::Database& db, std::int64_t now);

// hotlists.manage, the caller's agency; audited.
Result<std::int64_t> CreateList(catalog::Database& db, const identity::Principal& p,
                                const ListSpec& spec, std::int64_t now);
// hotlists.read: the caller's agency's lists and those whose audience names it.
Result<std::vector<ListInfo>> ListLists(catalog::Database& db, const identity::Principal& p);

struct LoadRequest {
  std::int64_t list = 0;
  hotlist::Format format = hotlist::Format::kNcic;
  std::string text;
  // When the source published the extract; default: now. A list's age runs from it.
  std::optional<std::int64_t> published_at;
};

struct LoadReport {
  std::int64_t generation = 0;
  std::size_t active = 0, pending = 0, removed = 0;
  std::vector<hotlist::Rejection> rejected;
};

// What a reload lets its caller do around the switch: `prepare` runs after
// the new generation is written and before it becomes current (build the
// match index for it), `switched` right after the switch commits (install
// that index), before the old generation is deleted. So matching never sees a
// moment without the list.
struct LoadHooks {
  std::function<Status(std::int64_t list, std::int64_t generation, std::int64_t published_at)>
      prepare;
  std::function<void()> switched;
};

// Replaces a list's entries with the file's (hotlists.load). Entries absent from the file are gone
// when it commits. Custom entries (GOVERNANCE 17) need a reason and a case
// number (refused by line otherwise), wait for a second person whoever loads
// them (ApprovePending), and expire within 30 days unless revalidated.
// Audited.
// The file parsed as LoadList would parse it, without storing anything: the
// check report shown before a load (same permission and refusals).
Result<hotlist::ParsedList> CheckList(const WithDb& with, const identity::Principal& p,
                                      std::int64_t list, hotlist::Format format,
                                      std::string_view text);

Result<LoadReport> LoadList(const WithDb& with, const identity::Principal& p,
                            const LoadRequest& req, std::int64_t now, const LoadHooks& hooks = {});

// hotlists.approve (supervisors, administrators): every pending entry of a
// list becomes active. The approver is not the person who loaded them — a
// custom entry always takes two people (GOVERNANCE 17). Returns how many.
// Audited.
Result<std::int64_t> ApprovePending(catalog::Database& db, const identity::Principal& p,
                                    std::int64_t list, std::int64_t now);

// hotlists.manage, p's agency's list: a custom entry stays for another 30
// days from now, for a new reason (required, not the one it has). Audited
// (hotlist.revalidate).
Status RevalidateEntry(catalog::Database& db, const identity::Principal& p, std::int64_t list,
                       std::int64_t entry, std::string_view reason, std::int64_t now);

// The NCIC files an agency has enabled ("V" -> true); absent files are off.
Result<std::map<std::string, bool>> ListKinds(catalog::Database& db, std::int64_t agency_id);

struct KindRequest {
  std::int64_t id = 0;
  std::string kind, proposed_by, proposed_role;
  std::int64_t proposed_at = 0;
};
// Open requests to turn files on, of p's agency (hotlists.read).
Result<std::vector<KindRequest>> ListKindRequests(catalog::Database& db,
                                                  const identity::Principal& p);
// hotlists.kinds: a supervisor approves an administrator's request or the
// other way round, never their own; the file is on from now. Audited.
Status ApproveListKind(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                       std::int64_t now);
// Turns files off at once (hotlists.manage: the safer direction). Turning
// one on takes two people (GOVERNANCE 19): a supervisor or an administrator
// of the agency asks (hotlists.kinds), one of the other role approves
// (ApproveListKind), and the file stays off until then. Returns the requests
// opened (none for a file already on or already asked for). Audited.
Result<std::vector<std::int64_t>> SetListKinds(catalog::Database& db, const identity::Principal& p,
                                               const std::map<std::string, bool>& kinds,
                                               std::int64_t now);

}  // namespace interdict::alerting
