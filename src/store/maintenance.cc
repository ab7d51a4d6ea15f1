// Maintenance: flushes, merges and purges, and the rename-and-undo paths
// that make each crash-safe (docs/format/store.md, "Flush, the checkpoint,
// and recovery" and "Merges and purges").
#include <algorithm>
#include <limits>
#include <set>
#include <tuple>

#include <fmt/core.h>

#include "base/json_writer.h"
#include "base/time_format.h"
#include "store/store_impl.h"

namespace interdict::store {

Status Store::Impl::InstallSegment(const std::string& tmp, const std::string& path,
                                   std::shared_ptr<Segment>* out) {
  Status st = env.Rename(tmp, path);
  if (st.ok()) st = env.SyncDir(path.substr(0, path.rfind('/')));
  Result<std::shared_ptr<Segment>> opened =
      st.ok() ? Segment::Open(env, path, opts.keys) : Result<std::shared_ptr<Segment>>(st);
  if (!opened.ok()) {
    // Neither name may keep the file: a segment left in place would come
    // back at the next open beside the rows' next home.
    (void)env.Remove(tmp);
    (void)env.Remove(path);
    return opened.status();
  }
  *out = std::move(opened).value();
  return Status::Ok();
}

Store::Impl::Frozen Store::Impl::FreezeMemtable() {
  Frozen out;
  MutexLock l(mu);
  Writer w;
  WaitForTurn(w, l);  // no batch is in flight: the log and the memtable are ours
  if (imm == nullptr && !mem->empty()) {
    imm = mem;
    imm_seq = last_seq;
    mem = std::make_shared<Memtable>();
    stall_cv.NotifyAll();
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
  LeaveQueue();
  out.reads = imm;
  out.first_seq = checkpoint_seq + 1;
  out.last_seq = imm_seq;
  out.retention = retention;
  return out;
}

Status Store::Impl::WriteFlushSegment(const Frozen& f, const std::string& agency,
                                      std::int64_t bucket_start,
                                      const std::vector<std::uint32_t>& rows,
                                      std::shared_ptr<Segment>* out) {
  const Memtable& m = *f.reads;
  // Rows in segment order, then decoded one at a time into the writer.
  struct Key {
    std::uint64_t plate;
    std::int64_t time;
    std::string_view camera;
    std::string_view id;
    std::uint32_t row;
  };
  std::vector<Key> keys;
  keys.reserve(rows.size());
  std::vector<std::uint64_t> plates;
  plates.reserve(rows.size());
  SegmentMeta meta;
  meta.min_time = INT64_MAX;
  for (std::uint32_t i : rows) {
    keys.push_back({m.packed_plate(i), m.time(i), m.camera(i), m.id(i), i});
    plates.push_back(m.packed_plate(i));
    meta.min_time = std::min(meta.min_time, m.time(i));
  }
  // Plate order (docs/format/store.md, version 4), or camera order for tests
  // of the upgrade from version 2.
  if (opts.flush_layout == SegmentLayout::kPlateOrder) {
    std::sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) {
      return std::tie(a.plate, a.time, a.camera, a.id) < std::tie(b.plate, b.time, b.camera, b.id);
    });
  } else {
    std::sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) {
      return std::tie(a.camera, a.time, a.id) < std::tie(b.camera, b.time, b.id);
    });
  }
  std::sort(plates.begin(), plates.end());
  plates.erase(std::unique(plates.begin(), plates.end()), plates.end());
  meta.id = NewSegmentId();
  meta.agency = agency;
  meta.bucket_start = bucket_start;
  meta.bucket_end = bucket_start + BucketMsFor(f.retention, agency);
  meta.min_seq = f.first_seq;
  meta.max_seq = f.last_seq;
  const std::string tmp = tmp_dir + "/" + SegmentFileName(meta.id);
  const std::string dir = AgencyDir(agency);
  INTERDICT_RETURN_IF_ERROR(env.CreateDirs(dir));
  Result<std::shared_ptr<const crypto::DataKey>> dek =
      KeyFor(meta.agency, meta.bucket_start, meta.bucket_end);
  if (!dek.ok()) return dek.status();
  SegmentWriter w(meta, std::move(plates), *dek, opts.flush_layout);
  // Each row goes from its log encoding straight to a payload row (no read
  // is built: the two encodings share their tail).
  Status st;
  EncodedRow row;
  for (const Key& k : keys) {
    if (!ParseEncodedRow(m.Row(k.row), &row)) {
      st = Status::Internal("a memtable row does not parse");
      break;
    }
    st = w.Add(k.plate, row);
    if (!st.ok()) break;
  }
  if (st.ok()) st = w.Finish(env, tmp);
  if (!st.ok()) {
    (void)env.Remove(tmp);
    return st;
  }
  return InstallSegment(tmp, dir + "/" + SegmentFileName(meta.id), out);
}

