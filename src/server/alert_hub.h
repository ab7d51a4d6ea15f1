// The live alert stream: GET /api/v1/alerts/stream subscribers (server-sent
// events), each for one agency; a hit goes to the subscribers of the agencies
// it was recorded for. Keep-alive comments every few seconds find clients
// that went away.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "alerting/hits.h"
#include "http/event_stream.h"
#include "metrics/registry.h"

namespace interdict::server {

class AlertHub {
 public:
  explicit AlertHub(metrics::Registry& metrics);
  ~AlertHub();

  // A new subscriber for `agency_id`'s alerts; the stream starts with a
  // "retry" hint. Thread-safe.
  std::shared_ptr<http::EventStream> Subscribe(std::int64_t agency_id);
  // Sends a hit this server raised to every subscriber of its recipients
  // ("event: hit"), and to the relay (the other servers' streams) when set.
  void Publish(const alerting::RecordedHit& hit);
  // Sends a hit to this server's subscribers only (one another server raised).
  void Deliver(const alerting::RecordedHit& hit);
  // Where Publish hands every live hit after its own subscribers: set once,
  // before requests (Service, with cluster.nats.url).
  void SetRelay(std::function<void(const alerting::RecordedHit&)> relay) {
    relay_ = std::move(relay);
  }
  // A comment line to every subscriber; drops those that are gone.
  void KeepAlive();
  // Ends every stream (at shutdown).
  void CloseAll();
  std::size_t subscribers() const;

  // The SSE frame of a hit: "id: 7\nevent: hit\ndata: {...}\n\n".
  static std::string Frame(const alerting::RecordedHit& hit);

 private:
  struct Subscriber {
    std::int64_t agency_id;
    std::shared_ptr<http::EventStream> stream;
  };
  mutable std::mutex mu_;
  std::vector<Subscriber> subs_;
  std::function<void(const alerting::RecordedHit&)> relay_;
  metrics::Gauge& open_;
  metrics::Counter& sent_;
};

}  // namespace interdict::server
