#include "store/store.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <iterator>
#include <map>
#include <mutex>
#include <queue>
#include <set>
#include <thread>
#include <tuple>
#include <unordered_map>

#include <fmt/core.h>

#include "base/hash.h"
#include "base/json_writer.h"
#include "base/time_format.h"
#include "store/coding.h"
#include "store/crc32c.h"
#include "store/memtable.h"
#include "store/row_codec.h"
#include "store/segment.h"
#include "store/wal.h"

namespace interdict::store {
namespace {

// Identity of a read for idempotent re-sends: (agency, camera, id).
std::uint64_t IdentityHash(const read::Read& r) {
  return Hash64({r.agency, r.camera, r.id});
}

bool SameIdentity(const read::Read& a, const read::Read& b) {
  return a.id == b.id && a.camera == b.camera && a.agency == b.agency;
}

bool IsWalName(std::string_view n) {
  return n.size() == 20 && n.ends_with(".wal");
}

}  // namespace

Result<SyncPolicy> ParseSyncPolicy(std::string_view name) {
  if (name == "always") return SyncPolicy::kAlways;
  if (name == "interval") return SyncPolicy::kInterval;
  if (name == "none") return SyncPolicy::kNone;
  return Status::InvalidArgument(
      fmt::format("unknown sync policy '{}' (expected always, interval or none)", name));
}

namespace {

constexpr std::int64_t kMinute = 60'000;
constexpr std::string_view kCheckpointMagic{"IDCKP\0\0\1", 8};

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// A segment is one bucket of one agency: the same buckets as its data key's
// (crypto::BucketLengthMs says why they are so long).
std::int64_t BucketMs(const RetentionRule& r) {
  return crypto::BucketLengthMs(r.non_hit_ms);
}

// How late an expired read may still be on disk: max(60 s, 5 % of retention).
std::int64_t PurgeDeadlineMs(const RetentionRule& r) {
  return std::max<std::int64_t>(kMinute, r.non_hit_ms / 20);
}

// The distinct plates of a version's segments, as a few sorted runs, so that a
// pattern query scans each distinct plate once instead of every segment's
// dictionary (a plate seen in many weeks and agencies is in many of those).
// Runs may hold plates no segment has any more (after purges); a lookup of
// one finds nothing, and the runs are rebuilt once such stale entries could be
// a quarter of them.
struct PlateRuns {
  std::vector<std::shared_ptr<const std::vector<std::uint64_t>>> runs;
  std::uint64_t entries = 0;          // in all runs
  std::uint64_t removed_entries = 0;  // dictionary entries of segments removed since the rebuild
};

struct Version {
  std::map<std::string, std::vector<std::shared_ptr<Segment>>> by_agency;  // by bucket, then id
  std::uint64_t rows = 0;
  std::shared_ptr<const PlateRuns> plates = std::make_shared<PlateRuns>();
};

// The distinct values of sorted sources (anything with size() and
// operator[]), by a k-way merge: no copy of all of them at once.
template <typename Source>
std::vector<std::uint64_t> DistinctUnion(const std::vector<const Source*>& sources) {
  using Head = std::pair<std::uint64_t, std::size_t>;  // value, source
  std::priority_queue<Head, std::vector<Head>, std::greater<>> heads;
  std::vector<std::size_t> pos(sources.size(), 0);
  std::size_t largest = 0;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    largest = std::max(largest, sources[i]->size());
    if (sources[i]->size() > 0) heads.emplace((*sources[i])[0], i);
  }
  std::vector<std::uint64_t> out;
  out.reserve(largest);
  while (!heads.empty()) {
    const auto [value, i] = heads.top();
    heads.pop();
    if (out.empty() || out.back() != value) out.push_back(value);
    if (++pos[i] < sources[i]->size()) heads.emplace((*sources[i])[pos[i]], i);
  }
  return out;
}

std::vector<std::uint64_t> DistinctPlates(const std::vector<const Segment*>& segs) {
  std::vector<const PlateDictionary*> dicts;
  for (const Segment* s : segs) dicts.push_back(&s->plate_dictionary());
  return DistinctUnion(dicts);
}

// Adds a run, then merges runs like a binary counter (a run is merged into
// the one before it while that one is at most twice its size), so there are
// about log2(flushes) runs and each plate is merged O(log) times.
void AddRun(PlateRuns& p, std::vector<std::uint64_t> run) {
  p.runs.push_back(std::make_shared<const std::vector<std::uint64_t>>(std::move(run)));
  while (p.runs.size() >= 2 && p.runs[p.runs.size() - 2]->size() <= 2 * p.runs.back()->size()) {
    const auto& a = *p.runs[p.runs.size() - 2];
    const auto& b = *p.runs.back();
    std::vector<std::uint64_t> both;
    both.reserve(a.size() + b.size());
    std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(both));
    p.runs.pop_back();
    p.runs.back() = std::make_shared<const std::vector<std::uint64_t>>(std::move(both));
  }
  p.entries = 0;
  for (const auto& r : p.runs) p.entries += r->size();
}

std::shared_ptr<Version> WithChanges(const Version& base,
                                     const std::vector<std::shared_ptr<Segment>>& add,
                                     const std::vector<std::uint64_t>& remove_ids) {
  auto v = std::make_shared<Version>();
  std::vector<const Segment*> removed;
  for (const auto& [agency, segs] : base.by_agency) {
    for (const auto& s : segs) {
      if (std::find(remove_ids.begin(), remove_ids.end(), s->meta().id) == remove_ids.end()) {
        v->by_agency[agency].push_back(s);
      } else {
        removed.push_back(s.get());
      }
    }
  }
  for (const auto& s : add) v->by_agency[s->meta().agency].push_back(s);
  std::vector<const Segment*> all;
  for (auto& [agency, segs] : v->by_agency) {
    std::sort(segs.begin(), segs.end(), [](const auto& a, const auto& b) {
      return std::tie(a->meta().min_time, a->meta().id) <
             std::tie(b->meta().min_time, b->meta().id);
    });
    for (const auto& s : segs) {
      v->rows += s->meta().rows;
      all.push_back(s.get());
    }
  }
  // Plates: a merge or rewrite adds no plate its inputs lacked, so only
  // segments added without removing any (flushes) bring a new run.
  const PlateRuns& old = *base.plates;
  std::uint64_t stale = old.removed_entries;
  if (!removed.empty()) {
    // Plates the removed segments had and their replacements lack (none for
    // a merge; the purged ones for a rewrite). Other segments may still have
    // them, so this overestimates, which only rebuilds sooner.
    std::vector<const Segment*> added;
    for (const auto& s : add) added.push_back(s.get());
    const std::size_t before = DistinctPlates(removed).size();
    const std::size_t after = DistinctPlates(added).size();
    stale += before > after ? before - after : 0;
  }
  if (stale * 4 > old.entries || base.by_agency.empty()) {
    auto rebuilt = std::make_shared<PlateRuns>();
    AddRun(*rebuilt, DistinctPlates(all));
    v->plates = std::move(rebuilt);
  } else {
    auto next = std::make_shared<PlateRuns>(old);
    next->removed_entries = stale;
    if (removed.empty() && !add.empty()) {
      std::vector<const Segment*> added;
      for (const auto& s : add) added.push_back(s.get());
      AddRun(*next, DistinctPlates(added));
    }
    v->plates = std::move(next);
  }
  return v;
}

// The reads of one WAL record, each with its sequence number. `*first` and
// `*last` get the record's range (last < first: none). A sealed record whose
// key was destroyed holds only expired reads: `*expired` is set and no read
// is delivered. Corruption names the file and the byte offset.
Status DecodeWalRecord(std::uint8_t type, std::string_view payload, const crypto::KeyRing* keys,
                       const std::string& where, std::uint64_t* first, std::uint64_t* last,
                       bool* expired,
                       const std::function<void(std::uint64_t, read::Read&)>& on_read) {
  *expired = false;
  read::Read rd;
  if (type == kWalBatchRecord) {
    Decoder in(payload);
    std::uint64_t count = 0;
    if (!in.GetVarint(first) || !in.GetVarint(&count) || count > payload.size())
      return Status::Corruption(where + ": bad batch header");
    *last = *first + count - 1;
    for (std::uint64_t i = 0; i < count; ++i) {
      if (!DecodeRead(in, &rd))
        return Status::Corruption(fmt::format("{}: undecodable read {} of the batch", where, i));
      on_read(*first + i, rd);
    }
    if (!in.done()) return Status::Corruption(where + ": bytes after the batch");
    return Status::Ok();
  }
  if (type != kWalSealedRecord)
    return Status::Corruption(fmt::format("{}: unknown record type {}", where, type));
  SealedWalRecord rec;
  if (!ParseSealedWalRecord(payload, &rec))
    return Status::Corruption(where + ": bad sealed record header");
  *first = rec.first_seq;
  *last = rec.last_seq;
  if (keys == nullptr) {
    return Status::FailedPrecondition(fmt::format(
        "{}: sealed under data key {}, but encryption is not configured", where, rec.key_id));
  }
  Result<std::shared_ptr<const crypto::DataKey>> key = keys->Find(rec.key_id);
  if (!key.ok()) {
    if (keys->StateOf(rec.key_id) == crypto::KeyState::kDestroyed) {
      *expired = true;
      return Status::Ok();
    }
    return Status::Corruption(fmt::format("{}: {}", where, key.status().message()));
  }
  Result<std::string> plain = OpenWalRecord(**key, rec);
  if (!plain.ok())
    return Status::Corruption(
        fmt::format("{}: sealed record does not open under data key {}", where, rec.key_id));
  Decoder in(*plain);
  std::uint64_t count = 0;
  if (!in.GetVarint(&count) || count > plain->size())
    return Status::Corruption(where + ": bad sealed record count");
  for (std::uint64_t i = 0; i < count; ++i) {
    std::uint64_t seq = 0;
    if (!in.GetVarint(&seq) || seq < rec.first_seq || seq > rec.last_seq || !DecodeRead(in, &rd))
      return Status::Corruption(
          fmt::format("{}: undecodable read {} of the sealed record", where, i));
    on_read(seq, rd);
  }
  if (!in.done()) return Status::Corruption(where + ": bytes after the sealed record");
  return Status::Ok();
}

}  // namespace

