// Operations an agency plans (raids, warrants, surveillance, controlled buys,
// undercover meetings), checked for conflicts with every other operation of
// the agencies it deconflicts with (docs/format/intel.md, "Operations and
// deconfliction"): its own, and each agency with which a deconfliction
// agreement is in force both ways. The operation's case number, title and
// place stay with its agency; the other side learns only whom to call.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "catalog/database.h"
#include "identity/accounts.h"
#include "intel/conflicts.h"

namespace interdict::intel {

struct OperationRequest {
  std::string
      kind;  // raid, search_warrant, surveillance, controlled_buy, undercover_meeting, other
  std::string case_number, title, contact_name, contact_phone;
  std::int64_t starts_at = 0, ends_at = 0;  // epoch ms, at most 14 days apart
  std::string area;                         // WKT: POINT (with radius_m) or POLYGON
  std::optional<double> radius_m;
};

struct Operation {
  std::int64_t id = 0;
  std::string agency;  // code
  std::string kind, case_number, title, contact_name, contact_phone;
  std::int64_t starts_at = 0, ends_at = 0;
  std::string area;
  std::optional<double> radius_m;
  std::string status;  // planned, active, ended, cancelled
  std::int64_t created_at = 0;
  std::string created_by;
  std::int64_t updated_at = 0;
  std::string updated_by;
};

struct OperationResult {
  Operation operation;
  std::vector<ConflictNotice> notices;  // new conflicts, one notice per side
};

// operations.manage: enters an operation of the caller's agency and records
// its conflicts. Every field is checked first (InvalidArgument naming it: the
// phone through libphonenumber, the area's WKT by byte, a window of at most
// 14 days that has not ended). Audited (operation.enter).
Result<OperationResult> EnterOperation(catalog::Database& db, const identity::Principal& p,
                                       const OperationRequest& r, std::int64_t now);
// operations.manage: changes an operation of the caller's agency that has not
// ended or been cancelled; a new place or time is checked again. Audited.
Result<OperationResult> UpdateOperation(catalog::Database& db, const identity::Principal& p,
                                        std::int64_t id, const OperationRequest& r,
                                        std::int64_t now);
// operations.manage: active, ended or cancelled. Cancelling answers the
// operation's open conflicts with "cancel" on its side. Audited.
Status SetOperationStatus(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                          std::string_view status, std::int64_t now);
// operations.read: the caller's agency's operations that end after `since`,
// soonest first (at most 500).
Result<std::vector<Operation>> ListOperations(catalog::Database& db, const identity::Principal& p,
                                              std::int64_t since);
// operations.read: one of the caller's agency's operations; NotFound for
// another agency's, as for one that does not exist.
Result<Operation> GetOperation(catalog::Database& db, const identity::Principal& p,
                               std::int64_t id);

// The background round: planned operations that have begun become active,
// and those past their end ended. Returns how many changed.
Result<std::int64_t> AdvanceOperations(catalog::Database& db, std::int64_t now);

// The agencies `agency` deconflicts with at `now`: itself, and each with a
// deconfliction agreement in force both ways.
Result<std::vector<std::int64_t>> DeconflictingAgencies(catalog::Database& db, std::int64_t agency,
                                                        std::int64_t now);

}  // namespace interdict::intel
