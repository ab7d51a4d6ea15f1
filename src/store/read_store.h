// What the rest of Interdict asks of a read store (decision 0035): ingest
// appends, searches query, the policy layer hands over retention and holds.
// The embedded store (store/store.h) is the default; the cluster backend
// (JetStream and ClickHouse) implements the same, and every search type must
// answer the same on both. Implementations are thread-safe.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "plate/plate.h"
#include "read/read.h"
#include "store/query.h"

namespace interdict::store {

// How long an agency's non-hit reads are kept. The policy layer supplies it
// from the agency's state law; the store enforces it on disk.
struct RetentionRule {
  std::int64_t non_hit_ms = -1;  // -1: no limit configured (kept until a rule is set)
};

// An evidence hold: matching reads are kept past retention until `expires_at`.
// Empty fields match anything; a hold names at least a plate, a camera or a window.
struct Hold {
  std::string id;
  std::string agency;
  std::optional<plate::Plate> plate;
  std::string camera;
  std::int64_t from = std::numeric_limits<std::int64_t>::min();
  std::int64_t to = std::numeric_limits<std::int64_t>::max();
  std::int64_t expires_at = 0;
  std::string basis;  // legal basis, for the purge report
};

// The first of `holds` that keeps a read (of `agency`, `plate`, `camera`, at
// `time`) at `now`, or null. Holds past their expiry keep nothing.
const Hold* HoldCovering(const std::vector<Hold>& holds, std::string_view agency,
                         const plate::Plate& plate, std::string_view camera, std::int64_t time,
                         std::int64_t now);

struct AppendResult {
  std::uint64_t accepted = 0;    // new reads, now durable
  std::uint64_t duplicates = 0;  // already stored (same agency, camera and id), not stored again
  std::uint64_t expired = 0;     // already past their agency's retention: refused, not stored
  std::vector<bool> kept;        // for each read given, whether it was stored (counted)
};

class ReadStore {
 public:
  virtual ~ReadStore() = default;

  // Stores the reads and returns once they are durable. Re-sent reads (same
  // agency, camera and id) are counted as duplicates and not stored twice. On
  // an error nothing of this batch is acknowledged.
  virtual Result<AppendResult> Append(std::vector<read::Read> reads) = 0;
  // Answers a query over a consistent view; writes and purges go on.
  virtual Result<QueryResult> Query(const ReadQuery& query) const = 0;
  // Several queries, each answered as Query answers it. A store with a round
  // trip per query (the cluster's) answers them together; by default, one
  // after the other.
  virtual Result<std::vector<QueryResult>> QueryMany(const std::vector<ReadQuery>& queries) const;
  // Which of `candidates` the store holds reads of (a plate whose reads were
  // all purged may still be named). For look-alike searches.
  virtual std::vector<plate::Plate> KnownPlates(
      const std::vector<plate::Plate>& candidates) const = 0;
  // The hold that keeps `r` past its agency's retention ("" when none does).
  virtual std::string HoldFor(const read::Read& r) const = 0;
  // Replaces the retention rules (by agency code) and the holds.
  virtual void SetRetention(std::map<std::string, RetentionRule> by_agency) = 0;
  virtual void SetHolds(std::vector<Hold> holds) = 0;
};

}  // namespace interdict::store
