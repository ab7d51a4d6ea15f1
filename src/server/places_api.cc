// Protected places (docs/security.md, "Protected places"): the list every
// area search is checked against, and places registered over the API — a
// protest for its hours, a shelter that opened last week. Supervisors and
// administrators (places.manage) see the list; shelters' addresses are not
// for everyone.
#include <fmt/core.h>

#include "base/time_format.h"
#include "policy/places.h"
#include "server/api.h"
#include "server/json_body.h"
#include "server/json_writer.h"
#include "server/route_util.h"

namespace interdict::server {
namespace {

// A configured place (id 0) has no number, agency or registrar.
void WritePlace(Writer& w, const policy::ProtectedPlace& p) {
  const bool configured = p.id == 0;
  const auto registered = [configured](const auto& v) {
    return configured ? std::nullopt : std::optional(v);
  };
  w.StartObject();
  json::Members(w, "id", registered(p.id), "source", configured ? "configured" : "registered",
                "name", p.name, "kind", p.kind, "lat", p.at.lat(), "lon", p.at.lon(), "radius_m",
                p.radius_m, "from", FormatRfc3339(p.from), "to", FormatRfc3339(p.to), "agency",
                registered(p.agency), "registered_by", registered(p.registered_by));
  w.EndObject();
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
                return JsonResponse(200, [&](Writer& w) {
                  w.StartObject();
                  json::Members(w, "margin_m", ctx.review_rules.places.margin_m, "max_radius_m",
                                policy::kDefaultMaxRadiusM);
                  json::Key(w, "places");
                  w.StartArray();
                  for (const auto* list : {&ctx.review_rules.places.fixed, &*registered}) {
                    for (const policy::ProtectedPlace& p : *list) WritePlace(w, p);
                  }
                  w.EndArray();
                  w.EndObject();
                });
              }});
  router.Add({"POST", "/api/v1/protected-places", http::AccessRule::Requires("places.manage"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                Result<policy::ProtectedPlace> place = ParsePlace(req.body);
                if (!place.ok()) return ErrorResponse(place.status());
                Result<std::int64_t> id = AsCaller(ctx, req, policy::RegisterPlace, *place);
                if (!id.ok()) return Failed(ctx, id.status(), "registering a place failed");
                return JsonObject(201, "id", *id);
              }});
  router.Add({"POST", "/api/v1/protected-places/{id}/end",
              http::AccessRule::Requires("places.manage"),
              [&ctx](const http::Request& req, const http::PathParams& params) {
                const std::optional<std::int64_t> id = PathId(params);
                if (!id) {
                  return http::Response::Error(400, "invalid_request",
                                               "id: must be a registered place's number");
                }
                Status st = AsCaller(ctx, req, policy::EndPlace, *id);
                if (!st.ok()) return Failed(ctx, st, "ending a place failed");
                return JsonObject(200, "id", *id, "state", "ended");
              }});
}

}  // namespace interdict::server
