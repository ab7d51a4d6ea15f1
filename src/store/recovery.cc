// Opening the store (docs/format/store.md, "Flush, the checkpoint, and
// recovery"): the checkpoint, then the segments (unfinished flushes and
// replaced segments removed, damaged ones quarantined), then the log above
// the checkpoint. Also `store verify` and `version --data`, which read the
// same files without opening the store.
#include <algorithm>
#include <set>

#include <fmt/core.h>

#include "store/coding.h"
#include "store/crc32c.h"
#include "store/row_codec.h"
#include "store/store_impl.h"

namespace interdict::store {

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
  // 2. The segments; 3. the log above the checkpoint.
  INTERDICT_RETURN_IF_ERROR(OpenSegments());
  last_seq = checkpoint_seq;
  INTERDICT_RETURN_IF_ERROR(ReplayLogs());
  INTERDICT_RETURN_IF_ERROR(env.SyncDir(wal_dir));
  return env.SyncDir(quarantine_dir);
}

// Every segment that passes its checks. Those above the checkpoint come from
// a flush that did not finish (the log still holds their reads) and those
// another lists as replaced from a merge or rewrite that did: both removed.
Status Store::Impl::OpenSegments() {
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
  std::set<std::uint64_t> replaced;
  for (const auto& s : segs) replaced.insert(s->meta().replaces.begin(), s->meta().replaces.end());
  std::vector<std::shared_ptr<Segment>> live;
  for (auto& s : segs) {
    if (replaced.contains(s->meta().id)) {
      log.Info("removing a segment replaced by a rewrite", {{"file", s->path()}});
      INTERDICT_RETURN_IF_ERROR(env.Remove(s->path()));
      continue;
    }
    live.push_back(std::move(s));
  }
  version = WithChanges(Version{}, live, {});
  return Status::Ok();
}

// The log above the checkpoint, into the memtable; torn tails cut, corrupt
// files quarantined, files wholly below the checkpoint removed.
Status Store::Impl::ReplayLogs() {
  const std::uint64_t checkpoint = checkpoint_seq;
  Memtable& m = *mem;
  std::uint64_t max_seq = last_seq;
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
                if (seq <= checkpoint) return;  // already in a segment
                const std::uint64_t h = IdentityHash(rd);
                if (!m.Contains(rd, h)) {
                  if (m.empty()) m.started = clock.Monotonic();
                  std::string encoded;
                  EncodeRead(rd, encoded);
                  m.Add(rd, h, encoded);
                  ++recovery.reads_recovered;
                }
              }));
          if (expired) ++recovery.expired_wal_records;
          if (last >= first) {
            max_seq = std::max(max_seq, last);
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
    if (r->records > 0 && file_max_seq <= checkpoint) {
      INTERDICT_RETURN_IF_ERROR(env.Remove(path));  // fully in segments; a crash kept it
    }
  }
  last_seq = max_seq;
  return Status::Ok();
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
