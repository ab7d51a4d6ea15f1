// Protected places (docs/security.md, "Protected places"): the list every
// area search is checked against, and places registered over the API — a
// protest for its hours, a shelter that opened last week. Supervisors and
// administrators (places.manage) see the list; shelters' addresses are not
// for everyone.
#include <fmt/core.h>

#include "base/json_escape.h"
#include "base/time_format.h"
#include "policy/places.h"
#include "server/api.h"
#include "server/json_body.h"
#include "server/route_util.h"

namespace interdict::server {
namespace {

std::string PlaceJson(const policy::ProtectedPlace& p) {
  const auto time = [](const std::optional<std::int64_t>& t) {
    return t ? JsonQuote(FormatRfc3339(*t)) : std::string("null");
  };
  return fmt::format(
      R"({{"id":{},"source":"{}","name":{},"kind":{},"lat":{:.6f},"lon":{:.6f},"radius_m":{:g},"from":{},"to":{},"agency":{},"registered_by":{}}})",
      p.id == 0 ? "null" : std::to_string(p.id), p.id == 0 ? "configured" : "registered",
      JsonQuote(p.name), JsonQuote(p.kind), p.at.lat(), p.at.lon(), p.radius_m, time(p.from),
      time(p.to), p.id == 0 ? "null" : JsonQuote(p.agency),
      p.id == 0 ? "null" : JsonQuote(p.registered_by));
}

Result<std::optional<std::int64_t>> OptionalTime(const JsonBody& b, std::string_view field) {
  Result<std::optional<std::string>> s = b.OptionalString(field);
  if (!s.ok()) return s.status();
  if (!*s) return std::optional<std::int64_t>();
  Result<UnixMillis> t = ParseRfc3339(**s);
  if (!t.ok()) return Status::InvalidArgument(fmt::format("{}: {}", field, t.status().message()));
  return std::optional<std::int64_t>(*t);
}

Result<policy::ProtectedPlace> ParsePlace(std::string_view body) {
  Result<JsonBody> b = JsonBody::Parse(body);
  if (!b.ok()) return b.status();
  policy::ProtectedPlace place;
  Result<std::string> name = b->String("name");
  Result<std::string> kind = b->String("kind");
  Result<std::optional<double>> lat = b->OptionalNumber("lat");
  Result<std::optional<double>> lon = b->OptionalNumber("lon");
  Result<std::optional<double>> radius = b->OptionalNumber("radius_m");
  Result<std::optional<std::int64_t>> from = OptionalTime(*b, "from");
  Result<std::optional<std::int64_t>> to = OptionalTime(*b, "to");
  for (const Status& s : {name.status(), kind.status(), lat.status(), lon.status(), radius.status(),
                          from.status(), to.status()}) {
    if (!s.ok()) return s;
  }
  if (!*lat || !(**lat >= -90 && **lat <= 90))
    return Status::InvalidArgument("lat: required, from -90 to 90");
  if (!*lon || !(**lon >= -180 && **lon <= 180))
    return Status::InvalidArgument("lon: required, from -180 to 180");
  place.name = *name;
  place.kind = *kind;
  place.at = geo::Point::FromDegrees(**lat, **lon);
  place.radius_m = radius->value_or(0);
  place.from = *from;
  place.to = *to;
  return place;
}

}  // namespace

void AddPlaceRoutes(http::Router& router, ApiContext& ctx) {
  router.Add({"GET", "/api/v1/protected-places", http::AccessRule::Requires("places.manage"),
              [&ctx](const http::Request&, const http::PathParams&) {
                Result<std::vector<policy::ProtectedPlace>> registered =
                    ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
                      return policy::ListRegisteredPlaces(db, ctx.clock.NowMillis());
                    });
                if (!registered.ok())
                  return Failed(ctx, registered.status(), "listing protected places failed");
                std::string out =
                    fmt::format(R"({{"margin_m":{:g},"max_radius_m":{:g},"places":[)",
                                ctx.review_rules.places.margin_m, policy::kDefaultMaxRadiusM);
                bool first = true;
                for (const auto* list : {&ctx.review_rules.places.fixed, &*registered}) {
                  for (const policy::ProtectedPlace& p : *list) {
                    out += (first ? "" : ",") + PlaceJson(p);
                    first = false;
                  }
                }
                return http::Response::Json(200, out + "]}");
              }});
  router.Add({"POST", "/api/v1/protected-places", http::AccessRule::Requires("places.manage"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                Result<policy::ProtectedPlace> place = ParsePlace(req.body);
                if (!place.ok()) return ErrorResponse(place.status());
                Result<std::int64_t> id =
                    ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
                      return policy::RegisterPlace(db, Caller(req), *place, ctx.clock.NowMillis());
                    });
                if (!id.ok()) return Failed(ctx, id.status(), "registering a place failed");
                return http::Response::Json(201, fmt::format(R"({{"id":{}}})", *id));
              }});
  router.Add(
      {"POST", "/api/v1/protected-places/{id}/end", http::AccessRule::Requires("places.manage"),
       [&ctx](const http::Request& req, const http::PathParams& params) {
         const std::optional<std::int64_t> id = PathId(params);
         if (!id) {
           return http::Response::Error(400, "invalid_request",
                                        "id: must be a registered place's number");
         }
         Status st = ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
           return policy::EndPlace(db, Caller(req), *id, ctx.clock.NowMillis());
         });
         if (!st.ok()) return Failed(ctx, st, "ending a place failed");
         return http::Response::Json(200, fmt::format(R"({{"id":{},"state":"ended"}})", *id));
       }});
}

}  // namespace interdict::server
