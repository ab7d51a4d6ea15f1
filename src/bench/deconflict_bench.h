// `interdict bench deconflict`: how fast a new deconfliction target is
// entered and matched against the region's existing ones (docs/format/intel.md,
// "Targets"; goal: ≤ 10 ms p99 at 1 million targets). A SQLite catalog of ten
// agencies that all deconflict with each other is filled with `targets`
// targets (plates, people, phones, addresses, keyed as entry keys them);
// then `queries` new targets are entered through intel::EnterTarget — the
// whole path: checks, keys, the match in the catalog's index, the row, the
// conflicts and the audit entry — half of them another writing of an
// existing target (a nickname, a look-alike plate, a phone's other format),
// so that matches are recorded too. docs/performance.md, "Deconfliction".
#pragma once

#include <cstdint>
#include <string>

namespace interdict::bench {

struct DeconflictBenchOptions {
  std::uint64_t targets = 1'000'000;
  std::uint64_t queries = 2'000;
  std::uint64_t seed = 1;
  std::string dir;  // the work directory (kept); empty: a new one, removed
  bool keep = false;
};

// Prints one JSON object on stdout, progress on stderr. Returns the exit code.
int RunDeconflictBench(const DeconflictBenchOptions& options);

}  // namespace interdict::bench
