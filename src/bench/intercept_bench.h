// `interdict bench intercept`: on the simulated region, whether Interdict's
// staging suggestions reach a stolen car more often than sending the nearest
// available unit to the camera that read it. The simulator knows where each
// car really went (its drive) and where each unit was; the movement model
// learns from the first days' reads, and the last day's stolen-car hits are
// played back against both ways of dispatching. docs/performance.md,
// "Where to intercept".
#pragma once

#include <cstdint>

namespace interdict::bench {

struct InterceptBenchOptions {
  int days = 4;                      // the last is played back; the others teach the model
  std::uint64_t vehicles = 200'000;  // the simulated population
  std::uint64_t seed = 1;
  double dispatch_delay_s = 30;  // from the read to a unit on its way
  double contact_m = 400;        // a unit this close to the car sees it (a camera's corridor)
  // Patrol cars on shift across the region besides the region file's
  // named units, placed in the counties by population.
  int patrols = 100;
};

// Prints one JSON object on stdout, progress on stderr. Returns the exit code.
int RunInterceptBench(const InterceptBenchOptions& options);

}  // namespace interdict::bench
