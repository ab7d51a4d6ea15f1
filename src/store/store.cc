#include "store/store.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <unordered_map>

#include <fmt/core.h>

#include "store/coding.h"
#include "store/row_codec.h"
#include "store/wal.h"

namespace interdict::store {
namespace {

std::uint64_t Fnv1a(std::uint64_t h, std::string_view s) {
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

// Identity of a read for idempotent re-sends: (agency, camera, id).
std::uint64_t IdentityHash(const read::Read& r) {
  std::uint64_t h = 14695981039346656037ull;
  h = Fnv1a(h, r.agency);
  h = Fnv1a(h, std::string_view("\0", 1));
  h = Fnv1a(h, r.camera);
  h = Fnv1a(h, std::string_view("\0", 1));
  return Fnv1a(h, r.id);
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

struct Store::Impl {
  Impl(StoreOptions o, Env& e, const Clock& c, Logger& l)
      : opts(std::move(o)), env(e), clock(c), log(l) {}

  struct Writer {
    std::vector<read::Read>* reads;
    std::vector<char> keep;  // per read: stored (1) or duplicate (0)
    Status status;
    AppendResult result;
    bool done = false;
    std::condition_variable cv;
  };

  Status Recover();
  Status EnsureWal();
  // Index of an equal-identity read in the memtable, or -1.
  bool InMemtable(const read::Read& r, std::uint64_t h) const {
    auto [b, e] = dedup.equal_range(h);
    for (auto it = b; it != e; ++it) {
      if (SameIdentity(reads[it->second], r)) return true;
    }
    return false;
  }
  void Insert(read::Read r, std::uint64_t h) {
    dedup.emplace(h, static_cast<std::uint32_t>(reads.size()));
    reads.push_back(std::move(r));
  }

  StoreOptions opts;
  Env& env;
  const Clock& clock;
  Logger& log;
  std::string wal_dir, quarantine_dir, tmp_dir;

  mutable std::mutex mu;
  std::deque<Writer*> writers;
  std::vector<read::Read> reads;  // the memtable
  std::unordered_multimap<std::uint64_t, std::uint32_t> dedup;
  std::uint64_t last_seq = 0;
  std::unique_ptr<WalWriter> wal;
  std::chrono::steady_clock::time_point wal_started, last_sync;
  RecoveryReport recovery;
};

Status Store::Impl::Recover() {
  Result<std::vector<std::string>> names = env.ListDir(wal_dir);
  if (!names.ok()) return names.status();
  for (const std::string& name : *names) {
    if (!IsWalName(name)) continue;
    const std::string path = wal_dir + "/" + name;
    ++recovery.wal_files;
    Result<WalReplayResult> r = ReplayWal(
        env, path,
        [&](std::uint8_t type, std::string_view payload, std::uint64_t offset) -> Status {
          if (type != kWalBatchRecord) {
            return Status::Corruption(
                fmt::format("{}: unknown record type {} at byte {}", path, type, offset));
          }
          Decoder in(payload);
          std::uint64_t first_seq = 0, count = 0;
          if (!in.GetVarint(&first_seq) || !in.GetVarint(&count)) {
            return Status::Corruption(fmt::format("{}: bad batch header at byte {}", path, offset));
          }
          for (std::uint64_t i = 0; i < count; ++i) {
            read::Read rd;
            if (!DecodeRead(in, &rd)) {
              return Status::Corruption(
                  fmt::format("{}: undecodable read {} of the batch at byte {}", path, i, offset));
            }
            const std::uint64_t h = IdentityHash(rd);
            if (!InMemtable(rd, h)) {
              Insert(std::move(rd), h);
              ++recovery.reads_recovered;
            }
          }
          if (count > 0) last_seq = std::max(last_seq, first_seq + count - 1);
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
      // Created but cut before its header was written: it never held a record.
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
  }
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

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Store::~Store() {
  std::lock_guard l(impl_->mu);
  if (impl_->wal) {
    (void)impl_->wal->Sync();
    (void)impl_->wal->Close();
  }
}

Result<std::unique_ptr<Store>> Store::Open(StoreOptions options, Env& env, const Clock& clock,
                                           Logger& log) {
  auto impl = std::make_unique<Impl>(std::move(options), env, clock, log);
  impl->wal_dir = impl->opts.dir + "/wal";
  impl->quarantine_dir = impl->opts.dir + "/quarantine";
  impl->tmp_dir = impl->opts.dir + "/tmp";
  for (const std::string* d : {&impl->wal_dir, &impl->quarantine_dir, &impl->tmp_dir}) {
    INTERDICT_RETURN_IF_ERROR(env.CreateDirs(*d));
  }
  // Files left half-written in tmp/ by a crash were never part of the store.
  if (Result<std::vector<std::string>> stale = env.ListDir(impl->tmp_dir); stale.ok()) {
    for (const std::string& n : *stale)
      INTERDICT_RETURN_IF_ERROR(env.Remove(impl->tmp_dir + "/" + n));
  }
  INTERDICT_RETURN_IF_ERROR(impl->Recover());
  log.Info("store opened", {{"dir", impl->opts.dir},
                            {"reads", impl->reads.size()},
                            {"wal_files", impl->recovery.wal_files},
                            {"torn_tails", impl->recovery.torn_tails_truncated},
                            {"quarantined", impl->recovery.quarantined.size()}});
  return std::unique_ptr<Store>(new Store(std::move(impl)));
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
  s.writers.push_back(&w);
  while (!w.done && s.writers.front() != &w) w.cv.wait(l);
  if (w.done) {
    if (!w.status.ok()) return w.status;
    return w.result;
  }

  // This writer leads: it commits every batch queued so far in one log write.
  std::vector<Impl::Writer*> group(s.writers.begin(), s.writers.end());
  std::unordered_multimap<std::uint64_t, const read::Read*> in_group;
  std::string payload_all;
  std::vector<std::string> records;
  std::uint64_t next_seq = s.last_seq + 1;
  for (Impl::Writer* g : group) {
    g->keep.assign(g->reads->size(), 0);
    std::string rec;
    std::string body;
    std::uint64_t kept = 0;
    for (std::size_t i = 0; i < g->reads->size(); ++i) {
      const read::Read& r = (*g->reads)[i];
      const std::uint64_t h = IdentityHash(r);
      bool dup = s.InMemtable(r, h);
      auto [b, e] = in_group.equal_range(h);
      for (auto it = b; it != e && !dup; ++it) dup = SameIdentity(*it->second, r);
      if (dup) {
        ++g->result.duplicates;
        continue;
      }
      in_group.emplace(h, &r);
      g->keep[i] = 1;
      EncodeRead(r, body);
      ++kept;
    }
    g->result.accepted = kept;
    if (kept > 0) {
      PutVarint(rec, next_seq);
      PutVarint(rec, kept);
      rec += body;
      next_seq += kept;
    }
    records.push_back(std::move(rec));
  }
  const std::uint64_t first_seq = s.last_seq + 1;
  const bool anything = next_seq != first_seq;

  Status st;
  if (anything) {
    st = s.EnsureWal();
    if (st.ok()) {
      l.unlock();
      for (const std::string& rec : records) {
        if (!rec.empty() && st.ok()) st = s.wal->Add(kWalBatchRecord, rec);
      }
      const auto now = s.clock.Monotonic();
      const bool sync = s.opts.sync == SyncPolicy::kAlways ||
                        (s.opts.sync == SyncPolicy::kInterval &&
                         now - s.last_sync >= std::chrono::milliseconds(s.opts.sync_interval_ms));
      if (st.ok() && sync) {
        st = s.wal->Sync();
        s.last_sync = now;
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
  for (Impl::Writer* g : group) {
    if (st.ok()) {
      for (std::size_t i = 0; i < g->reads->size(); ++i) {
        if (!g->keep[i]) continue;
        read::Read& r = (*g->reads)[i];
        const std::uint64_t h = IdentityHash(r);
        s.Insert(std::move(r), h);
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
  if (!st.ok()) return st;
  return w.result;
}

std::uint64_t Store::Count() const {
  std::lock_guard l(impl_->mu);
  return impl_->reads.size();
}

const RecoveryReport& Store::recovery() const {
  return impl_->recovery;
}

Status Store::Verify(Env& env, const std::string& dir, std::vector<std::string>* problems) {
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
          Decoder in(payload);
          std::uint64_t first_seq = 0, count = 0;
          bool ok = type == kWalBatchRecord && in.GetVarint(&first_seq) && in.GetVarint(&count);
          for (std::uint64_t i = 0; ok && i < count; ++i) {
            read::Read rd;
            ok = DecodeRead(in, &rd);
          }
          if (!ok || !in.done()) {
            problems->push_back(fmt::format("{}: record at byte {} does not decode", path, offset));
          }
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
  if (!problems->empty()) {
    return Status::Corruption(
        fmt::format("{} problem(s); first: {}", problems->size(), problems->front()));
  }
  return Status::Ok();
}

}  // namespace interdict::store
