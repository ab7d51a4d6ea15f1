#include "server/alert_bus.h"

#include <nats/nats.h>
#include <rapidjson/document.h>

#include <bit>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "base/json.h"
#include "base/json_writer.h"
#include "cluster/nats.h"

namespace interdict::server {
namespace {

constexpr const char* kSubject = "interdict.hits";
// What waits for this server's handler, at most: past it NATS drops messages
// (a slow consumer) and counts them, rather than growing without bound.
constexpr int kPendingMessages = 10'000;
constexpr int kPendingBytes = 4 << 20;
// Hits remembered to push each once.
constexpr std::size_t kRecentHits = 10'000;

}  // namespace

struct AlertBus::Impl {
  AlertHub& hub;
  HitLoader load;
  const Clock& clock;
  Logger& log;
  metrics::Counter& published;
  metrics::Counter& failures;
  metrics::Counter& received;
  metrics::Counter& refused;
  metrics::Histogram& fanout;
  natsOptions* options = nullptr;
  natsConnection* connection = nullptr;
  natsSubscription* subscription = nullptr;
  // The handler's alone (NATS runs one handler at a time per subscription).
  RecentHits recent{kRecentHits};
  std::uint64_t refusals = 0;

  ~Impl() {
    if (subscription != nullptr) {
      // Drained: no handler runs once this returns, so none touches what is gone.
      if (natsSubscription_Drain(subscription) == NATS_OK)
        natsSubscription_WaitForDrainCompletion(subscription, 2000);
      natsSubscription_Destroy(subscription);
    }
    if (connection != nullptr) {
      natsConnection_Close(connection);
      natsConnection_Destroy(connection);
    }
    if (options != nullptr) natsOptions_Destroy(options);
  }

  static void OnConnected(natsConnection*, void* closure) {
    static_cast<Impl*>(closure)->log.Info("connected to NATS: live alerts cross servers");
  }

  // Counts a refused message; logs the 1st, 2nd, 4th, 8th … so that a flood
  // of them cannot flood the log too.
  void Refuse(std::string_view why, std::string_view detail) {
    refused.Inc();
    if (std::has_single_bit(++refusals))
      log.Warn("a message on the alert bus was refused",
               {{"why", std::string(why)},
                {"detail", std::string(detail)},
                {"refused_so_far", std::to_string(refusals)}});
  }