Status Store::Impl::RemoveCoveredLogs(std::uint64_t flushed_seq) {
  Result<std::vector<std::string>> names = env.ListDir(wal_dir);
  if (!names.ok()) return names.status();
  std::string active;
  {
    MutexLock l(mu);
    if (wal) active = wal->path();
  }
  for (const std::string& name : *names) {
    if (!IsWalName(name)) continue;
    const std::uint64_t first = std::stoull(name.substr(0, 16), nullptr, 16);
    const std::string path = wal_dir + "/" + name;
    if (first <= flushed_seq && path != active) INTERDICT_RETURN_IF_ERROR(env.Remove(path));
  }
  return env.SyncDir(wal_dir);
}

Status Store::Impl::Flush() {
  MutexLock m(maintenance_mu);
  const Frozen f = FreezeMemtable();
  if (f.reads == nullptr) return Status::Ok();
  // Group by agency and bucket (indices into the frozen memtable; no copies).
  std::map<std::pair<std::string, std::int64_t>, std::vector<std::uint32_t>> groups;
  for (std::uint32_t i = 0; i < f.reads->size(); ++i) {
    const std::string& agency = f.reads->agency(i);
    const std::int64_t b = BucketMsFor(f.retention, agency);
    groups[{agency, FloorDiv(f.reads->time(i), b) * b}].push_back(i);
  }
  std::vector<std::shared_ptr<Segment>> written;
  // Until the checkpoint names them, the new segments are not the reads'
  // home (the memtable and the log are): on a failure they go.
  auto undo = [&](const Status& why) {
    for (const auto& s : written) (void)env.Remove(s->path());
    log.Error("flush failed; the reads stay in memory and in the log", {{"error", why.message()}});
    return why;
  };
  for (const auto& [key, rows] : groups) {
    std::shared_ptr<Segment> seg;
    if (Status st = WriteFlushSegment(f, key.first, key.second, rows, &seg); !st.ok())
      return undo(st);
    written.push_back(std::move(seg));
  }
  // The commit point: segments above the checkpoint are discarded on recovery.
  if (Status st = WriteCheckpoint(f.last_seq); !st.ok()) return undo(st);
  // The new version is built outside mu (its plate runs take a while); only
  // maintenance, which holds maintenance_mu, changes the version.
  std::shared_ptr<const Version> next = WithChanges(*CurrentVersion(), written, {});
  {
    MutexLock l(mu);
    version = std::move(next);
    imm.reset();
    checkpoint_seq = f.last_seq;
  }
  // Log files wholly at or below the checkpoint are no longer needed.
  INTERDICT_RETURN_IF_ERROR(RemoveCoveredLogs(f.last_seq));
  log.Debug("flushed",
            {{"reads", f.reads->size()}, {"segments", written.size()}, {"seq", f.last_seq}});
  return Status::Ok();
}

// Writes one new segment that replaces `old` (merge or rewrite), then swaps
// it in and removes the old files. Crash-safe: the new segment lists the ids
// it replaces, and recovery removes replaced segments.
Status Store::Impl::ReplaceSegments(const std::vector<std::shared_ptr<Segment>>& old,
                                    SegmentMeta meta, const SegmentWriteFn& write,
                                    std::shared_ptr<Segment>* out) {
  const std::string& agency = meta.agency;
  std::vector<std::uint64_t> old_ids;
  for (const auto& o : old) old_ids.push_back(o->meta().id);
  std::vector<std::shared_ptr<Segment>> replacement;
  if (write) {
    meta.id = NewSegmentId();
    meta.replaces = old_ids;
    const std::string tmp = tmp_dir + "/" + SegmentFileName(meta.id);
    if (Status st = write(tmp, meta); !st.ok()) {
      (void)env.Remove(tmp);
      return st;
    }
    std::shared_ptr<Segment> seg;
    INTERDICT_RETURN_IF_ERROR(
        InstallSegment(tmp, AgencyDir(agency) + "/" + SegmentFileName(meta.id), &seg));
    replacement.push_back(std::move(seg));
  }
  std::shared_ptr<const Version> next = WithChanges(*CurrentVersion(), replacement, old_ids);
  {
    MutexLock l(mu);
    version = std::move(next);
  }
  for (const auto& o : old) INTERDICT_RETURN_IF_ERROR(env.Remove(o->path()));
  INTERDICT_RETURN_IF_ERROR(env.SyncDir(AgencyDir(agency)));
  if (out) *out = replacement.empty() ? nullptr : replacement.front();
  return Status::Ok();
}

