#include "cluster/streamed_reads.h"

namespace interdict::cluster {

StreamedReads::StreamedReads(ReadStream& stream, ClickHouseReads& tables, const Clock& clock)
    : stream_(stream), tables_(tables), clock_(clock) {}

Result<store::AppendResult> StreamedReads::Append(std::vector<read::Read> reads) {
  store::AppendResult out;
  out.kept.assign(reads.size(), false);
  std::vector<read::Read> publish;
  std::vector<std::size_t> at;
  for (std::size_t i = 0; i < reads.size(); ++i) {
    if (!tables_.Keeps(reads[i])) {
      ++out.expired;
      continue;
    }
    at.push_back(i);
    publish.push_back(std::move(reads[i]));
  }
  Result<std::vector<bool>> fresh = stream_.Publish(publish, clock_.NowMillis());
  if (!fresh.ok()) return fresh.status();
  for (std::size_t k = 0; k < at.size(); ++k) {
    if ((*fresh)[k]) {
      out.kept[at[k]] = true;
      ++out.accepted;
    } else {
      ++out.duplicates;
    }
  }
  return out;
}

Loader::Loader(ReadStream& stream, ClickHouseReads& tables, const Clock& clock, Logger& log,
               metrics::Registry& metrics, LoaderOptions options)
    : stream_(stream),
      tables_(tables),
      clock_(clock),
      opts_(options),
      loaded_(metrics.GetCounter("interdict_cluster_reads_loaded_total",
                                 "Reads this server's loader moved from JetStream to ClickHouse.")),
      errors_(metrics.GetCounter("interdict_cluster_loader_errors_total",
                                 "Loader rounds that failed (NATS or ClickHouse); retried.")),
      refused_(metrics.GetCounter("interdict_cluster_loader_refused_total",
                                  "Messages in the reads' stream that were not a read.")),
      waiting_replica_(metrics.GetCounter(
          "interdict_cluster_loader_unreplicated_total",
          "Batches inserted on one replica of a shard only, kept in the stream until the "
          "second has them.")),
      lag_(metrics.GetHistogram(
          "interdict_cluster_read_lag_seconds",
          "From a batch accepted by a server to its reads searchable in ClickHouse.",
          {0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 300})),
      pending_(metrics.GetGauge("interdict_cluster_stream_pending_reads",
                                "Reads in the JetStream stream not yet loaded into ClickHouse.")),
      worker_(
          "loading reads into ClickHouse", log,
          [this]() -> Status {
            Result<std::size_t> n = LoadOnce();
            if (!n.ok()) {
              errors_.Inc();
              return n.status();
            }
            // The stream's backlog: a JetStream API request, so at most once
            // every 5 s (rounds follow each other at once under load).
            if (const auto t = clock_.Monotonic(); t - pending_at_ >= std::chrono::seconds(5)) {
              pending_at_ = t;
              if (Result<std::uint64_t> p = stream_.Pending(); p.ok())
                pending_.Set(static_cast<double>(*p));
            }
            return Status::Ok();
          },
          // At once again while it works (a fetch waits for reads by itself).
          [this](const Status& st) {
            return st.ok() ? std::chrono::milliseconds(0) : opts_.backoff;
          }) {}

void Loader::Start() {
  worker_.Start();
}

Result<std::size_t> Loader::LoadOnce() {
  Result<Delivery> d = stream_.Fetch(opts_.batch, opts_.wait);
  if (!d.ok()) return d.status();
  if (d->refused > 0) refused_.Inc(d->refused);
  if (d->reads.empty()) return std::size_t{0};
  bool replicated = false;
  Result<store::AppendResult> inserted = tables_.Insert(d->reads, d->received, &replicated);
  if (!inserted.ok()) {
    d->Retry(opts_.retry);
    return inserted.status();
  }
  if (!replicated) {
    // Searchable already, but on one machine only: the stream keeps the
    // reads until the shard's other replica has them.
    waiting_replica_.Inc();
    d->Retry(opts_.retry);
    return std::size_t{0};
  }
  d->Ack();
  const std::int64_t now = clock_.NowMillis();
  for (std::int64_t at : d->received) lag_.Observe(static_cast<double>(now - at) / 1000.0);
  loaded_.Inc(d->reads.size());
  return d->reads.size();
}

}  // namespace interdict::cluster
