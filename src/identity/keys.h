// API keys for integrations (cameras, vendor back-ends, CAD): scoped to one
// agency, a set of the integration role's permissions and optionally some
// cameras; stored as a digest; revocable and rotatable. The key is shown once:
// "idk_<key id>_<secret>".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "catalog/database.h"
#include "identity/accounts.h"

namespace interdict::identity {

struct KeyRequest {
  std::string name;                                 // what it is: "Flock back-end", "CAD"
  std::vector<std::string> permissions;             // e.g. {"reads.ingest"}
  std::optional<std::vector<std::string>> cameras;  // camera codes; empty: all the agency's
  // A unit's own key: the call signs it reports (units.report); empty: all.
  // (Initialised here: the many requests that name no units need not.)
  std::optional<std::vector<std::string>> units = std::nullopt;
};

struct NewKey {
  std::int64_t id = 0;
  std::string key;  // shown once
};

struct KeyInfo {
  std::int64_t id = 0;
  std::string name, key_id;
  std::vector<std::string> permissions;
  std::optional<std::vector<std::string>> cameras;
  std::optional<std::vector<std::string>> units;
  std::int64_t created_at = 0;
  std::optional<std::int64_t> revoked_at;
};

// All need integrations.manage and act on the caller's agency; all are audited.
Result<NewKey> CreateKey(catalog::Database& db, const Principal& p, const KeyRequest& req,
                         std::int64_t now);
// A new secret for the same integration; the old one stops working at once.
Result<NewKey> RotateKey(catalog::Database& db, const Principal& p, std::int64_t id,
                         std::int64_t now);
Status RevokeKey(catalog::Database& db, const Principal& p, std::int64_t id, std::int64_t now);
Result<std::vector<KeyInfo>> ListKeys(catalog::Database& db, const Principal& p);

// Whether `token` looks like an API key (so the gate knows which check to run).
bool IsApiKey(std::string_view token);
// The integration's principal. Unauthenticated for a malformed, unknown or
// revoked key (one message for all).
Result<Principal> AuthenticateKey(catalog::Database& db, std::string_view key);

}  // namespace interdict::identity
