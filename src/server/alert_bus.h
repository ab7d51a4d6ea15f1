// Live alerts across servers (decision 0034): every hit this server raises is
// announced on NATS, and every hit another server raised reaches this
// server's alert streams. A message names the hit only; the receiving server
// reads the hit and its recipients from the catalog, so nothing on the bus
// can make up a hit or its audience. The catalog, not NATS, is the record: a
// stream that reconnects with Last-Event-ID is replayed from it, on any server.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>

#include "alerting/hits.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/status.h"
#include "metrics/registry.h"
#include "server/alert_hub.h"

namespace interdict::server {

// The hits a server pushed lately, so that one announced twice (a resent
// message, or someone replaying the bus) reaches the streams once. Holds the
// last `capacity` ids.
class RecentHits {
 public:
  explicit RecentHits(std::size_t capacity) : capacity_(capacity) {}
  // True the first time `id` is seen among the last `capacity` ids.
  bool FirstTime(std::int64_t id);

 private:
  std::size_t capacity_;
  std::deque<std::int64_t> order_;
  std::unordered_set<std::int64_t> seen_;
};

class AlertBus {
 public:
  // Reads a hit another server raised from the catalog (nothing when there
  // is none).
  using HitLoader = std::function<Result<std::optional<alerting::RecordedHit>>(std::int64_t)>;

  // Connects to `urls` (comma-separated) and subscribes; hits that arrive are
  // loaded with `load` and go to `hub`. Reconnects by itself for as long as
  // the server runs.
  static Result<std::unique_ptr<AlertBus>> Connect(const std::string& urls,
                                                   const std::string& token, AlertHub& hub,
                                                   HitLoader load, const Clock& clock, Logger& log,
                                                   metrics::Registry& metrics);
  ~AlertBus();
  AlertBus(const AlertBus&) = delete;
  AlertBus& operator=(const AlertBus&) = delete;

  // Publishes a hit this server raised. Never blocks a request for long: a
  // failure is logged and counted, and the hit stays in the catalog.
  void Send(const alerting::RecordedHit& hit);

  // The message on the wire, {"hit":7,"raised_at":1800000000000}, and back.
  struct Message {
    std::int64_t hit = 0;
    std::int64_t raised_at = 0;  // epoch ms, the raising server's clock
  };
  static std::string Encode(const Message& m);
  static Result<Message> Decode(std::string_view text);

 private:
  struct Impl;
  explicit AlertBus(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace interdict::server
