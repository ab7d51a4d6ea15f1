// Sharing between agencies: agreements (per partner, per data class, opt-in,
// dated, revocable, two people to create) and the state-law profiles that
// travel with the data. The one place that decides whose data a principal
// may see (GOVERNANCE C.12–C.15).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "catalog/database.h"
#include "identity/accounts.h"

namespace interdict::policy {

// The last three are issue 25's (docs/format/intel.md): that two agencies'
// operations or targets overlap; bulletins; criminal intelligence records.
enum class DataClass { kReads, kHits, kHotlists, kDeconfliction, kBolos, kIntelligence };
std::string_view DataClassName(DataClass c);
Result<DataClass> ParseDataClass(std::string_view s);

struct VisibleAgency {
  std::int64_t id = 0;
  std::string code;
  std::optional<std::int64_t> agreement;  // empty: the principal's own agency
};

// The SQL condition for an agreement (table alias `g`) in force at the time
// bound to parameter ?`now_param`: approved, not revoked, within its dates.
// The one statement of that rule, for every query that needs it.
std::string AgreementInForceSql(std::string_view g, int now_param);

// The agencies whose `cls` data `p` may see at `now`: its own, and each owner
// with an approved, unrevoked agreement in force naming p's agency, unless the
// owner's state law forbids out-of-state or federal requesters like p.
Result<std::vector<VisibleAgency>> VisibleAgencies(catalog::Database& db,
                                                   const identity::Principal& p, DataClass cls,
                                                   std::int64_t now);

// Why `p` may not see `owner`'s `cls` data at `now` ("" when it may): for
// error messages and the audit trail.
Result<std::string> WhyNotVisible(catalog::Database& db, const identity::Principal& p,
                                  std::int64_t owner, DataClass cls, std::int64_t now);

struct AgreementRequest {
  std::string partner;  // agency code
  DataClass data_class = DataClass::kReads;
  std::int64_t effective_from = 0;
  std::optional<std::int64_t> effective_to;
  std::string document;  // reference to the signed agreement
};

struct Agreement {
  std::int64_t id = 0;
  std::string owner, partner;
  DataClass data_class = DataClass::kReads;
  std::int64_t effective_from = 0;
  std::optional<std::int64_t> effective_to;
  std::string document;
  std::int64_t proposed_by = 0;
  std::optional<std::int64_t> approved_by, approved_at, revoked_at, revoked_by;
};

// Proposes sharing `p`'s agency's data with a partner (agreements.propose).
// Not in force until approved.
Result<std::int64_t> ProposeAgreement(catalog::Database& db, const identity::Principal& p,
                                      const AgreementRequest& req, std::int64_t now);
// Approves a proposal of `p`'s agency (agreements.approve): the approver is
// not the proposer, and between them they are a supervisor and an
// administrator.
Status ApproveAgreement(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                        std::int64_t now);
// Ends an agreement of `p`'s agency at once (agreements.propose suffices:
// narrowing access never needs a second person).
Status RevokeAgreement(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                       std::int64_t now);
struct Notice {
  std::int64_t id = 0;
  std::int64_t created_at = 0;
  std::string kind, message;
  bool read = false;
  std::string addressee;  // the agency head by name, "" when none is set
};
// Adds a notice for `agency` (the console's notices), inside the caller's
// transaction: `kind` says what it is about ("confirmation", "dispatch"),
// `addressee` whom it is for within the agency ("" for anyone).
Status AddNotice(catalog::Database& db, std::int64_t agency, std::string_view kind,
                 std::string_view message, std::string_view addressee, std::int64_t now);

// Notices to `p`'s agency, newest first (agency.read). Proposing, approving
// or revoking an agreement notifies both agencies, addressed to each one's
// head by name (GOVERNANCE 15).
Result<std::vector<Notice>> ListNotices(catalog::Database& db, const identity::Principal& p);
// users.manage: the person at the head of p's agency (chief, sheriff,
// director), whom sharing notices address: name, title, and how to reach them
// (an e-mail address or a phone number). Audited (agency.head).
struct AgencyHead {
  std::string name, title, contact;
};
Status SetAgencyHead(catalog::Database& db, const identity::Principal& p, const AgencyHead& head,
                     std::int64_t now);

Status MarkNoticeRead(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                      std::int64_t now);

// Agreements where `p`'s agency is owner or partner (agreements.read).
Result<std::vector<Agreement>> ListAgreements(catalog::Database& db, const identity::Principal& p);

}  // namespace interdict::policy
