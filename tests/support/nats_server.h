// A NATS server of a test's own (Debian's nats-server): on a free loopback
// port, in the foreground as a child process, killed with the object. For the
// tests of live alerts across servers (decision 0034).
#pragma once

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "support/process.h"

namespace interdict::test {

// A loopback port free now (the kernel's choice), for a child to listen on.
inline int FreeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

// Whether something accepts connections on 127.0.0.1:port.
inline bool Accepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

class NatsServer {
 public:
  // With `jetstream_dir`, JetStream is on and keeps its files there.
  explicit NatsServer(const std::string& jetstream_dir = "") : port_(FreeLoopbackPort()) {
    std::vector<std::string> args{"/usr/sbin/nats-server", "-a", "127.0.0.1", "-p",
                                  std::to_string(port_)};
    if (!jetstream_dir.empty()) {
      args.insert(args.end(), {"--jetstream", "--store_dir", jetstream_dir});
    }
    process_ = std::make_unique<Process>(args);
    // Ready when it accepts: polled, at most 10 s.
    for (int i = 0; i < 500 && !Accepts(port_); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_TRUE(Accepts(port_)) << "nats-server did not start (scripts/setup --cluster)";
  }
  std::string url() const { return "nats://127.0.0.1:" + std::to_string(port_); }

 private:
  int port_;
  std::unique_ptr<Process> process_;  // killed when the object goes
};

}  // namespace interdict::test
