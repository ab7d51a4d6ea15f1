// The reads in ClickHouse as a competent user would keep them
// (docs/bench-peers.md): a MergeTree ordered by (plate, time) for plate
// questions, a materialized view ordered by (camera, time) for area, scene
// and convoy questions, both partitioned by month; loaded with one INSERT per
// batch over the HTTP interface.
#pragma once

#include <memory>

#include "bench/peer.h"
#include "http/client.h"

namespace interdict::bench {

class ClickHousePeer : public Peer {
 public:
  explicit ClickHousePeer(std::uint16_t http_port);

  std::string name() const override { return "clickhouse"; }
  void Cancel() override;  // KILL QUERY, on a connection of its own
  Result<std::string> Version() override;
  Status CreateSchema() override;
  Status Load(const std::vector<read::Read>& batch) override;
  Status Settle() override;  // OPTIMIZE … FINAL: every partition merged
  Result<std::uint64_t> DataBytes() override;
  Result<std::vector<std::string>> PlateKeys(std::string_view plate, std::int64_t from,
                                             std::int64_t to, std::size_t limit) override;
  Result<std::vector<std::string>> PatternKeys(std::string_view pattern, std::int64_t from,
                                               std::int64_t to, std::size_t limit) override;
  Result<std::vector<PlateCount>> PlatesAt(const std::vector<CameraWindow>& windows) override;
  Result<std::vector<PeerRead>> PlateReads(std::string_view plate, std::int64_t from,
                                           std::int64_t to) override;
  // ClickHouse 18.16 joins only on equal keys: one query with a time range
  // per pass (the primary key serves each), passes assigned in the client.
  Result<std::vector<PassPlate>> PlatesNear(const std::vector<Pass>& passes,
                                            std::int64_t window) override;
  Result<std::vector<CameraCount>> CameraCounts(const std::vector<std::string>& plates,
                                                std::int64_t from, std::int64_t to) override;
  Result<std::vector<CameraCount>> HourCounts(std::string_view plate, std::int64_t from,
                                              std::int64_t to) override;

 private:
  // Runs a statement; its TabSeparated rows, split into fields (not
  // unescaped: the benchmark's codes, ids and plates have no tabs or
  // backslashes).
  Result<std::vector<std::vector<std::string>>> Rows(const std::string& sql);
  Status Run(const std::string& sql);
  std::uint16_t port_;
  http::Client client_;
};

}  // namespace interdict::bench
