// Keys for encryption at rest (decision 0036, docs/format/keys.md): a master
// key held outside the data directory wraps one data key per (agency, data
// class, time bucket). Retention destroys a bucket's data key, and with it
// every copy of the bucket's data, backups included.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_set>
#include <vector>

#include "base/status.h"

namespace interdict::crypto {

// The key-encryption key. A key file is the first implementation; a KMS or an
// HSM (PKCS#11) takes the same two operations.
class MasterKey {
 public:
  virtual ~MasterKey() = default;
  // Names the key without revealing it (16 hex digits).
  virtual const std::string& id() const = 0;
  virtual Result<std::string> Wrap(std::string_view key, std::string_view context) const = 0;
  // Corruption when `wrapped` was not wrapped by this key with this context.
  virtual Result<std::string> Unwrap(std::string_view wrapped, std::string_view context) const = 0;
  // A 32-byte key for one purpose ("backup-manifest/1"), derived from this
  // one: the same purpose always gives the same key, and it reveals nothing
  // of this key or of another purpose's.
  virtual std::string Derive(std::string_view purpose) const = 0;
};

// A master key in a file: one line of 64 hex digits, readable by its owner only.
class FileMasterKey final : public MasterKey {
 public:
  // NotFound, PermissionDenied (group or others may read it) or
  // InvalidArgument (not 64 hex digits), each naming the file.
  static Result<std::unique_ptr<FileMasterKey>> Load(const std::string& path);
  // Writes a new random key to `path` (mode 0400); AlreadyExists if it exists.
  static Status Create(const std::string& path);

  const std::string& id() const override { return id_; }
  Result<std::string> Wrap(std::string_view key, std::string_view context) const override;
  Result<std::string> Unwrap(std::string_view wrapped, std::string_view context) const override;
  std::string Derive(std::string_view purpose) const override;

 private:
  explicit FileMasterKey(std::string key);
  std::string key_, id_;
};

// One data key: 32 bytes of material and what it is for.
struct DataKey {
  std::string id;  // "k-" + 16 hex digits; never reused
  std::string agency;
  std::string data_class;  // "reads" or "images"
  std::int64_t bucket_start = 0, bucket_end = 0;
  std::int64_t created_ms = 0;
  std::string material;  // 32 bytes; empty in listings
};

enum class KeyState { kLive, kDestroyed, kUnknown };

// The store of wrapped data keys in a directory. Thread-safe. One process at
// a time may change it (a flock on DIR/LOCK); read-only opens take no lock.
class KeyRing {
 public:
  // Opens (creating if needed) the ring in `dir` with `master`, which must
  // outlive the ring. FailedPrecondition when the ring is wrapped under
  // another master key (both ids named); Unavailable when another process
  // holds the lock.
  static Result<std::unique_ptr<KeyRing>> Open(const std::string& dir, const MasterKey& master);
  static Result<std::unique_ptr<KeyRing>> OpenReadOnly(const std::string& dir,
                                                       const MasterKey& master);
  ~KeyRing();

  // The live key of a bucket, made (and durable) if there is none.
  // FailedPrecondition on a read-only ring.
  Result<std::shared_ptr<const DataKey>> ForBucket(std::string_view agency,
                                                   std::string_view data_class,
                                                   std::int64_t bucket_start,
                                                   std::int64_t bucket_end, std::int64_t now_ms);
  struct BucketRef {
    std::string agency, data_class;
    std::int64_t bucket_start = 0, bucket_end = 0;
  };
  // The keys of several buckets, in order, with one durable write of the ring
  // for all that must be made. Making a bucket's key also makes the next
  // bucket's (same length), so a new week or minute rarely waits for a write.
  Result<std::vector<std::shared_ptr<const DataKey>>> ForBuckets(
      const std::vector<BucketRef>& buckets, std::int64_t now_ms);
  // The live key with this id. NotFound, saying "destroyed" or "unknown".
  Result<std::shared_ptr<const DataKey>> Find(std::string_view id) const;
  KeyState StateOf(std::string_view id) const;

  // Destroys a key: logged (synced) first, then dropped from the ring.
  // Returns what was destroyed (without material).
  Result<DataKey> Destroy(std::string_view id, std::string_view reason, std::int64_t now_ms);

  // Every live key, without material.
  std::vector<DataKey> List() const;
  // Every destroyed key still in the destruction log, in the order
  // destroyed, without material (read from the log).
  Result<std::vector<DataKey>> Destroyed() const;
  // How many destroyed keys are known by their id alone (compacted out of
  // the log into destroyed.ids).
  std::size_t CompactedCount() const;

  // Moves all but the newest `keep_lines` lines of the destruction log into
  // destroyed.ids (each key's 64-bit id, sorted): a key destroyed years ago
  // is still known as destroyed, in 8 bytes instead of a JSON line, and the
  // log read at start stays short. Its details remain in the purge report
  // and the audit trail. Crash-safe (ids written first, then the log
  // shortened; a key in both is harmless). Returns how many lines moved.
  // An open of a writable ring does it when the log has over twice
  // kKeepDestroyedLines lines.
  Result<std::size_t> CompactDestroyedLog(std::size_t keep_lines);
  static constexpr std::size_t kKeepDestroyedLines = 10'000;

  // Rewraps every live key of the ring in `dir` from `old_master` to
  // `new_master`; takes the lock. Returns how many keys were rewrapped.
  static Result<std::size_t> Rotate(const std::string& dir, const MasterKey& old_master,
                                    const MasterKey& new_master);

 private:
  KeyRing(std::string dir, const MasterKey& master, int lock_fd)
      : dir_(std::move(dir)), master_(master), lock_fd_(lock_fd) {}
  Status Load();
  // Requires mu_.
  Status WriteRing() const;
  bool IsDestroyed(std::string_view id) const;  // requires mu_

  std::string dir_;
  const MasterKey& master_;
  int lock_fd_ = -1;  // -1: read-only
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const DataKey>, std::less<>> by_id_;
  std::map<std::tuple<std::string, std::string, std::int64_t, std::int64_t>,
           std::shared_ptr<const DataKey>>
      by_bucket_;
  // Only the ids' 64 bits ("k-" and 16 hex digits): an agency with a
  // 3-minute retention destroys a key a minute, some 30 bytes of memory and
  // 200 of log a key.
  std::unordered_set<std::uint64_t> destroyed_;
  std::size_t compacted_ = 0;  // ids read from destroyed.ids
  std::size_t log_lines_ = 0;  // valid lines of destroyed.log at the last load
};

// The associated data a wrapped key is bound to.
std::string WrapContext(const DataKey& k);

// How long a key's time bucket is for data kept `retention_ms` (negative:
// without limit): a tenth of the retention, from a minute to a week. Short
// retention gets short buckets, so whole buckets expire together; long
// retention gets up to a week, where plates repeat and a segment's
// dictionary pays for itself.
std::int64_t BucketLengthMs(std::int64_t retention_ms);
// The start of the bucket of length `length_ms` that holds time `t`.
std::int64_t BucketStart(std::int64_t t, std::int64_t length_ms);

}  // namespace interdict::crypto
