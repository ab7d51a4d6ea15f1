// `interdict bench cluster` (issue 22, docs/cluster.md): on a running local
// cluster (scripts/cluster up), reads sent through HAProxy to the servers'
// API by camera clients (ingest rate, and the lag from a batch's 200 to its
// reads being in ClickHouse), then the search benchmark's questions asked of
// the cluster's reads and of the embedded store loaded with the same reads,
// timed, with the answers checked equal. It empties the cluster's read
// tables first: never point it at a cluster whose reads matter.
#pragma once

#include <cstdint>
#include <string>

namespace interdict::bench {

struct ClusterBenchOptions {
  std::string cluster = "/tmp/interdict-cluster";  // scripts/cluster's --dir
  std::uint64_t reads = 1'000'000;                 // for the search comparison
  int days = 31;                                   // the searches look back 30 days
  int cameras = 1000;
  int queries = 20;  // per query type
  int ingest_seconds = 20;
  int clients = 2;   // camera clients sending at once
  int batch = 1000;  // reads per request
  std::string dir;   // working directory of the embedded store; empty: a new one under /tmp
  bool keep = false;
};

// Prints the JSON on stdout and progress on stderr. Exit code: 0; 1 on a
// failure or answers that differ; 2 when no cluster runs at `cluster`; 130
// when interrupted.
int RunClusterBench(const ClusterBenchOptions& options);

}  // namespace interdict::bench
