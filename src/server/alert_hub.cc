#include "server/alert_hub.h"

#include <algorithm>

#include <fmt/core.h>

namespace interdict::server {

AlertHub::AlertHub(metrics::Registry& metrics)
    : open_(
          metrics.GetGauge("interdict_alert_streams", "Open alert streams (server-sent events).")),
      sent_(metrics.GetCounter("interdict_alerts_streamed_total",
                               "Hit alerts written to alert streams.")) {}

AlertHub::~AlertHub() {
  CloseAll();
}

Result<std::shared_ptr<http::EventStream>> AlertHub::Subscribe(
    std::int64_t agency_id, const std::function<Result<Hits>()>& replay, std::size_t replay_limit) {
  std::lock_guard<std::mutex> order(order_mu_);
  std::lock_guard<std::mutex> lock(mu_);
  Result<Hits> missed = replay();
  if (!missed.ok()) return missed.status();
  auto stream = std::make_shared<http::EventStream>();
  stream->Push("retry: 3000\n: connected\n\n");
  Subscriber s{agency_id, stream};
  for (const alerting::RecordedHit& h : *missed) {
    stream->Push(Frame(h));
    s.last_id = std::max(s.last_id, h.id);
  }
  if (missed->size() >= replay_limit) {
    stream->Close();  // more may follow: the client asks again from the last
    return stream;
  }
  // Hits the catch-up already sent to others came before this subscriber;
  // those it will send next are new to it (or replayed, and skipped).
  if (source_) s.last_id = std::max(s.last_id, delivered_through_);
  subs_.push_back(std::move(s));
  open_.Set(static_cast<double>(subs_.size()));
  return stream;
}

void AlertHub::SetOrderedSource(std::function<Result<Hits>(std::int64_t after)> after,
                                std::int64_t delivered_through) {
  std::lock_guard<std::mutex> order(order_mu_);
  source_ = std::move(after);
  delivered_through_ = delivered_through;
}

Status AlertHub::CatchUp() {
  std::lock_guard<std::mutex> order(order_mu_);
  if (!source_) return Status::Ok();
  for (;;) {
    Result<Hits> hits = source_(delivered_through_);
    if (!hits.ok()) return hits.status();
    if (hits->empty()) return Status::Ok();
    std::lock_guard<std::mutex> lock(mu_);
    for (const alerting::RecordedHit& h : *hits) {
      DeliverLocked(h);
      delivered_through_ = std::max(delivered_through_, h.id);
    }
  }
}

std::string AlertHub::Frame(const alerting::RecordedHit& hit) {
  return fmt::format("id: {}\nevent: hit\ndata: {}\n\n", hit.id, hit.json);
}

void AlertHub::Publish(const Hits& hits) {
  if (relay_)
    for (const alerting::RecordedHit& hit : hits)
      if (hit.live) relay_(hit);
  Send(hits);
}

void AlertHub::Deliver(const alerting::RecordedHit& hit) {
  Send({hit});
}

void AlertHub::Send(const Hits& hits) {
  if (std::none_of(hits.begin(), hits.end(), [](const auto& h) { return h.live; })) return;
  {
    std::lock_guard<std::mutex> order(order_mu_);
    if (!source_) {
      std::lock_guard<std::mutex> lock(mu_);
      for (const alerting::RecordedHit& hit : hits)
        if (hit.live) DeliverLocked(hit);
      return;
    }
  }
  // Ordered: the catalog says what is new, in order, once for the batch. A
  // failure here is retried by the next catch-up (every second at most).
  (void)CatchUp();
}

void AlertHub::DeliverLocked(const alerting::RecordedHit& hit) {
  const std::string frame = Frame(hit);
  for (Subscriber& s : subs_) {
    if (std::find(hit.recipients.begin(), hit.recipients.end(), s.agency_id) ==
        hit.recipients.end()) {
      continue;
    }
    if (source_) {
      if (hit.id <= s.last_id) continue;  // replayed to it already
      s.last_id = hit.id;
    }
    if (s.stream->Push(frame)) sent_.Inc();
  }
}

void AlertHub::Announce(std::int64_t agency_id, std::string_view event, const std::string& json) {
  const std::string frame = fmt::format("event: {}\ndata: {}\n\n", event, json);
  std::lock_guard<std::mutex> lock(mu_);
  std::erase_if(subs_, [&](const Subscriber& s) {
    return s.agency_id == agency_id && !s.stream->Push(frame);
  });
  open_.Set(static_cast<double>(subs_.size()));
}

void AlertHub::KeepAlive() {
  std::lock_guard<std::mutex> lock(mu_);
  std::erase_if(subs_, [](const Subscriber& s) { return !s.stream->Push(": keep-alive\n\n"); });
  open_.Set(static_cast<double>(subs_.size()));
}

void AlertHub::CloseAll() {
  std::lock_guard<std::mutex> lock(mu_);
  for (const Subscriber& s : subs_) s.stream->Close();
  subs_.clear();
  open_.Set(0);
}

std::size_t AlertHub::subscribers() const {
  std::lock_guard<std::mutex> lock(mu_);
  return subs_.size();
}

}  // namespace interdict::server
