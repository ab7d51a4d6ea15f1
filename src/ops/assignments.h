// Dispatch (docs/format/units.md, "A hit's operations"): a dispatcher sends
// units of the agency to a hit, each to a point ahead of the vehicle. The unit
// becomes "assigned", its agency is told, and the assignment is released when
// the unit is free again. Every act is audited; a unit goes only where the
// dispatcher's agency may see the hit.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "catalog/database.h"
#include "identity/accounts.h"

namespace interdict::ops {

struct AssignRequest {
  std::int64_t unit = 0;
  double lat = 0, lon = 0;  // where it waits
  std::string camera;       // the predicted camera its path leads to, if any
  std::optional<std::int64_t> eta_at;
};

struct Assignment {
  std::int64_t id = 0, hit = 0, unit = 0;
  std::string call_sign, kind;
  double lat = 0, lon = 0;
  std::string camera;
  std::optional<std::int64_t> eta_at;
  std::int64_t assigned_at = 0;
  std::string assigned_by;
  std::optional<std::int64_t> released_at;
  std::string released_by;
};

// hits.dispatch: an available unit of the caller's agency goes to hit `hit`
// (which the caller may see) and waits at the point; the unit is "assigned";
// audited "hit.assign"; a notification tells the agency. InvalidArgument for
// a point outside valid degrees; NotFound for a hit or unit not there;
// FailedPrecondition when the unit is not available.
Result<Assignment> AssignUnit(catalog::Database& db, const identity::Principal& p, std::int64_t hit,
                              const AssignRequest& request, std::int64_t now);

// hits.dispatch: the unit is released from the hit and available again;
// audited "hit.release". NotFound when it was not assigned there.
Status ReleaseUnit(catalog::Database& db, const identity::Principal& p, std::int64_t hit,
                   std::int64_t unit, std::int64_t now);

// hits.read, for a hit the caller may see: the caller's agency's units sent
// to it, those still out first.
Result<std::vector<Assignment>> HitAssignments(catalog::Database& db, const identity::Principal& p,
                                               std::int64_t hit, std::int64_t now);

}  // namespace interdict::ops
