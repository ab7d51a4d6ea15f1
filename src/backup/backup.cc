#include "backup/backup.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>

#include <fmt/core.h>
#include <rapidjson/document.h>

#include "audit/audit.h"
#include "base/build_info.h"
#include "base/files.h"
#include "base/json.h"
#include "base/json_writer.h"
#include "base/time_format.h"
#include "catalog/database.h"
#include "crypto/crypto.h"
#include "server/data_dir.h"

namespace interdict::backup {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kFormatLine = "interdict-backup 1\n";
constexpr std::string_view kSignPurpose = "backup-manifest/1";
constexpr std::size_t kChunk = 1 << 20;

Status Errno(std::string_view what, const std::string& path) {
  return files::ErrnoError(what, path);
}

Status Cancelled() {
  return Status::Cancelled("interrupted: nothing of this backup or restore is left looking whole");
}

bool Stopped(const std::atomic<bool>* stop) {
  return stop != nullptr && stop->load();
}

struct Hashed {
  std::uint64_t size = 0;
  std::string sha256;  // hex
};

// Reads `src` in chunks, hashing them and, when `out` >= 0, writing them to
// it (named `out_path` in errors). NotFound when `src` does not exist.
Result<Hashed> HashCopy(const std::string& src, int out, const std::string& out_path) {
  const int in = ::open(src.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) {
    if (errno == ENOENT) return Status::NotFound(fmt::format("'{}' does not exist", src));
    return Errno("cannot open", src);
  }
  crypto::Sha256Hasher hash;
  Hashed h;
  std::string buf(kChunk, '\0');
  Status st;
  for (;;) {
    const ssize_t n = ::read(in, buf.data(), buf.size());
    if (n < 0) st = Errno("cannot read", src);
    if (n <= 0) break;
    const std::string_view chunk(buf.data(), static_cast<std::size_t>(n));
    hash.Update(chunk);
    h.size += chunk.size();
    if (out >= 0) st = files::WriteAll(out, chunk, out_path);
    if (!st.ok()) break;
  }
  ::close(in);
  if (!st.ok()) return st;
  h.sha256 = crypto::HexEncode(crypto::AsBytes(hash.Final()));
  return h;
}

std::string ObjectRel(const std::string& sha) {
  return "objects/" + sha.substr(0, 2) + "/" + sha;
}

struct FileEntry {
  std::string path;  // in the data directory
  std::uint64_t size = 0;
  std::string sha256;
};

// The backup destination: content-addressed objects written through tmp/.
class Destination {
 public:
  explicit Destination(std::string root) : root_(std::move(root)) {}
  const std::string& root() const { return root_; }

  Status Prepare() {
    std::error_code ec;
    for (const char* d : {"", "/objects", "/sets", "/tmp"}) {
      fs::create_directories(root_ + d, ec);
      if (ec)
        return Status::IOError(fmt::format("cannot create '{}{}': {}", root_, d, ec.message()));
    }
    const std::string format = root_ + "/FORMAT";
    Result<std::string> have = files::ReadFile(format);
    if (have.ok()) {
      if (*have != kFormatLine)
        return Status::FailedPrecondition(
            fmt::format("'{}' holds '{}', not an interdict backup of format 1", format, *have));
    } else {
      INTERDICT_RETURN_IF_ERROR(
          files::WriteFileAtomically(format, kFormatLine, 0600, root_ + "/tmp/FORMAT"));
    }
    // What an interrupted run left in tmp/ was never part of a backup.
    for (const auto& e : fs::directory_iterator(root_ + "/tmp", ec)) fs::remove(e.path(), ec);
    return Status::Ok();
  }

  bool Has(const std::string& sha) const { return fs::exists(root_ + "/" + ObjectRel(sha)); }

