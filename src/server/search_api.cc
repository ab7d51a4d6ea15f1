// POST /api/v1/search (docs/search.md): the policy layer first, the store
// without holding the catalog, the audit entry after.
#include <fmt/core.h>

#include <algorithm>
#include <cmath>

#include "search/search.h"
#include "server/api.h"
#include "server/json_writer.h"
#include "server/route_util.h"

namespace interdict::server {
namespace {

// A 403 that also says, for the console's "ask a supervisor", the protected
// places the areas touch and their widest radius: what an approval must name.
http::Response Refused(ApiContext& ctx, const search::Request& sr, const Status& why) {
  const std::vector<policy::SearchedArea> areas = search::AreasOf(sr);
  double radius = 0;
  for (const policy::SearchedArea& a : areas) radius = std::max(radius, a.radius_m);
  Result<std::vector<policy::ProtectedPlace>> places =
      ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
        return policy::PlacesTouched(db, ctx.search_limits.places, areas);
      });
  if (!places.ok()) return Failed(ctx, places.status(), "finding protected places failed");
  std::vector<std::string> names;
  for (const policy::ProtectedPlace& p : *places) names.push_back(p.name);
  return JsonResponse(403, [&](Writer& w) {
    w.StartObject();
    json::Key(w, "error");
    w.StartObject();
    json::Members(w, "status", 403, "code", why.reason().empty() ? "forbidden" : why.reason(),
                  "message", why.message(), "places", names, "radius_m", std::round(radius));
    w.EndObject();
    w.EndObject();
  });
}

}  // namespace

void AddSearchRoutes(http::Router& router, ApiContext& ctx) {
  router.Add({"POST", "/api/v1/search", http::AccessRule::Requires("search.reads"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                const identity::Principal& p = Caller(req);
                const std::int64_t now = ctx.clock.NowMillis();
                Result<search::Request> sr = search::ParseRequest(req.body, now);
                if (!sr.ok()) return ErrorResponse(sr.status());
                Result<search::Plan> plan =
                    ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
                      return search::Prepare(db, p, *sr, now, ctx.search_limits);
                    });
                if (plan.status().code() == StatusCode::kPermissionDenied)
                  return Refused(ctx, *sr, plan.status());
                if (!plan.ok()) return Failed(ctx, plan.status(), "planning a search failed");
                Result<search::Answer> answer = search::Execute(*ctx.store, *sr, *plan);
                if (!answer.ok()) return Failed(ctx, answer.status(), "searching failed");
                Result<std::int64_t> seq =
                    ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
                      return search::Record(db, p, *sr, *plan, *answer, now);
                    });
                if (!seq.ok()) return Failed(ctx, seq.status(), "auditing a search failed");
                search::Rendered out = search::Render(*sr, *plan, *answer, *seq);
                http::Response r = http::Response::Json(200, std::move(out.body));
                r.content_type = out.content_type;
                r.headers.emplace_back("X-Interdict-Search", std::to_string(*seq));
                if (sr->format != search::Format::kJson) {
                  r.headers.emplace_back(
                      "Content-Disposition",
                      fmt::format("attachment; filename=\"interdict-search-{}.{}\"", *seq,
                                  sr->format == search::Format::kCsv ? "csv" : "geojson"));
                }
                return r;
              }});
}

}  // namespace interdict::server