namespace {

// Which of one bucket's segments to merge now; fewer than two: none.
//
// While a bucket still takes reads, size-tiered: segments below
// `below_rows` whose sizes are within twice the smallest of them are merged
// once kTierWidth have gathered, so a row is rewritten about log4(bucket /
// flush) times, not at every flush (merging everything small after each
// flush rewrote a week's reads about four times at 100 M reads, eight at
// 1 B). A bucket no longer taking reads (`whole`: the agency has reads past
// its end) is merged whole, up to `max_rows`, since one segment per bucket
// is what questions want; late reads beside one big segment wait until they
// add an eighth of it or number four segments, so a trickle of late reads
// does not rewrite a week at every flush. `now`: an explicit merge, which
// takes every segment up to max_rows.
enum class MergeScope { kTiered, kWhole, kNow };
constexpr std::size_t kTierWidth = 4, kTierMax = 8;

std::vector<std::shared_ptr<Segment>> PickMergeGroup(
    const std::vector<std::shared_ptr<Segment>>& bucket, MergeScope scope, std::uint64_t below_rows,
    std::uint64_t max_rows) {
  std::vector<std::shared_ptr<Segment>> sorted = bucket;
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a->meta().rows < b->meta().rows; });
  std::vector<std::shared_ptr<Segment>> group;
  std::uint64_t total = 0;
  auto take_while_fits = [&](std::size_t from, std::size_t to) {
    for (std::size_t k = from; k < to && total + sorted[k]->meta().rows <= max_rows; ++k) {
      total += sorted[k]->meta().rows;
      group.push_back(sorted[k]);
    }
  };
  if (scope != MergeScope::kTiered) {
    take_while_fits(0, sorted.size());
    if (group.size() < 2) return {};
    const std::uint64_t largest = group.back()->meta().rows;
    if (scope == MergeScope::kWhole && group.size() < kTierWidth && (total - largest) * 8 < largest)
      return {};
    return group;
  }
  for (std::size_t i = 0; i < sorted.size() && sorted[i]->meta().rows < below_rows;) {
    const std::uint64_t limit = 2 * std::max<std::uint64_t>(1, sorted[i]->meta().rows);
    std::size_t j = i;
    while (j < sorted.size() && sorted[j]->meta().rows < below_rows &&
           sorted[j]->meta().rows <= limit)
      ++j;
    if (j - i >= kTierWidth) {
      take_while_fits(i, std::min(j, i + kTierMax));
      return group.size() < 2 ? std::vector<std::shared_ptr<Segment>>{} : group;
    }
    i = j;
  }
  return {};
}

}  // namespace

