#include "base/files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/core.h>

namespace interdict::files {
namespace {

std::string DirOf(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

Status ErrnoError(std::string_view what, const std::string& path) {
  return Status::IOError(fmt::format("{} '{}': {}", what, path, std::strerror(errno)));
}

Result<std::string> ReadFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound(fmt::format("'{}' does not exist", path));
    return ErrnoError("cannot open", path);
  }
  std::string out;
  char buf[65536];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  const bool failed = n < 0;
  const Status st = failed ? ErrnoError("cannot read", path) : Status::Ok();
  ::close(fd);
  if (!st.ok()) return st;
  return out;
}

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return ErrnoError("cannot write", path);
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return Status::Ok();
}

Status SyncDirectory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoError("cannot open", dir);
  const Status st = ::fsync(fd) == 0 ? Status::Ok() : ErrnoError("cannot sync", dir);
  ::close(fd);
  return st;
}

Status WriteFileAtomically(const std::string& path, std::string_view text, mode_t mode,
                           const std::string& tmp) {
  const std::string temp = tmp.empty() ? path + ".tmp" : tmp;
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return ErrnoError("cannot create", temp);
  Status st = WriteAll(fd, text, temp);
  if (st.ok() && ::fsync(fd) != 0) st = ErrnoError("cannot sync", temp);
  ::close(fd);
  if (st.ok() && ::rename(temp.c_str(), path.c_str()) != 0) st = ErrnoError("cannot rename", temp);
  if (!st.ok()) {
    ::unlink(temp.c_str());
    return st;
  }
  return SyncDirectory(DirOf(path));
}

Status AppendSynced(const std::string& path, std::string_view text, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, mode);
  if (fd < 0) return ErrnoError("cannot open", path);
  Status st = WriteAll(fd, text, path);
  if (st.ok() && ::fsync(fd) != 0) st = ErrnoError("cannot sync", path);
  ::close(fd);
  return st;
}

}  // namespace interdict::files