struct Store::Impl {
  Impl(StoreOptions o, Env& e, const Clock& c, Logger& l)
      : opts(std::move(o)), env(e), clock(c), log(l), version(std::make_shared<Version>()) {
    mem = std::make_shared<Memtable>();
  }

  struct Writer {
    std::vector<read::Read>* reads = nullptr;  // null: an exclusive task (memtable swap)
    std::function<void()> task;
    std::vector<char> keep;
    std::vector<std::uint32_t> ends;  // end of each kept read's encoding in the record
    std::size_t body_start = 0;
    std::uint64_t first_seq = 0;
    std::vector<std::pair<std::int64_t, std::int64_t>> buckets;  // each kept read's, when sealing
    Status status;
    AppendResult result;
    bool done = false;
    std::condition_variable cv;
  };

  Status Recover();
  Status EnsureWal();
  Status WriteCheckpoint(std::uint64_t seq);
  bool InSegments(const Version& v, const read::Read& r) const;
  bool Expired(const read::Read& r, std::int64_t now) const;
  void RunExclusive(const std::function<void()>& fn);
  Status Flush();
  // Flushes when the memtable is full or its oldest read waited flush_ms.
  Status FlushIfDue();
  Status Purge();
  Status Merge();
  // Writes one new segment with `write` (given the file's path and its final
  // meta), or none when `write` is empty, in place of `old`.
  using SegmentWriteFn = std::function<Status(const std::string& path, const SegmentMeta& meta)>;
  Status ReplaceSegments(const std::vector<std::shared_ptr<Segment>>& old, SegmentMeta meta,
                         const SegmentWriteFn& write, std::shared_ptr<Segment>* out);
  void AppendPurgeReport(const std::string& line);
  // The data key of a bucket of `agency`; null when nothing is sealed.
  Result<std::shared_ptr<const crypto::DataKey>> KeyFor(const std::string& agency,
                                                        std::int64_t bucket_start,
                                                        std::int64_t bucket_end) {
    if (opts.keys == nullptr) return std::shared_ptr<const crypto::DataKey>();
    return opts.keys->ForBucket(agency, "reads", bucket_start, bucket_end, clock.NowMillis());
  }
  // Seals the kept reads of one writer's batch record as one record per
  // data key (docs/format/store.md).
  Result<std::vector<std::string>> SealRecord(const Writer& g, std::string_view rec);
  // Destroys the data keys of buckets whose every read has expired and that
  // nothing still holds (crypto-shredding), reporting each.
  Status ShredKeys(const std::map<std::string, RetentionRule>& rules,
                   const std::vector<Hold>& active_holds, std::int64_t now);
  std::string AgencyDir(const std::string& agency) const { return seg_dir + "/" + agency; }

  StoreOptions opts;
  Env& env;
  const Clock& clock;
  Logger& log;
  std::string wal_dir, seg_dir, quarantine_dir, tmp_dir, checkpoint_path, purge_log_path;

  mutable std::mutex mu;
  std::deque<Writer*> writers;
  std::shared_ptr<Memtable> mem;
  std::shared_ptr<const Memtable> imm;  // being flushed
  std::uint64_t imm_seq = 0;            // every read in imm has a sequence number <= this
  std::shared_ptr<const Version> version;
  std::map<std::string, RetentionRule> retention;
  std::vector<Hold> holds;
  std::uint64_t last_seq = 0, checkpoint_seq = 0, next_segment_id = 1;
  std::unique_ptr<WalWriter> wal;
  std::chrono::steady_clock::time_point wal_started, last_sync;
  RecoveryReport recovery;

  std::mutex maintenance_mu;  // one flush or purge at a time
  std::atomic<std::uint64_t> flush_failures{0}, purge_failures{0}, merge_failures{0};
  std::atomic<std::uint64_t> reads_purged{0}, keys_destroyed{0};

  std::shared_ptr<const Version> CurrentVersion() const {
    std::lock_guard l(mu);
    return version;
  }
  std::thread background;
  std::condition_variable background_cv;
  std::condition_variable stall_cv;  // writers waiting for a flush
  bool stopping = false;
};

bool Store::Impl::Expired(const read::Read& r, std::int64_t now) const {
  auto it = retention.find(r.agency);
  if (it == retention.end() || it->second.non_hit_ms < 0) return false;
  if (r.time >= now - it->second.non_hit_ms) return false;
  return HoldCovering(holds, r.agency, r.plate, r.camera, r.time, now) == nullptr;
}

bool Store::Impl::InSegments(const Version& v, const read::Read& r) const {
  auto it = v.by_agency.find(r.agency);
  if (it == v.by_agency.end()) return false;
  for (const auto& seg : it->second) {
    const SegmentMeta& m = seg->meta();
    if (r.time < m.min_time || r.time > m.max_time) continue;
    const auto& runs = seg->cameras();
    const auto run = std::lower_bound(
        runs.begin(), runs.end(), r.camera,
        [](const Segment::CameraRun& c, const std::string& name) { return c.name < name; });
    if (run == runs.end() || run->name != r.camera) continue;
    std::vector<std::uint32_t> rows;
    if (Status st = seg->RowsInWindow(*run, r.time, r.time + 1, &rows); !st.ok()) {
      log.Error("cannot check a segment for a re-sent read", {{"error", st.message()}});
      continue;
    }
    for (std::uint32_t row : rows) {
      read::Read stored;
      if (seg->ReadRow(row, &stored).ok() && stored.id == r.id) return true;
    }
  }
  return false;
}

Status Store::Impl::WriteCheckpoint(std::uint64_t seq) {
  std::string body(kCheckpointMagic);
  PutFixed64(body, seq);
  PutFixed32(body, Crc32c(body));
  const std::string tmp = tmp_dir + "/CHECKPOINT";
  Result<std::unique_ptr<WritableFile>> f = env.NewWritableFile(tmp);
  if (!f.ok()) return f.status();
  INTERDICT_RETURN_IF_ERROR((*f)->Append(body));
  INTERDICT_RETURN_IF_ERROR((*f)->Sync());
  INTERDICT_RETURN_IF_ERROR((*f)->Close());
  INTERDICT_RETURN_IF_ERROR(env.Rename(tmp, checkpoint_path));
  return env.SyncDir(opts.dir);
}

