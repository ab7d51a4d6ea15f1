// `interdict bench soak` (issue 28, docs/soak.md): an hour of the region's
// traffic against the real server, measured once a minute and checked at the
// end for loss. The server is `interdict serve` as a child process on a
// loopback port with a data directory of its own; the benchmark is its
// cameras (one integration key per agency, a paced rate), its alert
// subscribers, its analysts, and the nightly hotlist reloads made frequent.
#pragma once

#include <cstdint>
#include <string>

namespace interdict::bench {

struct SoakBenchOptions {
  int minutes = 60;
  std::uint64_t rate = 50'000;  // reads a second, all agencies together
  int analysts = 20;            // each asks a search every 3 s
  int subscribers = 50;         // alert streams, spread over the agencies
  int reload_every_min = 10;    // every agency's list replaced in full
  int retention_min = 15;       // the last agency's non-hit read retention
  std::uint64_t batch = 500;    // reads per request
  int senders = 8;              // HTTP connections sending batches
  std::uint64_t vehicles = 2'000'000;
  // Fixed cameras in the region: at 50,000 reads a second, 10,000 cameras
  // see 5 a second each, a busy highway camera's rate.
  int cameras = 10'000;
  std::string dir;  // working directory; default a new one under /tmp
  bool keep = false;
};

// Prints the JSON on stdout and a line a minute on stderr. Exit code: 0 when
// every check passed; 1 when one failed (the JSON says which and why); 130
// when interrupted (what was measured is still printed).
int RunSoakBench(const SoakBenchOptions& options);

}  // namespace interdict::bench
