#include "base/systemd.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/core.h>

namespace interdict {
namespace {

bool ValidFieldName(std::string_view key) {
  if (key.empty() || key.size() > 64 || key[0] == '_' || (key[0] >= '0' && key[0] <= '9'))
    return false;
  for (char c : key) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

// Fields the journal or the logger sets: a log field of that name would
// override or duplicate them.
bool Reserved(std::string_view name) {
  for (std::string_view r :
       {"MESSAGE", "MESSAGE_ID", "PRIORITY", "SYSLOG_IDENTIFIER", "SYSLOG_FACILITY", "SYSLOG_PID",
        "SYSLOG_TIMESTAMP", "ERRNO", "DOCUMENTATION", "TID"}) {
    if (name == r) return true;
  }
  return name.starts_with("CODE_") || name.starts_with("INVOCATION_") ||
         name.starts_with("OBJECT_") || name.starts_with("COREDUMP");
}

// Fills `addr` for a Unix socket path ('@' first: the abstract namespace).
Result<socklen_t> UnixAddress(std::string_view path, sockaddr_un& addr) {
  std::memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path)
    return Status::InvalidArgument(fmt::format("socket path '{}' is empty or too long", path));
  std::memcpy(addr.sun_path, path.data(), path.size());
  if (path[0] == '@') addr.sun_path[0] = '\0';
  return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() +
                                (path[0] == '@' ? 0 : 1));
}

}  // namespace

void AppendJournalField(std::string& entry, std::string_view key, std::string_view value) {
  entry += key;
  if (value.find('\n') == std::string_view::npos) {
    entry += '=';
    entry += value;
  } else {
    // KEY\n, the value's length as a little-endian 64-bit number, the value.
    entry += '\n';
    std::uint64_t n = value.size();
    for (int i = 0; i < 8; ++i) entry += static_cast<char>((n >> (8 * i)) & 0xff);
    entry += value;
  }
  entry += '\n';
}

std::string JournalFieldName(std::string_view key) {
  std::string name;
  name.reserve(key.size());
  for (char c : key) {
    if (c >= 'a' && c <= 'z') {
      name += static_cast<char>(c - 'a' + 'A');
    } else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
      name += c;
    } else {
      name += '_';
    }
  }
  if (!ValidFieldName(name) || Reserved(name)) name = "INTERDICT_" + name;
  if (name.size() > 64) name.resize(64);
  return name;
}

JournalSocket::JournalSocket(std::string path) {
  Result<socklen_t> len = UnixAddress(path, address_);
  if (!len.ok()) return;  // Send fails, and the caller writes the line elsewhere
  address_len_ = *len;
  fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
}

JournalSocket::~JournalSocket() {
  if (fd_ >= 0) ::close(fd_);
}

bool JournalSocket::Send(std::string_view entry) const {
  if (fd_ < 0) return false;
  ssize_t n;
  do {
    n = ::sendto(fd_, entry.data(), entry.size(), MSG_NOSIGNAL,
                 reinterpret_cast<const sockaddr*>(&address_), address_len_);
  } while (n < 0 && errno == EINTR);
  // An entry larger than a datagram may be (EMSGSIZE) would need the
  // protocol's memfd form; the logger's lines are far smaller, and a failed
  // send is written to stderr by the caller.
  return n == static_cast<ssize_t>(entry.size());
}

Status NotifySocket(std::string_view socket_path, std::string_view state) {
  sockaddr_un addr;
  Result<socklen_t> len = UnixAddress(socket_path, addr);
  if (!len.ok()) return len.status();
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::IOError(fmt::format("notify socket: {}", std::strerror(errno)));
  ssize_t n;
  do {
    n = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                 reinterpret_cast<const sockaddr*>(&addr), *len);
  } while (n < 0 && errno == EINTR);
  const int err = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(state.size()))
    return Status::Unavailable(
        fmt::format("cannot notify systemd at {}: {}", socket_path, std::strerror(err)));
  return Status::Ok();
}

Status NotifySystemd(std::string_view state) {
  const char* socket_path = std::getenv("NOTIFY_SOCKET");
  if (socket_path == nullptr || *socket_path == '\0') return Status::Ok();
  return NotifySocket(socket_path, state);
}

}  // namespace interdict