Status Store::Impl::Recover() {
  // 1. The checkpoint: everything at or below it is in segments.
  if (env.Exists(checkpoint_path)) {
    Result<std::string> c = env.ReadFile(checkpoint_path);
    if (!c.ok()) return c.status();
    if (c->size() != 20 || std::string_view(*c).substr(0, 8) != kCheckpointMagic ||
        DecodeFixed32(c->data() + 16) != Crc32c(c->data(), 16)) {
      return Status::Corruption(fmt::format("{}: checkpoint is corrupt", checkpoint_path));
    }
    checkpoint_seq = DecodeFixed64(c->data() + 8);
  }
  // 2. Segments. Those above the checkpoint come from a flush that did not
  // finish; the log still holds their reads, so they are removed.
  std::vector<std::shared_ptr<Segment>> segs;
  Result<std::vector<std::string>> agencies = env.ListDir(seg_dir);
  if (!agencies.ok()) return agencies.status();
  for (const std::string& agency : *agencies) {
    Result<std::vector<std::string>> files = env.ListDir(AgencyDir(agency));
    if (!files.ok()) return files.status();
    for (const std::string& name : *files) {
      const std::string path = AgencyDir(agency) + "/" + name;
      if (!name.ends_with(".seg")) continue;
      bool key_destroyed = false;
      Result<std::shared_ptr<Segment>> s = Segment::Open(env, path, opts.keys, &key_destroyed);
      if (!s.ok() && key_destroyed) {
        // Its bucket expired and its key is gone: nothing in it can be read.
        log.Info("removing a segment whose data key was destroyed", {{"file", path}});
        INTERDICT_RETURN_IF_ERROR(env.Remove(path));
        ++recovery.expired_segments_removed;
        continue;
      }
      // Keys missing (encryption not configured, another key store): refuse
      // to open rather than quarantine sound files.
      if (!s.ok() && s.status().code() == StatusCode::kFailedPrecondition) return s.status();
      if (!s.ok()) {
        const std::string dest = quarantine_dir + "/" + agency + "-" + name;
        log.Error("segment failed its checks; moved to quarantine",
                  {{"file", path}, {"error", s.status().message()}, {"quarantine", dest}});
        INTERDICT_RETURN_IF_ERROR(env.Rename(path, dest));
        recovery.quarantined.push_back(dest);
        continue;
      }
      next_segment_id = std::max(next_segment_id, (*s)->meta().id + 1);
      if ((*s)->meta().max_seq > checkpoint_seq) {
        log.Info("removing a segment of an unfinished flush", {{"file", path}});
        INTERDICT_RETURN_IF_ERROR(env.Remove(path));
        continue;
      }
      segs.push_back(std::move(s).value());
    }
  }
  // A segment replaced by a merge or rewrite that completed is removed.
  std::vector<std::uint64_t> replaced;
  for (const auto& s : segs)
    replaced.insert(replaced.end(), s->meta().replaces.begin(), s->meta().replaces.end());
  std::vector<std::uint64_t> gone;
  for (const auto& s : segs) {
    if (std::find(replaced.begin(), replaced.end(), s->meta().id) != replaced.end()) {
      log.Info("removing a segment replaced by a rewrite", {{"file", s->path()}});
      INTERDICT_RETURN_IF_ERROR(env.Remove(s->path()));
      gone.push_back(s->meta().id);
    }
  }
  std::vector<std::shared_ptr<Segment>> live;
  for (auto& s : segs) {
    if (std::find(gone.begin(), gone.end(), s->meta().id) == gone.end())
      live.push_back(std::move(s));
  }
  version = WithChanges(Version{}, live, {});
  last_seq = checkpoint_seq;

  // 3. The log, above the checkpoint.
  Result<std::vector<std::string>> names = env.ListDir(wal_dir);
  if (!names.ok()) return names.status();
  for (const std::string& name : *names) {
    if (!IsWalName(name)) continue;
    const std::string path = wal_dir + "/" + name;
    ++recovery.wal_files;
    std::uint64_t file_max_seq = 0;
    Result<WalReplayResult> r = ReplayWal(
        env, path,
        [&](std::uint8_t type, std::string_view payload, std::uint64_t offset) -> Status {
          std::uint64_t first = 0, last = 0;
          bool expired = false;
          INTERDICT_RETURN_IF_ERROR(DecodeWalRecord(
              type, payload, opts.keys, fmt::format("{}: record at byte {}", path, offset), &first,
              &last, &expired, [&](std::uint64_t seq, read::Read& rd) {
                if (seq <= checkpoint_seq) return;  // already in a segment
                const std::uint64_t h = IdentityHash(rd);
                if (!mem->Contains(rd, h)) {
                  if (mem->empty()) mem->started = clock.Monotonic();
                  std::string encoded;
                  EncodeRead(rd, encoded);
                  mem->Add(rd, h, encoded);
                  ++recovery.reads_recovered;
                }
              }));
          if (expired) ++recovery.expired_wal_records;
          if (last >= first) {
            last_seq = std::max(last_seq, last);
            file_max_seq = std::max(file_max_seq, last);
          }
          return Status::Ok();
        });
    if (!r.ok()) return r.status();
    if (!r->corruption.ok()) {
      const std::string dest = quarantine_dir + "/" + name;
      log.Error("WAL file is corrupt; moved to quarantine",
                {{"file", path}, {"error", r->corruption.message()}, {"quarantine", dest}});
      INTERDICT_RETURN_IF_ERROR(env.Rename(path, dest));
      recovery.quarantined.push_back(dest);
      continue;
    }
    if (r->torn_tail && r->good_bytes < kWalHeaderSize) {
      log.Warn("removing a WAL file with an incomplete header", {{"file", path}});
      INTERDICT_RETURN_IF_ERROR(env.Remove(path));
      ++recovery.torn_tails_truncated;
      continue;
    }
    if (r->torn_tail) {
      log.Warn("WAL file ends in a torn write; cutting it at the last good record",
               {{"file", path}, {"good_bytes", r->good_bytes}, {"file_bytes", r->file_bytes}});
      INTERDICT_RETURN_IF_ERROR(env.Truncate(path, r->good_bytes));
      ++recovery.torn_tails_truncated;
    }
    if (r->records > 0 && file_max_seq <= checkpoint_seq) {
      INTERDICT_RETURN_IF_ERROR(env.Remove(path));  // fully in segments; a crash kept it
    }
  }
  INTERDICT_RETURN_IF_ERROR(env.SyncDir(wal_dir));
  return env.SyncDir(quarantine_dir);
}

Status Store::Impl::EnsureWal() {
  const auto now = clock.Monotonic();
  if (wal != nullptr) {
    const bool too_big = wal->size() >= opts.wal_file_bytes;
    const bool too_old = now - wal_started >= std::chrono::milliseconds(opts.wal_file_ms);
    if (!too_big && !too_old) return Status::Ok();
    INTERDICT_RETURN_IF_ERROR(wal->Sync());
    INTERDICT_RETURN_IF_ERROR(wal->Close());
    wal.reset();
  }
  const std::string path = wal_dir + "/" + WalFileName(last_seq + 1);
  Result<std::unique_ptr<WalWriter>> w = WalWriter::Create(env, path, last_seq + 1);
  if (!w.ok()) return w.status();
  // The new file's directory entry must be durable before anything in it is acknowledged.
  INTERDICT_RETURN_IF_ERROR((*w)->Sync());
  INTERDICT_RETURN_IF_ERROR(env.SyncDir(wal_dir));
  wal = std::move(w).value();
  wal_started = now;
  return Status::Ok();
}

void Store::Impl::RunExclusive(const std::function<void()>& fn) {
  Writer w;
  w.task = fn;
  std::unique_lock l(mu);
  writers.push_back(&w);
  while (writers.front() != &w) w.cv.wait(l);
  fn();  // no batch is in flight: the log and the memtable are ours
  writers.pop_front();
  if (!writers.empty()) writers.front()->cv.notify_one();
}

Status Store::Impl::Flush() {
  std::lock_guard m(maintenance_mu);
  std::shared_ptr<const Memtable> to_flush;
  std::uint64_t flush_seq = 0;
  RunExclusive([&] {
    if (imm == nullptr && !mem->empty()) {
      imm = mem;
      imm_seq = last_seq;
      mem = std::make_shared<Memtable>();
      stall_cv.notify_all();
      // Close the log: the next batch starts a file this flush does not cover.
      if (wal) {
        // Under sync=interval or none this sync is what makes the tail durable.
        Status synced = wal->Sync();
        if (synced.ok()) synced = wal->Close();
        if (!synced.ok())
          log.Error("closing the log before a flush failed", {{"error", synced.message()}});
        wal.reset();
      }
    }
    to_flush = imm;
    flush_seq = imm_seq;
  });
  if (to_flush == nullptr) return Status::Ok();

  // Group by agency and bucket (indices into the frozen memtable; no copies).
  std::map<std::pair<std::string, std::int64_t>, std::vector<std::uint32_t>> groups;
  std::map<std::string, RetentionRule> rules;
  {
    std::lock_guard l(mu);
    rules = retention;
  }
  for (std::uint32_t i = 0; i < to_flush->size(); ++i) {
    const std::string& agency = to_flush->agency(i);
    const std::int64_t b = BucketMs(rules[agency]);
    groups[{agency, FloorDiv(to_flush->time(i), b) * b}].push_back(i);
  }
  std::vector<std::shared_ptr<Segment>> written;
  auto undo = [&](const Status& why) {
    for (const auto& s : written) (void)env.Remove(s->path());
    log.Error("flush failed; the reads stay in memory and in the log", {{"error", why.message()}});
    return why;
  };
  for (auto& [key, rows] : groups) {
    // Rows in segment order, then decoded one at a time into the writer.
    struct Key {
      std::string_view camera;
      std::int64_t time;
      std::string_view id;
      std::uint32_t row;
    };
    std::vector<Key> keys;
    keys.reserve(rows.size());
    std::vector<std::uint64_t> plates;
    plates.reserve(rows.size());
    for (std::uint32_t i : rows) {
      keys.push_back({to_flush->camera(i), to_flush->time(i), to_flush->id(i), i});
      plates.push_back(to_flush->packed_plate(i));
    }
    std::sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) {
      return std::tie(a.camera, a.time, a.id) < std::tie(b.camera, b.time, b.id);
    });
    std::sort(plates.begin(), plates.end());
    plates.erase(std::unique(plates.begin(), plates.end()), plates.end());
    SegmentMeta meta;
    {
      std::lock_guard l(mu);
      meta.id = next_segment_id++;
    }
    meta.agency = key.first;
    meta.bucket_start = key.second;
    meta.bucket_end = key.second + BucketMs(rules[key.first]);
    meta.min_seq = checkpoint_seq + 1;
    meta.max_seq = flush_seq;
    const std::string tmp = tmp_dir + "/" + SegmentFileName(meta.id);
    const std::string dir = AgencyDir(key.first);
    const std::string path = dir + "/" + SegmentFileName(meta.id);
    Status st = env.CreateDirs(dir);
    if (st.ok()) {
      meta.min_time = INT64_MAX;
      for (const Key& k : keys) meta.min_time = std::min(meta.min_time, k.time);
      Result<std::shared_ptr<const crypto::DataKey>> dek =
          KeyFor(meta.agency, meta.bucket_start, meta.bucket_end);
      if (!dek.ok()) return undo(dek.status());
      SegmentWriter w(meta, std::move(plates), *dek);
      for (const Key& k : keys) {
        st = w.Add(to_flush->Get(k.row));
        if (!st.ok()) break;
      }
      if (st.ok()) st = w.Finish(env, tmp);
    }
    if (st.ok()) st = env.Rename(tmp, path);
    if (st.ok()) st = env.SyncDir(dir);
    if (!st.ok()) {
      (void)env.Remove(tmp);
      return undo(st);
    }
    Result<std::shared_ptr<Segment>> seg = Segment::Open(env, path, opts.keys);
    if (!seg.ok()) return undo(seg.status());
    written.push_back(std::move(seg).value());
  }
  // The commit point: segments above the checkpoint are discarded on recovery.
  if (Status st = WriteCheckpoint(flush_seq); !st.ok()) return undo(st);
  // The new version is built outside mu (its plate runs take a while); only
  // maintenance, which holds maintenance_mu, changes the version.
  std::shared_ptr<const Version> next = WithChanges(*CurrentVersion(), written, {});
  {
    std::lock_guard l(mu);
    version = std::move(next);
    imm.reset();
    checkpoint_seq = flush_seq;
  }
  // Log files wholly at or below the checkpoint are no longer needed.
  Result<std::vector<std::string>> names = env.ListDir(wal_dir);
  if (!names.ok()) return names.status();
  std::string active;
  {
    std::lock_guard l(mu);
    if (wal) active = wal->path();
  }
  for (const std::string& name : *names) {
    if (!IsWalName(name)) continue;
    const std::uint64_t first = std::stoull(name.substr(0, 16), nullptr, 16);
    const std::string path = wal_dir + "/" + name;
    if (first <= flush_seq && path != active) INTERDICT_RETURN_IF_ERROR(env.Remove(path));
  }
  INTERDICT_RETURN_IF_ERROR(env.SyncDir(wal_dir));
  log.Debug("flushed",
            {{"reads", to_flush->size()}, {"segments", written.size()}, {"seq", flush_seq}});
  return Status::Ok();
}

