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
#include <string_view>
#include <vector>

#include "alerting/hits.h"
#include "base/status.h"
#include "http/event_stream.h"
#include "metrics/registry.h"

namespace interdict::server {

class AlertHub {
 public:
  explicit AlertHub(metrics::Registry& metrics);
  ~AlertHub();

  using Hits = std::vector<alerting::RecordedHit>;
  // A new subscriber for `agency_id`'s alerts: the stream starts with a
  // "retry" hint, then the hits `replay` returns (what a reconnecting client
  // missed, oldest first), then live ones. No hit is delivered while `replay`
  // runs, so none falls between the two. When the replay returns
  // `replay_limit` hits or more, there may be more: the stream ends after
  // them, and the client comes back with the last one's id for the next.
  // Thread-safe.
  Result<std::shared_ptr<http::EventStream>> Subscribe(std::int64_t agency_id,
                                                       const std::function<Result<Hits>()>& replay,
                                                       std::size_t replay_limit);
  // Sends the hits this server raised (one ingest batch's) to every
  // subscriber of their recipients ("event: hit"), and to the relay (the
  // other servers' streams) when set. With an ordered source, one catch-up
  // for the whole batch.
  void Publish(const Hits& hits);
  // Sends a hit to this server's subscribers only (one another server raised).
  void Deliver(const alerting::RecordedHit& hit);

  // Several servers (decision 0034): from now on every stream receives the
  // catalog's live hits in id order, whichever server raised them. `after`
  // returns the live hits after an id, oldest first; `delivered_through` is
  // the newest hit at start. Publish and Deliver then only wake CatchUp, which
  // reads what is new and sends it; each stream gets only ids above the last
  // it got, so a client's Last-Event-ID never skips a hit. Set once, before
  // requests.
  void SetOrderedSource(std::function<Result<Hits>(std::int64_t after)> after,
                        std::int64_t delivered_through);
  // With an ordered source: sends every live hit recorded since the last
  // catch-up. Called when a hit is raised here or announced by another
  // server, and every second, for a hit whose server died between recording
  // and announcing it.
  Status CatchUp();
  // Where Publish hands every live hit after its own subscribers: set once,
  // before requests (Service, with cluster.nats.url).
  void SetRelay(std::function<void(const alerting::RecordedHit&)> relay) {
    relay_ = std::move(relay);
  }
  // A live notice to this server's subscribers of one agency ("event:
  // <event>", no id: it is not replayed; the catalog keeps what it says, and
  // a reconnecting client reads it there). Dispatch sends a unit's
  // assignment with its point this way.
  void Announce(std::int64_t agency_id, std::string_view event, const std::string& json);
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
    std::int64_t last_id = 0;  // with an ordered source: the newest hit it was sent
  };
  void Send(const Hits& hits);  // Publish and Deliver, to this server's streams
  void DeliverLocked(const alerting::RecordedHit& hit);  // mu_ held
  std::mutex order_mu_;                                  // one catch-up at a time; taken before mu_
  std::function<Result<Hits>(std::int64_t after)> source_;
  std::int64_t delivered_through_ = 0;  // under order_mu_
  mutable std::mutex mu_;
  std::vector<Subscriber> subs_;
  std::function<void(const alerting::RecordedHit&)> relay_;
  metrics::Gauge& open_;
  metrics::Counter& sent_;
};

}  // namespace interdict::server
