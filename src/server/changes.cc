#include "server/changes.h"

#include <fmt/core.h>

#include "catalog/changes.h"

namespace interdict::server {
namespace {

// Notes that this server's memory holds `generation` of `topic` (never goes back).
void Hold(ApiContext& ctx, std::string_view topic, std::int64_t generation) {
  std::lock_guard l(ctx.generations_mu);
  auto it = ctx.generations.find(topic);
  if (it == ctx.generations.end()) {
    ctx.generations.emplace(std::string(topic), generation);
  } else if (it->second < generation) {
    it->second = generation;
  }
}

}  // namespace

Status Reload(ApiContext& ctx, std::string_view topic) {
  if (topic == catalog::kHotlistsTopic) return RebuildHotlistIndex(ctx);
  if (topic == catalog::kConfidentialTopic) return ReloadConfidentialPlates(ctx);
  if (topic == catalog::kRetentionTopic) return ApplyRetentionToStore(ctx);
  if (topic == catalog::kTargetsTopic) return ReloadTargetPlates(ctx);
  if (topic == catalog::kBolosTopic) return ReloadVehicleBolos(ctx);
  if (topic == catalog::kCamerasTopic) {
    ctx.cameras.Invalidate();
    return Status::Ok();
  }
  return Status::Internal(fmt::format("no reload for the topic '{}'", topic));
}

Status Changed(ApiContext& ctx, std::string_view topic, bool reload_here) {
  // Read before reloading: what is loaded after is at least this generation.
  Result<std::map<std::string, catalog::Generation>> now = ctx.catalog->With(
      [&](catalog::Database& db, identity::Accounts&) { return catalog::Generations(db); });
  if (!now.ok()) return now.status();
  const auto it = now->find(std::string(topic));
  if (it == now->end()) return Status::Internal(fmt::format("no change topic '{}'", topic));
  const std::int64_t generation = it->second.generation;
  if (reload_here) {
    INTERDICT_RETURN_IF_ERROR(Reload(ctx, topic));
    Hold(ctx, topic, generation);
    return Status::Ok();
  }
  // Our change is one step; more than one since the last held means another
  // server's change too, which the watcher loads.
  std::lock_guard l(ctx.generations_mu);
  auto held = ctx.generations.find(topic);
  if (held != ctx.generations.end() && held->second == generation - 1) held->second = generation;
  return Status::Ok();
}

Status TakeCurrentGenerations(ApiContext& ctx) {
  Result<std::map<std::string, catalog::Generation>> now = ctx.catalog->With(
      [&](catalog::Database& db, identity::Accounts&) { return catalog::Generations(db); });
  if (!now.ok()) return now.status();
  for (const auto& [topic, g] : *now) Hold(ctx, topic, g.generation);
  return Status::Ok();
}

ChangeWatcher::ChangeWatcher(ApiContext& ctx, std::unique_ptr<catalog::Database> db,
                             metrics::Registry& metrics, std::chrono::milliseconds every)
    : ctx_(ctx),
      db_(std::move(db)),
      lag_(metrics.GetHistogram(
          "interdict_cluster_change_lag_seconds",
          "From a change of shared state on any server to this server holding it (hotlists, "
          "confidential plates, retention, cameras; docs/cluster.md).",
          {0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5, 10})),
      every_(every) {}

ChangeWatcher::~ChangeWatcher() {
  Stop();
}

void ChangeWatcher::Start() {
  thread_ = std::thread([this] {
    std::unique_lock l(mu_);
    while (!stop_) {
      l.unlock();
      Result<int> polled = PollOnce();
      // Once when it starts failing (a failover takes seconds) and once when it works again.
      if (!polled.ok() && !failing_)
        ctx_.log.Error("watching the catalog's changes failed; trying on",
                       {{"error", polled.status().message()}});
      if (polled.ok() && failing_) ctx_.log.Info("watching the catalog's changes again");
      failing_ = !polled.ok();
      l.lock();
      cv_.wait_for(l, every_, [this] { return stop_; });
    }
  });
}

void ChangeWatcher::Stop() {
  {
    std::lock_guard l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Result<int> ChangeWatcher::PollOnce() {
  Result<std::map<std::string, catalog::Generation>> now = catalog::Generations(*db_);
  if (!now.ok()) return now.status();
  int reloaded = 0;
  for (const auto& [topic, g] : *now) {
    {
      std::lock_guard l(ctx_.generations_mu);
      auto it = ctx_.generations.find(topic);
      if (it != ctx_.generations.end() && it->second >= g.generation) continue;
    }
    INTERDICT_RETURN_IF_ERROR(
        Reload(ctx_, topic).WithContext(fmt::format("reloading {}: ", topic)));
    Hold(ctx_, topic, g.generation);
    ++reloaded;
    const std::int64_t lag = ctx_.clock.NowMillis() - g.changed_at;
    lag_.Observe(static_cast<double>(std::max<std::int64_t>(lag, 0)) / 1000.0);
    ctx_.log.Info("reloaded after a change on another server",
                  {{"topic", topic}, {"generation", std::to_string(g.generation)}});
  }
  return reloaded;
}

}  // namespace interdict::server