  // On the client library's thread: a hit another server raised.
  static void OnMessage(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
    auto* self = static_cast<Impl*>(closure);
    Result<Message> m = AlertBus::Decode(std::string_view(
        natsMsg_GetData(msg), static_cast<std::size_t>(natsMsg_GetDataLength(msg))));
    natsMsg_Destroy(msg);
    if (!m.ok()) return self->Refuse("not an alert message", m.status().message());
    if (!self->recent.FirstTime(m->hit))
      return self->Refuse("announced before: pushed once already", std::to_string(m->hit));
    Result<std::optional<alerting::RecordedHit>> hit = self->load(m->hit);
    if (!hit.ok() || !*hit)
      return self->Refuse(
          "names no live hit of the catalog",
          fmt::format("hit {}: {}", m->hit, hit.ok() ? "none" : hit.status().message()));
    self->received.Inc();
    self->hub.Deliver(**hit);
    const std::int64_t lag = self->clock.NowMillis() - m->raised_at;
    self->fanout.Observe(static_cast<double>(std::max<std::int64_t>(lag, 0)) / 1000.0);
  }
};

AlertBus::AlertBus(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AlertBus::~AlertBus() = default;

Result<std::unique_ptr<AlertBus>> AlertBus::Connect(const std::string& urls,
                                                    const std::string& token, AlertHub& hub,
                                                    HitLoader load, const Clock& clock, Logger& log,
                                                    metrics::Registry& metrics) {
  auto impl = std::unique_ptr<Impl>(new Impl{
      hub, std::move(load), clock, log,
      metrics.GetCounter("interdict_cluster_alerts_published_total",
                         "Hits this server published to the other servers' streams (NATS)."),
      metrics.GetCounter("interdict_cluster_alert_publish_failures_total",
                         "Hits that could not be published to the other servers (they stay in "
                         "the catalog and are replayed on reconnect)."),
      metrics.GetCounter("interdict_cluster_alerts_received_total",
                         "Hits other servers raised, pushed to this server's streams."),
      metrics.GetCounter("interdict_cluster_alert_messages_refused_total",
                         "Messages on the alert subject refused: not a message, naming no "
                         "live hit of the catalog, or a hit announced before."),
      metrics.GetHistogram("interdict_cluster_alert_fanout_seconds",
                           "From a hit raised on another server to its push on this one.",
                           {0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1})});
  Result<natsOptions*> options = cluster::NatsOptions(urls, token, "cluster.nats.url");
  if (!options.ok()) return options.status();
  impl->options = *options;
  natsOptions* o = impl->options;
  // Never our own hits back: this server pushed them already.
  natsOptions_SetNoEcho(o, true);
  // A server starts while NATS is away, and connects when it is back: the
  // callback makes the first connection happen in the background.
  natsOptions_SetRetryOnFailedConnect(o, true, &Impl::OnConnected, impl.get());
  natsStatus s = natsConnection_Connect(&impl->connection, o);
  if (s != NATS_OK && s != NATS_NOT_YET_CONNECTED)
    return cluster::NatsError(s, "connecting to " + urls);
  s = natsConnection_Subscribe(&impl->subscription, impl->connection, kSubject, &Impl::OnMessage,
                               impl.get());
  if (s != NATS_OK) return cluster::NatsError(s, "subscribing");
  natsSubscription_SetPendingLimits(impl->subscription, kPendingMessages, kPendingBytes);
  log.Info("live alerts cross servers on NATS", {{"urls", urls}});
  return std::unique_ptr<AlertBus>(new AlertBus(std::move(impl)));
}

void AlertBus::Send(const alerting::RecordedHit& hit) {
  const std::string message = Encode({hit.id, impl_->clock.NowMillis()});
  const natsStatus s = natsConnection_Publish(impl_->connection, kSubject, message.data(),
                                              static_cast<int>(message.size()));
  if (s == NATS_OK) {
    impl_->published.Inc();
    return;
  }
  impl_->failures.Inc();
  impl_->log.Warn(
      "a hit could not be published to the other servers",
      {{"hit", std::to_string(hit.id)}, {"error", cluster::NatsError(s, "publish").message()}});
}

bool RecentHits::FirstTime(std::int64_t id) {
  if (!seen_.insert(id).second) return false;
  order_.push_back(id);
  if (order_.size() > capacity_) {
    seen_.erase(order_.front());
    order_.pop_front();
  }
  return true;
}

std::string AlertBus::Encode(const Message& m) {
  return json::Object("hit", m.hit, "raised_at", m.raised_at);
}

Result<AlertBus::Message> AlertBus::Decode(std::string_view text) {
  if (text.size() > 256) return Status::InvalidArgument("an alert message is under 256 bytes");
  rapidjson::Document d;
  INTERDICT_RETURN_IF_ERROR(json::Parse(text, &d));
  if (!d.IsObject()) return Status::InvalidArgument("an alert message is a JSON object");
  const auto hit = d.FindMember("hit");
  const auto at = d.FindMember("raised_at");
  if (hit == d.MemberEnd() || !hit->value.IsInt64() || hit->value.GetInt64() <= 0)
    return Status::InvalidArgument("hit: a hit's number");
  if (at == d.MemberEnd() || !at->value.IsInt64())
    return Status::InvalidArgument("raised_at: epoch milliseconds");
  return Message{hit->value.GetInt64(), at->value.GetInt64()};
}

}  // namespace interdict::server
