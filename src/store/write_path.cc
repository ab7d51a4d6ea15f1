// The write path: Append's writer queue and group commit (docs/format/store.md,
// "Write-ahead log"). The writer at the front of the queue leads: it takes
// every batch queued behind it, checks them for expired and re-sent reads,
// writes them as log records with one sync, and adds them to the memtable.
// Only the in-memory checks run under the store's lock; segment look-ups,
// encoding, sealing, the log write and its sync run outside it.
#include <algorithm>

#include <fmt/core.h>

#include "store/coding.h"
#include "store/row_codec.h"
#include "store/store_impl.h"

namespace interdict::store {

bool Store::Impl::Expired(const read::Read& r, std::int64_t now) const {
  auto it = retention.find(r.agency);
  if (it == retention.end() || it->second.non_hit_ms < 0) return false;
  if (r.time >= now - it->second.non_hit_ms) return false;
  return HoldCovering(holds, r.agency, r.plate, r.camera, r.time, now) == nullptr;
}

bool Store::Impl::InSegments(const Version& v, const read::Read& r) const {
  auto it = v.by_agency.find(r.agency);
  if (it == v.by_agency.end()) return false;
  const std::uint64_t packed = r.plate.Pack();
  for (const auto& seg : it->second) {
    const SegmentMeta& m = seg->meta();
    if (r.time < m.min_time || r.time > m.max_time || !seg->MayContain(packed)) continue;
    const std::size_t camera = seg->FindCamera(r.camera);
    if (camera == seg->camera_count()) continue;
    std::vector<std::uint32_t> rows;
    if (Status st = seg->RowsInWindow(camera, r.time, r.time + 1, &rows); !st.ok()) {
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

void Store::Impl::WaitForTurn(Writer& w, MutexLock& l) {
  writers.push_back(&w);
  while (!w.done && writers.front() != &w) w.cv.Wait(l);
}

void Store::Impl::LeaveQueue() {
  writers.pop_front();
  if (!writers.empty()) writers.front()->cv.NotifyOne();
}

namespace {

// Reads sent twice within one group: open addressing sized for the group, no
// allocation per read.
class GroupIdentities {
 public:
  explicit GroupIdentities(std::size_t reads) {
    while (slots_ < 2 * reads) slots_ *= 2;
    table_.assign(slots_, {0, nullptr});
  }
  // True when an equal identity is already in the group; otherwise records it.
  bool SeenBefore(std::uint64_t h, const read::Read& r) {
    for (std::size_t slot = h & (slots_ - 1);; slot = (slot + 1) & (slots_ - 1)) {
      if (table_[slot].second == nullptr) {
        table_[slot] = {h, &r};
        return false;
      }
      if (table_[slot].first == h && SameIdentity(*table_[slot].second, r)) return true;
    }
  }

 private:
  std::size_t slots_ = 16;
  std::vector<std::pair<std::uint64_t, const read::Read*>> table_;
};

}  // namespace

Status Store::Impl::CommitGroup(const std::vector<Writer*>& group) {
  // 1. Under the lock, what only memory can tell: expired reads, reads already
  // in the memtables, each agency's bucket length (for sealing), and the log.
  const std::int64_t now = clock.NowMillis();
  const bool sealing = opts.keys != nullptr;
  std::size_t group_reads = 0;
  for (Writer* g : group) {
    g->keep.assign(g->reads->size(), 0);
    g->bucket_ms.assign(sealing ? g->reads->size() : 0, 0);
    g->hashes.assign(g->reads->size(), 0);
    for (std::size_t i = 0; i < g->reads->size(); ++i) {
      const read::Read& r = (*g->reads)[i];
      if (Expired(r, now)) {
        ++g->result.expired;
        continue;
      }
      const std::uint64_t h = g->hashes[i] = IdentityHash(r);
      if (mem->Contains(r, h) || (imm && imm->Contains(r, h))) {
        ++g->result.duplicates;
        continue;
      }
      g->keep[i] = 1;
      if (sealing) g->bucket_ms[i] = BucketMsFor(retention, r.agency);
    }
    group_reads += g->reads->size();
  }
  const std::shared_ptr<const Version> v = version;
  const std::uint64_t first_seq = last_seq + 1;
  WalWriter* current = wal.get();
  const auto mono = clock.Monotonic();
  const bool rotate = current == nullptr || current->size() >= opts.wal_file_bytes ||
                      mono - wal_started >= std::chrono::milliseconds(opts.wal_file_ms);
  const bool sync = opts.sync == SyncPolicy::kAlways ||
                    (opts.sync == SyncPolicy::kInterval &&
                     mono - last_sync >= std::chrono::milliseconds(opts.sync_interval_ms));

  // 2. Outside it: reads already in segments or twice in the group, the
  // records, the log write and its sync.
  mu.Unlock();
  std::vector<std::string> records;
  std::uint64_t next_seq = first_seq;
  GroupIdentities in_group(group_reads);
  for (Writer* g : group) {
    g->ends.clear();
    g->buckets.clear();
    g->first_seq = next_seq;
    std::string body;
    std::uint64_t kept = 0;
    for (std::size_t i = 0; i < g->reads->size(); ++i) {
      if (!g->keep[i]) continue;
      const read::Read& r = (*g->reads)[i];
      if (InSegments(*v, r) || in_group.SeenBefore(g->hashes[i], r)) {
        g->keep[i] = 0;
        ++g->result.duplicates;
        continue;
      }
      if (sealing) {
        const std::int64_t b = g->bucket_ms[i];
        const std::int64_t bucket = FloorDiv(r.time, b) * b;
        g->buckets.emplace_back(bucket, bucket + b);
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
  std::unique_ptr<WalWriter> fresh;
  if (next_seq != first_seq) {
    if (rotate) {
      if (current != nullptr) {
        st = current->Sync();
        if (st.ok()) st = current->Close();
      }
      if (st.ok()) {
        Result<std::unique_ptr<WalWriter>> w =
            WalWriter::Create(env, wal_dir + "/" + WalFileName(first_seq), first_seq);
        st = w.status();
        // The new file's directory entry must be durable before anything in
        // it is acknowledged.
        if (st.ok()) st = (*w)->Sync();
        if (st.ok()) st = env.SyncDir(wal_dir);
        if (st.ok()) current = (fresh = std::move(w).value()).get();
      }
    }
    for (std::size_t gi = 0; gi < records.size() && st.ok(); ++gi) {
      if (records[gi].empty()) continue;
      if (!sealing) {
        st = current->Add(kWalBatchRecord, records[gi]);
        continue;
      }
      Result<std::vector<std::string>> sealed = SealRecord(*group[gi], records[gi]);
      if (!sealed.ok()) st = sealed.status();
      for (std::size_t k = 0; st.ok() && sealed.ok() && k < sealed->size(); ++k)
        st = current->Add(kWalSealedRecord, (*sealed)[k]);
    }
    if (st.ok() && sync) st = current->Sync();
  }

  // 3. Back under the lock: the log's new state, then the memtable, which
  // keeps the very bytes the log got.
  mu.Lock();
  if (next_seq == first_seq) return Status::Ok();
  // Sequence numbers are never reused, even for a batch that failed: its
  // bytes may be on disk in a log file that recovery will read.
  last_seq = next_seq - 1;
  if (fresh) {
    wal = std::move(fresh);
    wal_started = mono;
  }
  if (st.ok() && sync) last_sync = mono;
  if (!st.ok()) {
    log.Error("store write failed; batch not acknowledged", {{"error", st.message()}});
    if (wal) (void)wal->Close();
    wal.reset();  // the next batch starts a fresh log file
    return st;
  }
  for (std::size_t gi = 0; gi < group.size(); ++gi) {
    Writer* g = group[gi];
    const std::string_view rec = records[gi];
    std::size_t k = 0, start = 0;
    for (std::size_t i = 0; i < g->reads->size(); ++i) {
      if (!g->keep[i]) continue;
      const read::Read& r = (*g->reads)[i];
      if (mem->empty()) mem->started = mono;
      mem->Add(r, g->hashes[i], rec.substr(g->body_start + start, g->ends[k] - start));
      start = g->ends[k++];
    }
  }
  return Status::Ok();
}

Result<AppendResult> Store::Impl::Append(std::vector<read::Read>& reads) {
  Writer w;
  w.reads = &reads;
  MutexLock l(mu);
  // Back-pressure: when writes outrun flushing, wait instead of letting the
  // memtable grow without bound.
  while (opts.background && !stopping && mem->size() >= 4 * opts.flush_reads) {
    background_cv.NotifyAll();
    stall_cv.Wait(l);
  }
  WaitForTurn(w, l);
  if (w.done) {
    if (!w.status.ok()) return w.status;
    return w.result;
  }
  // This writer leads: it commits every batch queued behind it (up to the
  // next exclusive task) in one log write and one sync.
  std::vector<Writer*> group;
  for (Writer* g : writers) {
    if (g->reads == nullptr) break;
    group.push_back(g);
  }
  const Status st = CommitGroup(group);
  for (Writer* g : group) {
    if (!st.ok()) g->status = st;
    writers.pop_front();
    if (g != &w) {
      g->done = true;
      g->cv.NotifyOne();
    }
  }
  if (!writers.empty()) writers.front()->cv.NotifyOne();
  if (mem->size() >= opts.flush_reads) background_cv.NotifyAll();
  if (!st.ok()) return st;
  return w.result;
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

Result<AppendResult> Store::Append(std::vector<read::Read> reads) {
  for (std::size_t i = 0; i < reads.size(); ++i) {
    if (!read::IsAgencyCode(reads[i].agency) || reads[i].plate.empty() || reads[i].camera.empty()) {
      return Status::InvalidArgument(
          fmt::format("read {} of the batch lacks a valid agency, camera or plate", i));
    }
  }
  return impl_->Append(reads);
}

}  // namespace interdict::store
