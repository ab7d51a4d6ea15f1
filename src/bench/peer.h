// What `interdict bench peers` asks each store it compares Interdict with
// (docs/bench-peers.md): the questions the search types need, each written
// in the peer's own SQL, with filtering, ordering and counting done in the
// database, where a competent user would put them. bench/peer_answers.h turns
// the rows into the same answers Interdict's search gives.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "read/read.h"

namespace interdict::bench {

// Reads at some cameras in a time window [from, to).
struct CameraWindow {
  std::vector<std::string> cameras;
  std::int64_t from = 0, to = 0;
};

struct PeerRead {
  std::string key;  // "agency/camera/id"
  std::string agency, camera;
  std::int64_t time = 0;
};

struct PlateCount {
  std::string plate;
  std::int64_t reads = 0;
  int scene = -1;  // scenes: which one
};

// A convoy target's pass: where and when.
struct Pass {
  std::string agency, camera;
  std::int64_t time = 0;
};

struct PassPlate {
  std::size_t pass = 0;
  std::string plate;
};

struct CameraCount {
  std::string plate, agency, camera;
  int hour = -1;  // locate: UTC hour of week, 0 = Monday 00:00
  std::int64_t reads = 0;
};

// The columns every peer loads, in this order: agency, camera, id, time,
// plate, state, confidence, lat, lon, make, model, color, body.
inline constexpr const char* kReadColumns =
    "agency, camera, id, time, plate, state, confidence, lat, lon, make, model, color, body";

// One read as a line of tab-separated text with escapes (PostgreSQL's COPY
// text format and ClickHouse's TabSeparated): NULL numbers are \N, empty
// text is `empty_text` (\N for PostgreSQL's nullable text, "" for
// ClickHouse's plain strings).
void AppendTabRow(std::string& out, const read::Read& r, std::string_view empty_text);

class Peer {
 public:
  virtual ~Peer() = default;
  virtual std::string name() const = 0;
  // Asks the server to stop the statement now running; called from another
  // thread when the user interrupts, so Ctrl-C need not wait for a slow query.
  virtual void Cancel() = 0;
  // The server's version, as it reports it.
  virtual Result<std::string> Version() = 0;

  virtual Status CreateSchema() = 0;
  // One batch; when it returns, the batch is as durable as the peer makes
  // an acknowledged write (docs/bench-peers.md says how durable each is).
  virtual Status Load(const std::vector<read::Read>& batch) = 0;
  // What a user runs after a bulk load and before querying (statistics,
  // merges).
  virtual Status Settle() = 0;
  // Bytes the reads take: table and indexes, not logs.
  virtual Result<std::uint64_t> DataBytes() = 0;

  // Read lists: keys newest first (time descending, then agency, camera,
  // id), at most `limit`. A pattern uses the store's syntax: '?' one
  // character, '*' any run.
  virtual Result<std::vector<std::string>> PlateKeys(std::string_view plate, std::int64_t from,
                                                     std::int64_t to, std::size_t limit) = 0;
  virtual Result<std::vector<std::string>> PatternKeys(std::string_view pattern, std::int64_t from,
                                                       std::int64_t to, std::size_t limit) = 0;
  // Reads per plate at the cameras in each window (area: one window; scenes:
  // several, `scene` numbering them).
  virtual Result<std::vector<PlateCount>> PlatesAt(const std::vector<CameraWindow>& windows) = 0;
  // Every read of one plate in [from, to) (route; a convoy's passes).
  virtual Result<std::vector<PeerRead>> PlateReads(std::string_view plate, std::int64_t from,
                                                   std::int64_t to) = 0;
  // The plates read at each pass's camera within ±window ms of it, once per
  // pass and plate (convoy).
  virtual Result<std::vector<PassPlate>> PlatesNear(const std::vector<Pass>& passes,
                                                    std::int64_t window) = 0;
  // Reads per plate and camera of these plates in [from, to) (a convoy's
  // chance baselines).
  virtual Result<std::vector<CameraCount>> CameraCounts(const std::vector<std::string>& plates,
                                                        std::int64_t from, std::int64_t to) = 0;
  // One plate's reads per camera and UTC hour of week in [from, to) (locate).
  virtual Result<std::vector<CameraCount>> HourCounts(std::string_view plate, std::int64_t from,
                                                      std::int64_t to) = 0;
};

}  // namespace interdict::bench
