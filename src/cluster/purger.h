// The cluster's purge (decision 0035): every server tries each minute, and
// the one leading the job "purge" (ReadStream::Lead) runs
// ClickHouseReads::Purge and appends what it destroyed to its purge report,
// one JSON line per partition dropped or agency deleted (docs/cluster.md).
#pragma once

#include <chrono>
#include <string>

#include "base/clock.h"
#include "base/log.h"
#include "cluster/clickhouse_reads.h"
#include "cluster/read_stream.h"
#include "cluster/worker.h"
#include "metrics/registry.h"

namespace interdict::cluster {

class Purger {
 public:
  // `report` is the file the purge report's lines are appended to; `holder`
  // names this server in the lease.
  Purger(ReadStream& stream, ClickHouseReads& tables, const Clock& clock, Logger& log,
         metrics::Registry& metrics, std::string report, std::string holder,
         std::chrono::milliseconds every = std::chrono::minutes(1));
  Purger(const Purger&) = delete;
  Purger& operator=(const Purger&) = delete;

  void Start();
  // One round: false when another server leads the purge.
  Result<bool> PurgeOnce();

 private:
  ReadStream& stream_;
  ClickHouseReads& tables_;
  const Clock& clock_;
  metrics::Counter& dropped_;
  metrics::Counter& deletes_;
  std::string report_, holder_;
  std::chrono::milliseconds every_;
  Worker worker_;  // last: stops before the rest goes (destroying the Purger stops it)
};

}  // namespace interdict::cluster
