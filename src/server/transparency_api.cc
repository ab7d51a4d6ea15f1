// GET /api/v1/transparency: the public transparency report (docs/oversight.md),
// for a period of whole UTC days (?from=YYYY-MM-DD&to=YYYY-MM-DD).
#include "oversight/report.h"
#include "server/api.h"
#include "server/route_util.h"

namespace interdict::server {

void AddTransparencyRoutes(http::Router& router, ApiContext& ctx) {
  router.Add({"GET", "/api/v1/transparency",
              http::AccessRule::Public("the public transparency report (GOVERNANCE F): "
                                       "configuration and aggregates only, small counts "
                                       "suppressed, no plate, person or case"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                const std::int64_t now = ctx.clock.NowMillis();
                Result<oversight::Period> period =
                    oversight::ParsePeriod(req.QueryParam("from"), req.QueryParam("to"), now);
                if (!period.ok()) return ErrorResponse(period.status());
                Result<std::string> report =
                    ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
                      return oversight::TransparencyReport(
                          db, *period, now, {ctx.report_min_count, ctx.report_default_shift});
                    });
                if (!report.ok())
                  return Failed(ctx, report.status(), "building the transparency report failed");
                return http::Response::Json(200, std::move(report).value());
              }});
}

}  // namespace interdict::server
