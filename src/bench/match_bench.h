// `interdict bench match`: hotlist matching throughput on one core against N
// entries with realistic plates and OCR noise, and its quality: the share of
// look-alike misreads of listed plates it catches, and the hits it raises on
// reads of vehicles that are not listed.
#pragma once

#include <cstdint>

namespace interdict::bench {

struct MatchBenchOptions {
  std::uint64_t entries = 1'000'000;
  std::uint64_t reads = 2'000'000;
  // The share of entries on lists that opt into one-edit matching (AMBER,
  // missing persons, an agency's own short lists); the rest are bulk NCIC
  // files matched exactly, by plate, by look-alike and by alternates.
  double one_edit_share = 0.01;
  std::uint64_t seed = 20261129;
};

// Prints one JSON object on stdout, progress on stderr. Returns the exit code.
int RunMatchBench(const MatchBenchOptions& options);

}  // namespace interdict::bench
