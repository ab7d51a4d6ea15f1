#include "server/data_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <rapidjson/document.h>

#include <fmt/core.h>

#include "base/build_info.h"
#include "base/files.h"
#include "base/json.h"
#include "base/json_writer.h"
#include "crypto/crypto.h"

namespace interdict::server {

Result<DataDir> DataDir::Open(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) {
    return Status::IOError(
        fmt::format("cannot create data directory '{}': {}", path, ec.message()));
  }
  const std::string lock_path = DataPaths(path).lock();
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Status::IOError(fmt::format("cannot open '{}': {}", lock_path, std::strerror(errno)));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return Status::Unavailable(
          fmt::format("data directory '{}' is in use by another interdict process", path));
    }
    return Status::IOError(fmt::format("cannot lock '{}': {}", lock_path, std::strerror(err)));
  }
  DataDir dir(path, fd);
  INTERDICT_RETURN_IF_ERROR(dir.StampFormat());
  return dir;
}

Result<DataFormat> ReadDataFormat(const DataPaths& paths) {
  DataFormat f;
  Result<std::string> text = files::ReadFile(paths.format());
  if (!text.ok()) {
    if (text.status().code() == StatusCode::kNotFound) return f;  // an older release's directory
    return text.status();
  }
  const std::string line = text->substr(0, text->find('\n'));
  rapidjson::Document d;
  const auto bad = [&] {
    return Status::Corruption(fmt::format("{}: not a data format record", paths.format()));
  };
  if (!json::Parse(line, &d).ok() || !d.IsObject()) return bad();
  const auto format = d.FindMember("format");
  if (format == d.MemberEnd() || !format->value.IsInt() || format->value.GetInt() < 1) return bad();
  f.format = format->value.GetInt();
  f.present = true;
  if (const auto by = d.FindMember("written_by"); by != d.MemberEnd() && by->value.IsString())
    f.written_by = by->value.GetString();
  return f;
}

Status DataDir::StampFormat() const {
  const DataPaths paths(path_);
  Result<DataFormat> have = ReadDataFormat(paths);
  if (!have.ok()) return have.status();
  if (have->format > kDataFormat) {
    return Status::FailedPrecondition(fmt::format(
        "data directory '{}' was written by interdict {} (data format {}); this is interdict {} "
        "(data format {}): upgrade interdict, or restore a backup this release made",
        path_, have->written_by.empty() ? "(unknown)" : have->written_by, have->format,
        build_info::kVersion, kDataFormat));
  }
  if (have->present && have->format == kDataFormat && have->written_by == build_info::kVersion)
    return Status::Ok();
  const std::string text =
      json::Object("format", kDataFormat, "written_by", std::string(build_info::kVersion)) + "\n";
  return files::WriteFileAtomically(paths.format(), text, 0600);
}

DataDir::DataDir(DataDir&& other) noexcept
    : path_(std::move(other.path_)), lock_fd_(other.lock_fd_) {
  other.lock_fd_ = -1;
}

DataDir& DataDir::operator=(DataDir&& other) noexcept {
  if (this != &other) {
    if (lock_fd_ >= 0) ::close(lock_fd_);
    path_ = std::move(other.path_);
    lock_fd_ = other.lock_fd_;
    other.lock_fd_ = -1;
  }
  return *this;
}

DataDir::~DataDir() {
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

Result<std::string> LoadOrCreateKey(const std::string& dir, const std::string& name) {
  constexpr std::size_t kKeyBytes = 32;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError(fmt::format("cannot create '{}': {}", dir, ec.message()));
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, ec);
  const std::string path = dir + "/" + name;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) {
    // First start: write a new key where no other process can have one.
    const std::string key = crypto::RandomBytes(kKeyBytes);
    const std::string tmp = path + ".new";
    const int out = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (out < 0)
      return Status::IOError(fmt::format("cannot create '{}': {}", tmp, std::strerror(errno)));
    const bool written = ::write(out, key.data(), key.size()) == static_cast<ssize_t>(key.size()) &&
                         ::fsync(out) == 0;
    ::close(out);
    if (!written || ::rename(tmp.c_str(), path.c_str()) != 0)
      return Status::IOError(fmt::format("cannot write '{}': {}", path, std::strerror(errno)));
    return key;
  }
  if (fd < 0)
    return Status::IOError(fmt::format("cannot open '{}': {}", path, std::strerror(errno)));
  std::string key(kKeyBytes + 1, '\0');
  const ssize_t n = ::read(fd, key.data(), key.size());
  ::close(fd);
  if (n != static_cast<ssize_t>(kKeyBytes)) {
    return Status::Corruption(
        fmt::format("'{}' is not a {}-byte key; restore it from a backup", path, kKeyBytes));
  }
  key.resize(kKeyBytes);
  return key;
}

Result<std::string> LoadOrCreateConfidentialKey(const DataPaths& paths) {
  return LoadOrCreateKey(paths.keys(), "confidential-plates.key");
}

}  // namespace interdict::server
