// `interdict bench store`: the read store against SQLite on the same reads and
// the same queries, each side in its own child process (so peak memory is its
// own), answers checked equal, one JSON object out.
#pragma once

#include <cstdint>
#include <string>

namespace interdict::bench {

struct StoreBenchOptions {
  std::uint64_t reads = 1'000'000;
  std::uint64_t sqlite_max_reads = 20'000'000;  // SQLite runs only up to this size
  int queries = 100;                            // per query type
  int days = 30;                                // the reads span this many days
  std::string dir;                              // working directory; empty: a new one under /tmp
  bool keep = false;                            // keep the working directory
  bool sync = true;  // fdatasync every batch (both sides); false shows the cost
  // Also run the store with encryption at rest (decision 0036) on the same
  // reads and queries, and report its cost against the plain store.
  bool encrypt = false;
};

// Runs the benchmark; prints the JSON result on stdout and progress on
// stderr. Returns the process exit code.
int RunStoreBench(const StoreBenchOptions& options);

}  // namespace interdict::bench
