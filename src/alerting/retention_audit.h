// One audit entry per agency for what a retention purge deleted (internal to
// the alerting component).
#pragma once

#include <cstdint>
#include <map>
#include <string_view>

#include <fmt/core.h>

#include "audit/audit.h"
#include "catalog/database.h"

namespace interdict::alerting {

// `counts`: agency id -> how many `what` ("hits", "images") were deleted.
inline Status AuditPurges(catalog::Database& db, const std::map<std::int64_t, std::int64_t>& counts,
                          std::string_view what, std::int64_t now) {
  for (const auto& [agency, n] : counts) {
    audit::Entry e;
    e.time = now;
    e.actor = "system";
    e.agency = agency;
    e.event = fmt::format("{}.purge", what);
    e.details = fmt::format(R"({{"{}":{},"reason":"retention"}})", what, n);
    e.touched = {agency};
    INTERDICT_RETURN_IF_ERROR(audit::Append(db, e));
  }
  return Status::Ok();
}

}  // namespace interdict::alerting
