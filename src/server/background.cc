#include "server/background.h"

#include <fmt/core.h>

#include "alerting/confirmations.h"
#include "alerting/hotlists.h"
#include "alerting/images.h"
#include "alerting/sealing.h"
#include "alerting/webhooks.h"
#include "audit/audit.h"
#include "base/time_sync.h"
#include "catalog/changes.h"
#include "http/client.h"
#include "intel/bolos.h"
#include "intel/operations.h"
#include "intel/records.h"
#include "intel/targets.h"
#include "ops/positions.h"
#include "policy/retention.h"
#include "server/changes.h"

namespace interdict::server {
namespace {

// Deliveries one round sends at most, one after the other.
constexpr int kDeliveriesPerRound = 50;
// A delivery's lease outlasts the attempt's timeout by this much.
constexpr std::int64_t kLeaseMarginMs = 10'000;

}  // namespace

Background::Background(ApiContext& ctx, AlertHub& hub, metrics::Registry& metrics,
                       alerting::DeliveryPolicy policy, std::chrono::milliseconds webhook_timeout,
                       std::unique_ptr<catalog::Database> checkpointer)
    : ctx_(ctx),
      hub_(hub),
      checkpointer_(std::move(checkpointer)),
      policy_(policy),
      webhook_timeout_(webhook_timeout),
      attempts_(
          metrics.GetCounter("interdict_webhook_attempts_total", "Webhook deliveries attempted.")),
      failures_(metrics.GetCounter("interdict_webhook_failures_total",
                                   "Webhook attempts that failed (network error or non-2xx).")),
      dead_letters_(metrics.GetCounter("interdict_webhook_dead_letters_total",
                                       "Webhook deliveries given up after the last attempt.")),
      queue_depth_(metrics.GetGauge("interdict_webhook_queue_depth",
                                    "Webhook deliveries waiting for their next attempt.")),
      dead_depth_(metrics.GetGauge("interdict_webhook_dead_letter_depth",
                                   "Webhook deliveries in the dead-letter state.")),
      stale_lists_(metrics.GetGauge("interdict_hotlists_stale",
                                    "Hotlists older than 24 hours (GOVERNANCE D.18).")),
      clock_synchronized_(metrics.GetGauge(
          "interdict_clock_synchronized",
          "1 when a time daemon disciplines this machine's clock (ntp_adjtime), else 0.")),
      clock_offset_(metrics.GetGauge("interdict_clock_offset_seconds",
                                     "The time daemon's last measured offset of the clock.")),
      clock_max_error_(metrics.GetGauge("interdict_clock_max_error_seconds",
                                        "The kernel's bound on the clock's error.")) {}

Background::~Background() {
  Stop();
}

void Background::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void Background::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Background::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

void Background::Loop() {
  auto last_keepalive = std::chrono::steady_clock::now();
  auto last_stale_check = std::chrono::steady_clock::time_point{};
  auto last_model_save = std::chrono::steady_clock::now();
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stop_ || woken_; });
      if (stop_) return;
      woken_ = false;
    }
    while (SendDueWebhooks() > 0) {
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_) return;
    }
    if (checkpointer_) {
      // PASSIVE: copies what no reader still needs; never blocks a writer.
      if (Status st = checkpointer_->Checkpoint(); !st.ok()) {
        ctx_.log.Warn("catalog checkpoint failed", {{"error", st.message()}});
      }
    }
    const auto now = std::chrono::steady_clock::now();
    // Several servers: a hit recorded by a server that died before announcing it.
    {
      const Status st = hub_.CatchUp();
      if (!st.ok() && !catch_up_failing_)
        ctx_.log.Warn("sending the catalog's new hits to the streams failed; trying on",
                      {{"error", st.message()}});
      catch_up_failing_ = !st.ok();
    }
    if (now - last_keepalive >= std::chrono::seconds(15)) {
      hub_.KeepAlive();
      last_keepalive = now;
    }
    CheckStaleLists();        // a few rows: every round, so the alarm is prompt
    EscalateConfirmations();  // deadlines of minutes: every round too
    CheckAuditFailures();
    FlushReadCounts();
    if (now - last_stale_check >= std::chrono::seconds(60)) {
      PurgeHits();
      PurgeUnitPositions();
      AdvanceIntel();
      SweepReview();
      PurgeAudit();
      TruncateCatalogLog();
      CheckClock();
      last_stale_check = now;
    }
    if (now - last_model_save >= std::chrono::hours(1)) {
      SaveMovementModel();
      last_model_save = now;
    }
  }
}

