// Each agency's dispatch rules (docs/format/units.md, "Dispatch rules"): the
// staging policy shown with every suggestion, and the entry kinds (NCIC files
// such as "V" stolen vehicle or "W" wanted person, or a custom list's kind)
// for which the intercept plan calls for the aircraft, a K-9 team or a
// tactical medic. Administrators and supervisors set them; every change is
// audited.
#pragma once

#include <cstdint>
#include <set>
#include <string>

#include "base/status.h"
#include "catalog/database.h"
#include "identity/accounts.h"

namespace interdict::ops {

struct DispatchRules {
  std::string policy;
  std::set<std::string> aircraft_kinds, k9_kinds, medic_kinds;
  bool defaults = true;  // the agency has not set its own
  std::int64_t changed_at = 0;
  std::string changed_by;
};

// What an agency has until it sets its own.
DispatchRules DefaultDispatchRules();

// units.read: the caller's agency's rules.
Result<DispatchRules> GetDispatchRules(catalog::Database& db, const identity::Principal& p);

// units.manage: replaces the caller's agency's rules; audited
// ("dispatch.rules"). InvalidArgument naming the field: a policy of 20-2,000
// characters; each kind 1-16 of A-Z, 0-9, '_', '-', at most 20 a need.
Status SetDispatchRules(catalog::Database& db, const identity::Principal& p,
                        const DispatchRules& rules, std::int64_t now);

}  // namespace interdict::ops
