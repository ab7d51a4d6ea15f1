// The embedded store's insides, shared by its parts (not for other
// components). The parts, like LevelDB's DBImpl and VersionSet:
//   version.cc      the segments of a moment and the store's distinct plates
//   recovery.cc     opening: checkpoint, segments, the log; verify, describe
//   write_path.cc   Append: the writer queue, group commit, duplicates
//   maintenance.cc  flush, merge, purge, key shredding (rename and undo)
//   planner.cc      Query, in steps
//   store.cc        Open, close, and the small accessors
//
// Locks. `mu` guards the fields marked GUARDED_BY(mu) below; Clang checks it
// (-Wthread-safety in the clang build). `maintenance_mu` serializes flushes,
// merges and purges; it is taken before `mu`, never while holding it. The
// writer at the front of `writers` (the log leader) alone uses the log file
// and adds to the memtable, so it may step out of `mu` for the log write and
// sync; an exclusive task (a flush's memtable swap) waits its turn in the
// same queue.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/hash.h"
#include "base/log.h"
#include "base/mutex.h"
#include "store/memtable.h"
#include "store/store.h"
#include "store/version.h"
#include "store/wal.h"

namespace interdict::store {

inline constexpr std::int64_t kMinute = 60'000;
inline constexpr std::string_view kCheckpointMagic{"IDCKP\0\0\1", 8};

inline std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// A segment is one bucket of one agency: the same buckets as its data key's
// (crypto::BucketLengthMs says why they are so long).
inline std::int64_t BucketMs(const RetentionRule& r) {
  return crypto::BucketLengthMs(r.non_hit_ms);
}

// How late an expired read may still be on disk: max(60 s, 5 % of retention).
inline std::int64_t PurgeDeadlineMs(const RetentionRule& r) {
  return std::max<std::int64_t>(kMinute, r.non_hit_ms / 20);
}

// Identity of a read for idempotent re-sends: (agency, camera, id).
inline std::uint64_t IdentityHash(const read::Read& r) {
  return Hash64({r.agency, r.camera, r.id});
}

inline bool SameIdentity(const read::Read& a, const read::Read& b) {
  return a.id == b.id && a.camera == b.camera && a.agency == b.agency;
}

// "<16 hex digits: first sequence number>.wal"; anything else in wal/ is not
// a log file of the store's (and must not reach the hex parse).
inline bool IsWalName(std::string_view n) {
  if (n.size() != 20 || !n.ends_with(".wal")) return false;
  return std::all_of(n.begin(), n.begin() + 16,
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// The bucket length of `agency`'s segments under `rules` (the default rule's
// when it has none).
inline std::int64_t BucketMsFor(const std::map<std::string, RetentionRule>& rules,
                                const std::string& agency) {
  const auto rule = rules.find(agency);
  return BucketMs(rule == rules.end() ? RetentionRule{} : rule->second);
}

// The reads of one WAL record, each with its sequence number. `*first` and
// `*last` get the record's range (last < first: none). A sealed record whose
// key was destroyed holds only expired reads: `*expired` is set and no read
// is delivered. Corruption names the file and the byte offset.
Status DecodeWalRecord(std::uint8_t type, std::string_view payload, const crypto::KeyRing* keys,
                       const std::string& where, std::uint64_t* first, std::uint64_t* last,
                       bool* expired,
                       const std::function<void(std::uint64_t, read::Read&)>& on_read);

struct Store::Impl {
  Impl(StoreOptions o, Env& e, const Clock& c, Logger& l);

  // One call to Append (or an exclusive task) waiting in `writers`. Its
  // fields belong to its own thread until it is queued, then to the leader.
  struct Writer {
    std::vector<read::Read>* reads = nullptr;  // null: an exclusive task (memtable swap)
    std::vector<char> keep;
    std::vector<std::int64_t> bucket_ms;  // each read's agency's bucket length, when sealing
    std::vector<std::uint64_t> hashes;    // each read's IdentityHash, computed once
    std::vector<std::uint32_t> ends;      // end of each kept read's encoding in the record
    std::size_t body_start = 0;
    std::uint64_t first_seq = 0;
    std::vector<std::pair<std::int64_t, std::int64_t>> buckets;  // each kept read's, when sealing
    Status status;
    AppendResult result;
    bool done = false;
    CondVar cv;
  };

  // --- recovery.cc
  Status Recover() REQUIRES(mu);
  Status OpenSegments() REQUIRES(mu);
  Status ReplayLogs() REQUIRES(mu);
  Status WriteCheckpoint(std::uint64_t seq);

  // --- write_path.cc
  Result<AppendResult> Append(std::vector<read::Read>& reads) EXCLUDES(mu);
  // The leader's work for `group` (itself first); steps out of the lock for
  // the slow parts (write_path.cc).
  Status CommitGroup(const std::vector<Writer*>& group) REQUIRES(mu);
  // Queues `w` and waits until it is at the front (or, for a batch, done by a
  // leader); LeaveQueue hands the front to the next.
  void WaitForTurn(Writer& w, MutexLock& l) REQUIRES(mu);
  void LeaveQueue() REQUIRES(mu);
  bool Expired(const read::Read& r, std::int64_t now) const REQUIRES(mu);
  // Whether a read with r's identity is in one of v's segments (disk I/O:
  // called outside mu).
  bool InSegments(const Version& v, const read::Read& r) const;
  // Seals the kept reads of one writer's batch record as one record per
  // data key (docs/format/store.md).
  Result<std::vector<std::string>> SealRecord(const Writer& g, std::string_view rec);

  // --- maintenance.cc
  // The memtable a flush writes out, frozen, and what it needs to know.
  struct Frozen {
    std::shared_ptr<const Memtable> reads;  // null: nothing to flush
    std::uint64_t first_seq = 0, last_seq = 0;
    std::map<std::string, RetentionRule> retention;
  };
  // Swaps in a fresh memtable (when no flush is pending) and closes the log.
  Frozen FreezeMemtable() EXCLUDES(mu);
  // One flushed segment: `rows` of the frozen memtable, one agency and bucket.
  Status WriteFlushSegment(const Frozen& f, const std::string& agency, std::int64_t bucket_start,
                           const std::vector<std::uint32_t>& rows, std::shared_ptr<Segment>* out)
      EXCLUDES(mu);
  // Removes the log files wholly at or below `flushed_seq` but the open one.
  Status RemoveCoveredLogs(std::uint64_t flushed_seq) EXCLUDES(mu);
  // Renames a written segment into place and opens it; on any failure both
  // names are removed, so the file can never come back at the next open.
  Status InstallSegment(const std::string& tmp, const std::string& path,
                        std::shared_ptr<Segment>* out);
  Status WriteMerged(const std::vector<std::shared_ptr<Segment>>& group, const std::string& path,
                     const SegmentMeta& meta);
  struct PurgePlan {
    std::vector<std::uint32_t> keep;         // rows kept
    std::vector<std::uint64_t> kept_plates;  // their distinct plates, sorted
    std::int64_t kept_min_time = INT64_MAX;
    std::uint64_t destroyed = 0;
    std::int64_t oldest = INT64_MAX, newest = INT64_MIN;  // of the destroyed rows
    std::set<std::string> hold_ids;                       // holds that kept expired rows
  };
  Status PlanPurge(const Segment& seg, std::int64_t cutoff, const std::vector<Hold>& active_holds,
                   std::int64_t now, PurgePlan* plan);
  Status ApplyPurge(const std::shared_ptr<Segment>& seg, PurgePlan& plan, std::int64_t now)
      REQUIRES(maintenance_mu) EXCLUDES(mu);
  Status Flush() EXCLUDES(maintenance_mu, mu);
  // Flushes when the memtable is full or its oldest read waited flush_ms.
  Status FlushIfDue() EXCLUDES(maintenance_mu, mu);
  Status Purge() EXCLUDES(maintenance_mu, mu);
  // Background merges are tiered (maintenance.cc, PickMergeGroup); `now`
  // merges every bucket's segments as far as merge_max_rows allows.
  Status Merge(bool now) EXCLUDES(maintenance_mu, mu);
  // Writes one new segment with `write` (given the file's path and its final
  // meta), or none when `write` is empty, in place of `old`.
  using SegmentWriteFn = std::function<Status(const std::string& path, const SegmentMeta& meta)>;
  Status ReplaceSegments(const std::vector<std::shared_ptr<Segment>>& old, SegmentMeta meta,
                         const SegmentWriteFn& write, std::shared_ptr<Segment>* out)
      REQUIRES(maintenance_mu) EXCLUDES(mu);
  // Destroys the data keys of buckets whose every read has expired and that
  // nothing still holds (crypto-shredding), reporting each.
  Status ShredKeys(const std::map<std::string, RetentionRule>& rules,
                   const std::vector<Hold>& active_holds, std::int64_t now) REQUIRES(maintenance_mu)
      EXCLUDES(mu);
  void AppendPurgeReport(const std::string& line);

  // The data key of a bucket of `agency`; null when nothing is sealed.
  Result<std::shared_ptr<const crypto::DataKey>> KeyFor(const std::string& agency,
                                                        std::int64_t bucket_start,
                                                        std::int64_t bucket_end) const {
    if (opts.keys == nullptr) return std::shared_ptr<const crypto::DataKey>();
    return opts.keys->ForBucket(agency, "reads", bucket_start, bucket_end, clock.NowMillis());
  }
  std::string AgencyDir(const std::string& agency) const { return seg_dir + "/" + agency; }
  std::uint64_t NewSegmentId() EXCLUDES(mu) {
    MutexLock l(mu);
    return next_segment_id++;
  }
  std::shared_ptr<const Version> CurrentVersion() const EXCLUDES(mu) {
    MutexLock l(mu);
    return version;
  }

  // Set at open, then constant.
  const StoreOptions opts;
  Env& env;
  const Clock& clock;
  Logger& log;
  const std::string wal_dir, seg_dir, quarantine_dir, tmp_dir, checkpoint_path, purge_log_path;
  RecoveryReport recovery;  // written by Recover before any other thread starts

  mutable Mutex maintenance_mu ACQUIRED_BEFORE(mu);  // one flush, merge or purge at a time
  mutable Mutex mu;
  std::deque<Writer*> writers GUARDED_BY(mu);
  std::shared_ptr<Memtable> mem GUARDED_BY(mu);
  std::shared_ptr<const Memtable> imm GUARDED_BY(mu);  // being flushed
  std::uint64_t imm_seq GUARDED_BY(mu) = 0;  // every read in imm has a sequence number <= this
  std::shared_ptr<const Version> version GUARDED_BY(mu);
  std::map<std::string, RetentionRule> retention GUARDED_BY(mu);
  std::vector<Hold> holds GUARDED_BY(mu);
  std::uint64_t last_seq GUARDED_BY(mu) = 0;
  // Changed only by maintenance (holding maintenance_mu as well).
  std::uint64_t checkpoint_seq GUARDED_BY(mu) = 0;
  std::uint64_t next_segment_id GUARDED_BY(mu) = 1;
  // The log file. The pointer is guarded; the file itself is used only by
  // the leader of `writers` (or an exclusive task), which may do so outside mu.
  std::unique_ptr<WalWriter> wal GUARDED_BY(mu);
  std::chrono::steady_clock::time_point wal_started GUARDED_BY(mu), last_sync GUARDED_BY(mu);
  bool stopping GUARDED_BY(mu) = false;

  std::atomic<std::uint64_t> flush_failures{0}, purge_failures{0}, merge_failures{0};
  std::atomic<std::uint64_t> reads_purged{0}, keys_destroyed{0};

  std::thread background;
  CondVar background_cv;  // wakes the background thread (a full memtable, stopping)
  CondVar stall_cv;       // writers waiting for a flush
};

}  // namespace interdict::store
