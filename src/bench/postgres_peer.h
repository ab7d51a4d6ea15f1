// The reads in PostgreSQL as a competent user would keep them
// (docs/bench-peers.md): one table, B-trees on (plate, time) and (camera,
// time), a unique (agency, camera, id) for idempotent re-sends, a pg_trgm GIN
// index for partial plates; loaded with COPY, one durable transaction per batch.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "read/read.h"

struct pg_conn;

namespace interdict::bench {

class PostgresPeer {
 public:
  static Result<std::unique_ptr<PostgresPeer>> Connect(const std::string& conninfo);
  ~PostgresPeer();
  PostgresPeer(const PostgresPeer&) = delete;
  PostgresPeer& operator=(const PostgresPeer&) = delete;

  Status CreateSchema();
  // One COPY in one transaction: durable when it returns.
  Status Load(const std::vector<read::Read>& batch);
  // The ids of every read of `plate` in [from, to), newest first.
  Result<std::vector<std::string>> PlateIds(std::string_view plate, std::int64_t from,
                                            std::int64_t to);
  // A partial plate ('?' one character, '*' any run; the store's syntax) as
  // LIKE, which pg_trgm's index serves.
  Result<std::vector<std::string>> PartialIds(std::string_view pattern, std::int64_t from,
                                              std::int64_t to);
  // The reads of these cameras in [from, to): the area question once the
  // cameras within the circle are known.
  Result<std::vector<std::string>> CameraIds(const std::vector<std::string>& cameras,
                                             std::int64_t from, std::int64_t to);

 private:
  explicit PostgresPeer(pg_conn* c) : c_(c) {}
  Status Exec(const char* sql);
  Result<std::vector<std::string>> Ids(const char* sql, const std::vector<std::string>& params);
  pg_conn* c_;
};

}  // namespace interdict::bench
