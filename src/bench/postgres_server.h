// A PostgreSQL 15 server of the benchmark's own (docs/bench-peers.md): made
// with initdb in a temporary directory, started on a free loopback port,
// reached with libpq, stopped and removed when the object goes — also when
// the benchmark fails or is interrupted. Never the system's own cluster.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>

#include "base/status.h"

namespace interdict::bench {

class PostgresServer {
 public:
  // Starts a server in a new directory under `parent`. When running as root
  // (PostgreSQL refuses to), the server runs as the `postgres` user.
  // FailedPrecondition names the package when PostgreSQL 15 is not installed.
  static Result<std::unique_ptr<PostgresServer>> Start(const std::string& parent,
                                                       std::chrono::seconds timeout);
  ~PostgresServer();  // fast shutdown, then the directory is removed
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // "host=127.0.0.1 port=N user=bench dbname=postgres".
  std::string conninfo() const;
  const std::string& dir() const { return dir_; }

 private:
  PostgresServer() = default;
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace interdict::bench
