#include "alerting/sealing.h"

#include <map>

#include <fmt/core.h>

#include "audit/audit.h"
#include "base/base64.h"
#include "base/json_writer.h"
#include "base/time_format.h"
#include "crypto/aead.h"

namespace interdict::alerting {
namespace {

constexpr std::string_view kPrefix = "sealed:";

// What a sealed value is bound to: its key and its column.
std::string Context(std::string_view key_id, std::string_view column) {
  return fmt::format("interdict-col/1|{}|{}", key_id, column);
}

}  // namespace

Result<std::string> KeyRingSealer::KeyFor(std::string_view agency, std::string_view data_class,
                                          std::int64_t bucket_start, std::int64_t bucket_end,
                                          std::int64_t now) const {
  Result<std::shared_ptr<const crypto::DataKey>> k =
      keys_.ForBucket(agency, data_class, bucket_start, bucket_end, now);
  if (!k.ok()) return k.status();
  return (*k)->id;
}

Result<std::string> KeyRingSealer::Seal(std::string_view key_id, std::string_view column,
                                        std::string_view plaintext) const {
  Result<std::shared_ptr<const crypto::DataKey>> k = keys_.Find(key_id);
  if (!k.ok()) return k.status();
  Result<std::string> sealed = crypto::Seal((*k)->material, plaintext, Context(key_id, column));
  if (!sealed.ok()) return sealed.status();
  return fmt::format("{}{}:{}", kPrefix, key_id, Base64Encode(*sealed));
}

Result<std::string> KeyRingSealer::Open(std::string_view column, std::string_view value) const {
  if (value.substr(0, kPrefix.size()) != kPrefix) {
    return Status::InvalidArgument(fmt::format("{}: not a sealed value", column));
  }
  value.remove_prefix(kPrefix.size());
  const std::size_t colon = value.find(':');
  if (colon == std::string_view::npos) {
    return Status::Corruption(fmt::format("{}: a sealed value without its key id", column));
  }
  const std::string_view key_id = value.substr(0, colon);
  Result<std::shared_ptr<const crypto::DataKey>> k = keys_.Find(key_id);
  if (!k.ok()) {
    if (keys_.StateOf(key_id) == crypto::KeyState::kDestroyed) {
      return Status::NotFound(
          fmt::format("{}: its data key {} was destroyed: the value expired", column, key_id));
    }
    return Status::Corruption(
        fmt::format("{}: sealed under key {}, which the key ring does not know", column, key_id));
  }
  const std::optional<std::string> bytes = Base64Decode(value.substr(colon + 1));
  if (!bytes)
    return Status::Corruption(fmt::format("{}: a sealed value that is not base64", column));
  Result<std::string> plain = crypto::Open((*k)->material, *bytes, Context(key_id, column));
  if (!plain.ok())
    return Status::Corruption(fmt::format("{}: {}", column, plain.status().message()));
  return plain;
}

Result<std::int64_t> ShredExpiredKeys(catalog::Database& db, crypto::KeyRing& keys,
                                      std::string_view data_class, std::int64_t now) {
  if (data_class != "hits" && data_class != "images") {
    return Status::InvalidArgument(fmt::format("no sealed catalog rows of class {}", data_class));
  }
  std::int64_t destroyed = 0;
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
    struct Agency {
      std::int64_t id = 0, retention_ms = 0;
    };
    std::map<std::string, Agency, std::less<>> agencies;
    Result<catalog::Statement> q = db.Prepare(
        "SELECT a.code, a.id, r.period_ms FROM agencies a JOIN retention r ON r.agency_id = a.id "
        "AND r.data_class = ?1");
    if (!q.ok()) return q.status();
    q->Bind(1, data_class);
    for (;;) {
      Result<bool> row = q->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      agencies[q->Text(0)] = {q->Int(1), q->Int(2)};
    }
    Result<catalog::Statement> named =
        db.Prepare(fmt::format("SELECT 1 FROM {} WHERE key_id = ?1 LIMIT 1", data_class));
    if (!named.ok()) return named.status();
    for (const crypto::DataKey& k : keys.List()) {
      if (k.data_class != data_class) continue;
      const auto agency = agencies.find(k.agency);
      if (agency == agencies.end()) continue;
      // Everything of the bucket is from before its end: all expired once the
      // end is a retention period old, unless a hit or hold keeps its row.
      if (k.bucket_end > now - agency->second.retention_ms) continue;
      named->Bind(1, k.id);
      Result<bool> in_use = named->Step();
      named->Reset();
      if (!in_use.ok()) return in_use.status();
      if (*in_use) continue;
      // The audit entry first, in the transaction: a destruction that
      // fails rolls it back, and no key is destroyed unrecorded.
      audit::Entry e;
      e.time = now;
      e.actor = "system";
      e.agency = agency->second.id;
      e.event = fmt::format("{}.key_destroyed", data_class);
      e.details = json::Object("key", k.id, "bucket_start", FormatRfc3339(k.bucket_start),
                               "bucket_end", FormatRfc3339(k.bucket_end), "reason", "retention");
      e.touched = {agency->second.id};
      INTERDICT_RETURN_IF_ERROR(audit::Append(db, e));
      Result<crypto::DataKey> gone = keys.Destroy(k.id, "retention", now);
      if (!gone.ok()) return gone.status();
      ++destroyed;
    }
    return Status::Ok();
  }));
  return destroyed;
}

}  // namespace interdict::alerting
