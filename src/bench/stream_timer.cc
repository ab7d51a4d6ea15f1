#include "bench/stream_timer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace interdict::bench {

StreamTimer::StreamTimer(std::uint16_t port, const std::string& token) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return;
  const std::string req =
      "GET /api/v1/alerts/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Authorization: Bearer " +
      token + "\r\n\r\n";
  if (::send(fd_, req.data(), req.size(), MSG_NOSIGNAL) < 0) return;
  thread_ = std::thread([this] { Loop(); });
}

StreamTimer::~StreamTimer() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (fd_ >= 0) ::close(fd_);
}

bool StreamTimer::connected() {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, std::chrono::seconds(10), [this] { return connected_; });
}

std::map<std::string, StreamTimer::Clock::time_point> StreamTimer::arrivals() {
  std::lock_guard<std::mutex> lock(mu_);
  return arrivals_;
}

void StreamTimer::Loop() {
  std::string buf;
  char chunk[65536];
  while (!stop_) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return;
    const auto now = Clock::now();
    buf.append(chunk, static_cast<std::size_t>(n));
    std::lock_guard<std::mutex> lock(mu_);
    if (!connected_ && buf.find(": connected") != std::string::npos) {
      connected_ = true;
      cv_.notify_all();
    }
    // Each hit frame names its read: "read":{"id":"<id>"
    std::size_t at;
    while ((at = buf.find(R"("read":{"id":")")) != std::string::npos) {
      const std::size_t start = at + 14;
      const std::size_t end = buf.find('"', start);
      if (end == std::string::npos) break;
      arrivals_.emplace(buf.substr(start, end - start), now);
      buf.erase(0, end);
    }
    if (buf.size() > (1u << 20)) buf.erase(0, buf.size() - 4096);
  }
}

}  // namespace interdict::bench
