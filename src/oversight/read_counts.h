// Reads counted per agency, camera and UTC day as they are accepted (docs/oversight.md):
// the transparency report's "reads collected", which stay counted after
// retention has deleted the reads themselves.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"
#include "catalog/database.h"
#include "read/read.h"

namespace interdict::oversight {

// What a count is kept by: agency code, camera code, UTC day number.
struct DayKey {
  std::string agency, camera;
  std::int64_t day = 0;
  friend auto operator<=>(const DayKey&, const DayKey&) = default;
};
using DayCounts = std::map<DayKey, std::int64_t>;

// The UTC day number (days since 1970-01-01) of an epoch-millisecond time.
std::int64_t UtcDay(std::int64_t ms);

// The agency, camera and capture day of each read, taken before the reads
// are handed to the store (which takes them).
using DayKeys = std::vector<DayKey>;
DayKeys KeysOf(const std::vector<read::Read>& reads);

// Adds the reads that `kept` (from store::AppendResult) marks stored to
// `counts`, by their agency and capture day.
void Count(const DayKeys& keys, const std::vector<bool>& kept, DayCounts& counts);

// Adds `counts` to the catalog's totals in one transaction. Unknown agency
// codes are an error (nothing is added).
Status AddReadCounts(catalog::Database& db, const DayCounts& counts);

// Counts accumulated by the server's ingest and written by its background
// thread about once a second: a crash loses at most that second's counts,
// never reads. Thread-safe.
class ReadCounter {
 public:
  void Add(const std::vector<read::Read>& reads, const std::vector<bool>& kept);
  bool Empty();
  // Writes what accumulated; on failure keeps it for the next call.
  Status Flush(catalog::Database& db);

 private:
  std::mutex mu_;
  DayCounts pending_;
};

}  // namespace interdict::oversight
