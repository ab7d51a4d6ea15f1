// What ends by itself at its expiry (targets, BOLOs): one transaction that
// ends what is due, counts the change topic up when anything ended (servers
// reload what they keep in memory), and records it in the audit trail as the
// system's act. Internal to intel.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "base/status.h"
#include "catalog/database.h"

namespace interdict::intel {

// `expire` ends what is due and returns how many; audited as `event` with
// {`what`: n}. Returns n.
Result<std::int64_t> ExpireDue(catalog::Database& db, std::string_view topic,
                               std::string_view event, std::string_view what, std::int64_t now,
                               const std::function<Result<std::int64_t>()>& expire);

}  // namespace interdict::intel
