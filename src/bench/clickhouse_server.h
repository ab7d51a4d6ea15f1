// A ClickHouse server of the benchmark's own (docs/bench-peers.md): a
// generated configuration in a temporary directory, the HTTP interface on a
// free loopback port (nothing else listens), stopped and removed when the
// object goes — also when the benchmark fails or is interrupted. Never the
// system's own server.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "base/status.h"

namespace interdict::bench {

class ClickHouseServer {
 public:
  // Starts a server in a new directory under `parent`. FailedPrecondition
  // names the package when clickhouse-server is not installed. With
  // `one_node_cluster`, the server also listens on a native port and names
  // itself the cluster "interdict" of one shard, so that Distributed tables
  // work on it without ZooKeeper (the cluster read store's tests).
  static Result<std::unique_ptr<ClickHouseServer>> Start(const std::string& parent,
                                                         std::chrono::seconds timeout,
                                                         bool one_node_cluster = false);
  ~ClickHouseServer();  // SIGTERM (then SIGKILL after 60 s), then the directory is removed
  ClickHouseServer(const ClickHouseServer&) = delete;
  ClickHouseServer& operator=(const ClickHouseServer&) = delete;

  std::uint16_t http_port() const { return static_cast<std::uint16_t>(port_); }
  const std::string& dir() const { return dir_; }

 private:
  ClickHouseServer() = default;
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace interdict::bench