  // Streams `src` into an object: hashed while copied, stored once. NotFound
  // when `src` is gone (a merge or purge removed it under the copy).
  Result<FileEntry> CopyIn(const std::string& src, const std::string& rel,
                           std::uint64_t* new_bytes) {
    const std::string tmp =
        fmt::format("{}/tmp/{}", root_, crypto::HexEncode(crypto::RandomBytes(8)));
    const int out = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (out < 0) return Errno("cannot create", tmp);
    Result<Hashed> h = HashCopy(src, out, tmp);
    Status st = h.ok() ? Status::Ok() : h.status();
    const bool known = st.ok() && Has(h->sha256);
    if (st.ok() && !known && ::fsync(out) != 0) st = Errno("cannot sync", tmp);
    ::close(out);
    if (st.ok() && !known) st = Place(tmp, h->sha256);
    if (!st.ok() || known) ::unlink(tmp.c_str());
    if (!st.ok()) return st;
    if (!known) *new_bytes += h->size;
    return FileEntry{rel, h->size, h->sha256};
  }

  // Directories of objects placed since the last SyncObjects.
  Status SyncObjects() {
    for (const std::string& d : touched_) INTERDICT_RETURN_IF_ERROR(files::SyncDirectory(d));
    touched_.clear();
    return files::SyncDirectory(root_ + "/objects");
  }

 private:
  Status Place(const std::string& tmp, const std::string& sha) {
    const std::string dir = root_ + "/objects/" + sha.substr(0, 2);
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return Errno("cannot create", dir);
    const std::string dest = root_ + "/" + ObjectRel(sha);
    if (::rename(tmp.c_str(), dest.c_str()) != 0) return Errno("cannot rename", tmp);
    touched_.insert(dir);
    return Status::Ok();
  }

  std::string root_;
  std::set<std::string> touched_;
};

// The names in `dir` (sorted); empty when it does not exist. Any other
// failure is an error: a backup must not miss files it could not list.
Result<std::vector<std::string>> List(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec == std::errc::no_such_file_or_directory) return out;
  for (; !ec && it != fs::directory_iterator(); it.increment(ec))
    out.push_back(it->path().filename().string());
  if (ec) return Status::IOError(fmt::format("cannot list '{}': {}", dir, ec.message()));
  std::sort(out.begin(), out.end());
  return out;
}

std::string Signature(std::string_view manifest, const crypto::MasterKey* master) {
  if (master == nullptr)
    return "sha256:" + crypto::HexEncode(crypto::AsBytes(crypto::Sha256(manifest)));
  return "hmac-sha256:" +
         crypto::HexEncode(crypto::HmacSha256(master->Derive(kSignPurpose), manifest));
}

struct Manifest {
  std::string id, created_at, master_key;
  bool encrypted = false;
  std::uint64_t store_checkpoint = 0;
  std::int64_t audit_seq = 0;
  std::string audit_hash;
  std::vector<FileEntry> files;
};

std::string ManifestJson(const Manifest& m, std::uint64_t bytes, std::uint64_t new_bytes) {
  return json::Write([&](json::Writer& w) {
    w.StartObject();
    json::Members(w, "format", 1, "id", m.id, "created_at", m.created_at, "interdict",
                  std::string(build_info::kVersion), "encrypted", m.encrypted, "master_key",
                  m.master_key.empty() ? std::optional<std::string>() : m.master_key);
    json::Key(w, "snapshot");
    w.StartObject();
    json::Members(w, "store_checkpoint", m.store_checkpoint);
    json::Key(w, "audit_head");
    w.StartObject();
    json::Members(w, "seq", m.audit_seq, "hash", m.audit_hash);
    w.EndObject();
    w.EndObject();
    json::Key(w, "files");
    w.StartArray();
    for (const FileEntry& f : m.files) {
      w.StartObject();
      json::Members(w, "path", f.path, "size", f.size, "sha256", f.sha256);
      w.EndObject();
    }
    w.EndArray();
    json::Key(w, "totals");
    w.StartObject();
    json::Members(w, "files", m.files.size(), "bytes", bytes, "new_bytes", new_bytes);
    w.EndObject();
    w.EndObject();
  });
}

