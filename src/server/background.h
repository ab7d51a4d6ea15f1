// The service's background work on one thread: sending due webhook
// deliveries (woken at once when hits are recorded), keep-alives on the alert
// streams, the stale-hotlist alarm, hit and image retention, the audit trail's
// own retention, the alarm on failed audit writes, the clock's
// synchronization, the read counts of the transparency report, and the
// catalog's WAL checkpoints (on a
// connection of their own, so no request ever pays for copying a large
// write-ahead log back: a hotlist reload writes hundreds of megabytes). Times come from the
// injected clock; the thread waits at most a second between rounds.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "alerting/webhooks.h"
#include "metrics/registry.h"
#include "server/alert_hub.h"
#include "server/api.h"

namespace interdict::server {

class Background {
 public:
  // `checkpointer`: a read-write connection to the catalog, or null.
  Background(ApiContext& ctx, AlertHub& hub, metrics::Registry& metrics,
             alerting::DeliveryPolicy policy, std::chrono::milliseconds webhook_timeout,
             std::unique_ptr<catalog::Database> checkpointer);
  ~Background();  // stops the thread

  void Start();
  void Stop();
  // Asks for a round now (hits were recorded).
  void Wake();

  // One round of each job, on the caller's thread (the thread calls these too).
  int SendDueWebhooks();
  void CheckStaleLists();
  void PurgeHits();
  // Part of PurgeHits: expired images and their files, then the data keys of
  // sealed hits and images that nothing needs any more.
  void PurgeImages();
  void ShredCatalogKeys();
  // Confirmation requests past their deadline go to the owner's supervisors.
  void EscalateConfirmations();
  // Units' positions past their agency's unit-locations retention.
  void PurgeUnitPositions();
  // Operations begun or ended, BOLOs and targets past their expiry ended (and
  // what live reads are checked against reloaded), intelligence records'
  // five-year reviews noted and overdue ones purged.
  void AdvanceIntel();
  // The movement model to DATA/movement.bin (hourly, and at stop).
  void SaveMovementModel();
  // Writes the reads counted since the last round (docs/oversight.md).
  void FlushReadCounts();
  // Applies the review rules to new search entries (docs/oversight.md).
  void SweepReview();
  // Deletes audit entries past the longest agency's audit period, leaving a
  // summary entry and the anchor (docs/security.md, "The audit trail").
  void PurgeAudit();
  // Once a minute, after the purges: the catalog's write-ahead log copied in
  // and truncated to zero bytes, so deleted data leaves no copy there
  // (GOVERNANCE 3; docs/security.md, "How long data lives").
  void TruncateCatalogLog();
  // An error in the log for every audit write that failed since the last
  // round (the metric counts them as they happen).
  void CheckAuditFailures();
  // Reads the clock's synchronization into the gauges; logs a warning when
  // it changes to unsynchronized (and at the first check).
  void CheckClock();

 private:
  void Loop();
  // One attempt at `d`, leased to this server, and its outcome recorded.
  void SendDelivery(const alerting::Delivery& d);

  ApiContext& ctx_;
  AlertHub& hub_;
  std::unique_ptr<catalog::Database> checkpointer_;
  alerting::DeliveryPolicy policy_;
  std::chrono::milliseconds webhook_timeout_;
  metrics::Counter& attempts_;
  metrics::Counter& failures_;
  metrics::Counter& dead_letters_;
  metrics::Gauge& queue_depth_;
  metrics::Gauge& dead_depth_;
  metrics::Gauge& stale_lists_;
  metrics::Gauge& clock_synchronized_;
  metrics::Gauge& clock_offset_;
  metrics::Gauge& clock_max_error_;
  std::set<std::int64_t> stale_;  // lists already reported stale
  std::int64_t audit_failures_seen_ = 0;
  std::optional<bool> clock_was_synchronized_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false, woken_ = false;
  bool catch_up_failing_ = false;  // logged once until it works again
  std::thread thread_;
};

}  // namespace interdict::server
