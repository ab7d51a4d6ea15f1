#include "crypto/keyring.h"

#include <algorithm>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sstream>

#include <fmt/core.h>
#include <rapidjson/document.h>

#include "base/base64.h"
#include "base/files.h"
#include "base/json.h"
#include "base/json_writer.h"
#include "base/time_format.h"
#include "crypto/aead.h"
#include "crypto/crypto.h"

namespace interdict::crypto {
namespace {

Status Errno(std::string_view what, const std::string& path) {
  return files::ErrnoError(what, path);
}

// A key's members in the ring and the destruction log (never its material).
void KeyMembers(json::Writer& w, const DataKey& k) {
  json::Members(w, "id", k.id, "agency", k.agency, "class", k.data_class, "bucket",
                std::vector<std::int64_t>{k.bucket_start, k.bucket_end}, "created",
                FormatRfc3339(k.created_ms));
}

// The fields every key line has; `what` names the line for errors.
Result<DataKey> ParseKeyLine(const rapidjson::Value& v, const std::string& what) {
  auto str = [&](const char* name, std::string* out) {
    const auto it = v.FindMember(name);
    if (it == v.MemberEnd() || !it->value.IsString()) return false;
    out->assign(it->value.GetString(), it->value.GetStringLength());
    return true;
  };
  DataKey k;
  std::string created;
  const auto bucket = v.FindMember("bucket");
  if (!v.IsObject() || !str("id", &k.id) || !str("agency", &k.agency) ||
      !str("class", &k.data_class) || bucket == v.MemberEnd() || !bucket->value.IsArray() ||
      bucket->value.Size() != 2 || !bucket->value[0].IsInt64() || !bucket->value[1].IsInt64()) {
    return Status::Corruption(fmt::format("{}: not a key entry", what));
  }
  k.bucket_start = bucket->value[0].GetInt64();
  k.bucket_end = bucket->value[1].GetInt64();
  if (str("created", &created)) {
    if (Result<UnixMillis> t = ParseRfc3339(created); t.ok()) k.created_ms = *t;
  }
  return k;
}

// The 64 bits of a key id ("k-" and 16 hex digits); nullopt for anything else.
std::optional<std::uint64_t> IdBits(std::string_view id) {
  if (id.size() != 18 || !id.starts_with("k-")) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : id.substr(2)) {
    const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return std::nullopt;
    v = v << 4 | static_cast<std::uint64_t>(d);
  }
  return v;
}

// destroyed.ids: the magic, the count (8 bytes, little-endian), the ids
// (8 bytes each, little-endian, ascending), then the SHA-256 of all before.
constexpr std::string_view kIdsMagic{"IDKDI\0\0\1", 8};

void PutU64(std::string* out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (8 * i) & 0xFF));
}

std::uint64_t GetU64(std::string_view in) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i)
    v = v << 8 | static_cast<unsigned char>(in[static_cast<std::size_t>(i)]);
  return v;
}

std::string EncodeDestroyedIds(const std::vector<std::uint64_t>& ids) {
  std::string out(kIdsMagic);
  PutU64(&out, ids.size());
  for (std::uint64_t id : ids) PutU64(&out, id);
  const Digest sum = Sha256(out);
  out += AsBytes(sum);
  return out;
}