bool IsHex64(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// A file path from a manifest must stay inside the data directory.
bool SafeRelative(std::string_view p) {
  if (p.empty() || p.front() == '/' || p.find('\0') != std::string_view::npos) return false;
  for (const auto& part : fs::path(std::string(p))) {
    if (part == ".." || part == ".") return false;
  }
  return true;
}

Result<Manifest> ParseManifest(std::string_view text, const std::string& where) {
  rapidjson::Document d;
  if (Status s = json::Parse(text, &d); !s.ok()) return s.WithContext(where + ": ");
  auto bad = [&](std::string_view what) {
    return Status::Corruption(fmt::format("{}: {}", where, what));
  };
  if (!d.IsObject()) return bad("not a JSON object");
  auto str = [&](const rapidjson::Value& v, const char* name, std::string* out) {
    const auto it = v.FindMember(name);
    if (it == v.MemberEnd() || !it->value.IsString()) return false;
    out->assign(it->value.GetString(), it->value.GetStringLength());
    return true;
  };
  Manifest m;
  const auto format = d.FindMember("format");
  if (format == d.MemberEnd() || !format->value.IsInt() || format->value.GetInt() != 1)
    return bad("not a format-1 manifest");
  if (!str(d, "id", &m.id) || !str(d, "created_at", &m.created_at)) return bad("no id");
  str(d, "master_key", &m.master_key);
  if (const auto e = d.FindMember("encrypted"); e != d.MemberEnd() && e->value.IsBool())
    m.encrypted = e->value.GetBool();
  const auto snap = d.FindMember("snapshot");
  if (snap == d.MemberEnd() || !snap->value.IsObject()) return bad("no snapshot");
  const auto cp = snap->value.FindMember("store_checkpoint");
  const auto head = snap->value.FindMember("audit_head");
  if (cp == snap->value.MemberEnd() || !cp->value.IsUint64() || head == snap->value.MemberEnd() ||
      !head->value.IsObject())
    return bad("malformed snapshot");
  m.store_checkpoint = cp->value.GetUint64();
  const auto seq = head->value.FindMember("seq");
  if (seq == head->value.MemberEnd() || !seq->value.IsInt64() ||
      !str(head->value, "hash", &m.audit_hash))
    return bad("malformed audit head");
  m.audit_seq = seq->value.GetInt64();
  const auto files = d.FindMember("files");
  if (files == d.MemberEnd() || !files->value.IsArray()) return bad("no files");
  for (rapidjson::SizeType i = 0; i < files->value.Size(); ++i) {
    const rapidjson::Value& f = files->value[i];
    FileEntry e;
    if (!f.IsObject()) return bad(fmt::format("file {} is malformed", i));
    const auto size = f.FindMember("size");
    if (!str(f, "path", &e.path) || !str(f, "sha256", &e.sha256) || size == f.MemberEnd() ||
        !size->value.IsUint64() || !IsHex64(e.sha256) || !SafeRelative(e.path)) {
      return bad(fmt::format("file {} is malformed", i));
    }
    e.size = size->value.GetUint64();
    m.files.push_back(std::move(e));
  }
  return m;
}

// The manifests of `dest` (ids, in name order).
Result<std::vector<std::string>> SetIds(const std::string& dest) {
  Result<std::vector<std::string>> names = List(dest + "/sets");
  if (!names.ok()) return names.status();
  std::vector<std::string> ids;
  for (const std::string& n : *names) {
    if (n.ends_with(".json")) ids.push_back(n.substr(0, n.size() - 5));
  }
  return ids;
}

// Reads a manifest and checks its signature.
Result<Manifest> LoadManifest(const std::string& dest, const std::string& id,
                              const crypto::MasterKey* master) {
  const std::string path = dest + "/sets/" + id + ".json";
  Result<std::string> text = files::ReadFile(path);
  if (!text.ok()) return text.status();
  Result<Manifest> m = ParseManifest(*text, path);
  if (!m.ok()) return m.status();
  Result<std::string> sig = files::ReadFile(path + ".sig");
  if (!sig.ok()) return Status::Corruption(fmt::format("{}: no signature file", path));
  std::string want = sig.value();
  while (!want.empty() && (want.back() == '\n' || want.back() == '\r')) want.pop_back();
  if (!m->master_key.empty()) {
    if (master == nullptr)
      return Status::FailedPrecondition(fmt::format(
          "{}: signed with master key {}: give it (--master-key) to check the signature", path,
          m->master_key));
    if (master->id() != m->master_key)
      return Status::FailedPrecondition(
          fmt::format("{}: signed with master key {}, but the key given is {}", path, m->master_key,
                      master->id()));
  }
  const std::string got = Signature(*text, m->master_key.empty() ? nullptr : master);
  if (!crypto::ConstantTimeEqual(got, want))
    return Status::Corruption(
        fmt::format("{}: the signature does not match: the manifest was changed", path));
  return m;
}

// "20261205T074700Z-000003-3fa9": the time, one more than the highest
// sequence number in the destination (so ids sort in the order made even
// within one second), and random digits.
std::string NewId(std::int64_t now_ms, const std::vector<std::string>& existing) {
  std::string t = FormatRfc3339(now_ms);  // 2026-12-05T07:47:00.123Z
  std::string compact;
  for (char c : t.substr(0, 19)) {
    if (c != '-' && c != ':') compact += c;
  }
  unsigned long seq = 0;
  for (const std::string& id : existing) {
    if (id.size() > 24) seq = std::max(seq, std::strtoul(id.substr(17, 6).c_str(), nullptr, 10));
  }
  return fmt::format("{}Z-{:06}-{}", compact, seq + 1, crypto::HexEncode(crypto::RandomBytes(2)));
}

// The id of the newest backup: the highest sequence number.
std::string Newest(const std::vector<std::string>& ids) {
  return *std::max_element(ids.begin(), ids.end(), [](const std::string& a, const std::string& b) {
    return a.substr(std::min<std::size_t>(a.size(), 17)) <
           b.substr(std::min<std::size_t>(b.size(), 17));
  });
}

std::string Human(std::uint64_t bytes) {
  if (bytes >= (1ull << 30))
    return fmt::format("{:.1f} GiB", static_cast<double>(bytes) / (1ull << 30));
  if (bytes >= (1ull << 20))
    return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1ull << 20));
  return fmt::format("{} KiB", bytes / 1024);
}

