// Plates on targets against live reads (docs/format/intel.md, "Plates on
// targets and live reads"): a read of a target's plate is a notice to the
// case owner — in the console, on its alert stream (event: target) — not a
// hit: nothing goes to the camera's agency or to the hit board. The owner is
// told only of reads it may see: its own cameras', and those of agencies that
// share their reads with it under an agreement in force.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "catalog/database.h"

namespace interdict::intel {

struct TargetRead {
  std::int64_t target = 0;
  std::int64_t owner = 0;             // the target's agency
  std::string plate;                  // as read
  std::string camera_agency, camera;  // codes
  std::int64_t time = 0;              // capture time, epoch ms
};

struct TargetReadNotice {
  std::int64_t agency = 0;  // the owner
  std::string json;  // {"target":…,"case":…,"plate":…,"agency":…,"camera":…,"time":…}
};

// Records each read the owner may see: a console notice and an audit entry
// (target.read, touching the owner and the camera's agency), in one
// transaction. Returns what to announce on the owners' streams.
Result<std::vector<TargetReadNotice>> RecordTargetReads(catalog::Database& db,
                                                        const std::vector<TargetRead>& reads,
                                                        std::int64_t now);

}  // namespace interdict::intel