// A merge keeps every row, so its plates are the union of its inputs'. Rows
// stream through a k-way merge of the inputs in plate order: nothing but a
// few numbers a row and the output's compressed blocks is held in memory.
Status Store::Impl::WriteMerged(const std::vector<std::shared_ptr<Segment>>& group,
                                const std::string& path, const SegmentMeta& meta) {
  std::vector<DictionaryReader> readers;
  for (const auto& g : group) readers.emplace_back(g->plate_dictionary());
  std::vector<const DictionaryReader*> dicts;
  for (const DictionaryReader& r : readers) dicts.push_back(&r);
  Result<std::shared_ptr<const crypto::DataKey>> dek =
      KeyFor(meta.agency, meta.bucket_start, meta.bucket_end);
  if (!dek.ok()) return dek.status();
  SegmentWriter w(meta, DistinctUnion(dicts), *dek);
  // Rows are copied as stored, payloads untouched.
  struct Head {
    RowCursor rows;
    StoredRow r;
  };
  std::vector<Head> heads;
  for (const auto& g : group) {
    Head h{RowCursor(*g), {}};
    if (h.rows.Next(&h.r)) {
      heads.push_back(std::move(h));
    } else if (!h.rows.status().ok()) {
      return h.rows.status();
    }
  }
  while (!heads.empty()) {
    std::size_t min = 0;
    for (std::size_t i = 1; i < heads.size(); ++i) {
      if (StoredRowLess(heads[i].r, heads[min].r)) min = i;
    }
    Head& h = heads[min];
    INTERDICT_RETURN_IF_ERROR(w.Add(h.r));
    if (!h.rows.Next(&h.r)) {
      if (!h.rows.status().ok()) return h.rows.status();
      heads.erase(heads.begin() + static_cast<std::ptrdiff_t>(min));
    }
  }
  return w.Finish(env, path);
}

Status Store::Impl::Merge(bool now) {
  MutexLock m(maintenance_mu);
  const std::shared_ptr<const Version> v = CurrentVersion();
  // A segment of version 2/3 with nothing to merge with is rewritten alone,
  // one a pass, so a store converges on version 4 without a migration step
  // and without the rewrites crowding out ingest.
  bool upgraded_one = false;
  for (const auto& [agency, segs] : v->by_agency) {
    std::map<std::int64_t, std::vector<std::shared_ptr<Segment>>> by_bucket;
    std::int64_t newest = std::numeric_limits<std::int64_t>::min();  // the agency's newest read
    for (const auto& seg : segs) {
      by_bucket[seg->meta().bucket_start].push_back(seg);
      newest = std::max(newest, seg->meta().max_time);
    }
    for (const auto& [bucket, all] : by_bucket) {
      {
        // Flushing comes first: stop merging while the memtable is full.
        MutexLock l(mu);
        if (mem->size() >= opts.flush_reads) return Status::Ok();
      }
      const MergeScope scope = now                                        ? MergeScope::kNow
                               : all.front()->meta().bucket_end <= newest ? MergeScope::kWhole
                                                                          : MergeScope::kTiered;
      std::vector<std::shared_ptr<Segment>> group =
          PickMergeGroup(all, scope, opts.merge_below_rows, opts.merge_max_rows);
      if (group.empty() && !upgraded_one) {
        const auto old = std::find_if(all.begin(), all.end(), [](const auto& seg) {
          return seg->layout() == SegmentLayout::kCameraOrder;
        });
        if (old != all.end()) {
          group = {*old};
          upgraded_one = true;
        }
      }
      if (group.empty()) continue;
      SegmentMeta meta;
      meta.agency = agency;
      meta.bucket_start = group.front()->meta().bucket_start;
      meta.bucket_end = group.front()->meta().bucket_end;
      meta.min_seq = UINT64_MAX;
      meta.min_time = INT64_MAX;
      std::uint64_t rows = 0;
      for (const auto& g : group) {
        meta.min_seq = std::min(meta.min_seq, g->meta().min_seq);
        meta.max_seq = std::max(meta.max_seq, g->meta().max_seq);
        meta.min_time = std::min(meta.min_time, g->meta().min_time);
        rows += g->meta().rows;
      }
      INTERDICT_RETURN_IF_ERROR(ReplaceSegments(
          group, meta,
          [&](const std::string& path, const SegmentMeta& final_meta) {
            return WriteMerged(group, path, final_meta);
          },
          nullptr));
      log.Debug("merged segments",
                {{"agency", agency}, {"segments", group.size()}, {"rows", rows}});
    }
  }
  return Status::Ok();
}