std::uint64_t CheckpointOf(std::string_view bytes) {
  if (bytes.size() != 20) return 0;
  std::uint64_t v = 0;
  std::memcpy(&v, bytes.data() + 8, 8);  // little-endian, docs/format/store.md
  return v;
}

}  // namespace

Result<CreateResult> Create(const CreateOptions& o, const Clock& clock,
                            const std::atomic<bool>* stop, const ProgressFn& progress) {
  const server::DataPaths paths(o.data_dir);
  if (!fs::exists(paths.catalog()))
    return Status::FailedPrecondition(fmt::format(
        "no catalog at '{}': back up a data directory with an SQLite catalog (a PostgreSQL "
        "catalog is backed up with PostgreSQL's tools, docs/operations.md)",
        paths.catalog()));
  if (!fs::exists(paths.store()))
    return Status::FailedPrecondition(fmt::format("no read store at '{}'", paths.store()));
  Destination dest(o.dest);
  INTERDICT_RETURN_IF_ERROR(dest.Prepare());
  Manifest m;
  Result<std::vector<std::string>> earlier = SetIds(o.dest);
  if (!earlier.ok()) return earlier.status();
  m.id = NewId(clock.NowMillis(), *earlier);
  m.created_at = FormatRfc3339(clock.NowMillis());
  // A store with sealed segments is encrypted, and its backup is signed under
  // its master key: one without the key is refused before anything is copied.
  Result<store::Store::Summary> held = store::Store::Describe(store::Env::Posix(), paths.store());
  if (!held.ok()) return held.status();
  m.encrypted = o.master != nullptr || held->sealed();
  if (m.encrypted && o.master == nullptr)
    return Status::FailedPrecondition(
        "this store is encrypted at rest: give its master key (--master-key) to sign the backup");
  if (o.master) m.master_key = o.master->id();
  std::uint64_t new_bytes = 0, bytes = 0;
  CreateResult result;
  result.id = m.id;

  // 1. The catalog: one consistent snapshot through SQLite, then the audit head in it.
  {
    Result<std::unique_ptr<catalog::Database>> db =
        catalog::Database::OpenReadOnly(paths.catalog());
    if (!db.ok()) return db.status();
    const std::string snap = o.dest + "/tmp/catalog-" + m.id + ".db";
    Result<catalog::Statement> q = (*db)->Prepare("VACUUM INTO ?1");
    if (!q.ok()) return q.status();
    q->Bind(1, snap);
    if (Status st = q->Run(); !st.ok()) return st.WithContext("copying the catalog: ");
    db->reset();
    Result<std::unique_ptr<catalog::Database>> copy = catalog::Database::OpenReadOnly(snap);
    if (!copy.ok()) return copy.status();
    Result<audit::Head> head = audit::CurrentHead(**copy);
    if (!head.ok()) return head.status();
    copy->reset();
    m.audit_seq = head->seq;
    m.audit_hash = head->hash;
    Result<FileEntry> e = dest.CopyIn(snap, "catalog.db", &new_bytes);
    ::unlink(snap.c_str());
    if (!e.ok()) return e.status();
    m.files.push_back(*e);
    if (progress) progress(fmt::format("catalog copied ({})", Human(e->size)));
  }
  if (Stopped(stop)) return Cancelled();

  // 2. The store, in rounds until CHECKPOINT did not move during one.
  const std::string store = paths.store();
  std::vector<FileEntry> store_files;
  for (int round = 1;; ++round) {
    if (round > 20)
      return Status::Unavailable(
          "the store flushed or merged during each of 20 copies; try again when ingest is "
          "lighter");
    store_files.clear();
    result.rounds = round;
    Result<std::string> cp = files::ReadFile(store + "/CHECKPOINT");
    std::string checkpoint = cp.ok() ? *cp : "";
    if (!cp.ok() && cp.status().code() != StatusCode::kNotFound) return cp.status();
    bool again = false;
    std::vector<std::pair<std::string, std::string>> todo;  // source, path in the data dir
    Result<std::vector<std::string>> wal = List(store + "/wal");
    if (!wal.ok()) return wal.status();
    for (const std::string& n : *wal) {
      if (n.ends_with(".wal")) todo.emplace_back(store + "/wal/" + n, "store/wal/" + n);
    }
    const std::size_t wal_files = todo.size();
    Result<std::vector<std::string>> agencies = List(store + "/seg");
    if (!agencies.ok()) return agencies.status();
    for (const std::string& agency : *agencies) {
      Result<std::vector<std::string>> segs = List(store + "/seg/" + agency);
      if (!segs.ok()) return segs.status();
      for (const std::string& n : *segs) {
        if (n.ends_with(".seg"))
          todo.emplace_back(store + "/seg/" + agency + "/" + n, "store/seg/" + agency + "/" + n);
      }
    }
    for (std::size_t i = 0; i < todo.size() && !again; ++i) {
      if (Stopped(stop)) return Cancelled();
      Result<FileEntry> e = dest.CopyIn(todo[i].first, todo[i].second, &new_bytes);
      if (!e.ok() && e.status().code() == StatusCode::kNotFound) {
        // A WAL file deleted by a flush, or a segment by a merge or purge:
        // the snapshot moved under us.
        again = true;
        break;
      }
      if (!e.ok()) return e.status();
      store_files.push_back(*e);
      if (progress && (i + 1) % 200 == 0)
        progress(fmt::format("store: {}/{} files ({} new so far)", i + 1, todo.size(),
                             Human(new_bytes)));
    }
    Result<std::string> after = files::ReadFile(store + "/CHECKPOINT");
    const std::string checkpoint_after = after.ok() ? *after : "";
    if (again || checkpoint_after != checkpoint) {
      if (progress)
        progress(
            fmt::format("store: changed during copy {} (a flush, merge or purge); again", round));
      continue;
    }
    if (!checkpoint.empty()) {
      const std::string tmp = o.dest + "/tmp/CHECKPOINT-" + m.id;
      INTERDICT_RETURN_IF_ERROR(files::WriteFileAtomically(tmp + ".final", checkpoint, 0600, tmp));
      Result<FileEntry> e = dest.CopyIn(tmp + ".final", "store/CHECKPOINT", &new_bytes);
      ::unlink((tmp + ".final").c_str());
      if (!e.ok()) return e.status();
      store_files.push_back(*e);
    }
    m.store_checkpoint = CheckpointOf(checkpoint);
    if (progress)
      progress(fmt::format("store copied: {} WAL files, {} segments, checkpoint {}", wal_files,
                           todo.size() - wal_files, m.store_checkpoint));
    break;
  }
  m.files.insert(m.files.end(), store_files.begin(), store_files.end());
  if (Result<FileEntry> e = dest.CopyIn(store + "/purge.log", "store/purge.log", &new_bytes);
      e.ok()) {
    m.files.push_back(*e);
  } else if (e.status().code() != StatusCode::kNotFound) {
    return e.status();
  }

  // 3. Images (content-addressed: an object already there is not read again)
  // and the keyed-hash key of confidential plates.
  const std::string images = o.images_dir.empty() ? paths.images() : o.images_dir;
  std::uint64_t image_count = 0;
  // A plain image is named by the hash of its bytes, so an object already
  // there is not read again; a sealed one (its agency's folder) is read and
  // hashed, as its name is the hash of its plaintext.
  const auto copy_images = [&](const std::string& rel_dir, bool plain) -> Status {
    Result<std::vector<std::string>> names = List(images + "/" + rel_dir);
    if (!names.ok()) return names.status();
    for (const std::string& n : *names) {
      if (Stopped(stop)) return Cancelled();
      const std::string rel = "images/" + rel_dir + "/" + n;
      const std::string path = images + "/" + rel_dir + "/" + n;
      if (plain && IsHex64(n) && dest.Has(n)) {
        struct stat st {};
        if (::stat(path.c_str(), &st) == 0) {
          m.files.push_back({rel, static_cast<std::uint64_t>(st.st_size), n});
          ++image_count;
          continue;
        }
      }
      Result<FileEntry> e = dest.CopyIn(path, rel, &new_bytes);
      if (!e.ok() && e.status().code() == StatusCode::kNotFound) continue;  // purged meanwhile
      if (!e.ok()) return e.status();
      m.files.push_back(*e);
      ++image_count;
    }
    return Status::Ok();
  };
  Result<std::vector<std::string>> subs = List(images);
  if (!subs.ok()) return subs.status();
  for (const std::string& sub : *subs) {
    if (sub != "sealed") {  // images/<2 hex>/: plain
      INTERDICT_RETURN_IF_ERROR(copy_images(sub, true));
      continue;
    }
    Result<std::vector<std::string>> agencies = List(images + "/sealed");
    if (!agencies.ok()) return agencies.status();
    for (const std::string& agency : *agencies) {
      Result<std::vector<std::string>> prefixes = List(images + "/sealed/" + agency);
      if (!prefixes.ok()) return prefixes.status();
      for (const std::string& prefix : *prefixes) {
        INTERDICT_RETURN_IF_ERROR(copy_images("sealed/" + agency + "/" + prefix, false));
      }
    }
  }
  const std::string plate_key = paths.keys() + "/confidential-plates.key";
  if (Result<FileEntry> e = dest.CopyIn(plate_key, "keys/confidential-plates.key", &new_bytes);
      e.ok()) {
    m.files.push_back(*e);
  } else if (e.status().code() != StatusCode::kNotFound) {
    return e.status();
  }
  if (progress) progress(fmt::format("images copied: {}", image_count));
  if (Stopped(stop)) return Cancelled();

  // 4. The manifest, last: until it is in sets/, none of this is a backup.
  INTERDICT_RETURN_IF_ERROR(dest.SyncObjects());
  for (const FileEntry& f : m.files) bytes += f.size;
  const std::string text = ManifestJson(m, bytes, new_bytes);
  const std::string sets = o.dest + "/sets/" + m.id + ".json";
  INTERDICT_RETURN_IF_ERROR(files::WriteFileAtomically(
      sets + ".sig", Signature(text, o.master) + "\n", 0600, o.dest + "/tmp/sig-" + m.id));
  INTERDICT_RETURN_IF_ERROR(
      files::WriteFileAtomically(sets, text, 0600, o.dest + "/tmp/manifest-" + m.id));
  result.files = m.files.size();
  result.bytes = bytes;
  result.new_bytes = new_bytes;
  result.store_checkpoint = m.store_checkpoint;
  result.audit_seq = m.audit_seq;
  result.audit_hash = m.audit_hash;
  return result;
}

