// `interdict bench search`: every search type over simulated regional data,
// through the whole search layer (parsing, the policy layer against the real
// catalog, the store, the audit entry, the JSON answer), with the share of the
// policy and audit layers measured apart. One JSON object out.
#pragma once

#include <cstdint>
#include <string>

namespace interdict::bench {

struct SearchBenchOptions {
  std::uint64_t reads = 1'000'000;
  int days = 365;     // the reads span this many days, ending now
  int queries = 50;   // per query type
  std::string dir;    // working directory; empty: a new one under /tmp
  bool keep = false;  // keep the working directory
  // The catalog's engine: "sqlite" (a file in the working directory) or
  // "postgresql" (a server of the benchmark's own, as bench peers starts).
  std::string catalog = "sqlite";
};

// Runs the benchmark; prints the JSON result on stdout and progress on
// stderr. Returns the process exit code (130 when interrupted).
int RunSearchBench(const SearchBenchOptions& options);

}  // namespace interdict::bench
