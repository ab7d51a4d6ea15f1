// A plain TCP connection to a loopback server that sends exactly the bytes a
// test gives it — malformed, partial, slow — and reads whatever comes back:
// for the hostile-client tests, where an HTTP client library would refuse to
// send what an attacker sends. Every read has a deadline; nothing blocks forever.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace interdict::test {

class RawSocket {
 public:
  // Connects to 127.0.0.1:`port` from `source` (any 127.x.y.z address is
  // this machine too, so a test can be several peers). ok() says whether it did.
  explicit RawSocket(std::uint16_t port, const char* source = "127.0.0.1") {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return;
    sockaddr_in from{};
    from.sin_family = AF_INET;
    ::inet_pton(AF_INET, source, &from.sin_addr);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0 ||
        ::connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~RawSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;
  RawSocket(RawSocket&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }

  bool ok() const { return fd_ >= 0; }

  // False when the peer has closed or reset the connection.
  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // What arrives until the peer closes or `wait` passes with nothing new.
  std::string ReadUntilQuiet(std::chrono::milliseconds wait = std::chrono::milliseconds(2000)) {
    std::string out;
    char buf[16384];
    for (;;) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0) return out;
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        closed_ = true;
        return out;
      }
      out.append(buf, static_cast<std::size_t>(n));
    }
  }

  // Reads until the peer closes the connection, at most `deadline`; true if it did.
  bool ClosedByPeerWithin(std::chrono::milliseconds deadline) {
    const auto end = std::chrono::steady_clock::now() + deadline;
    char buf[4096];
    while (!closed_ && std::chrono::steady_clock::now() < end) {
      pollfd p{fd_, POLLIN, 0};
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          end - std::chrono::steady_clock::now());
      if (::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(left.count(), 1))) <= 0) continue;
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) closed_ = true;
    }
    return closed_;
  }

 private:
  int fd_ = -1;
  bool closed_ = false;
};

// One whole exchange on a fresh connection from `source`: sends `bytes`, and
// returns what came back until the server closed or went quiet for `wait`.
inline std::string Exchange(std::uint16_t port, std::string_view bytes,
                            const char* source = "127.0.0.1",
                            std::chrono::milliseconds wait = std::chrono::milliseconds(3000)) {
  RawSocket s(port, source);
  if (!s.ok()) return {};
  s.Send(bytes);
  return s.ReadUntilQuiet(wait);
}

// The status codes of every response in `wire`, in order ("HTTP/1.1 400 ...").
inline std::vector<int> StatusCodes(std::string_view wire) {
  std::vector<int> out;
  for (std::size_t at = wire.find("HTTP/1.1 "); at != std::string_view::npos;
       at = wire.find("HTTP/1.1 ", at + 1)) {
    if (at + 12 <= wire.size()) out.push_back(std::stoi(std::string(wire.substr(at + 9, 3))));
  }
  return out;
}

}  // namespace interdict::test