Result<VerifyReport> Verify(const std::string& dest, const std::string& id,
                            const crypto::MasterKey* master) {
  Result<std::string> format = files::ReadFile(dest + "/FORMAT");
  if (!format.ok() || *format != kFormatLine)
    return Status::NotFound(fmt::format("'{}' is not an interdict backup destination", dest));
  VerifyReport report;
  Result<std::vector<std::string>> all = SetIds(dest);
  if (!all.ok()) return all.status();
  std::vector<std::string> ids = *all;
  if (!id.empty()) {
    if (std::find(ids.begin(), ids.end(), id) == ids.end())
      return Status::NotFound(fmt::format("no backup '{}' in '{}'", id, dest));
    ids = {id};
  }
  // Backups share most objects: each is read once, its verdict reused.
  std::map<std::string, std::string> verdicts;  // object → problem ("" when sound)
  for (const std::string& set : ids) {
    ++report.manifests;
    Result<Manifest> m = LoadManifest(dest, set, master);
    if (!m.ok()) {
      report.problems.push_back({set, "", "sets/" + set + ".json", m.status().message()});
      continue;
    }
    for (const FileEntry& f : m->files) {
      ++report.files;
      const std::string rel = ObjectRel(f.sha256);
      auto [it, fresh] = verdicts.try_emplace(rel);
      if (fresh) {
        Result<Hashed> h = HashCopy(dest + "/" + rel, -1, "");
        if (!h.ok()) {
          it->second = h.status().code() == StatusCode::kNotFound
                           ? "missing"
                           : "unreadable: " + h.status().message();
        } else if (h->sha256 != f.sha256) {
          it->second = "wrong hash: the file was changed or damaged";
        } else if (h->size != f.size) {
          it->second = fmt::format("wrong size: {} bytes, the manifest says {}", h->size, f.size);
        }
      }
      if (!it->second.empty()) report.problems.push_back({set, f.path, rel, it->second});
    }
  }
  if (id.empty()) {
    Result<std::vector<std::string>> subs = List(dest + "/objects");
    if (!subs.ok()) return subs.status();
    for (const std::string& sub : *subs) {
      Result<std::vector<std::string>> names = List(dest + "/objects/" + sub);
      if (!names.ok()) return names.status();
      for (const std::string& n : *names) {
        const std::string rel = "objects/" + sub + "/" + n;
        if (!verdicts.contains(rel)) report.unreferenced.push_back(rel);
      }
    }
  }
  return report;
}