// The ids of destroyed.ids; none when there is no such file. Corruption,
// naming the file, when it is not whole.
Result<std::vector<std::uint64_t>> ReadDestroyedIds(const std::string& path) {
  Result<std::string> bytes = files::ReadFile(path);
  if (!bytes.ok()) {
    if (bytes.status().code() == StatusCode::kNotFound) return std::vector<std::uint64_t>();
    return bytes.status();
  }
  const std::string_view b = *bytes;
  constexpr std::size_t kHash = 32;
  if (b.size() < kIdsMagic.size() + 8 + kHash || b.substr(0, kIdsMagic.size()) != kIdsMagic) {
    return Status::Corruption(fmt::format("{}: not a destroyed-keys file", path));
  }
  const std::uint64_t n = GetU64(b.substr(kIdsMagic.size()));
  if (n > (b.size() - kIdsMagic.size() - 8 - kHash) / 8 ||
      b.size() != kIdsMagic.size() + 8 + n * 8 + kHash) {
    return Status::Corruption(fmt::format("{}: {} bytes do not hold {} ids", path, b.size(), n));
  }
  const Digest sum = Sha256(b.substr(0, b.size() - kHash));
  if (AsBytes(sum) != b.substr(b.size() - kHash)) {
    return Status::Corruption(fmt::format("{}: its checksum does not match", path));
  }
  std::vector<std::uint64_t> ids(n);
  for (std::uint64_t i = 0; i < n; ++i) ids[i] = GetU64(b.substr(kIdsMagic.size() + 8 + i * 8));
  return ids;
}

std::string NewKeyId() {
  return "k-" + HexEncode(RandomBytes(8));
}

Result<int> TakeLock(const std::string& dir) {
  const std::string path = dir + "/LOCK";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Errno("cannot open", path);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return Status::Unavailable(fmt::format(
          "key store '{}' is in use by another interdict process (stop the server first)", dir));
    }
    errno = err;
    return Errno("cannot lock", path);
  }
  return fd;
}

Status MakeDir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return Errno("cannot create", dir);
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return Status::InvalidArgument(fmt::format("key store '{}' is not a directory", dir));
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return Status::PermissionDenied(fmt::format(
        "key store '{}' may be read or changed by others than its owner (mode {:o}): chmod 700 it",
        dir, st.st_mode & 0777));
  }
  return Status::Ok();
}

}  // namespace

std::int64_t BucketLengthMs(std::int64_t retention_ms) {
  constexpr std::int64_t kMinute = 60'000, kWeek = 7 * 86'400'000LL;
  if (retention_ms < 0) return kWeek;
  return std::clamp(retention_ms / 10, kMinute, kWeek);
}

std::int64_t BucketStart(std::int64_t t, std::int64_t length_ms) {
  std::int64_t q = t / length_ms;
  if (t % length_ms != 0 && t < 0) --q;
  return q * length_ms;
}

std::string WrapContext(const DataKey& k) {
  return fmt::format("interdict-dek/1|{}|{}|{}|{}|{}", k.id, k.agency, k.data_class, k.bucket_start,
                     k.bucket_end);
}

FileMasterKey::FileMasterKey(std::string key) : key_(std::move(key)) {
  id_ = HexEncode(HmacSha256(key_, "interdict-kek-id/1")).substr(0, 16);
}

Result<std::unique_ptr<FileMasterKey>> FileMasterKey::Load(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    return Status::NotFound(fmt::format("master key file '{}' cannot be read", path));
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return Status::PermissionDenied(fmt::format(
        "master key file '{}' may be read or changed by others than its owner (mode {:o}): "
        "chmod 400 it",
        path, st.st_mode & 0777));
  }
  Result<std::string> text = files::ReadFile(path);
  if (!text.ok()) return text.status();
  std::string line = text->substr(0, text->find('\n'));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  std::optional<std::string> key = line.size() == 64 ? HexDecode(line) : std::nullopt;
  if (!key) {
    return Status::InvalidArgument(fmt::format(
        "master key file '{}' must hold one line of 64 hex digits (make one with `interdict keys "
        "init`)",
        path));
  }
  return std::unique_ptr<FileMasterKey>(new FileMasterKey(std::move(*key)));
}

Status FileMasterKey::Create(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0400);
  if (fd < 0 && errno == EEXIST)
    return Status::AlreadyExists(fmt::format("master key file '{}' exists; not replaced", path));
  if (fd < 0) return Errno("cannot create", path);
  const std::string line = HexEncode(RandomBytes(32)) + "\n";
  const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
                  ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return Errno("cannot write", path);
  const std::size_t slash = path.rfind('/');
  return files::SyncDirectory(slash == std::string::npos ? "."
                              : slash == 0               ? "/"
                                                         : path.substr(0, slash));
}

