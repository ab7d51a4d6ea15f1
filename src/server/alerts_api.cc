// The live alert stream and CAD webhooks (issue 5; docs/format/ingest.md).
#include <fmt/core.h>

#include "alerting/webhooks.h"
#include "base/time_format.h"
#include "http/event_stream.h"
#include "server/alert_hub.h"
#include "server/api.h"
#include "server/json_writer.h"
#include "server/route_util.h"

namespace interdict::server {

namespace {
constexpr int kReplayLimit = 1000;  // hits replayed to a reconnecting stream at once
}  // namespace

void AddAlertRoutes(http::Router& router, ApiContext& ctx) {
  // Server-sent events: every live hit the caller's agency receives, as it is
  // recorded. A reconnecting client sends Last-Event-ID and first gets what it
  // missed, up to 1,000 hits; when there were that many, the stream ends after
  // them and the client asks again from the last one.
  router.Add(
      {"GET", "/api/v1/alerts/stream", http::AccessRule::Requires("hits.read"),
       [&ctx](const http::Request& req, const http::PathParams&) {
         const identity::Principal& p = Caller(req);
         std::optional<std::int64_t> last;
         if (std::string_view h = req.Header("Last-Event-ID"); !h.empty()) {
           last = ParseNumber(h);
           if (!last) {
             return ErrorResponse(Status::InvalidArgument("Last-Event-ID: a hit id"));
           }
         }
         std::size_t replayed = 0;
         // The replay runs inside the subscription, so no live hit
         // falls between what it returns and what follows.
         Result<std::shared_ptr<http::EventStream>> stream = ctx.hub->Subscribe(
             p.agency_id,
             [&]() -> Result<AlertHub::Hits> {
               if (!last) return AlertHub::Hits{};
               Result<AlertHub::Hits> r =
                   ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
                     return alerting::HitsAfter(db, p, *last, kReplayLimit, ctx.clock.NowMillis());
                   });
               if (r.ok()) replayed = r->size();
               return r;
             },
             kReplayLimit);
         if (!stream.ok()) return Failed(ctx, stream.status(), "replaying hits failed");
         Status audited = ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
           return db.Transaction([&] {
             return identity::AuditAct(db, p, "alerts.subscribe", true,
                                       json::Object("replayed", replayed), ctx.clock.NowMillis());
           });
         });
         if (!audited.ok()) {
           (*stream)->Close();
           return Failed(ctx, audited, "auditing a subscription failed");
         }
         http::Response res;
         res.status = 200;
         res.content_type = "text/event-stream";
         res.stream = std::move(stream).value();
         return res;
       }});
  router.Add({"GET", "/api/v1/webhooks", http::AccessRule::Requires("webhooks.manage"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                Result<std::vector<alerting::WebhookInfo>> hooks =
                    ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
                      return alerting::ListWebhooks(db, Caller(req));
                    });
                if (!hooks.ok()) return Failed(ctx, hooks.status(), "listing webhooks failed");
                return JsonList("webhooks", *hooks, [](Writer& w, const alerting::WebhookInfo& h) {
                  w.StartObject();
                  json::Members(w, "id", h.id, "url", h.url, "created_at",
                                FormatRfc3339(h.created_at), "disabled_at",
                                FormatRfc3339(h.disabled_at), "delivered", h.delivered, "pending",
                                h.pending, "dead", h.dead);
                  w.EndObject();
                });
              }});
  router.Add({"POST", "/api/v1/webhooks", http::AccessRule::Requires("webhooks.manage"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                Result<JsonBody> b = JsonBody::Parse(req.body);
                if (!b.ok()) return ErrorResponse(b.status());
                Result<std::string> url = b->String("url");
                if (!url.ok()) return ErrorResponse(url.status());
                Result<alerting::NewWebhook> hook =
                    AsCaller(ctx, req, alerting::CreateWebhook, *url);
                if (!hook.ok()) return Failed(ctx, hook.status(), "creating a webhook failed");
                return JsonObject(201, "id", hook->id, "secret", hook->secret, "note",
                                  "shown once: verify X-Interdict-Signature with it");
              }});
  router.Add({"POST", "/api/v1/webhooks/{id}/disable",
              http::AccessRule::Requires("webhooks.manage"),
              [&ctx](const http::Request& req, const http::PathParams& params) {
                const std::optional<std::int64_t> id = PathId(params);
                if (!id) return ErrorResponse(Status::NotFound("no such webhook"));
                Status st = AsCaller(ctx, req, alerting::DisableWebhook, *id);
                if (!st.ok()) return Failed(ctx, st, "disabling a webhook failed");
                return JsonObject(200, "disabled", true);
              }});
}

}  // namespace interdict::server