// Writes `reads` as one new segment that replaces `old` (merge or rewrite),
// then swaps it in and removes the old files. Crash-safe: the new segment lists
// the ids it replaces, and recovery removes replaced segments.
Status Store::Impl::ReplaceSegments(const std::vector<std::shared_ptr<Segment>>& old,
                                    SegmentMeta meta, const SegmentWriteFn& write,
                                    std::shared_ptr<Segment>* out) {
  const std::string& agency = meta.agency;
  std::vector<std::uint64_t> old_ids;
  for (const auto& o : old) old_ids.push_back(o->meta().id);
  std::shared_ptr<Segment> replacement;
  if (write) {
    {
      std::lock_guard l(mu);
      meta.id = next_segment_id++;
    }
    meta.replaces = old_ids;
    const std::string tmp = tmp_dir + "/" + SegmentFileName(meta.id);
    const std::string path = AgencyDir(agency) + "/" + SegmentFileName(meta.id);
    Status st = write(tmp, meta);
    if (st.ok()) st = env.Rename(tmp, path);
    if (!st.ok()) {
      (void)env.Remove(tmp);
      return st;
    }
    INTERDICT_RETURN_IF_ERROR(env.SyncDir(AgencyDir(agency)));
    Result<std::shared_ptr<Segment>> opened = Segment::Open(env, path, opts.keys);
    if (!opened.ok()) return opened.status();
    replacement = std::move(opened).value();
  }
  {
    std::shared_ptr<const Version> next = WithChanges(
        *CurrentVersion(),
        replacement ? std::vector{replacement} : std::vector<std::shared_ptr<Segment>>{}, old_ids);
    std::lock_guard l(mu);
    version = std::move(next);
  }
  for (const auto& o : old) INTERDICT_RETURN_IF_ERROR(env.Remove(o->path()));
  INTERDICT_RETURN_IF_ERROR(env.SyncDir(AgencyDir(agency)));
  if (out) *out = replacement;
  return Status::Ok();
}

Status Store::Impl::Merge() {
  std::lock_guard m(maintenance_mu);
  std::shared_ptr<const Version> v;
  {
    std::lock_guard l(mu);
    v = version;
  }
  for (const auto& [agency, segs] : v->by_agency) {
    std::map<std::int64_t, std::vector<std::shared_ptr<Segment>>> by_bucket;
    for (const auto& seg : segs) by_bucket[seg->meta().bucket_start].push_back(seg);
    for (auto& [bucket, all] : by_bucket) {
      {
        // Flushing comes first: stop merging while the memtable is full.
        std::lock_guard l(mu);
        if (mem->size() >= opts.flush_reads) return Status::Ok();
      }
      // Size-tiered: only segments below merge_below_rows are merged, smallest
      // first, into one of at most merge_max_rows; big segments are left alone,
      // so a merge never rewrites (or holds in memory) a whole busy week.
      std::vector<std::shared_ptr<Segment>> group;
      for (const auto& seg : all) {
        if (seg->meta().rows < opts.merge_below_rows) group.push_back(seg);
      }
      std::sort(group.begin(), group.end(),
                [](const auto& a, const auto& b) { return a->meta().rows < b->meta().rows; });
      std::uint64_t total = 0;
      std::size_t take = 0;
      while (take < group.size() && total + group[take]->meta().rows <= opts.merge_max_rows) {
        total += group[take++]->meta().rows;
      }
      group.resize(take);
      if (group.size() < 2) continue;
      SegmentMeta meta;
      meta.agency = agency;
      meta.bucket_start = group.front()->meta().bucket_start;
      meta.bucket_end = group.front()->meta().bucket_end;
      meta.min_seq = UINT64_MAX;
      meta.min_time = INT64_MAX;
      std::vector<const PlateDictionary*> dicts;
      for (const auto& g : group) {
        meta.min_seq = std::min(meta.min_seq, g->meta().min_seq);
        meta.max_seq = std::max(meta.max_seq, g->meta().max_seq);
        meta.min_time = std::min(meta.min_time, g->meta().min_time);
        dicts.push_back(&g->plate_dictionary());
      }
      // A merge keeps every row, so its plates are the union of its inputs'.
      // Rows stream through a k-way merge of the inputs (each sorted by
      // camera, time, id): nothing but the output's references and
      // compressed blocks is held in memory.
      auto write = [&](const std::string& path, const SegmentMeta& final_meta) -> Status {
        Result<std::shared_ptr<const crypto::DataKey>> dek =
            KeyFor(final_meta.agency, final_meta.bucket_start, final_meta.bucket_end);
        if (!dek.ok()) return dek.status();
        SegmentWriter w(final_meta, DistinctUnion(dicts), *dek);
        struct Head {
          const Segment* seg;
          std::uint32_t row;
          read::Read r;
        };
        std::vector<Head> heads;
        for (const auto& g : group) {
          Head h{g.get(), 0, {}};
          INTERDICT_RETURN_IF_ERROR(g->ReadRow(0, &h.r));
          heads.push_back(std::move(h));
        }
        while (!heads.empty()) {
          std::size_t min = 0;
          for (std::size_t i = 1; i < heads.size(); ++i) {
            const read::Read& a = heads[i].r;
            const read::Read& b = heads[min].r;
            if (std::tie(a.camera, a.time, a.id) < std::tie(b.camera, b.time, b.id)) min = i;
          }
          Head& h = heads[min];
          INTERDICT_RETURN_IF_ERROR(w.Add(h.r));
          if (++h.row < h.seg->meta().rows) {
            INTERDICT_RETURN_IF_ERROR(h.seg->ReadRow(h.row, &h.r));
          } else {
            heads.erase(heads.begin() + static_cast<std::ptrdiff_t>(min));
          }
        }
        return w.Finish(env, path);
      };
      INTERDICT_RETURN_IF_ERROR(ReplaceSegments(group, meta, write, nullptr));
      log.Debug("merged segments",
                {{"agency", agency}, {"segments", group.size()}, {"rows", total}});
    }
  }
  return Status::Ok();
}

Status Store::Impl::FlushIfDue() {
  bool due = false;
  {
    std::lock_guard l(mu);
    due = imm != nullptr || mem->size() >= opts.flush_reads ||
          (!mem->empty() &&
           clock.Monotonic() - mem->started >= std::chrono::milliseconds(opts.flush_ms));
  }
  return due ? Flush() : Status::Ok();
}

void Store::Impl::AppendPurgeReport(const std::string& line) {
  Result<std::unique_ptr<WritableFile>> f = env.NewAppendableFile(purge_log_path);
  if (!f.ok() || !(*f)->Append(line + "\n").ok() || !(*f)->Sync().ok()) {
    log.Error("cannot write the purge report", {{"file", purge_log_path}});
  }
}

Status Store::Impl::Purge() {
  std::lock_guard m(maintenance_mu);
  std::shared_ptr<const Version> v;
  std::map<std::string, RetentionRule> rules;
  std::vector<Hold> active_holds;
  {
    std::lock_guard l(mu);
    v = version;
    rules = retention;
    active_holds = holds;
  }
  const std::int64_t now = clock.NowMillis();
  for (const auto& [agency, segs] : v->by_agency) {
    auto rule_it = rules.find(agency);
    if (rule_it == rules.end() || rule_it->second.non_hit_ms < 0) continue;
    const RetentionRule& rule = rule_it->second;
    const std::int64_t cutoff = now - rule.non_hit_ms;  // reads before this have expired
    const std::int64_t slack = PurgeDeadlineMs(rule) / 2;
    for (const auto& seg : segs) {
      const SegmentMeta& meta = seg->meta();
      if (meta.min_time >= cutoff) continue;  // nothing expired
      // Let a few expiries gather before rewriting, but stay well inside the deadline.
      if (meta.max_time >= cutoff && meta.min_time + rule.non_hit_ms + slack > now) continue;
      std::vector<std::uint32_t> keep;
      std::vector<std::uint64_t> kept_plates;
      std::int64_t kept_min_time = INT64_MAX;
      std::uint64_t destroyed = 0;
      std::int64_t oldest = INT64_MAX, newest = INT64_MIN;
      std::set<std::string> hold_ids;
      for (std::uint32_t row = 0; row < meta.rows; ++row) {
        std::int64_t t = 0;
        std::uint32_t entry = 0;
        INTERDICT_RETURN_IF_ERROR(seg->RowKey(row, &t, &entry));
        const std::uint64_t packed = seg->plate_dictionary()[entry];
        bool kept = t >= cutoff;
        if (!kept) {
          const std::string& camera = seg->cameras()[seg->CameraRunIndex(row)].name;
          if (const Hold* h = HoldCovering(active_holds, agency, plate::Plate::Unpack(packed),
                                           camera, t, now)) {
            kept = true;
            hold_ids.insert(h->id);
          }
        }
        if (kept) {
          keep.push_back(row);
          kept_plates.push_back(packed);
          kept_min_time = std::min(kept_min_time, t);
          continue;
        }
        ++destroyed;
        oldest = std::min(oldest, t);
        newest = std::max(newest, t);
      }
      if (destroyed == 0) continue;
      // The kept rows stream into the new segment in their order (already
      // camera, time, id); its plates are only theirs, so no destroyed read's
      // plate survives in its dictionary.
      std::sort(kept_plates.begin(), kept_plates.end());
      kept_plates.erase(std::unique(kept_plates.begin(), kept_plates.end()), kept_plates.end());
      SegmentMeta nm;
      nm.agency = agency;
      nm.bucket_start = meta.bucket_start;
      nm.bucket_end = meta.bucket_end;
      nm.min_seq = meta.min_seq;
      nm.max_seq = meta.max_seq;
      nm.min_time = kept_min_time;
      SegmentWriteFn write;
      if (!keep.empty()) {
        write = [&](const std::string& path, const SegmentMeta& final_meta) -> Status {
          Result<std::shared_ptr<const crypto::DataKey>> dek =
              KeyFor(final_meta.agency, final_meta.bucket_start, final_meta.bucket_end);
          if (!dek.ok()) return dek.status();
          SegmentWriter w(final_meta, std::move(kept_plates), *dek);
          read::Read r;
          for (std::uint32_t row : keep) {
            INTERDICT_RETURN_IF_ERROR(seg->ReadRow(row, &r));
            INTERDICT_RETURN_IF_ERROR(w.Add(r));
          }
          return w.Finish(env, path);
        };
      }
      std::shared_ptr<Segment> replacement;
      INTERDICT_RETURN_IF_ERROR(ReplaceSegments({seg}, nm, write, &replacement));
      reads_purged += destroyed;
      AppendPurgeReport(json::Object(
          "purged_at", FormatRfc3339(now), "agency", agency, "segment", SegmentFileName(meta.id),
          "action", replacement ? "rewritten" : "deleted", "reads_destroyed", destroyed, "oldest",
          FormatRfc3339(oldest), "newest", FormatRfc3339(newest), "reads_kept", keep.size(),
          "kept_by_holds", hold_ids));
      log.Info("purged expired reads", {{"agency", agency},
                                        {"segment", seg->path()},
                                        {"destroyed", destroyed},
                                        {"kept", keep.size()}});
    }
  }
  return ShredKeys(rules, active_holds, now);
}