Result<RestoreReport> Restore(const RestoreOptions& o, const Clock& clock, Logger& log,
                              const std::atomic<bool>* stop, const ProgressFn& progress) {
  std::error_code ec;
  if (fs::exists(o.data_dir, ec) && !fs::is_empty(o.data_dir, ec))
    return Status::FailedPrecondition(fmt::format(
        "'{}' exists and is not empty: restore only into a new or empty directory", o.data_dir));
  Result<std::vector<std::string>> ids = SetIds(o.dest);
  if (!ids.ok()) return ids.status();
  if (ids->empty()) return Status::NotFound(fmt::format("no backup in '{}'", o.dest));
  const std::string id = o.id.empty() ? Newest(*ids) : o.id;
  Result<Manifest> m = LoadManifest(o.dest, id, o.master);
  if (!m.ok()) return m.status();
  if (m->encrypted && o.keys == nullptr)
    return Status::FailedPrecondition(fmt::format(
        "backup {} is encrypted: give the live key store (--master-key and --keys)", id));

  // Into a directory beside the target, renamed into place at the end.
  const fs::path target = fs::absolute(o.data_dir);
  const std::string staging =
      (target.parent_path() /
       ("." + target.filename().string() + ".restore-" + crypto::HexEncode(crypto::RandomBytes(4))))
          .string();
  fs::create_directories(staging, ec);
  if (ec) return Status::IOError(fmt::format("cannot create '{}': {}", staging, ec.message()));
  auto fail = [&](Status st) {
    fs::remove_all(staging, ec);
    return st;
  };
  RestoreReport report;
  report.id = id;
  for (const FileEntry& f : m->files) {
    if (Stopped(stop)) return fail(Cancelled());
    const std::string obj = o.dest + "/" + ObjectRel(f.sha256);
    const fs::path out = fs::path(staging) / f.path;
    fs::create_directories(out.parent_path(), ec);
    const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return fail(Errno("cannot create", out.string()));
    Result<Hashed> h = HashCopy(obj, fd, out.string());
    Status st = h.ok() ? Status::Ok() : h.status();
    if (st.ok() && ::fsync(fd) != 0) st = Errno("cannot sync", out.string());
    ::close(fd);
    if (!st.ok() && st.code() == StatusCode::kNotFound)
      return fail(Status::NotFound(
          fmt::format("backup {}: {} (object {}) is missing", id, f.path, ObjectRel(f.sha256))));
    if (!st.ok()) return fail(st);
    if (h->size != f.size || h->sha256 != f.sha256)
      return fail(Status::Corruption(
          fmt::format("backup {}: {} (object {}) does not match the manifest; run backup verify",
                      id, f.path, ObjectRel(f.sha256))));
    ++report.files;
    report.bytes += h->size;
    if (progress && report.files % 500 == 0)
      progress(fmt::format("restored {}/{} files", report.files, m->files.size()));
  }
  const server::DataPaths paths(staging);
  fs::permissions(paths.keys(), fs::perms::owner_all, fs::perm_options::replace, ec);

  // The store's first open: recovery applies the log, and removes what the
  // key store says expired since the backup was taken.
  {
    store::StoreOptions so;
    so.dir = paths.store();
    so.background = false;
    so.keys = o.keys;
    Result<std::unique_ptr<store::Store>> s =
        store::Store::Open(so, store::Env::Posix(), clock, log);
    if (!s.ok()) return fail(s.status().WithContext("opening the restored store: "));
    report.recovery = (*s)->recovery();
    report.reads = (*s)->Count();
  }
  // The audit chain must verify and end where the backup said.
  {
    Result<std::unique_ptr<catalog::Database>> db = catalog::Database::Open(paths.catalog());
    if (!db.ok()) return fail(db.status());
    Result<audit::VerifyResult> v = audit::Verify(**db);
    if (!v.ok()) return fail(v.status());
    if (v->first_bad)
      return fail(Status::Corruption(fmt::format("the restored audit trail fails at entry {}: {}",
                                                 *v->first_bad, v->problem)));
    Result<audit::Head> head = audit::CurrentHead(**db);
    if (!head.ok()) return fail(head.status());
    if (head->seq != m->audit_seq || head->hash != m->audit_hash)
      return fail(Status::Corruption(
          fmt::format("the restored audit trail ends at entry {}, but the backup recorded {}",
                      head->seq, m->audit_seq)));
    report.audit_entries = v->entries;
    report.audit_seq = head->seq;
    report.audit_hash = head->hash;
  }
  if (fs::exists(target, ec)) fs::remove(target, ec);  // empty, checked above
  if (::rename(staging.c_str(), target.c_str()) != 0)
    return fail(Errno("cannot rename the restored directory to", target.string()));
  INTERDICT_RETURN_IF_ERROR(files::SyncDirectory(target.parent_path().string()));
  return report;
}

}  // namespace interdict::backup
