// Criminal intelligence records under 28 CFR Part 23 (docs/intelligence.md,
// docs/format/intel.md): each rule of the regulation is a check here, before
// the act it governs.
//
//   23.20(a), (c)  submitted only with a criminal predicate (the suspected
//                  activity and the reasonable suspicion, written out), a
//                  named source and its reliability
//   23.20(b)       words about political, religious or social views,
//                  associations or activities refuse it unless the submitter
//                  states how they relate directly to the criminal conduct;
//                  the approver restates it, and the approval is reviewed
//   23.20(d)       a supervisor who did not submit it approves it before
//                  anyone but its submitter and the agency's supervisors sees
//                  it; a refusal destroys its content
//   23.20(e)       disseminated only to a person whose agency has an
//                  intelligence agreement with the owner (right to know) for
//                  a stated purpose (need to know), each release logged; an
//                  imminent-danger disclosure goes to anyone, logged and
//                  flagged for review
//   23.20(g)       the owner reads its dissemination log
//   23.20(h)       reviewed within 5 years of submission or last validation:
//                  re-validated with a new justification (changing its
//                  identifiers is not re-validation), or purged — by hand, or
//                  by itself 90 days after the review fell due — and every
//                  recipient is told of the purge
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "catalog/database.h"
#include "identity/accounts.h"

namespace interdict::intel {

inline constexpr std::int64_t kRecordReviewMs = 1826LL * 86'400'000;  // 5 years
inline constexpr std::int64_t kOverdueGraceMs = 90LL * 86'400'000;

struct RecordRequest {
  std::string subject_kind;     // person, organization, vehicle
  std::string subject;          // identifiers, as written (1-2,000)
  std::string activity;         // the suspected criminal activity (1-200)
  std::string predicate;        // the reasonable suspicion (100-4,000)
  std::string narrative;        // (0-8,000)
  std::string source;           // who or what it came from (1-200)
  std::string reliability;      // reliable, usually_reliable, unknown, unreliable
  std::string first_amendment;  // how such information relates to the conduct, or ""
};

struct IntelRecord {
  std::int64_t id = 0;
  std::string agency;
  std::string subject_kind, subject, activity, predicate, narrative, source, reliability;
  std::string first_amendment, approval_statement;
  std::string state;  // submitted, approved, refused, purged
  std::int64_t submitted_at = 0;
  std::string submitted_by;  // username
  std::optional<std::int64_t> approved_at;
  std::string approved_by;
  std::int64_t validated_at = 0, review_due_at = 0;
  std::optional<std::int64_t> purged_at;
};

struct Dissemination {
  std::int64_t id = 0, record = 0;
  std::string recipient, agency, purpose, by;
  bool imminent_danger = false;
  std::int64_t at = 0;
};

// The words of data/intel/first-amendment-terms.csv found in `text`, whole
// words, any case, each once.
std::vector<std::string> FirstAmendmentTerms(std::string_view text);

// intel.submit. Audited (intel.submit).
Result<IntelRecord> SubmitRecord(catalog::Database& db, const identity::Principal& p,
                                 const RecordRequest& r, std::int64_t now);
// intel.approve: a supervisor of the agency who did not submit it; a record
// with a first-amendment statement needs `statement` (50-2,000 characters),
// the approver's own account of how it relates. Audited (intel.approve).
Result<IntelRecord> ApproveRecord(catalog::Database& db, const identity::Principal& p,
                                  std::int64_t id, std::string_view statement, std::int64_t now);
// intel.approve: refuses a submitted record; its content is destroyed.
// Audited (intel.refuse).
Status RefuseRecord(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                    std::string_view reason, std::int64_t now);
// What `p` may see: its agency's approved records (intel.read); submitted
// ones to their submitter and the agency's approvers; and the approved
// records disseminated to p. Newest first, at most 500.
Result<std::vector<IntelRecord>> ListRecords(catalog::Database& db, const identity::Principal& p);
// One record `p` may see (NotFound otherwise). Audited (intel.read).
Result<IntelRecord> GetRecord(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                              std::int64_t now);
// intel.submit, the agency's own record: new identifiers. Not a
// re-validation: the review date stays. Audited (intel.update).
Result<IntelRecord> UpdateSubject(catalog::Database& db, const identity::Principal& p,
                                  std::int64_t id, std::string_view subject, std::int64_t now);
// intel.read, the agency's own approved record, to `username` of an agency
// the owner shares intelligence with (or of its own agency), who holds
// intel.read, for `purpose` (need to know, 20-1,000 characters). Logged,
// audited (intel.disseminate), a notice to the recipient's agency.
Result<Dissemination> Disseminate(catalog::Database& db, const identity::Principal& p,
                                  std::int64_t id, std::string_view username,
                                  std::string_view purpose, std::int64_t now);
// intel.read, the agency's own approved record: released to anyone (a named
// person outside Interdict, say) to protect life, with the reason. Logged,
// audited (intel.disclose: the review queue flags it).
Result<Dissemination> DiscloseImminentDanger(catalog::Database& db, const identity::Principal& p,
                                             std::int64_t id, std::string_view recipient,
                                             std::string_view reason, std::int64_t now);
// intel.read, the agency's own record: every release, oldest first.
Result<std::vector<Dissemination>> DisseminationLog(catalog::Database& db,
                                                    const identity::Principal& p, std::int64_t id);
// intel.approve, the agency's own approved record: valid for another 5 years
// on a new justification (50-2,000 characters, not the last one). Audited
// (intel.revalidate).
Result<IntelRecord> RevalidateRecord(catalog::Database& db, const identity::Principal& p,
                                     std::int64_t id, std::string_view justification,
                                     std::int64_t now);
// intel.approve, the agency's own record: its content destroyed, and every
// agency it was disseminated to told. Audited (intel.purge).
Status PurgeRecord(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                   std::string_view reason, std::int64_t now);

// The background round: each approved record whose review has fallen due is
// noted once in the audit trail (intel.review_due, for the review queue);
// one 90 days past due without re-validation is purged by itself, its
// recipients told. Returns {noted, purged}.
Result<std::pair<std::int64_t, std::int64_t>> ReviewRecords(catalog::Database& db,
                                                            std::int64_t now);

}  // namespace interdict::intel
