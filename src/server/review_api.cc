// The audit review queue's routes (docs/oversight.md, section 2): list the
// flags (after a sweep, so none is late), resolve one, and export the package
// for an independent auditor.
#include <fmt/core.h>

#include "base/time_format.h"
#include "oversight/disparity.h"
#include "oversight/report.h"
#include "oversight/review.h"
#include "server/api.h"
#include "server/json_body.h"
#include "server/json_writer.h"
#include "server/route_util.h"

namespace interdict::server {

void AddReviewRoutes(http::Router& router, ApiContext& ctx) {
  router.Add(
      {"GET", "/api/v1/review", http::AccessRule::Requires("audit.review"),
       [&ctx](const http::Request& req, const http::PathParams&) {
         const std::int64_t now = ctx.clock.NowMillis();
         std::int64_t before = 0, limit = 200;
         if (auto raw = req.QueryParam("before")) {
           const std::optional<std::int64_t> n = ParseNumber(*raw);
           if (!n)
             return http::Response::Error(400, "invalid_request", "before: must be a flag number");
           before = *n;
         }
         if (auto raw = req.QueryParam("limit")) {
           const std::optional<std::int64_t> n = ParseNumber(*raw);
           if (!n || *n < 1 || *n > 500)
             return http::Response::Error(400, "invalid_request", "limit: must be 1 to 500");
           limit = *n;
         }
         Result<std::vector<oversight::Flag>> flags = ctx.catalog->With([&](catalog::Database& db,
                                                                            identity::Accounts&) {
           Result<std::size_t> swept = oversight::Sweep(db, ctx.review_rules, now);
           if (!swept.ok()) return Result<std::vector<oversight::Flag>>(swept.status());
           return oversight::ListFlags(db, Caller(req), req.QueryParam("state").value_or("open"),
                                       static_cast<std::size_t>(limit), before);
         });
         if (!flags.ok()) return Failed(ctx, flags.status(), "listing review flags failed");
         return JsonList("flags", *flags, [](Writer& w, const oversight::Flag& f) {
           w.StartObject();
           json::Members(w, "id", f.id, "search", f.seq, "time", FormatRfc3339(f.search_time),
                         "agency", f.agency, "partner", f.partner, "actor", f.actor, "actor_name",
                         f.actor_name, "event", f.event, "rule", f.rule, "detail", f.detail,
                         "terms", json::Raw{f.terms}, "raised_at", FormatRfc3339(f.created_at));
           oversight::WriteResolution(w, f);
           w.EndObject();
         });
       }});
  router.Add({"GET", "/api/v1/disparity", http::AccessRule::Requires("audit.review"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                const std::int64_t now = ctx.clock.NowMillis();
                Result<oversight::Period> period =
                    oversight::ParsePeriod(req.QueryParam("from"), req.QueryParam("to"), now);
                if (!period.ok()) return ErrorResponse(period.status());
                const std::string geometry = req.QueryParam("geometry").value_or("0");
                if (geometry != "0" && geometry != "1")
                  return ErrorResponse(Status::InvalidArgument("geometry: 0 or 1"));
                Result<std::string> out =
                    ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
                      return oversight::Disparity(db, Caller(req),
                                                  req.QueryParam("areas").value_or("counties"),
                                                  *period, geometry == "1", now);
                    });
                if (!out.ok()) return Failed(ctx, out.status(), "the disparity view failed");
                return http::Response::Json(200, std::move(out).value());
              }});
  router.Add({"POST", "/api/v1/review/{id}/resolve", http::AccessRule::Requires("audit.review"),
              [&ctx](const http::Request& req, const http::PathParams& params) {
                const std::optional<std::int64_t> id = PathId(params);
                if (!id) return ErrorResponse(Status::NotFound("no such review flag"));
                Result<JsonBody> b = JsonBody::Parse(req.body);
                if (!b.ok()) return ErrorResponse(b.status());
                Result<std::string> resolution = b->String("resolution");
                Result<std::string> note = b->String("note");
                for (const Status& s : {resolution.status(), note.status()}) {
                  if (!s.ok()) return ErrorResponse(s);
                }
                Status st = ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
                  return oversight::Resolve(db, Caller(req), *id, *resolution, *note,
                                            ctx.clock.NowMillis());
                });
                if (!st.ok()) return Failed(ctx, st, "resolving a review flag failed");
                return JsonObject(200, "id", *id, "resolution", *resolution);
              }});
  router.Add({"GET", "/api/v1/review/export", http::AccessRule::Requires("audit.review"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                const std::int64_t now = ctx.clock.NowMillis();
                Result<oversight::Period> period =
                    oversight::ParsePeriod(req.QueryParam("from"), req.QueryParam("to"), now);
                if (!period.ok()) return ErrorResponse(period.status());
                constexpr std::int64_t kDay = 86'400'000;
                Result<std::string> pkg =
                    ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
                      Result<std::size_t> swept = oversight::Sweep(db, ctx.review_rules, now);
                      if (!swept.ok()) return Result<std::string>(swept.status());
                      return oversight::ExportPackage(db, Caller(req), ctx.review_rules,
                                                      period->from_day * kDay,
                                                      period->to_day * kDay, now);
                    });
                if (!pkg.ok())
                  return Failed(ctx, pkg.status(), "exporting the review package failed");
                http::Response r = http::Response::Json(200, std::move(pkg).value());
                r.headers.emplace_back(
                    "Content-Disposition",
                    fmt::format("attachment; filename=\"interdict-audit-{}-{}.json\"",
                                Caller(req).agency_code, FormatRfc3339(now).substr(0, 10)));
                return r;
              }});
}

}  // namespace interdict::server