Status Store::Impl::FlushIfDue() {
  bool due = false;
  {
    MutexLock l(mu);
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

// Which rows of `seg` a purge keeps: those not expired at `cutoff`, and
// expired ones an active hold covers.
Status Store::Impl::PlanPurge(const Segment& seg, std::int64_t cutoff,
                              const std::vector<Hold>& active_holds, std::int64_t now,
                              PurgePlan* plan) {
  const SegmentMeta& meta = seg.meta();
  const DictionaryReader plates(seg.plate_dictionary());  // version 4: rows in entry order
  for (std::uint32_t row = 0; row < meta.rows; ++row) {
    std::int64_t t = 0;
    std::uint32_t entry = 0;
    std::size_t camera_index = 0;
    INTERDICT_RETURN_IF_ERROR(seg.RowKey(row, &t, &entry, &camera_index));
    const std::uint64_t packed = plates[entry];
    bool kept = t >= cutoff;
    if (!kept) {
      const std::string& camera = seg.camera_name(camera_index);
      if (const Hold* h = HoldCovering(active_holds, meta.agency, plate::Plate::Unpack(packed),
                                       camera, t, now)) {
        kept = true;
        plan->hold_ids.insert(h->id);
      }
    }
    if (kept) {
      plan->keep.push_back(row);
      plan->kept_plates.push_back(packed);
      plan->kept_min_time = std::min(plan->kept_min_time, t);
      continue;
    }
    ++plan->destroyed;
    plan->oldest = std::min(plan->oldest, t);
    plan->newest = std::max(plan->newest, t);
  }
  // Its plates are only the kept rows', so no destroyed read's plate
  // survives in the new segment's dictionary.
  std::sort(plan->kept_plates.begin(), plan->kept_plates.end());
  plan->kept_plates.erase(std::unique(plan->kept_plates.begin(), plan->kept_plates.end()),
                          plan->kept_plates.end());
  return Status::Ok();
}

// Replaces `seg` by its kept rows (none: deletes it), and reports the purge.
Status Store::Impl::ApplyPurge(const std::shared_ptr<Segment>& seg, PurgePlan& plan,
                               std::int64_t now) {
  const SegmentMeta& meta = seg->meta();
  SegmentMeta nm;
  nm.agency = meta.agency;
  nm.bucket_start = meta.bucket_start;
  nm.bucket_end = meta.bucket_end;
  nm.min_seq = meta.min_seq;
  nm.max_seq = meta.max_seq;
  nm.min_time = plan.kept_min_time;
  SegmentWriteFn write;
  if (!plan.keep.empty()) {
    // The kept rows stream into the new segment in plate order (a version
    // 2/3 segment is upgraded on the way).
    write = [&](const std::string& path, const SegmentMeta& final_meta) -> Status {
      Result<std::shared_ptr<const crypto::DataKey>> dek =
          KeyFor(final_meta.agency, final_meta.bucket_start, final_meta.bucket_end);
      if (!dek.ok()) return dek.status();
      SegmentWriter w(final_meta, std::move(plan.kept_plates), *dek);
      std::vector<bool> keep(meta.rows, false);
      for (std::uint32_t row : plan.keep) keep[row] = true;
      RowCursor rows(*seg, &keep);
      StoredRow r;
      while (rows.Next(&r)) INTERDICT_RETURN_IF_ERROR(w.Add(r));
      INTERDICT_RETURN_IF_ERROR(rows.status());
      return w.Finish(env, path);
    };
  }
  std::shared_ptr<Segment> replacement;
  INTERDICT_RETURN_IF_ERROR(ReplaceSegments({seg}, nm, write, &replacement));
  reads_purged += plan.destroyed;
  AppendPurgeReport(json::Object(
      "purged_at", FormatRfc3339(now), "agency", meta.agency, "segment", SegmentFileName(meta.id),
      "action", replacement ? "rewritten" : "deleted", "reads_destroyed", plan.destroyed, "oldest",
      FormatRfc3339(plan.oldest), "newest", FormatRfc3339(plan.newest), "reads_kept",
      plan.keep.size(), "kept_by_holds", plan.hold_ids));
  log.Info("purged expired reads", {{"agency", meta.agency},
                                    {"segment", seg->path()},
                                    {"destroyed", plan.destroyed},
                                    {"kept", plan.keep.size()}});
  return Status::Ok();
}

Status Store::Impl::Purge() {
  MutexLock m(maintenance_mu);
  std::shared_ptr<const Version> v;
  std::map<std::string, RetentionRule> rules;
  std::vector<Hold> active_holds;
  {
    MutexLock l(mu);
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
      PurgePlan plan;
      INTERDICT_RETURN_IF_ERROR(PlanPurge(*seg, cutoff, active_holds, now, &plan));
      if (plan.destroyed > 0) INTERDICT_RETURN_IF_ERROR(ApplyPurge(seg, plan, now));
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

}  // namespace interdict::store
