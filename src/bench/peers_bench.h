// `interdict bench peers` (issue 10, docs/bench-peers.md): the same simulated
// reads loaded into Interdict's store, PostgreSQL and ClickHouse (each server
// the benchmark's own, on loopback, in a temporary directory), the search
// benchmark's questions asked of all three, the answers checked equal, and one
// JSON table of ingest rate, bytes per read and p50/p99 per query type, with
// Interdict's ratios to each peer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace interdict::bench {

struct PeersBenchOptions {
  std::uint64_t reads = 1'000'000;
  int days = 365;      // the reads span this many days, ending now
  int cameras = 1000;  // fixed cameras in the region
  int queries = 20;    // per query type
  std::vector<std::string> peers = {"postgresql", "clickhouse"};
  std::string dir;    // working directory; empty: a new one under /tmp
  bool keep = false;  // keep the working directory
};

// Prints the JSON table on stdout and progress on stderr. Exit code: 0, 1 on
// a failure or answers that differ (named on stderr), 2 when a peer is not
// installed, 130 when interrupted.
int RunPeersBench(const PeersBenchOptions& options);

}  // namespace interdict::bench
