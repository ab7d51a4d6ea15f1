#include "cluster/purger.h"

#include <fstream>

#include "base/json_writer.h"
#include "base/time_format.h"

namespace interdict::cluster {

Purger::Purger(ReadStream& stream, ClickHouseReads& tables, const Clock& clock, Logger& log,
               metrics::Registry& metrics, std::string report, std::string holder,
               std::chrono::milliseconds every)
    : stream_(stream),
      tables_(tables),
      clock_(clock),
      dropped_(metrics.GetCounter("interdict_cluster_partitions_dropped_total",
                                  "Weeks of reads dropped whole by this server's purges.")),
      deletes_(metrics.GetCounter("interdict_cluster_purge_deletes_total",
                                  "Deletes of expired reads this server's purges issued.")),
      report_(std::move(report)),
      holder_(std::move(holder)),
      every_(every),
      worker_(
          "the cluster's purge", log, [this] { return PurgeOnce().status(); },
          [this](const Status&) { return every_; }) {}

void Purger::Start() {
  worker_.Start(every_);
}

Result<bool> Purger::PurgeOnce() {
  Result<bool> leading = stream_.Lead("purge", holder_);
  if (!leading.ok() || !*leading) return leading;
  Result<ClusterPurge> done = tables_.Purge();
  if (!done.ok()) return done.status();
  if (done->dropped_partitions.empty() && done->deleted_before.empty()) return true;
  const std::string at = FormatRfc3339(clock_.NowMillis());
  std::string lines;
  for (const std::string& p : done->dropped_partitions) {
    lines += json::Object("purged_at", at, "action", "dropped_partition", "partition", p, "server",
                          holder_) +
             "\n";
  }
  for (const auto& [agency, before] : done->deleted_before) {
    lines += json::Object("purged_at", at, "action", "deleted", "agency", agency, "before",
                          FormatRfc3339(before), "server", holder_) +
             "\n";
  }
  dropped_.Inc(done->dropped_partitions.size());
  deletes_.Inc(done->deleted_before.size());
  std::ofstream out(report_, std::ios::app);
  out << lines;
  out.flush();
  if (!out) return Status::IOError("cannot append to the purge report " + report_);
  return true;
}

}  // namespace interdict::cluster