Result<std::string> FileMasterKey::Wrap(std::string_view key, std::string_view context) const {
  return Seal(key_, key, context);
}

Result<std::string> FileMasterKey::Unwrap(std::string_view wrapped,
                                          std::string_view context) const {
  return crypto::Open(key_, wrapped, context);
}

std::string FileMasterKey::Derive(std::string_view purpose) const {
  return HmacSha256(key_, "interdict-derive/1|" + std::string(purpose));
}

Result<std::unique_ptr<KeyRing>> KeyRing::Open(const std::string& dir, const MasterKey& master) {
  INTERDICT_RETURN_IF_ERROR(MakeDir(dir));
  Result<int> fd = TakeLock(dir);
  if (!fd.ok()) return fd.status();
  std::unique_ptr<KeyRing> ring(new KeyRing(dir, master, *fd));
  INTERDICT_RETURN_IF_ERROR(ring->Load());
  if (ring->log_lines_ > 2 * kKeepDestroyedLines) {
    Result<std::size_t> moved = ring->CompactDestroyedLog(kKeepDestroyedLines);
    if (!moved.ok()) return moved.status().WithContext("compacting the destruction log: ");
  }
  return ring;
}

Result<std::unique_ptr<KeyRing>> KeyRing::OpenReadOnly(const std::string& dir,
                                                       const MasterKey& master) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return Status::NotFound(fmt::format("key store '{}' does not exist", dir));
  std::unique_ptr<KeyRing> ring(new KeyRing(dir, master, -1));
  INTERDICT_RETURN_IF_ERROR(ring->Load());
  return ring;
}

bool KeyRing::IsDestroyed(std::string_view id) const {
  const std::optional<std::uint64_t> bits = IdBits(id);
  return bits && destroyed_.contains(*bits);
}

