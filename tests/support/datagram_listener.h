// A Unix datagram socket bound at a path (or '@name', abstract), as journald
// and systemd bind theirs: tests receive what the code under test sends.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <optional>
#include <string>

namespace interdict::test {

class DatagramListener {
 public:
  explicit DatagramListener(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    if (path.empty() || path.size() >= sizeof addr.sun_path) return;
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.data(), path.size());
    socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
    if (path[0] == '@') {
      addr.sun_path[0] = '\0';
      --len;
    }
    bound_ = ::bind(fd_, reinterpret_cast<const sockaddr*>(&addr), len) == 0;
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~DatagramListener() { ::close(fd_); }
  bool bound() const { return bound_; }
  DatagramListener(const DatagramListener&) = delete;
  DatagramListener& operator=(const DatagramListener&) = delete;
  // The next datagram, waiting up to 5 s; nullopt after that.
  std::optional<std::string> Receive() {
    std::string buf(65536, '\0');
    const ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
    if (n < 0) return std::nullopt;
    buf.resize(static_cast<std::size_t>(n));
    return buf;
  }

 private:
  int fd_ = -1;
  bool bound_ = false;
};

}  // namespace interdict::test
