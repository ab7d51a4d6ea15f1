// A client of a ClickHouse cluster over its HTTP interface (decision 0035):
// the nodes grouped in shards of replicas, a few kept-alive connections per
// node, statements to one node or to any that answers. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace interdict::cluster {

struct ClickHouseNode {
  std::string host;
  std::uint16_t port = 8123;  // HTTP
  std::string name() const;   // "host:port"
};

// The shards, each a list of its replicas.
using ClickHouseShards = std::vector<std::vector<ClickHouseNode>>;

// "127.0.0.1:8123,127.0.0.1:8124;127.0.0.1:8125,127.0.0.1:8126": shards
// separated by ';', a shard's replicas by ','. InvalidArgument names the
// part that is wrong.
Result<ClickHouseShards> ParseShards(std::string_view spec);

// Rows of a TabSeparated answer, unescaped.
using Row = std::vector<std::string>;
Result<std::vector<Row>> ParseTabSeparated(std::string_view body);

// A string literal for ClickHouse SQL: quotes and backslashes escaped.
std::string Quote(std::string_view text);
// A field of a TabSeparated row: tabs, newlines and backslashes escaped.
void AppendTabField(std::string& out, std::string_view text);

// Who the servers sign in to ClickHouse as (HTTP Basic authentication).
struct ClickHouseUser {
  std::string name = "default";
  std::string password;  // never logged
};

class ClickHouse {
 public:
  ClickHouse(ClickHouseShards shards, std::chrono::milliseconds timeout, ClickHouseUser user = {});
  ~ClickHouse();
  ClickHouse(const ClickHouse&) = delete;
  ClickHouse& operator=(const ClickHouse&) = delete;

  const ClickHouseShards& shards() const { return shards_; }

  // A statement on one node (DDL, an insert with its data after the query).
  // Unavailable when the node does not answer; Internal with the server's
  // message when it refuses.
  Status Run(const ClickHouseNode& node, std::string_view statement);
  Result<std::vector<Row>> Select(const ClickHouseNode& node, std::string_view query);
  // A query on the first node that answers, starting with a different one
  // each time (reads through Distributed tables: any node sees all shards).
  Result<std::vector<Row>> SelectAny(std::string_view query);

 private:
  struct Pool;
  Result<std::string> Send(const ClickHouseNode& node, std::string_view body);
  ClickHouseShards shards_;
  std::chrono::milliseconds timeout_;
  std::string authorization_;  // the Authorization header's value
  std::unique_ptr<Pool> pool_;
};

}  // namespace interdict::cluster
