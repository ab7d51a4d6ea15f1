// Plates on targets against live reads (docs/format/intel.md, "Plates on
// targets and live reads"): a read of a target's plate is a notice to the
// case owner — in the console, on its alert stream (event: target) — not a
// hit: nothing goes to the camera's agency or to the hit board. The owner is
// told only of reads it may see: its own cameras', and those of agencies that
// share their reads with it under an agreement in force.
#pragma once

#include <cstdint>
#include <map>
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

// Whether agency `owner` may see the reads of the agency coded
// `camera_agency`: its own, or under a reads agreement in force that the
// owner's state law does not bar. Each pair is asked once (a batch of reads
// names few).
class ReadsVisibility {
 public:
  ReadsVisibility(catalog::Database& db, std::int64_t now) : db_(db), now_(now) {}
  Result<bool> MaySee(std::int64_t owner, const std::string& camera_agency);

 private:
  catalog::Database& db_;
  std::int64_t now_;
  std::map<std::pair<std::int64_t, std::string>, bool> known_;
};

// Records each read the owner may see: a console notice and an audit entry
// (target.read, touching the owner and the camera's agency), in one
// transaction. Returns what to announce on the owners' streams.
Result<std::vector<TargetReadNotice>> RecordTargetReads(catalog::Database& db,
                                                        const std::vector<TargetRead>& reads,
                                                        std::int64_t now);

}  // namespace interdict::intel