KeyRing::~KeyRing() {
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

Status KeyRing::Load() {
  std::lock_guard l(mu_);
  // The destroyed keys first: a key they name is gone, whatever the ring says.
  Result<std::vector<std::uint64_t>> compacted = ReadDestroyedIds(dir_ + "/destroyed.ids");
  if (!compacted.ok()) return compacted.status();
  destroyed_.insert(compacted->begin(), compacted->end());
  compacted_ = compacted->size();
  log_lines_ = 0;
  const std::string log_path = dir_ + "/destroyed.log";
  Result<std::string> log_text = files::ReadFile(log_path);
  if (!log_text.ok() && log_text.status().code() != StatusCode::kNotFound) return log_text.status();
  if (log_text.ok()) {
    std::istringstream lines(*log_text);
    std::string line;
    for (int n = 1; std::getline(lines, line); ++n) {
      if (line.empty()) continue;
      rapidjson::Document d;
      const std::string where = fmt::format("{} line {}", log_path, n);
      if (!json::Parse(line, &d).ok()) {
        // Only the last line can be torn by a crash during the append; the
        // destruction it records had not happened (the ring still has the key).
        if (lines.peek() == EOF) break;
        return Status::Corruption(where + ": not JSON");
      }
      Result<DataKey> k = ParseKeyLine(d, where);
      if (!k.ok()) return k.status();
      if (const auto bits = IdBits(k->id)) destroyed_.insert(*bits);
      ++log_lines_;
    }
  }
  const std::string ring_path = dir_ + "/ring";
  Result<std::string> text = files::ReadFile(ring_path);
  if (!text.ok()) {
    if (text.status().code() != StatusCode::kNotFound) return text.status();
    return lock_fd_ >= 0 ? WriteRing() : Status::Ok();
  }
  std::istringstream lines(*text);
  std::string line;
  bool dropped = false;
  for (int n = 1; std::getline(lines, line); ++n) {
    const std::string where = fmt::format("{} line {}", ring_path, n);
    rapidjson::Document d;
    if (!json::Parse(line, &d).ok() || !d.IsObject())
      return Status::Corruption(where + ": not a JSON object");
    if (n == 1) {
      const auto fmt_it = d.FindMember("format");
      const auto master = d.FindMember("master");
      if (fmt_it == d.MemberEnd() || !fmt_it->value.IsInt() || fmt_it->value.GetInt() != 1 ||
          master == d.MemberEnd() || !master->value.IsString()) {
        return Status::Corruption(where + ": not a version-1 key ring header");
      }
      const std::string id(master->value.GetString(), master->value.GetStringLength());
      if (id != master_.id()) {
        return Status::FailedPrecondition(fmt::format(
            "key store '{}' is wrapped under master key {}, but the master key given is {}", dir_,
            id, master_.id()));
      }
      continue;
    }
    Result<DataKey> k = ParseKeyLine(d, where);
    if (!k.ok()) return k.status();
    if (IsDestroyed(k->id)) {
      dropped = true;
      continue;
    }
    const auto wrapped = d.FindMember("wrapped");
    std::optional<std::string> bytes;
    if (wrapped != d.MemberEnd() && wrapped->value.IsString())
      bytes = Base64Decode(
          std::string_view(wrapped->value.GetString(), wrapped->value.GetStringLength()));
    if (!bytes) return Status::Corruption(where + ": no wrapped key");
    Result<std::string> material = master_.Unwrap(*bytes, WrapContext(*k));
    if (!material.ok() || material->size() != kAeadKeyBytes) {
      return Status::Corruption(fmt::format("{}: key {} does not unwrap under master key {}", where,
                                            k->id, master_.id()));
    }
    k->material = std::move(material).value();
    auto shared = std::make_shared<const DataKey>(std::move(k).value());
    by_bucket_[{shared->agency, shared->data_class, shared->bucket_start, shared->bucket_end}] =
        shared;
    by_id_[shared->id] = std::move(shared);
  }
  return dropped && lock_fd_ >= 0 ? WriteRing() : Status::Ok();
}

Status KeyRing::WriteRing() const {
  std::string text = json::Object("format", 1, "master", master_.id()) + "\n";
  for (const auto& entry : by_id_) {
    const DataKey* k = entry.second.get();
    Result<std::string> wrapped = master_.Wrap(k->material, WrapContext(*k));
    if (!wrapped.ok()) return wrapped.status();
    text += json::Write([&](json::Writer& w) {
      w.StartObject();
      KeyMembers(w, *k);
      json::Members(w, "wrapped", Base64Encode(*wrapped));
      w.EndObject();
    });
    text += '\n';
  }
  return files::WriteFileAtomically(dir_ + "/ring", text, 0600);
}

Result<std::shared_ptr<const DataKey>> KeyRing::ForBucket(std::string_view agency,
                                                          std::string_view data_class,
                                                          std::int64_t bucket_start,
                                                          std::int64_t bucket_end,
                                                          std::int64_t now_ms) {
  Result<std::vector<std::shared_ptr<const DataKey>>> keys = ForBuckets(
      {{std::string(agency), std::string(data_class), bucket_start, bucket_end}}, now_ms);
  if (!keys.ok()) return keys.status();
  return keys->front();
}

Result<std::vector<std::shared_ptr<const DataKey>>> KeyRing::ForBuckets(
    const std::vector<BucketRef>& buckets, std::int64_t now_ms) {
  std::lock_guard l(mu_);
  std::vector<std::shared_ptr<const DataKey>> out;
  std::vector<std::shared_ptr<const DataKey>> made;
  auto make = [&](const BucketRef& b) {
    DataKey k;
    k.id = NewKeyId();
    k.agency = b.agency;
    k.data_class = b.data_class;
    k.bucket_start = b.bucket_start;
    k.bucket_end = b.bucket_end;
    k.created_ms = now_ms;
    k.material = RandomBytes(kAeadKeyBytes);
    auto shared = std::make_shared<const DataKey>(std::move(k));
    by_id_[shared->id] = shared;
    by_bucket_[{b.agency, b.data_class, b.bucket_start, b.bucket_end}] = shared;
    made.push_back(shared);
    return shared;
  };
  for (const BucketRef& b : buckets) {
    const auto it = by_bucket_.find({b.agency, b.data_class, b.bucket_start, b.bucket_end});
    if (it != by_bucket_.end()) {
      out.push_back(it->second);
      continue;
    }
    if (lock_fd_ < 0)
      return Status::FailedPrecondition(
          fmt::format("key store '{}' is open read-only: no key can be made", dir_));
    out.push_back(make(b));
    const BucketRef next{b.agency, b.data_class, b.bucket_end,
                         b.bucket_end + (b.bucket_end - b.bucket_start)};
    if (!by_bucket_.contains({next.agency, next.data_class, next.bucket_start, next.bucket_end}))
      make(next);
  }
  if (made.empty()) return out;
  // Nothing may be sealed under a key that a crash could lose.
  if (Status st = WriteRing(); !st.ok()) {
    for (const auto& k : made) {
      by_id_.erase(k->id);
      by_bucket_.erase({k->agency, k->data_class, k->bucket_start, k->bucket_end});
    }
    return st;
  }
  return out;
}

Result<std::shared_ptr<const DataKey>> KeyRing::Find(std::string_view id) const {
  std::lock_guard l(mu_);
  if (auto it = by_id_.find(id); it != by_id_.end()) return it->second;
  if (IsDestroyed(id)) return Status::NotFound(fmt::format("data key {} was destroyed", id));
  return Status::NotFound(fmt::format("data key {} is unknown to key store '{}'", id, dir_));
}

KeyState KeyRing::StateOf(std::string_view id) const {
  std::lock_guard l(mu_);
  if (by_id_.contains(id)) return KeyState::kLive;
  return IsDestroyed(id) ? KeyState::kDestroyed : KeyState::kUnknown;
}

Result<DataKey> KeyRing::Destroy(std::string_view id, std::string_view reason,
                                 std::int64_t now_ms) {
  std::lock_guard l(mu_);
  if (lock_fd_ < 0)
    return Status::FailedPrecondition(fmt::format("key store '{}' is open read-only", dir_));
  const auto it = by_id_.find(id);
  if (it == by_id_.end()) return Status::NotFound(fmt::format("no live data key {}", id));
  DataKey gone = *it->second;
  gone.material.clear();
  // The log line first, synced: after a crash the key is still gone.
  const std::string line = json::Write([&](json::Writer& w) {
    w.StartObject();
    KeyMembers(w, gone);
    json::Members(w, "destroyed_at", FormatRfc3339(now_ms), "reason", reason);
    w.EndObject();
  });
  INTERDICT_RETURN_IF_ERROR(files::AppendSynced(dir_ + "/destroyed.log", line + "\n"));
  if (const auto bits = IdBits(gone.id)) destroyed_.insert(*bits);
  by_bucket_.erase({gone.agency, gone.data_class, gone.bucket_start, gone.bucket_end});
  by_id_.erase(it);
  INTERDICT_RETURN_IF_ERROR(WriteRing());
  return gone;
}

std::vector<DataKey> KeyRing::List() const {
  std::lock_guard l(mu_);
  std::vector<DataKey> out;
  for (const auto& [id, k] : by_id_) {
    out.push_back(*k);
    out.back().material.clear();
  }
  return out;
}

Result<std::vector<DataKey>> KeyRing::Destroyed() const {
  // Read from the log when asked (keys list, tests): the ring keeps only the
  // ids in memory, since short retention destroys a key a minute.
  const std::string log_path = dir_ + "/destroyed.log";
  Result<std::string> text = files::ReadFile(log_path);
  if (!text.ok()) {
    if (text.status().code() == StatusCode::kNotFound) return std::vector<DataKey>();
    return text.status();
  }
  std::vector<DataKey> out;
  std::istringstream lines(*text);
  std::string line;
  for (int n = 1; std::getline(lines, line); ++n) {
    rapidjson::Document d;
    if (line.empty() || !json::Parse(line, &d).ok()) continue;  // a torn last line
    Result<DataKey> k = ParseKeyLine(d, fmt::format("{} line {}", log_path, n));
    if (!k.ok()) return k.status();
    out.push_back(std::move(k).value());
  }
  return out;
}

std::size_t KeyRing::CompactedCount() const {
  std::lock_guard l(mu_);
  return compacted_;
}

Result<std::size_t> KeyRing::CompactDestroyedLog(std::size_t keep_lines) {
  std::lock_guard l(mu_);
  if (lock_fd_ < 0)
    return Status::FailedPrecondition(fmt::format("key store '{}' is open read-only", dir_));
  const std::string log_path = dir_ + "/destroyed.log";
  Result<std::string> text = files::ReadFile(log_path);
  if (!text.ok()) {
    if (text.status().code() == StatusCode::kNotFound) return std::size_t{0};
    return text.status();
  }
  // Each whole line with its key's id, parsed once; a torn last line (a
  // destruction cut short) goes, any other bad line stops the compaction.
  std::vector<std::pair<std::string, std::uint64_t>> lines;
  {
    std::istringstream in(*text);
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
      if (line.empty()) continue;
      rapidjson::Document d;
      const std::string where = fmt::format("{} line {}", log_path, n);
      if (!json::Parse(line, &d).ok()) {
        if (in.peek() == EOF) break;
        return Status::Corruption(where + ": not JSON");
      }
      Result<DataKey> k = ParseKeyLine(d, where);
      if (!k.ok()) return k.status();
      const std::optional<std::uint64_t> bits = IdBits(k->id);
      if (!bits)
        return Status::Corruption(fmt::format("{}: key id {} is not k-<16 hex>", where, k->id));
      lines.emplace_back(std::move(line), *bits);
    }
  }
  if (lines.size() <= keep_lines) return std::size_t{0};
  const std::size_t cut = lines.size() - keep_lines;
  std::vector<std::uint64_t> moved;
  for (std::size_t i = 0; i < cut; ++i) moved.push_back(lines[i].second);
  // The ids first, durably: from here a crash leaves every key destroyed.
  Result<std::vector<std::uint64_t>> ids = ReadDestroyedIds(dir_ + "/destroyed.ids");
  if (!ids.ok()) return ids.status();
  ids->insert(ids->end(), moved.begin(), moved.end());
  std::sort(ids->begin(), ids->end());
  ids->erase(std::unique(ids->begin(), ids->end()), ids->end());
  INTERDICT_RETURN_IF_ERROR(files::WriteFileAtomically(
      dir_ + "/destroyed.ids", EncodeDestroyedIds(*ids), 0600, dir_ + "/destroyed.ids.tmp"));
  std::string kept;
  for (std::size_t i = cut; i < lines.size(); ++i) kept += lines[i].first + "\n";
  INTERDICT_RETURN_IF_ERROR(files::WriteFileAtomically(log_path, kept, 0600, log_path + ".tmp"));
  compacted_ = ids->size();
  log_lines_ = keep_lines;
  return cut;
}

Result<std::size_t> KeyRing::Rotate(const std::string& dir, const MasterKey& old_master,
                                    const MasterKey& new_master) {
  Result<std::unique_ptr<KeyRing>> ring = Open(dir, old_master);
  if (!ring.ok()) return ring.status();
  KeyRing rotated(dir, new_master, -1);
  {
    std::lock_guard l((*ring)->mu_);
    rotated.by_id_ = (*ring)->by_id_;
  }
  // The old ring's lock is held while the new one is written.
  INTERDICT_RETURN_IF_ERROR(rotated.WriteRing());
  return rotated.by_id_.size();
}

}  // namespace interdict::crypto