Status Store::Impl::ShredKeys(const std::map<std::string, RetentionRule>& rules,
                              const std::vector<Hold>& active_holds, std::int64_t now) {
  if (opts.keys == nullptr) return Status::Ok();
  std::set<std::string> in_use;  // keys of segments still served (held reads, late purges)
  for (const auto& [agency, segs] : CurrentVersion()->by_agency) {
    for (const auto& seg : segs) in_use.insert(seg->meta().key_id);
  }
  for (const crypto::DataKey& k : opts.keys->List()) {
    if (k.data_class != "reads" || in_use.contains(k.id)) continue;
    const auto rule = rules.find(k.agency);
    if (rule == rules.end() || rule->second.non_hit_ms < 0) continue;
    // Every read of the bucket is earlier than its end: all expired once the
    // end is a retention period old.
    if (k.bucket_end > now - rule->second.non_hit_ms) continue;
    const bool held = std::any_of(active_holds.begin(), active_holds.end(), [&](const Hold& h) {
      return h.agency == k.agency && h.expires_at > now && h.from < k.bucket_end &&
             h.to >= k.bucket_start;
    });
    if (held) continue;
    Result<crypto::DataKey> gone = opts.keys->Destroy(k.id, "retention", now);
    if (!gone.ok()) return gone.status();
    ++keys_destroyed;
    AppendPurgeReport(json::Object("purged_at", FormatRfc3339(now), "agency", k.agency, "action",
                                   "key_destroyed", "key", k.id, "class", k.data_class,
                                   "bucket_start", FormatRfc3339(k.bucket_start), "bucket_end",
                                   FormatRfc3339(k.bucket_end)));
    log.Info(
        "destroyed the data key of an expired bucket",
        {{"agency", k.agency}, {"key", k.id}, {"bucket_start", FormatRfc3339(k.bucket_start)}});
  }
  return Status::Ok();
}

