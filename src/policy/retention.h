// Retention and holds: how long each agency's data lives, by data class, and
// the evidence holds that keep matching reads past it. Decided here, from the
// catalog; enforced on disk by the read store (StoreRetention, StoreHolds).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "catalog/database.h"
#include "identity/accounts.h"
#include "store/read_store.h"

namespace interdict::policy {

inline constexpr std::int64_t kMinAuditRetentionMs = 365LL * 86'400'000;

struct RetentionSetting {
  std::string data_class;  // non_hit_reads, hits, images, audit, unit_locations
  std::int64_t period_ms = 0;
  std::string preset;  // where the value came from ("US-NH", "default", "custom")
  std::optional<std::int64_t> statutory_max_ms;  // the agency's state law, when it sets one
};

Result<std::vector<RetentionSetting>> GetRetention(catalog::Database& db,
                                                   const identity::Principal& p);
// retention.manage. Refused (InvalidArgument naming the limit) above the state
// law's limit for non-hit reads and images, or below a year for the audit log.
// Audited.
Status SetRetention(catalog::Database& db, const identity::Principal& p,
                    std::string_view data_class, std::int64_t period_ms, std::int64_t now);

struct HoldRequest {
  std::optional<std::string> plate;  // normalized
  std::optional<std::string> camera;
  std::optional<std::int64_t> window_from, window_to;
  std::string basis;         // court order, warrant, preservation request, defence request …
  std::string requested_by;  // who asked (a prosecutor, a defence attorney …)
  std::int64_t expires_at = 0;
};

// holds.manage; a hold names at least a plate, a camera or a window, and
// expires in the future. Audited.
Result<std::int64_t> CreateHold(catalog::Database& db, const identity::Principal& p,
                                const HoldRequest& req, std::int64_t now);
Status ReleaseHold(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                   std::int64_t now);

struct HoldInfo {
  std::int64_t id = 0;
  HoldRequest request;
  std::optional<std::int64_t> released_at;
};
Result<std::vector<HoldInfo>> ListHolds(catalog::Database& db, const identity::Principal& p);

// The holds of an agency that name a plate and are in force at `now`: what
// keeps a resident's plate past its retention.
struct PlateHold {
  std::int64_t id = 0;
  std::int64_t expires_at = 0;
  std::string basis;
};
Result<std::vector<PlateHold>> HoldsOfPlate(catalog::Database& db, std::int64_t agency_id,
                                            std::string_view plate, std::int64_t now);

// How long the audit trail is kept: the longest audit period of any agency
// (never under a year). The trail is one chain across agencies, so it is cut
// only where every agency's period has passed.
Result<std::int64_t> AuditRetentionMs(catalog::Database& db);

// What the read store enforces: every agency's non-hit read retention, and
// every hold neither released nor expired at `now`.
Result<std::map<std::string, store::RetentionRule>> StoreRetention(catalog::Database& db);
Result<std::vector<store::Hold>> StoreHolds(catalog::Database& db, std::int64_t now);

}  // namespace interdict::policy
