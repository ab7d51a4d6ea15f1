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

std::shared_ptr<http::EventStream> AlertHub::Subscribe(std::int64_t agency_id) {
  auto stream = std::make_shared<http::EventStream>();
  stream->Push("retry: 3000\n: connected\n\n");
  std::lock_guard<std::mutex> lock(mu_);
  subs_.push_back({agency_id, stream});
  open_.Set(static_cast<double>(subs_.size()));
  return stream;
}

std::string AlertHub::Frame(const alerting::RecordedHit& hit) {
  return fmt::format("id: {}\nevent: hit\ndata: {}\n\n", hit.id, hit.json);
}

void AlertHub::Publish(const alerting::RecordedHit& hit) {
  if (!hit.live) return;
  Deliver(hit);
  if (relay_) relay_(hit);
}

void AlertHub::Deliver(const alerting::RecordedHit& hit) {
  if (!hit.live) return;
  const std::string frame = Frame(hit);
  std::lock_guard<std::mutex> lock(mu_);
  for (const Subscriber& s : subs_) {
    if (std::find(hit.recipients.begin(), hit.recipients.end(), s.agency_id) ==
        hit.recipients.end()) {
      continue;
    }
    if (s.stream->Push(frame)) sent_.Inc();
  }
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