Result<std::vector<std::string>> Store::Impl::SealRecord(const Writer& g, std::string_view rec) {
  // Each data key's reads: their sequence numbers and where their encodings are in `rec`.
  struct Part {
    std::string_view agency;
    std::int64_t bucket_start = 0, bucket_end = 0;
    std::vector<std::uint64_t> seqs;
    std::vector<std::pair<std::size_t, std::size_t>> spans;
    std::size_t bytes = 0;
  };
  std::vector<Part> parts;
  Part* last = nullptr;  // consecutive reads mostly share one key
  std::size_t k = 0, start = 0;
  for (std::size_t i = 0; i < g.reads->size(); ++i) {
    if (!g.keep[i]) continue;
    const std::string_view agency = (*g.reads)[i].agency;
    const auto [bucket_start, bucket_end] = g.buckets[k];
    if (last == nullptr || last->agency != agency || last->bucket_start != bucket_start ||
        last->bucket_end != bucket_end) {
      last = nullptr;
      for (Part& p : parts) {
        if (p.agency == agency && p.bucket_start == bucket_start && p.bucket_end == bucket_end)
          last = &p;
      }
      if (last == nullptr) {
        parts.push_back(Part{agency, bucket_start, bucket_end, {}, {}, 0});
        last = &parts.back();
      }
    }
    last->seqs.push_back(g.first_seq + k);
    last->spans.emplace_back(g.body_start + start, g.ends[k] - start);
    last->bytes += g.ends[k] - start;
    start = g.ends[k++];
  }
  // Every key this batch needs, made (if new) with one write of the ring.
  std::vector<crypto::KeyRing::BucketRef> wanted;
  for (const Part& p : parts)
    wanted.push_back({std::string(p.agency), "reads", p.bucket_start, p.bucket_end});
  Result<std::vector<std::shared_ptr<const crypto::DataKey>>> deks =
      opts.keys->ForBuckets(wanted, clock.NowMillis());
  if (!deks.ok()) return deks.status();
  std::vector<std::string> out;
  std::string plain;
  for (std::size_t pi = 0; pi < parts.size(); ++pi) {
    const Part& p = parts[pi];
    const std::shared_ptr<const crypto::DataKey>* dek = &(*deks)[pi];
    Result<std::unique_ptr<crypto::Aead>> aead = crypto::Aead::Make((*dek)->material);
    if (!aead.ok()) return aead.status();
    plain.clear();
    plain.reserve(p.bytes + 10 * (p.seqs.size() + 1));
    PutVarint(plain, p.seqs.size());
    for (std::size_t j = 0; j < p.seqs.size(); ++j) {
      PutVarint(plain, p.seqs[j]);
      plain.append(rec.substr(p.spans[j].first, p.spans[j].second));
    }
    Result<std::string> sealed =
        SealWalRecord(**aead, (*dek)->id, p.seqs.front(), p.seqs.back(), plain);
    if (!sealed.ok()) return sealed.status();
    out.push_back(std::move(sealed).value());
  }
  return out;
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Store::~Store() {
  {
    std::lock_guard l(impl_->mu);
    impl_->stopping = true;
  }
  impl_->background_cv.notify_all();
  impl_->stall_cv.notify_all();
  if (impl_->background.joinable()) impl_->background.join();
  std::lock_guard l(impl_->mu);
  if (impl_->wal) {
    Status synced = impl_->wal->Sync();
    if (synced.ok()) synced = impl_->wal->Close();
    if (!synced.ok()) impl_->log.Error("closing the log failed", {{"error", synced.message()}});
  }
}

Result<std::unique_ptr<Store>> Store::Open(StoreOptions options, Env& env, const Clock& clock,
                                           Logger& log) {
  auto impl = std::make_unique<Impl>(std::move(options), env, clock, log);
  Impl& s = *impl;
  s.wal_dir = s.opts.dir + "/wal";
  s.seg_dir = s.opts.dir + "/seg";
  s.quarantine_dir = s.opts.dir + "/quarantine";
  s.tmp_dir = s.opts.dir + "/tmp";
  s.checkpoint_path = s.opts.dir + "/CHECKPOINT";
  s.purge_log_path = s.opts.dir + "/purge.log";
  for (const std::string* d : {&s.wal_dir, &s.seg_dir, &s.quarantine_dir, &s.tmp_dir}) {
    INTERDICT_RETURN_IF_ERROR(env.CreateDirs(*d));
  }
  // Files left half-written in tmp/ by a crash were never part of the store.
  if (Result<std::vector<std::string>> stale = env.ListDir(s.tmp_dir); stale.ok()) {
    for (const std::string& n : *stale) INTERDICT_RETURN_IF_ERROR(env.Remove(s.tmp_dir + "/" + n));
  }
  INTERDICT_RETURN_IF_ERROR(s.Recover());
  log.Info("store opened", {{"dir", s.opts.dir},
                            {"reads", s.mem->size() + s.version->rows},
                            {"segments_rows", s.version->rows},
                            {"wal_files", s.recovery.wal_files},
                            {"torn_tails", s.recovery.torn_tails_truncated},
                            {"quarantined", s.recovery.quarantined.size()}});
  std::unique_ptr<Store> store(new Store(std::move(impl)));
  if (store->impl_->opts.background) {
    Impl* p = store->impl_.get();
    p->background = std::thread([p] {
      std::unique_lock l(p->mu);
      while (!p->stopping) {
        p->background_cv.wait_for(l, std::chrono::milliseconds(p->opts.maintenance_ms), [p] {
          return p->stopping || p->mem->size() >= p->opts.flush_reads;
        });
        if (p->stopping) break;
        l.unlock();
        if (Status st = p->FlushIfDue(); !st.ok()) {
          ++p->flush_failures;
          p->log.Error("flush failed", {{"error", st.message()}});
        }
        if (Status st = p->Purge(); !st.ok()) {
          ++p->purge_failures;
          p->log.Error("purge failed", {{"error", st.message()}});
        }
        if (Status st = p->Merge(); !st.ok()) {
          ++p->merge_failures;
          p->log.Error("merge failed", {{"error", st.message()}});
        }
        l.lock();
      }
    });
  }
  return store;
}

Result<AppendResult> Store::Append(std::vector<read::Read> reads) {
  for (std::size_t i = 0; i < reads.size(); ++i) {
    if (!read::IsAgencyCode(reads[i].agency) || reads[i].plate.empty() || reads[i].camera.empty()) {
      return Status::InvalidArgument(
          fmt::format("read {} of the batch lacks a valid agency, camera or plate", i));
    }
  }
  Impl& s = *impl_;
  Impl::Writer w;
  w.reads = &reads;
  std::unique_lock l(s.mu);
  // Back-pressure: when writes outrun flushing, wait instead of letting the
  // memtable grow without bound.
  while (s.opts.background && !s.stopping && s.mem->size() >= 4 * s.opts.flush_reads) {
    s.background_cv.notify_all();
    s.stall_cv.wait(l);
  }
  s.writers.push_back(&w);
  while (!w.done && s.writers.front() != &w) w.cv.wait(l);
  if (w.done) {
    if (!w.status.ok()) return w.status;
    return w.result;
  }

  // This writer leads: it commits every batch queued behind it (up to the
  // next exclusive task) in one log write and one sync.
  std::vector<Impl::Writer*> group;
  for (Impl::Writer* g : s.writers) {
    if (g->reads == nullptr) break;
    group.push_back(g);
  }
  const std::int64_t now = s.clock.NowMillis();
  // Reads of this group so far, to catch a read sent twice in one group:
  // open addressing, sized for the group, no allocation per read.
  std::size_t group_reads = 0;
  for (Impl::Writer* g : group) group_reads += g->reads->size();
  std::size_t slots = 16;
  while (slots < 2 * group_reads) slots *= 2;
  std::vector<std::pair<std::uint64_t, const read::Read*>> in_group(slots, {0, nullptr});
  // True when an equal identity is already in the group; otherwise records it.
  auto seen_in_group = [&](std::uint64_t h, const read::Read& r) {
    for (std::size_t slot = h & (slots - 1);; slot = (slot + 1) & (slots - 1)) {
      if (in_group[slot].second == nullptr) {
        in_group[slot] = {h, &r};
        return false;
      }
      if (in_group[slot].first == h && SameIdentity(*in_group[slot].second, r)) return true;
    }
  };
  std::vector<std::string> records;
  std::uint64_t next_seq = s.last_seq + 1;
  const bool sealing = s.opts.keys != nullptr;
  std::string_view bucket_agency;  // the bucket length of the last agency seen
  std::int64_t bucket_ms = 0;
  for (Impl::Writer* g : group) {
    g->keep.assign(g->reads->size(), 0);
    g->ends.clear();
    g->buckets.clear();
    g->first_seq = next_seq;
    std::string body;
    std::uint64_t kept = 0;
    for (std::size_t i = 0; i < g->reads->size(); ++i) {
      const read::Read& r = (*g->reads)[i];
      if (s.Expired(r, now)) {
        ++g->result.expired;
        continue;
      }
      const std::uint64_t h = IdentityHash(r);
      bool dup = s.mem->Contains(r, h) || (s.imm && s.imm->Contains(r, h));
      if (!dup) dup = s.InSegments(*s.version, r);
      if (dup || seen_in_group(h, r)) {
        ++g->result.duplicates;
        continue;
      }
      g->keep[i] = 1;
      if (sealing) {
        if (r.agency != bucket_agency) {
          const auto rule = s.retention.find(r.agency);
          bucket_ms = BucketMs(rule == s.retention.end() ? RetentionRule{} : rule->second);
          bucket_agency = r.agency;
        }
        const std::int64_t bucket = FloorDiv(r.time, bucket_ms) * bucket_ms;
        g->buckets.emplace_back(bucket, bucket + bucket_ms);
      }
      EncodeRead(r, body);
      g->ends.push_back(static_cast<std::uint32_t>(body.size()));
      ++kept;
    }
    g->result.accepted = kept;
    g->result.kept.assign(g->keep.begin(), g->keep.end());
    std::string rec;
    if (kept > 0) {
      PutVarint(rec, next_seq);
      PutVarint(rec, kept);
      g->body_start = rec.size();
      rec += body;
      next_seq += kept;
    }
    records.push_back(std::move(rec));
  }

  Status st;
  if (next_seq != s.last_seq + 1) {
    st = s.EnsureWal();
    if (st.ok()) {
      l.unlock();
      for (std::size_t gi = 0; gi < records.size() && st.ok(); ++gi) {
        if (records[gi].empty()) continue;
        if (!sealing) {
          st = s.wal->Add(kWalBatchRecord, records[gi]);
          continue;
        }
        Result<std::vector<std::string>> sealed = s.SealRecord(*group[gi], records[gi]);
        if (!sealed.ok()) st = sealed.status();
        for (std::size_t k = 0; st.ok() && sealed.ok() && k < sealed->size(); ++k)
          st = s.wal->Add(kWalSealedRecord, (*sealed)[k]);
      }
      const auto mono = s.clock.Monotonic();
      const bool sync = s.opts.sync == SyncPolicy::kAlways ||
                        (s.opts.sync == SyncPolicy::kInterval &&
                         mono - s.last_sync >= std::chrono::milliseconds(s.opts.sync_interval_ms));
      if (st.ok() && sync) {
        st = s.wal->Sync();
        s.last_sync = mono;
      }
      l.lock();
    }
    // Sequence numbers are never reused, even for a batch that failed: its
    // bytes may be on disk in a log file that recovery will read.
    s.last_seq = next_seq - 1;
    if (!st.ok()) {
      s.log.Error("store write failed; batch not acknowledged", {{"error", st.message()}});
      if (s.wal) (void)s.wal->Close();
      s.wal.reset();  // the next batch starts a fresh log file
    }
  }
  for (std::size_t gi = 0; gi < group.size(); ++gi) {
    Impl::Writer* g = group[gi];
    if (st.ok()) {
      // The memtable keeps the very bytes the log got.
      const std::string_view rec = records[gi];
      std::size_t k = 0, start = 0;
      for (std::size_t i = 0; i < g->reads->size(); ++i) {
        if (!g->keep[i]) continue;
        const read::Read& r = (*g->reads)[i];
        if (s.mem->empty()) s.mem->started = s.clock.Monotonic();
        s.mem->Add(r, IdentityHash(r), rec.substr(g->body_start + start, g->ends[k] - start));
        start = g->ends[k++];
      }
    } else {
      g->status = st;
    }
    s.writers.pop_front();
    if (g != &w) {
      g->done = true;
      g->cv.notify_one();
    }
  }
  if (!s.writers.empty()) s.writers.front()->cv.notify_one();
  if (s.mem->size() >= s.opts.flush_reads) s.background_cv.notify_all();
  if (!st.ok()) return st;
  return w.result;
}

std::uint64_t Store::Count() const {
  std::lock_guard l(impl_->mu);
  return impl_->mem->size() + (impl_->imm ? impl_->imm->size() : 0) + impl_->version->rows;
}

std::map<std::string, std::pair<std::int64_t, std::int64_t>> Store::AgencySpans() const {
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> out;
  auto widen = [&](const std::string& agency, std::int64_t lo, std::int64_t hi) {
    auto [it, fresh] = out.try_emplace(agency, lo, hi);
    if (!fresh) {
      it->second.first = std::min(it->second.first, lo);
      it->second.second = std::max(it->second.second, hi);
    }
  };
  std::lock_guard l(impl_->mu);
  for (const Memtable* m : {static_cast<const Memtable*>(impl_->mem.get()), impl_->imm.get()}) {
    if (m == nullptr) continue;
    for (std::uint32_t i = 0; i < m->size(); ++i) widen(m->agency(i), m->time(i), m->time(i));
  }
  for (const auto& [agency, segs] : impl_->version->by_agency) {
    for (const auto& seg : segs) widen(agency, seg->meta().min_time, seg->meta().max_time);
  }
  return out;
}

StoreStats Store::stats() const {
  StoreStats s;
  s.flush_failures = impl_->flush_failures.load();
  s.purge_failures = impl_->purge_failures.load();
  s.merge_failures = impl_->merge_failures.load();
  s.reads_purged = impl_->reads_purged.load();
  s.keys_destroyed = impl_->keys_destroyed.load();
  return s;
}

const RecoveryReport& Store::recovery() const {
  return impl_->recovery;
}

void Store::SetRetention(std::map<std::string, RetentionRule> by_agency) {
  std::lock_guard l(impl_->mu);
  impl_->retention = std::move(by_agency);
}

void Store::SetHolds(std::vector<Hold> holds) {
  std::lock_guard l(impl_->mu);
  impl_->holds = std::move(holds);
}

Status Store::Flush() {
  return impl_->Flush();
}

Status Store::RunMaintenance() {
  INTERDICT_RETURN_IF_ERROR(impl_->FlushIfDue());
  INTERDICT_RETURN_IF_ERROR(impl_->Purge());
  return impl_->Merge();
}

Status Store::Merge() {
  return impl_->Merge();
}

std::vector<std::string> Store::SegmentPaths() const {
  std::lock_guard l(impl_->mu);
  std::vector<std::string> out;
  for (const auto& [agency, segs] : impl_->version->by_agency) {
    for (const auto& s : segs) out.push_back(s->path());
  }
  return out;
}

std::vector<plate::Plate> Store::KnownPlates(const std::vector<plate::Plate>& candidates) const {
  const Impl& s = *impl_;
  std::vector<std::uint64_t> wanted;
  for (const plate::Plate& p : candidates) wanted.push_back(p.Pack());
  std::sort(wanted.begin(), wanted.end());
  wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
  std::vector<std::uint64_t> found;
  std::shared_ptr<const Version> version;
  {
    std::lock_guard l(s.mu);
    s.mem->PlatesAmong(wanted, &found);
    if (s.imm) s.imm->PlatesAmong(wanted, &found);
    version = s.version;
  }
  // The candidates are sorted and clustered (variants of one plate), so each
  // is found by galloping on from the previous one: a few nearby probes
  // instead of a cold binary search over millions of plates.
  for (const auto& run : version->plates->runs) {
    auto lo = run->begin();
    const auto end = run->end();
    for (std::uint64_t w : wanted) {
      std::size_t step = 1;
      auto hi = lo;
      while (hi != end && *hi < w) {
        lo = hi;
        hi = static_cast<std::size_t>(end - hi) > step ? hi + static_cast<std::ptrdiff_t>(step)
                                                       : end;
        step *= 2;
      }
      lo = std::lower_bound(lo, hi, w);
      if (lo != end && *lo == w) found.push_back(w);
    }
  }
  std::sort(found.begin(), found.end());
  found.erase(std::unique(found.begin(), found.end()), found.end());
  std::vector<plate::Plate> out;
  for (std::uint64_t v : found) out.push_back(plate::Plate::Unpack(v));
  return out;
}

std::string Store::HoldFor(const read::Read& r) const {
  const Impl& s = *impl_;
  const std::int64_t now = s.clock.NowMillis();
  std::lock_guard l(s.mu);
  auto it = s.retention.find(r.agency);
  if (it == s.retention.end() || it->second.non_hit_ms < 0 || r.time >= now - it->second.non_hit_ms)
    return {};
  const Hold* h = HoldCovering(s.holds, r.agency, r.plate, r.camera, r.time, now);
  return h == nullptr ? std::string() : h->id;
}

Result<QueryResult> Store::Query(const ReadQuery& q) const {
  const Impl& s = *impl_;
  const int kinds = (q.plate ? 1 : 0) + (q.pattern ? 1 : 0) + (q.area ? 1 : 0);
  if (kinds > 1)
    return Status::InvalidArgument("a query has at most one of plate, pattern and area");
  const std::set<std::string> agencies(q.agencies.begin(), q.agencies.end());
  const std::set<std::string> cameras(q.cameras.begin(), q.cameras.end());
  std::set<std::string> area_cameras, mobile_cameras;
  if (q.area) {
    area_cameras.insert(q.area->cameras.begin(), q.area->cameras.end());
    mobile_cameras.insert(q.area->mobile_cameras.begin(), q.area->mobile_cameras.end());
  }
  auto in_area = [&](const read::Read& r) {
    if (area_cameras.count(r.camera)) return true;
    if (!mobile_cameras.count(r.camera) || !r.position) return false;
    return q.area->polygon.empty()
               ? geo::DistanceMeters(*r.position, q.area->center) <= q.area->radius_m
               : geo::RingContains(q.area->polygon, *r.position);
  };

  // Everything but the plate, pattern or area test, on a whole read.
  std::shared_ptr<const Memtable> imm;
  std::shared_ptr<const Version> version;
  std::map<std::string, RetentionRule> rules;
  std::vector<Hold> holds;
  const std::int64_t now = s.clock.NowMillis();
  std::vector<read::Read> from_memory;
  {
    std::lock_guard l(s.mu);
    imm = s.imm;
    version = s.version;
    rules = s.retention;
    holds = s.holds;
    auto consider = [&](const Memtable& m) {
      if (q.plate) {
        std::vector<std::uint32_t> rows;
        m.RowsOfPlate(q.plate->Pack(), &rows);
        for (std::uint32_t idx : rows) from_memory.push_back(m.Get(idx));
      } else {
        for (std::uint32_t i = 0; i < m.size(); ++i) {
          if (m.time(i) < q.from || m.time(i) >= q.to || !agencies.count(m.agency(i))) continue;
          if (q.pattern && !q.pattern->MatchesPacked(m.packed_plate(i))) continue;
          if (q.area && !area_cameras.count(m.camera(i)) && !mobile_cameras.count(m.camera(i)))
            continue;
          from_memory.push_back(m.Get(i));
        }
      }
    };
    consider(*s.mem);
    if (imm) consider(*imm);
  }
  QueryResult out;
  struct Candidate {
    std::int64_t time;
    const Segment* seg;  // null: from_memory[row]
    std::uint32_t row;
    bool timed = true;           // false: time not read yet
    read::Read* read = nullptr;  // the whole read, when it was read during the search
  };
  std::vector<Candidate> cands;
  auto visible = [&](std::string_view agency, const plate::Plate& p, std::string_view camera,
                     std::int64_t t) {
    if (t < q.from || t >= q.to) return false;
    if (!cameras.empty() && !cameras.count(std::string(camera))) return false;
    auto it = rules.find(std::string(agency));
    if (it != rules.end() && it->second.non_hit_ms >= 0 && t < now - it->second.non_hit_ms) {
      return HoldCovering(holds, agency, p, camera, t, now) != nullptr;
    }
    return true;
  };
  for (std::uint32_t i = 0; i < from_memory.size(); ++i) {
    const read::Read& r = from_memory[i];
    if (!agencies.count(r.agency) || !visible(r.agency, r.plate, r.camera, r.time)) continue;
    if (q.area && !in_area(r)) continue;
    cands.push_back({r.time, nullptr, i});
  }
  // The segments to search, then the search itself. A pattern matching many
  // plates walks every segment's dictionary, so it uses both cores when there
  // are enough segments (each worker collects its own candidates); for other
  // lookups a thread costs more than it saves.
  std::vector<std::pair<const std::string*, const Segment*>> targets;
  for (const std::string& agency : agencies) {
    auto agency_it = version->by_agency.find(agency);
    if (agency_it == version->by_agency.end()) continue;
    for (const auto& seg : agency_it->second) {
      if (seg->meta().max_time < q.from || seg->meta().min_time >= q.to) continue;
      targets.emplace_back(&agency, seg.get());
    }
  }
  out.segments_searched = targets.size();
  // A pattern is matched once against the distinct plates of all segments.
  std::vector<std::uint64_t> matched;
  if (q.pattern) {
    const std::string_view prefix = q.pattern->prefix();
    std::vector<std::uint32_t> entries;
    for (const auto& run : version->plates->runs) {
      auto b = run->begin(), e = run->end();
      if (!prefix.empty()) {
        const std::uint64_t lo = plate::Plate::FromNormalized(prefix)->Pack();
        // Every plate starting with the prefix lies in [lo, lo + one past the
        // prefix's last code).
        const std::uint64_t span = std::uint64_t{1} << (64 - 6 * prefix.size());
        b = std::lower_bound(b, e, lo);
        e = std::lower_bound(b, e, lo + span);
      }
      entries.clear();
      q.pattern->MatchDictionary(run->data() + (b - run->begin()), static_cast<std::size_t>(e - b),
                                 &entries);
      for (std::uint32_t i : entries) matched.push_back(b[i]);
    }
    std::sort(matched.begin(), matched.end());
    matched.erase(std::unique(matched.begin(), matched.end()), matched.end());
  }
  auto search = [&](std::size_t from_i, std::size_t to_i, std::vector<Candidate>& found,
                    std::deque<read::Read>& whole) -> Status {
    std::vector<std::uint32_t> rows;
    for (std::size_t ti = from_i; ti < to_i; ++ti) {
      const std::string& agency = *targets[ti].first;
      const Segment* seg = targets[ti].second;
      const SegmentMeta& m = seg->meta();
      if (m.max_time < q.from || m.min_time >= q.to) continue;
      const PlateDictionary& dict = seg->plate_dictionary();
      // Whether every row of the segment is inside the window and unexpired,
      // so rows need no per-row time check.
      auto rule_it = rules.find(agency);
      const bool ages_out = rule_it != rules.end() && rule_it->second.non_hit_ms >= 0 &&
                            m.min_time < now - rule_it->second.non_hit_ms;
      const bool all_visible =
          m.min_time >= q.from && m.max_time < q.to && !ages_out && cameras.empty();
      auto add_row = [&](std::uint32_t row, std::int64_t t, std::uint32_t entry) {
        if (t < q.from || t >= q.to) return;
        const std::string& camera = seg->cameras()[seg->CameraRunIndex(row)].name;
        if (!visible(agency, plate::Plate::Unpack(dict[entry]), camera, t)) return;
        found.push_back({t, seg, row});
      };
      auto add_posting_rows = [&](std::uint32_t entry) -> Status {
        INTERDICT_RETURN_IF_ERROR(seg->Postings(entry, &rows));
        for (std::uint32_t row : rows) {
          if (found.size() < q.limit) {
            // While a page's worth has not been found, read whole rows at
            // once: their blocks are decoded now, and not again for the
            // results.
            read::Read& r = whole.emplace_back();
            INTERDICT_RETURN_IF_ERROR(seg->ReadRow(row, &r));
            if (!all_visible && !visible(agency, r.plate, r.camera, r.time)) {
              whole.pop_back();
              continue;
            }
            found.push_back({r.time, seg, row, true, &r});
            continue;
          }
          if (all_visible) {
            found.push_back({0, seg, row, false});  // time read below
            continue;
          }
          std::int64_t t = 0;
          INTERDICT_RETURN_IF_ERROR(seg->RowTime(row, &t));
          add_row(row, t, entry);
        }
        return Status::Ok();
      };
      if (q.plate) {
        const std::uint64_t key = q.plate->Pack();
        if (!seg->MayContain(key)) continue;
        const std::size_t at = dict.LowerBound(key);
        if (at != dict.size() && dict[at] == key)
          INTERDICT_RETURN_IF_ERROR(add_posting_rows(static_cast<std::uint32_t>(at)));
      } else if (q.pattern) {
        // The plates matching the pattern (from the version's plate runs),
        // looked up one by one when they are few, else walked alongside the
        // dictionary.
        const std::size_t n = dict.size();
        if (matched.size() * 16 < n) {
          for (std::uint64_t key : matched) {
            if (!seg->MayContain(key)) continue;
            const std::size_t at = dict.LowerBound(key);
            if (at != n && dict[at] == key)
              INTERDICT_RETURN_IF_ERROR(add_posting_rows(static_cast<std::uint32_t>(at)));
          }
        } else {
          std::size_t k = 0;
          for (std::size_t at = dict.LowerBound(matched.empty() ? ~0ull : matched.front());
               at < n && k < matched.size(); ++at) {
            const std::uint64_t v = dict[at];
            while (k < matched.size() && matched[k] < v) ++k;
            if (k < matched.size() && matched[k] == v)
              INTERDICT_RETURN_IF_ERROR(add_posting_rows(static_cast<std::uint32_t>(at)));
          }
        }
      } else {
        // By camera: runs are sorted by time, so the window is a binary search.
        for (const Segment::CameraRun& run : seg->cameras()) {
          if (!cameras.empty() && !cameras.count(run.name)) continue;
          if (q.area && !area_cameras.count(run.name) && !mobile_cameras.count(run.name)) continue;
          INTERDICT_RETURN_IF_ERROR(seg->RowsInWindow(run, q.from, q.to, &rows));
          for (std::uint32_t row : rows) {
            std::int64_t t = 0;
            std::uint32_t entry = 0;
            INTERDICT_RETURN_IF_ERROR(seg->RowKey(row, &t, &entry));
            add_row(row, t, entry);
          }
        }
      }
    }
    // Rows taken without their time (whole segment visible) get it now.
    for (Candidate& c : found) {
      if (!c.timed) INTERDICT_RETURN_IF_ERROR(c.seg->RowTime(c.row, &c.time));
    }
    return Status::Ok();
  };
  std::vector<Candidate> other;
  std::deque<read::Read> mine_whole, other_whole;  // rows read whole during the search
  if (q.pattern && targets.size() >= 16 && matched.size() > 1000) {
    const std::size_t half = targets.size() / 2;
    auto second = std::async(std::launch::async,
                             [&] { return search(half, targets.size(), other, other_whole); });
    std::vector<Candidate> mine;
    Status first = search(0, half, mine, mine_whole);
    Status st2 = second.get();
    INTERDICT_RETURN_IF_ERROR(first);
    INTERDICT_RETURN_IF_ERROR(st2);
    cands.insert(cands.end(), mine.begin(), mine.end());
    cands.insert(cands.end(), other.begin(), other.end());
  } else {
    INTERDICT_RETURN_IF_ERROR(search(0, targets.size(), other, other_whole));
    cands.insert(cands.end(), other.begin(), other.end());
  }
  // Newest first; reads of the same millisecond in (agency, camera, id) order,
  // a total order, so a cursor resumes exactly where a page ended.
  std::sort(cands.begin(), cands.end(),
            [](const Candidate& a, const Candidate& b) { return a.time > b.time; });
  const auto key_less = [](const read::Read& a, const read::Read& b) {
    return std::tie(a.agency, a.camera, a.id) < std::tie(b.agency, b.camera, b.id);
  };
  const auto after_cursor = [&](const read::Read& r) {
    if (!q.after) return true;
    if (r.time != q.after->time) return r.time < q.after->time;
    return std::tie(q.after->agency, q.after->camera, q.after->id) <
           std::tie(r.agency, r.camera, r.id);
  };
  std::vector<read::Read> tie;
  for (std::size_t i = 0; i < cands.size() && !out.truncated;) {
    // One group of candidates with the same time.
    std::size_t j = i;
    while (j < cands.size() && cands[j].time == cands[i].time) ++j;
    if (q.after && cands[i].time > q.after->time) {
      i = j;  // already on an earlier page
      continue;
    }
    tie.clear();
    for (std::size_t k = i; k < j; ++k) {
      const Candidate& c = cands[k];
      read::Read r;
      if (c.seg == nullptr) {
        r = from_memory[c.row];
      } else if (c.read != nullptr) {
        r = std::move(*c.read);
        if (q.area && !in_area(r)) continue;
      } else {
        INTERDICT_RETURN_IF_ERROR(c.seg->ReadRow(c.row, &r));
        if (q.area && !in_area(r)) continue;
      }
      if (q.state && r.state != *q.state) continue;
      if (q.exclude && q.exclude(r)) continue;
      if (!after_cursor(r)) continue;
      tie.push_back(std::move(r));
    }
    std::sort(tie.begin(), tie.end(), key_less);
    for (read::Read& r : tie) {
      if (out.reads.size() == q.limit) {
        out.truncated = true;
        break;
      }
      out.reads.push_back(std::move(r));
    }
    i = j;
  }
  if (out.truncated && !out.reads.empty()) {
    const read::Read& last = out.reads.back();
    out.next = ReadCursor{last.time, last.agency, last.camera, last.id};
  }
  return out;
}

Result<Store::Summary> Store::Describe(Env& env, const std::string& dir) {
  if (!env.Exists(dir + "/wal")) return Status::NotFound(fmt::format("{}: no store here", dir));
  Summary out;
  if (Result<std::string> c = env.ReadFile(dir + "/CHECKPOINT"); c.ok() && c->size() == 20)
    out.checkpoint = DecodeFixed64(c->data() + 8);
  Result<std::vector<std::string>> wal = env.ListDir(dir + "/wal");
  if (!wal.ok()) return wal.status();
  for (const std::string& n : *wal) out.wal_files += IsWalName(n) ? 1u : 0u;
  Result<std::vector<std::string>> agencies = env.ListDir(dir + "/seg");
  if (!agencies.ok()) return agencies.status();
  for (const std::string& agency : *agencies) {
    Result<std::vector<std::string>> files = env.ListDir(dir + "/seg/" + agency);
    if (!files.ok()) return files.status();
    for (const std::string& n : *files) {
      if (!n.ends_with(".seg")) continue;
      Result<std::unique_ptr<MappedFile>> f = env.MapFile(dir + "/seg/" + agency + "/" + n);
      if (!f.ok()) return f.status();
      const std::string_view d = (*f)->data();
      ++out.segments_by_version[d.size() >= 12 ? DecodeFixed32(d.data() + 8) : 0];
    }
  }
  return out;
}

Status Store::Verify(Env& env, const std::string& dir, std::vector<std::string>* problems,
                     const crypto::KeyRing* keys) {
  const std::string wal_dir = dir + "/wal";
  if (!env.Exists(wal_dir)) {
    problems->push_back(fmt::format("{}: no store here (missing wal/)", dir));
    return Status::NotFound(problems->back());
  }
  Result<std::vector<std::string>> names = env.ListDir(wal_dir);
  if (!names.ok()) return names.status();
  for (const std::string& name : *names) {
    if (!IsWalName(name)) continue;
    const std::string path = wal_dir + "/" + name;
    Result<WalReplayResult> r = ReplayWal(
        env, path, [&](std::uint8_t type, std::string_view payload, std::uint64_t offset) {
          std::uint64_t first = 0, last = 0;
          bool expired = false;
          const Status st = DecodeWalRecord(
              type, payload, keys, fmt::format("{}: record at byte {}", path, offset), &first,
              &last, &expired, [](std::uint64_t, read::Read&) {});
          if (!st.ok()) problems->push_back(st.message());
          return Status::Ok();
        });
    if (!r.ok()) {
      problems->push_back(r.status().message());
    } else if (!r->corruption.ok()) {
      problems->push_back(r->corruption.message());
    } else if (r->torn_tail) {
      problems->push_back(fmt::format("{}: torn write after byte {} of {} (cut on the next open)",
                                      path, r->good_bytes, r->file_bytes));
    }
  }
  // Segments: every checksum, then every column, posting and row.
  if (Result<std::vector<std::string>> agencies = env.ListDir(dir + "/seg"); agencies.ok()) {
    for (const std::string& agency : *agencies) {
      Result<std::vector<std::string>> files = env.ListDir(dir + "/seg/" + agency);
      if (!files.ok()) {
        problems->push_back(files.status().message());
        continue;
      }
      for (const std::string& name : *files) {
        if (!name.ends_with(".seg")) continue;
        const std::string path = dir + "/seg/" + agency + "/" + name;
        bool key_destroyed = false;
        Result<std::shared_ptr<Segment>> seg = Segment::Open(env, path, keys, &key_destroyed);
        if (key_destroyed) continue;  // expired; removed at the next open
        Status st = seg.ok() ? (*seg)->Check() : seg.status();
        if (!st.ok()) problems->push_back(st.message());
      }
    }
  }
  if (env.Exists(dir + "/CHECKPOINT")) {
    Result<std::string> c = env.ReadFile(dir + "/CHECKPOINT");
    if (!c.ok() || c->size() != 20 || DecodeFixed32(c->data() + 16) != Crc32c(c->data(), 16)) {
      problems->push_back(fmt::format("{}/CHECKPOINT: corrupt", dir));
    }
  }
  if (!problems->empty()) {
    return Status::Corruption(
        fmt::format("{} problem(s); first: {}", problems->size(), problems->front()));
  }
  return Status::Ok();
}

}  // namespace interdict::store
