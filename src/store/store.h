// The embedded read store: a write-ahead log with group commit in front of an
// in-memory table (segments follow; docs/format/store.md). Every acknowledged
// read survives a crash of the process, and, with the default sync policy,
// of the machine. Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/log.h"
#include "base/status.h"
#include "read/read.h"
#include "store/env.h"

namespace interdict::store {

enum class SyncPolicy { kAlways, kInterval, kNone };
Result<SyncPolicy> ParseSyncPolicy(std::string_view name);

struct StoreOptions {
  std::string dir;  // the store's directory, DATA/store
  SyncPolicy sync = SyncPolicy::kAlways;
  std::int64_t sync_interval_ms = 100;       // kInterval only
  std::uint64_t wal_file_bytes = 64u << 20;  // start a new log file past this size
  std::int64_t wal_file_ms = 30'000;         // ... or past this age
};

struct AppendResult {
  std::uint64_t accepted = 0;    // new reads, now durable
  std::uint64_t duplicates = 0;  // already stored (same agency, camera and id), not stored again
};

// What recovery found, for logs and `interdict store verify`.
struct RecoveryReport {
  std::uint64_t wal_files = 0;
  std::uint64_t reads_recovered = 0;
  std::uint64_t torn_tails_truncated = 0;
  std::vector<std::string> quarantined;  // paths moved to quarantine/
};

class Store {
 public:
  // Opens (creating if needed) the store in options.dir and recovers from its
  // log. `env`, `clock` and `log` must outlive the store.
  static Result<std::unique_ptr<Store>> Open(StoreOptions options, Env& env, const Clock& clock,
                                             Logger& log);
  ~Store();

  // Stores the reads and returns once they are durable (under the sync policy).
  // Re-sent reads (same agency, camera and id) are counted as duplicates and
  // not stored twice. On an error nothing of this batch is acknowledged and
  // everything acknowledged before stays; the next call tries a fresh log file.
  Result<AppendResult> Append(std::vector<read::Read> reads);

  std::uint64_t Count() const;
  const RecoveryReport& recovery() const;

  // Checks every checksum of the store in `dir` without changing anything.
  // Problems, each naming its file, go to `problems`; OK when there are none.
  static Status Verify(Env& env, const std::string& dir, std::vector<std::string>* problems);

  struct Impl;

 private:
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace interdict::store
