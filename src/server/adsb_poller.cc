#include "server/adsb_poller.h"

#include <algorithm>
#include <numeric>

#include <fmt/core.h>

#include "http/client.h"
#include "identity/directory.h"
#include "ops/adsb.h"
#include "ops/positions.h"

namespace interdict::server {

AdsbPoller::AdsbPoller(ApiContext& ctx, config::UnitsConfig config, metrics::Registry& metrics)
    : ctx_(ctx),
      config_(std::move(config)),
      polls_(metrics.GetCounter("interdict_adsb_polls_total",
                                "Polls of the ADS-B receiver (units.adsb_url).")),
      failures_(metrics.GetCounter("interdict_adsb_poll_failures_total",
                                   "Polls of the ADS-B receiver that failed.")) {}

AdsbPoller::~AdsbPoller() {
  Stop();
}

Status AdsbPoller::Start() {
  Result<http::Url> url = http::ParseUrl(config_.adsb_url);
  if (!url.ok()) return url.status().WithContext("units.adsb_url: ");
  Result<std::optional<identity::AgencyRef>> agency =
      ctx_.catalog->With([&](catalog::Database& db, identity::Accounts&) {
        return identity::FindAgency(db, config_.adsb_agency);
      });
  if (!agency.ok()) return agency.status();
  if (!*agency)
    return Status::InvalidArgument(
        fmt::format("units.adsb_agency: no agency '{}'", config_.adsb_agency));
  receiver_.kind = identity::Principal::Kind::kIntegration;
  receiver_.name = "ADS-B receiver (units.adsb_url)";
  receiver_.agency_id = (*agency)->id;
  receiver_.agency_code = (*agency)->code;
  receiver_.agency_state = (*agency)->state;
  receiver_.agency_kind = (*agency)->kind;
  receiver_.permissions = {"units.report"};
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void AdsbPoller::Stop() {
  {
    std::lock_guard l(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Result<std::size_t> AdsbPoller::PollOnce() {
  Result<http::Url> url = http::ParseUrl(config_.adsb_url);
  if (!url.ok()) return url.status();
  http::ClientOptions o = http::ClientOptions::To(url->host, url->port);
  o.tls = url->tls;
  o.timeout = std::chrono::milliseconds(std::clamp(config_.adsb_poll_ms, 1'000, 10'000));
  o.max_body_bytes = ops::kMaxAircraftJsonBytes;
  http::Client client(o);
  Result<http::ClientResponse> r = client.Send("GET", url->target, "", {});
  if (!r.ok()) return r.status();
  if (r->status != 200)
    return Status::Unavailable(fmt::format("the receiver answered HTTP {}", r->status));
  Result<ops::AdsbParse> a = ops::ParseAircraftJson(r->body);
  if (!a.ok()) return a.status();
  std::vector<std::size_t> indices(a->positions.size());
  std::iota(indices.begin(), indices.end(), std::size_t{0});
  Result<ops::RecordedPositions> rec =
      ctx_.catalog->With([&](catalog::Database& db, identity::Accounts&) {
        return ops::RecordPositions(db, receiver_, a->positions, indices, ctx_.clock.NowMillis());
      });
  if (!rec.ok()) return rec.status();
  return rec->accepted;
}

void AdsbPoller::Run() {
  std::unique_lock l(mu_);
  while (!stop_) {
    l.unlock();
    polls_.Inc();
    Result<std::size_t> n = PollOnce();
    if (!n.ok()) {
      failures_.Inc();
      if (!failing_)
        ctx_.log.Warn("polling the ADS-B receiver failed; trying on",
                      {{"url", config_.adsb_url}, {"error", n.status().message()}});
    } else if (failing_) {
      ctx_.log.Info("the ADS-B receiver answers again", {{"url", config_.adsb_url}});
    }
    failing_ = !n.ok();
    l.lock();
    wake_.wait_for(l, std::chrono::milliseconds(config_.adsb_poll_ms), [this] { return stop_; });
  }
}

}  // namespace interdict::server
