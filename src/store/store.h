// The embedded read store (the default ReadStore): a write-ahead log with
// group commit in front of an in-memory table and immutable segments
// (docs/format/store.md). Every acknowledged read survives a crash of the
// process, and, with the default sync policy, of the machine. Thread-safe.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/log.h"
#include "base/status.h"
#include "crypto/keyring.h"
#include "read/read.h"
#include "store/env.h"
#include "store/query.h"
#include "store/read_store.h"
#include "store/segment.h"

namespace interdict::store {

enum class SyncPolicy { kAlways, kInterval, kNone };
Result<SyncPolicy> ParseSyncPolicy(std::string_view name);

struct StoreOptions {
  std::string dir;  // the store's directory, DATA/store
  SyncPolicy sync = SyncPolicy::kAlways;
  std::int64_t sync_interval_ms = 100;       // kInterval only
  std::uint64_t wal_file_bytes = 64u << 20;  // start a new log file past this size
  std::int64_t wal_file_ms = 30'000;         // ... or past this age
  std::uint64_t flush_reads = 250'000;       // flush the memtable to segments past this many reads
  std::int64_t flush_ms = 30'000;            // ... or when its oldest read is this old
  // Run flushes and purges on a background thread every maintenance_ms. Off in
  // tests, which call RunMaintenance() with a fake clock instead.
  bool background = true;
  std::int64_t maintenance_ms = 10'000;
  // Segments of one agency and bucket: while the bucket takes reads, those
  // with fewer rows than merge_below_rows are merged four or more of a size
  // at a time; once the agency has reads past the bucket's end, the bucket
  // is merged whole into segments of at most merge_max_rows.
  std::uint32_t merge_below_rows = 250'000;
  std::uint32_t merge_max_rows = 1'000'000;
  // Encryption at rest (docs/format/keys.md): with a key ring, segments and
  // WAL records are sealed under a data key per (agency, bucket), and a
  // purge destroys a bucket's key once every read of it has expired. The
  // ring must outlive the store. Null: nothing is sealed.
  crypto::KeyRing* keys = nullptr;
  // How flushes order a segment's rows. Plate order (version 4/5) always,
  // but for tests of the upgrade from version 2/3, which flush the old way;
  // merges and purges always write plate order.
  SegmentLayout flush_layout = SegmentLayout::kPlateOrder;
};

// What recovery found, for logs and `interdict store verify`.
struct RecoveryReport {
  std::uint64_t wal_files = 0;
  std::uint64_t reads_recovered = 0;
  std::uint64_t torn_tails_truncated = 0;
  std::vector<std::string> quarantined;  // paths moved to quarantine/
  // Sealed files and WAL records whose data key was destroyed: expired data
  // (a crash came between a purge's key destruction and its file removal, or
  // a restored backup predates the destruction). Removed, not quarantined.
  std::uint64_t expired_segments_removed = 0;
  std::uint64_t expired_wal_records = 0;
};

// Counters of the store's own work, for /metrics (never decreasing).
struct StoreStats {
  std::uint64_t flush_failures = 0, purge_failures = 0, merge_failures = 0;
  std::uint64_t reads_purged = 0;    // destroyed by retention
  std::uint64_t keys_destroyed = 0;  // data keys of expired buckets (encryption at rest)
};

class Store final : public ReadStore {
 public:
  // Opens (creating if needed) the store in options.dir and recovers from its
  // log. `env`, `clock` and `log` must outlive the store.
  static Result<std::unique_ptr<Store>> Open(StoreOptions options, Env& env, const Clock& clock,
                                             Logger& log);
  ~Store() override;

  // Stores the reads and returns once they are durable (under the sync policy).
  // Re-sent reads (same agency, camera and id) are counted as duplicates and
  // not stored twice. On an error nothing of this batch is acknowledged and
  // everything acknowledged before stays; the next call tries a fresh log file.
  Result<AppendResult> Append(std::vector<read::Read> reads) override;

  // Reads physically stored (memory and segments), expired-but-not-yet-purged included.
  std::uint64_t Count() const;
  // Each agency with reads stored, and the times of its oldest and newest
  // read (for copying a store away window by window: `store migrate`).
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> AgencySpans() const;
  const RecoveryReport& recovery() const;
  StoreStats stats() const;

  // Answers a query over a consistent snapshot; writes, flushes and purges go on.
  Result<QueryResult> Query(const ReadQuery& query) const override;
  // As Query for each; plate queries over one window share one pass.
  Result<std::vector<QueryResult>> QueryMany(const std::vector<ReadQuery>& queries) const override;

  // Which of `candidates` the store holds reads of (in any agency, at any
  // time; a plate whose reads were all purged may still be named). Cheap: no
  // segment is opened. For look-alike searches, which try hundreds of plates.
  std::vector<plate::Plate> KnownPlates(const std::vector<plate::Plate>& candidates) const override;

  // The hold that keeps `r` past its agency's retention, if it is past it and
  // a hold keeps it ("" otherwise): search results name it.
  std::string HoldFor(const read::Read& r) const override;

  // Replaces the retention rules (by agency code) and the holds.
  void SetRetention(std::map<std::string, RetentionRule> by_agency) override;
  void SetHolds(std::vector<Hold> holds) override;

  // Writes the memtable to segments now, then deletes the log files it covered.
  Status Flush();
  // What the background thread does: flush when due, purge expired reads,
  // merge small segments.
  Status RunMaintenance();
  // Merges each bucket's segments now, as far as merge_max_rows allows (the
  // background merges only when it pays: see merge_below_rows).
  Status Merge();

  // Segment files in the store, for tests and `store verify`.
  std::vector<std::string> SegmentPaths() const;

  // What the store in `dir` holds, by format, without opening it (for
  // `interdict version --data`): no lock, no change, no key needed.
  struct Summary {
    std::uint64_t checkpoint = 0;
    std::uint64_t wal_files = 0;
    // 2 and 3: rows by camera (plain, sealed); 4 and 5: rows by plate.
    std::map<std::uint32_t, std::uint64_t> segments_by_version;
    // Whether any segment is sealed (encryption at rest is in use).
    bool sealed() const {
      return segments_by_version.contains(3) || segments_by_version.contains(5);
    }
  };
  static Result<Summary> Describe(Env& env, const std::string& dir);

  // Checks every checksum of the store in `dir` without changing anything.
  // Problems, each naming its file, go to `problems`; OK when there are none.
  // Sealed files are opened with `keys`; without them each is a problem. A
  // sealed file whose key was destroyed is expired data, not a problem.
  static Status Verify(Env& env, const std::string& dir, std::vector<std::string>* problems,
                       const crypto::KeyRing* keys = nullptr);

  struct Impl;

 private:
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace interdict::store
