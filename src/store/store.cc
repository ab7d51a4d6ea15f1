// The embedded store's front: opening and closing, the background thread,
// and the small accessors. The rest is in the parts store_impl.h lists.
#include "store/store.h"

#include <algorithm>

#include <fmt/core.h>

#include "store/store_impl.h"

namespace interdict::store {

Result<SyncPolicy> ParseSyncPolicy(std::string_view name) {
  if (name == "always") return SyncPolicy::kAlways;
  if (name == "interval") return SyncPolicy::kInterval;
  if (name == "none") return SyncPolicy::kNone;
  return Status::InvalidArgument(
      fmt::format("unknown sync policy '{}' (expected always, interval or none)", name));
}

Store::Impl::Impl(StoreOptions o, Env& e, const Clock& c, Logger& l)
    : opts(std::move(o)),
      env(e),
      clock(c),
      log(l),
      wal_dir(opts.dir + "/wal"),
      seg_dir(opts.dir + "/seg"),
      quarantine_dir(opts.dir + "/quarantine"),
      tmp_dir(opts.dir + "/tmp"),
      checkpoint_path(opts.dir + "/CHECKPOINT"),
      purge_log_path(opts.dir + "/purge.log") {
  MutexLock lock(mu);
  mem = std::make_shared<Memtable>();
  version = std::make_shared<Version>();
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Store::~Store() {
  Impl& s = *impl_;
  {
    MutexLock l(s.mu);
    s.stopping = true;
  }
  s.background_cv.NotifyAll();
  s.stall_cv.NotifyAll();
  if (s.background.joinable()) s.background.join();
  MutexLock l(s.mu);
  if (s.wal) {
    Status synced = s.wal->Sync();
    if (synced.ok()) synced = s.wal->Close();
    if (!synced.ok()) s.log.Error("closing the log failed", {{"error", synced.message()}});
  }
}

namespace {

// Flushes when due, purges expired reads, merges small segments: every
// maintenance_ms, or at once when a writer finds the memtable full.
void RunBackground(Store::Impl* p) EXCLUDES(p->mu) {
  MutexLock l(p->mu);
  while (!p->stopping) {
    if (p->mem->size() < p->opts.flush_reads)
      p->background_cv.WaitFor(l, std::chrono::milliseconds(p->opts.maintenance_ms));
    if (p->stopping) break;
    l.Unlock();
    if (Status st = p->FlushIfDue(); !st.ok()) {
      ++p->flush_failures;
      p->log.Error("flush failed", {{"error", st.message()}});
    }
    if (Status st = p->Purge(); !st.ok()) {
      ++p->purge_failures;
      p->log.Error("purge failed", {{"error", st.message()}});
    }
    if (Status st = p->Merge(false); !st.ok()) {
      ++p->merge_failures;
      p->log.Error("merge failed", {{"error", st.message()}});
    }
    l.Lock();
  }
}

}  // namespace

Result<std::unique_ptr<Store>> Store::Open(StoreOptions options, Env& env, const Clock& clock,
                                           Logger& log) {
  auto impl = std::make_unique<Impl>(std::move(options), env, clock, log);
  Impl& s = *impl;
  for (const std::string* d : {&s.wal_dir, &s.seg_dir, &s.quarantine_dir, &s.tmp_dir}) {
    INTERDICT_RETURN_IF_ERROR(env.CreateDirs(*d));
  }
  // Files left half-written in tmp/ by a crash were never part of the store.
  if (Result<std::vector<std::string>> stale = env.ListDir(s.tmp_dir); stale.ok()) {
    for (const std::string& n : *stale) INTERDICT_RETURN_IF_ERROR(env.Remove(s.tmp_dir + "/" + n));
  }
  {
    MutexLock l(s.mu);  // no other thread yet; the lock is for the analysis
    INTERDICT_RETURN_IF_ERROR(s.Recover());
    log.Info("store opened", {{"dir", s.opts.dir},
                              {"reads", s.mem->size() + s.version->rows},
                              {"segments_rows", s.version->rows},
                              {"wal_files", s.recovery.wal_files},
                              {"torn_tails", s.recovery.torn_tails_truncated},
                              {"quarantined", s.recovery.quarantined.size()}});
  }
  std::unique_ptr<Store> store(new Store(std::move(impl)));
  if (store->impl_->opts.background) {
    Impl* p = store->impl_.get();
    p->background = std::thread([p] { RunBackground(p); });
  }
  return store;
}

std::uint64_t Store::Count() const {
  const Impl& s = *impl_;
  MutexLock l(s.mu);
  return s.mem->size() + (s.imm ? s.imm->size() : 0) + s.version->rows;
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
  const Impl& s = *impl_;
  MutexLock l(s.mu);
  for (const Memtable* m : {static_cast<const Memtable*>(s.mem.get()), s.imm.get()}) {
    if (m == nullptr) continue;
    for (std::uint32_t i = 0; i < m->size(); ++i) widen(m->agency(i), m->time(i), m->time(i));
  }
  for (const auto& [agency, segs] : s.version->by_agency) {
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
  Impl& s = *impl_;
  MutexLock l(s.mu);
  s.retention = std::move(by_agency);
}

void Store::SetHolds(std::vector<Hold> holds) {
  Impl& s = *impl_;
  MutexLock l(s.mu);
  s.holds = std::move(holds);
}

Status Store::Flush() {
  return impl_->Flush();
}

Status Store::RunMaintenance() {
  INTERDICT_RETURN_IF_ERROR(impl_->FlushIfDue());
  INTERDICT_RETURN_IF_ERROR(impl_->Purge());
  return impl_->Merge(false);
}

Status Store::Merge() {
  return impl_->Merge(true);
}

std::vector<std::string> Store::SegmentPaths() const {
  const Impl& s = *impl_;
  MutexLock l(s.mu);
  std::vector<std::string> out;
  for (const auto& [agency, segs] : s.version->by_agency) {
    for (const auto& seg : segs) out.push_back(seg->path());
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
    MutexLock l(s.mu);
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
  MutexLock l(s.mu);
  auto it = s.retention.find(r.agency);
  if (it == s.retention.end() || it->second.non_hit_ms < 0 || r.time >= now - it->second.non_hit_ms)
    return {};
  const Hold* h = HoldCovering(s.holds, r.agency, r.plate, r.camera, r.time, now);
  return h == nullptr ? std::string() : h->id;
}

}  // namespace interdict::store
