// The reads in PostgreSQL as a competent user would keep them
// (docs/bench-peers.md): one table, B-trees on (plate, time) and (camera,
// time), a unique (agency, camera, id) for idempotent re-sends, a pg_trgm GIN
// index for partial plates; loaded with COPY, one durable transaction per batch.
#pragma once

#include <functional>
#include <memory>

#include "bench/peer.h"

struct pg_conn;
struct pg_result;
struct pg_cancel;

namespace interdict::bench {

class PostgresPeer : public Peer {
 public:
  static Result<std::unique_ptr<PostgresPeer>> Connect(const std::string& conninfo);
  ~PostgresPeer() override;
  PostgresPeer(const PostgresPeer&) = delete;
  PostgresPeer& operator=(const PostgresPeer&) = delete;

  std::string name() const override { return "postgresql"; }
  void Cancel() override;
  Result<std::string> Version() override;
  Status CreateSchema() override;
  Status Load(const std::vector<read::Read>& batch) override;
  Status Settle() override;  // VACUUM ANALYZE
  Result<std::uint64_t> DataBytes() override;
  Result<std::vector<std::string>> PlateKeys(std::string_view plate, std::int64_t from,
                                             std::int64_t to, std::size_t limit) override;
  // '?' and '*' become LIKE's '_' and '%', which pg_trgm's index serves.
  Result<std::vector<std::string>> PatternKeys(std::string_view pattern, std::int64_t from,
                                               std::int64_t to, std::size_t limit) override;
  Result<std::vector<PlateCount>> PlatesAt(const std::vector<CameraWindow>& windows) override;
  Result<std::vector<PeerRead>> PlateReads(std::string_view plate, std::int64_t from,
                                           std::int64_t to) override;
  Result<std::vector<PassPlate>> PlatesNear(const std::vector<Pass>& passes,
                                            std::int64_t window) override;
  Result<std::vector<CameraCount>> CameraCounts(const std::vector<std::string>& plates,
                                                std::int64_t from, std::int64_t to) override;
  Result<std::vector<CameraCount>> HourCounts(std::string_view plate, std::int64_t from,
                                              std::int64_t to) override;

 private:
  PostgresPeer(pg_conn* c, pg_cancel* cancel) : c_(c), cancel_(cancel) {}
  Status Exec(const char* sql);
  // Runs a query with text parameters; calls `row` with each row's values.
  Status Query(const std::string& sql, const std::vector<std::string>& params,
               const std::function<void(pg_result*, int)>& row);
  pg_conn* c_;
  pg_cancel* cancel_;
};

}  // namespace interdict::bench
