// The catalog's sensitive values sealed under the key ring (decision 0036,
// docs/format/keys.md): the catalog::ValueSealer a server gives its catalog
// connections when encryption at rest is on, and the destruction of the keys
// of expired hits and images.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "catalog/database.h"
#include "crypto/keyring.h"

namespace interdict::alerting {

class KeyRingSealer final : public catalog::ValueSealer {
 public:
  // `keys` must outlive the sealer.
  explicit KeyRingSealer(crypto::KeyRing& keys) : keys_(keys) {}
  Result<std::string> KeyFor(std::string_view agency, std::string_view data_class,
                             std::int64_t bucket_start, std::int64_t bucket_end,
                             std::int64_t now) const override;
  Result<std::string> Seal(std::string_view key_id, std::string_view column,
                           std::string_view plaintext) const override;
  Result<std::string> Open(std::string_view column, std::string_view sealed) const override;

 private:
  crypto::KeyRing& keys_;
};

// Destroys the keys of `data_class` ("hits" or "images") whose bucket ended
// one of the agency's retention periods of that class ago and that no row of
// the table of that name names (a hold or, for images, a hit keeps its rows,
// and so their keys). Every copy of what they sealed, backups included, is
// then unreadable. Each destroyed key is audited ("<class>.key_destroyed").
// Returns how many were destroyed.
Result<std::int64_t> ShredExpiredKeys(catalog::Database& db, crypto::KeyRing& keys,
                                      std::string_view data_class, std::int64_t now);

}  // namespace interdict::alerting
