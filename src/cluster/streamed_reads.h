// The read store of a server in cluster mode (decision 0035): appends go to
// the JetStream stream (durable on a quorum of its replicas before the camera
// hears "accepted"), searches go to ClickHouse, and the loader moves reads
// from one to the other. Every server runs a loader; they share the stream's
// one durable consumer, so each read is loaded by one of them (or, after a
// loader died before acknowledging, twice — which the tables answer once).
#pragma once

#include <chrono>
#include <memory>

#include "base/clock.h"
#include "base/log.h"
#include "cluster/clickhouse_reads.h"
#include "cluster/read_stream.h"
#include "cluster/worker.h"
#include "metrics/registry.h"
#include "store/read_store.h"

namespace interdict::cluster {

class StreamedReads : public store::ReadStore {
 public:
  StreamedReads(ReadStream& stream, ClickHouseReads& tables, const Clock& clock);

  // Reads retention no longer keeps are refused (counted `expired`); the rest
  // are published. Reads the stream already had are counted `duplicates`.
  Result<store::AppendResult> Append(std::vector<read::Read> reads) override;
  Result<store::QueryResult> Query(const store::ReadQuery& q) const override {
    return tables_.Query(q);
  }
  std::vector<plate::Plate> KnownPlates(
      const std::vector<plate::Plate>& candidates) const override {
    return tables_.KnownPlates(candidates);
  }
  std::string HoldFor(const read::Read& r) const override { return tables_.HoldFor(r); }
  void SetRetention(std::map<std::string, store::RetentionRule> by_agency) override {
    tables_.SetRetention(std::move(by_agency));
  }
  void SetHolds(std::vector<store::Hold> holds) override { tables_.SetHolds(std::move(holds)); }

 private:
  ReadStream& stream_;
  ClickHouseReads& tables_;
  const Clock& clock_;
};

struct LoaderOptions {
  int batch = 50'000;                       // reads fetched at most at once
  std::chrono::milliseconds wait{1000};     // for the first read of a batch
  std::chrono::milliseconds retry{5000};    // before a batch not yet replicated comes back
  std::chrono::milliseconds backoff{1000};  // after an error, before fetching again
};

class Loader {
 public:
  Loader(ReadStream& stream, ClickHouseReads& tables, const Clock& clock, Logger& log,
         metrics::Registry& metrics, LoaderOptions options = {});
  Loader(const Loader&) = delete;
  Loader& operator=(const Loader&) = delete;

  // Starts loading in a thread of its own until destroyed.
  void Start();

  // One round: fetch, insert, then acknowledge (or ask again later when a
  // shard's second replica does not have the batch yet). The number of reads
  // inserted; for tests and the thread.
  Result<std::size_t> LoadOnce();

  // (Destroying it stops the thread.)

 private:
  ReadStream& stream_;
  ClickHouseReads& tables_;
  const Clock& clock_;
  LoaderOptions opts_;
  metrics::Counter& loaded_;
  metrics::Counter& errors_;
  metrics::Counter& refused_;
  metrics::Counter& waiting_replica_;
  metrics::Histogram& lag_;
  metrics::Gauge& pending_;
  std::chrono::steady_clock::time_point pending_at_{};  // when pending_ was last set (the worker's)
  Worker worker_;                                       // last: stops before the rest goes
};

}  // namespace interdict::cluster