void Background::EscalateConfirmations() {
  Result<std::int64_t> n = ctx_.catalog->With([&](catalog::Database& db, identity::Accounts&) {
    return alerting::EscalateOverdueConfirmations(db, ctx_.clock.NowMillis());
  });
  if (!n.ok()) {
    ctx_.log.Error("escalating overdue confirmations failed", {{"error", n.status().message()}});
  } else if (*n > 0) {
    ctx_.log.Warn("confirmation requests past their deadline escalated", {{"requests", *n}});
  }
}

void Background::SaveMovementModel() {
  if (!ctx_.movement || ctx_.movement_path.empty()) return;
  if (Status st = ctx_.movement->Save(ctx_.movement_path); !st.ok())
    ctx_.log.Error("saving the movement model failed", {{"error", st.message()}});
}

void Background::PurgeUnitPositions() {
  for (;;) {
    Result<std::int64_t> n = ctx_.catalog->With([&](catalog::Database& db, identity::Accounts&) {
      return ops::PurgeUnitPositions(db, ctx_.clock.NowMillis());
    });
    if (!n.ok()) {
      ctx_.log.Error("purging units' old positions failed", {{"error", n.status().message()}});
      return;
    }
    if (*n < 10'000) return;
  }
}

void Background::AdvanceIntel() {
  const std::int64_t now = ctx_.clock.NowMillis();
  Result<std::int64_t> ops = ctx_.catalog->With([&](catalog::Database& db, identity::Accounts&) {
    return intel::AdvanceOperations(db, now);
  });
  if (!ops.ok())
    ctx_.log.Error("advancing operations' status failed", {{"error", ops.status().message()}});
  // Deconfliction notices' webhook deliveries are kept 30 days once done.
  Result<std::int64_t> events = ctx_.catalog->With([&](catalog::Database& db, identity::Accounts&) {
    return alerting::PurgeEventDeliveries(db, now - 30 * 86'400'000LL);
  });
  if (!events.ok())
    ctx_.log.Error("purging old event deliveries failed", {{"error", events.status().message()}});
  Result<std::int64_t> expired = ctx_.catalog->With(
      [&](catalog::Database& db, identity::Accounts&) { return intel::ExpireTargets(db, now); });
  if (!expired.ok()) {
    ctx_.log.Error("expiring targets failed", {{"error", expired.status().message()}});
  } else if (*expired > 0) {
    if (Status st = Changed(ctx_, catalog::kTargetsTopic); !st.ok())
      ctx_.log.Error("reloading target plates failed", {{"error", st.message()}});
  }
}

void Background::SweepReview() {
  Result<std::size_t> raised = ctx_.catalog->With([&](catalog::Database& db, identity::Accounts&) {
    return oversight::Sweep(db, ctx_.review_rules, ctx_.clock.NowMillis());
  });
  if (!raised.ok()) {
    ctx_.log.Error("the review sweep failed", {{"error", raised.status().message()}});
  } else if (*raised > 0) {
    ctx_.log.Info("review flags raised", {{"flags", std::to_string(*raised)}});
  }
}

void Background::PurgeAudit() {
  const std::int64_t now = ctx_.clock.NowMillis();
  for (;;) {
    Result<std::int64_t> n = ctx_.catalog->With([&](catalog::Database& db, identity::Accounts&) {
      Result<std::int64_t> keep = policy::AuditRetentionMs(db);
      if (!keep.ok()) return keep;
      return audit::PurgeBefore(db, now - *keep, now);
    });
    if (!n.ok()) {
      ctx_.log.Error("purging the audit trail past its retention failed",
                     {{"error", n.status().message()}});
      return;
    }
    if (*n > 0) ctx_.log.Info("audit entries past their retention deleted", {{"entries", *n}});
    if (*n < 10000) return;
  }
}

void Background::TruncateCatalogLog() {
  // On the requests' own connection, under the catalog lock: requests wait at
  // the lock (briefly: the passive checkpoints have copied most of the log in
  // already) instead of meeting a checkpoint that holds SQLite's writer lock,
  // and the checkpoint itself never waits for other connections.
  Result<bool> done = ctx_.catalog->With(
      [](catalog::Database& db, identity::Accounts&) { return db.CheckpointTruncate(); });
  if (!done.ok()) {
    ctx_.log.Warn("truncating the catalog's write-ahead log failed",
                  {{"error", done.status().message()}});
  } else if (!*done) {
    ctx_.log.Debug("the catalog's write-ahead log is in use; truncating it next minute");
  }
}

void Background::CheckAuditFailures() {
  const std::int64_t failures = audit::WriteFailures();
  if (failures == audit_failures_seen_) return;
  ctx_.log.Error("audit writes failed: the acts they recorded were refused",
                 {{"failures", failures - audit_failures_seen_}, {"since_start", failures}});
  audit_failures_seen_ = failures;
}

void Background::CheckClock() {
  Result<TimeSync> sync = ReadTimeSync();
  if (!sync.ok()) {
    ctx_.log.Warn("cannot read the clock's synchronization", {{"error", sync.status().message()}});
    return;
  }
  clock_synchronized_.Set(sync->synchronized ? 1 : 0);
  clock_offset_.Set(sync->offset_s);
  clock_max_error_.Set(sync->max_error_s);
  if (clock_was_synchronized_ != sync->synchronized) {
    if (sync->synchronized) {
      ctx_.log.Info("the clock is synchronized",
                    {{"offset_s", sync->offset_s}, {"max_error_s", sync->max_error_s}});
    } else {
      ctx_.log.Warn(
          "the clock is not synchronized: audit times may be wrong; run a time daemon "
          "(chrony, systemd-timesyncd)",
          {{"offset_s", sync->offset_s}, {"max_error_s", sync->max_error_s}});
    }
    clock_was_synchronized_ = sync->synchronized;
  }
}

void Background::FlushReadCounts() {
  if (ctx_.read_counts.Empty()) return;  // most rounds: no catalog transaction for nothing
  Status st = ctx_.catalog->With(
      [&](catalog::Database& db, identity::Accounts&) { return ctx_.read_counts.Flush(db); });
  if (!st.ok()) ctx_.log.Error("writing read counts failed", {{"error", st.message()}});
}

int Background::SendDueWebhooks() {
  // One delivery at a time, each leased to this server while it is sent:
  // with several servers, each delivery goes out from one (docs/cluster.md).
  std::vector<alerting::Delivery> due;
  for (int i = 0; i < kDeliveriesPerRound; ++i) {
    const std::int64_t now = ctx_.clock.NowMillis();
    const std::int64_t lease_until = now + webhook_timeout_.count() + kLeaseMarginMs;
    Result<std::optional<alerting::Delivery>> next =
        ctx_.catalog->With([&](catalog::Database& db, identity::Accounts&) {
          return alerting::ClaimDelivery(db, ctx_.server_id, now, lease_until);
        });
    if (!next.ok()) {
      ctx_.log.Error("reading the webhook queue failed", {{"error", next.status().message()}});
      break;
    }
    if (!*next) break;
    SendDelivery(**next);
    due.push_back(std::move(**next));
  }
  Result<alerting::QueueDepth> depth = ctx_.catalog->With(
      [&](catalog::Database& db, identity::Accounts&) { return alerting::DeliveryQueueDepth(db); });
  if (depth.ok()) {
    queue_depth_.Set(static_cast<double>(depth->pending));
    dead_depth_.Set(static_cast<double>(depth->dead));
  }
  return static_cast<int>(due.size());
}

void Background::SendDelivery(const alerting::Delivery& d) {
  std::string error;
  // The backoff runs from when the attempt started, not from when its
  // outcome was written down.
  const std::int64_t sent_at = ctx_.clock.NowMillis();
  Result<http::Url> url = http::ParseUrl(d.url);
  if (!url.ok()) {
    error = url.status().message();
  } else {
    http::ClientOptions o = http::ClientOptions::To(url->host, url->port);
    o.tls = url->tls;
    o.timeout = webhook_timeout_;
    http::Client client(o);
    Result<http::ClientResponse> r = client.Send(
        "POST", url->target, d.body,
        {{"Content-Type", "application/json"},
         {"User-Agent", "interdict-webhook"},
         {"X-Interdict-Delivery", std::to_string(d.id)},
         {"X-Interdict-Signature", alerting::SignatureHeader(d.secret, d.body, sent_at / 1000)}});
    if (!r.ok()) {
      error = r.status().message();
    } else if (r->status < 200 || r->status > 299) {
      error = fmt::format("HTTP {}", r->status);
    }
  }
  attempts_.Inc();
  if (!error.empty()) failures_.Inc();
  Result<bool> dead = ctx_.catalog->With([&](catalog::Database& db, identity::Accounts&) {
    return alerting::RecordAttempt(db, d, error.empty(), error, sent_at, policy_);
  });
  if (!dead.ok()) {
    ctx_.log.Error("recording a webhook attempt failed", {{"error", dead.status().message()}});
  } else if (*dead) {
    dead_letters_.Inc();
    ctx_.log.Warn("webhook delivery dead-lettered",
                  {{"delivery", d.id}, {"hit", d.hit_id}, {"error", error}});
  } else if (!error.empty()) {
    ctx_.log.Info("webhook attempt failed; will retry",
                  {{"delivery", d.id}, {"attempt", d.attempts + 1}, {"error", error}});
  }
}

void Background::PurgeHits() {
  for (;;) {
    Result<std::int64_t> n = ctx_.catalog->With([&](catalog::Database& db, identity::Accounts&) {
      return alerting::PurgeExpiredHits(db, ctx_.clock.NowMillis());
    });
    if (!n.ok()) {
      ctx_.log.Error("purging expired hits failed", {{"error", n.status().message()}});
      return;
    }
    if (*n > 0) ctx_.log.Info("hits past their retention deleted", {{"hits", *n}});
    if (*n < 1000) break;
  }
  PurgeImages();
  ShredCatalogKeys();  // whatever the purges above did: each key's own rule decides
}

void Background::PurgeImages() {
  // Images past their retention that no hit keeps; the files go once no
  // agency holds them.
  if (ctx_.images == nullptr) return;
  for (;;) {
    Result<std::vector<alerting::ImageFile>> gone =
        ctx_.catalog->With([&](catalog::Database& db, identity::Accounts&) {
          return alerting::ExpireImages(db, ctx_.clock.NowMillis());
        });
    if (!gone.ok()) {
      ctx_.log.Error("purging expired images failed", {{"error", gone.status().message()}});
      return;
    }
    for (const alerting::ImageFile& file : *gone) {
      if (Status st = alerting::RemoveImageFile(*ctx_.images, file); !st.ok()) {
        ctx_.log.Error("removing an image file failed",
                       {{"image", file.address}, {"agency", file.agency}, {"error", st.message()}});
      }
    }
    if (gone->size() < 1000) return;
  }
}

void Background::ShredCatalogKeys() {
  // Sealed hits and images: the keys of expired buckets no row names.
  if (ctx_.keys == nullptr) return;
  for (const char* data_class : {"hits", "images"}) {
    Result<std::int64_t> shredded =
        ctx_.catalog->With([&](catalog::Database& db, identity::Accounts&) {
          return alerting::ShredExpiredKeys(db, *ctx_.keys, data_class, ctx_.clock.NowMillis());
        });
    if (!shredded.ok()) {
      ctx_.log.Error("destroying the data keys of expired catalog rows failed",
                     {{"class", data_class}, {"error", shredded.status().message()}});
    } else if (*shredded > 0) {
      ctx_.log.Info("the data keys of expired catalog rows destroyed",
                    {{"class", data_class}, {"keys", *shredded}});
    }
  }
}

void Background::CheckStaleLists() {
  const std::int64_t now = ctx_.clock.NowMillis();
  Result<std::vector<alerting::StaleList>> stale = ctx_.catalog->With(
      [&](catalog::Database& db, identity::Accounts&) { return alerting::StaleLists(db, now); });
  if (!stale.ok()) {
    ctx_.log.Error("checking hotlist ages failed", {{"error", stale.status().message()}});
    return;
  }
  std::set<std::int64_t> now_stale;
  for (const alerting::StaleList& s : *stale) {
    now_stale.insert(s.id);
    if (stale_.count(s.id) == 0) {
      ctx_.log.Warn("hotlist is older than 24 hours: its hits may be stale",
                    {{"hotlist", s.id},
                     {"agency", s.agency},
                     {"name", s.name},
                     {"age_h", s.age_ms / 3'600'000}});
    }
  }
  stale_ = std::move(now_stale);
  stale_lists_.Set(static_cast<double>(stale_.size()));
}

}  // namespace interdict::server
