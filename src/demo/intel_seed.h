// Deconfliction in the demo (docs/format/intel.md, docs/console.md
// "Deconfliction"). On the first start, a few targets: the stolen car the
// feeder sends past a city camera first is a GCPD target too (that read is
// also a target notice), and two agencies enter the same person in two
// writings (a target conflict). On every start, two agencies' operations at
// one city block in the next hours, so a deconfliction alarm is open as soon
// as the console is.
#pragma once

#include <cstdint>

#include "base/log.h"
#include "base/status.h"
#include "demo/seed.h"
#include "sim/traffic.h"

namespace interdict::demo {

// Runs before the service starts, on its catalog. `fresh`: the region was
// seeded just now.
Status PlantDeconfliction(const DemoOptions& options, const sim::Traffic& traffic,
                          const DemoSecrets& secrets, bool fresh, std::int64_t now, Logger& log);

}  // namespace interdict::demo
