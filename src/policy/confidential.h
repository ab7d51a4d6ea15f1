// Address-confidentiality plates (GOVERNANCE 5; state Safe at Home programs):
// the plates of people a court or a state program protects. Their reads are
// dropped at ingest — counted, never stored, never matched — and never
// returned by a search of reads taken before the plate was listed.
//
// The list itself cannot be read back as plates: it holds keyed hashes
// (HMAC-SHA256 under a key kept outside the catalog, DATA/keys/
// confidential-plates.key), so a copy of the catalog names no one. Changes
// take two people holding `confidential.manage` (administrators and clerks):
// one proposes, another approves; the audit trail records the change by a
// short prefix of the hash, never the plate.
#pragma once

#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "catalog/database.h"
#include "identity/accounts.h"

namespace interdict::policy {

// The keyed hash of a normalized plate's text (32 bytes).
std::string ConfidentialDigest(std::string_view key, std::string_view plate_text);

// The list in force, shared by ingest and search; thread-safe.
class ConfidentialPlates {
 public:
  explicit ConfidentialPlates(std::string key = {}) : key_(std::move(key)) {}
  const std::string& key() const { return key_; }
  void Replace(std::set<std::string> digests);
  bool Empty() const;
  // Whether a normalized plate text is on the list.
  bool Contains(std::string_view plate_text) const;
  // The plates whose reads are still matched (never stored): the exception a
  // supervisor and an administrator approved.
  void ReplaceMatchable(std::set<std::string> digests);
  bool Matchable(std::string_view plate_text) const;

 private:
  const std::string key_;
  mutable std::mutex mu_;
  std::set<std::string> digests_, matchable_;
};

// The digests in force, from the catalog.
Result<std::set<std::string>> LoadConfidentialDigests(catalog::Database& db);

// The digests whose reads are matched: approved and not ended.
Result<std::set<std::string>> LoadMatchableDigests(catalog::Database& db);

// hotlists.approve: a supervisor or an administrator asks that a listed
// plate's reads still be matched against the hotlists (a warrant for the
// enrolled person's car); the other of the two roles approves, never the
// asker (ApproveConfidentialMatching). Audited by hash prefix. The reads are
// never stored either way.
Result<std::int64_t> ProposeConfidentialMatching(catalog::Database& db,
                                                 const identity::Principal& p, std::string_view key,
                                                 std::string_view plate, std::int64_t now);
Status ApproveConfidentialMatching(catalog::Database& db, const identity::Principal& p,
                                   std::int64_t id, std::int64_t now);

struct ConfidentialChange {
  std::int64_t id = 0;
  std::string action;         // "add" or "remove"
  std::string digest_prefix;  // 8 hex digits, to tell requests apart
  std::string proposed_by;
  std::int64_t proposed_at = 0;
};

// confidential.manage: proposes adding or removing a plate (raw text as on
// the enrolment form; normalized here). Returns the change's id. Audited
// without the plate.
Result<std::int64_t> ProposeConfidentialChange(catalog::Database& db, const identity::Principal& p,
                                               std::string_view key, std::string_view plate,
                                               std::string_view action, std::int64_t now);
// confidential.manage: another person applies a proposed change. Audited.
Status ApproveConfidentialChange(catalog::Database& db, const identity::Principal& p,
                                 std::int64_t id, std::int64_t now);
// confidential.manage: changes waiting for approval, oldest first.
Result<std::vector<ConfidentialChange>> ListConfidentialChanges(catalog::Database& db,
                                                                const identity::Principal& p);

}  // namespace interdict::policy
