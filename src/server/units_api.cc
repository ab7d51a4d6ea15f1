// The routes of the task force's units (docs/format/units.md): the registry,
// status changes, and positions from AVL and ADS-B.
#include <algorithm>

#include <fmt/core.h>

#include "base/time_format.h"
#include "ops/adsb.h"
#include "ops/positions.h"
#include "ops/units.h"
#include "server/api.h"
#include "server/json_writer.h"
#include "server/route_util.h"

namespace interdict::server {
namespace {

void WriteUnit(Writer& w, const ops::UnitInfo& u) {
  w.StartObject();
  json::Members(w, "id", u.id, "agency", u.agency, "call_sign", u.spec.call_sign, "kind",
                u.spec.kind, "capabilities", u.spec.capabilities, "status", u.status, "status_at",
                FormatRfc3339(u.status_at), "status_by", u.status_by, "shift", u.spec.shift, "icao",
                u.spec.icao.empty() ? std::nullopt : std::optional<std::string>(u.spec.icao),
                "home_lat", u.spec.home_lat, "home_lon", u.spec.home_lon);
  json::Key(w, "position");
  if (!u.last) {
    w.Null();
  } else {
    w.StartObject();
    json::Members(w, "time", FormatRfc3339(u.last->time), "lat", u.last->lat, "lon", u.last->lon,
                  "speed_mps", u.last->speed_mps, "heading", u.last->heading, "source",
                  u.last->source);
    w.EndObject();
  }
  w.EndObject();
}

http::Response PositionsAnswer(const ops::RecordedPositions& r) {
  return JsonResponse(200, [&](Writer& w) {
    w.StartObject();
    json::Members(w, "accepted", r.accepted);
    json::Key(w, "rejected");
    w.StartArray();
    for (const ops::PositionRejection& x : r.rejected) {
      w.StartObject();
      json::Members(w, "index", x.index, "field", x.field, "message", x.message);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  });
}

}  // namespace

void AddUnitRoutes(http::Router& router, ApiContext& ctx) {
  router.Add({"GET", "/api/v1/units", http::AccessRule::Requires("units.read"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                Result<std::vector<ops::UnitInfo>> units =
                    ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
                      return ops::ListUnits(db, Caller(req));
                    });
                if (!units.ok()) return Failed(ctx, units.status(), "listing units failed");
                return JsonList("units", *units, WriteUnit);
              }});
  router.Add({"POST", "/api/v1/units", http::AccessRule::Requires("units.manage"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                Result<JsonBody> b = JsonBody::Parse(req.body);
                if (!b.ok()) return ErrorResponse(b.status());
                Result<std::string> call_sign = b->String("call_sign");
                Result<std::string> kind = b->String("kind");
                Result<std::optional<std::vector<std::string>>> caps =
                    b->OptionalStringArray("capabilities");
                Result<std::optional<std::string>> shift = b->OptionalString("shift");
                Result<std::optional<std::string>> icao = b->OptionalString("icao");
                Result<std::optional<double>> lat = b->OptionalNumber("home_lat");
                Result<std::optional<double>> lon = b->OptionalNumber("home_lon");
                for (const Status& s :
                     {call_sign.status(), kind.status(), caps.status(), shift.status(),
                      icao.status(), lat.status(), lon.status()}) {
                  if (!s.ok()) return ErrorResponse(s);
                }
                ops::UnitSpec spec;
                spec.call_sign = *call_sign;
                spec.kind = *kind;
                spec.capabilities = caps->value_or(std::vector<std::string>{});
                spec.shift = shift->value_or("");
                spec.icao = icao->value_or("");
                spec.home_lat = *lat;
                spec.home_lon = *lon;
                Result<std::int64_t> id = AsCaller(ctx, req, ops::CreateUnit, spec);
                if (!id.ok()) return Failed(ctx, id.status(), "creating a unit failed");
                return JsonObject(201, "id", *id);
              }});
  router.Add({"POST", "/api/v1/units/{id}/status", http::AccessRule::Requires("units.manage"),
              [&ctx](const http::Request& req, const http::PathParams& params) {
                const std::optional<std::int64_t> id = PathId(params);
                if (!id) return ErrorResponse(Status::NotFound("no such unit"));
                Result<JsonBody> b = JsonBody::Parse(req.body);
                if (!b.ok()) return ErrorResponse(b.status());
                Result<std::string> status = b->String("status");
                if (!status.ok()) return ErrorResponse(status.status());
                Status st = AsCaller(ctx, req, ops::SetUnitStatus, *id, *status);
                if (!st.ok()) return Failed(ctx, st, "changing a unit's status failed");
                return JsonObject(200, "unit", *id, "status", *status);
              }});
  router.Add({"POST", "/api/v1/units/{id}/retire", http::AccessRule::Requires("units.manage"),
              [&ctx](const http::Request& req, const http::PathParams& params) {
                const std::optional<std::int64_t> id = PathId(params);
                if (!id) return ErrorResponse(Status::NotFound("no such unit"));
                Status st = AsCaller(ctx, req, ops::RetireUnit, *id);
                if (!st.ok()) return Failed(ctx, st, "retiring a unit failed");
                return JsonObject(200, "unit", *id, "retired", true);
              }});
  // In-car AVL: JSON array or NDJSON, each refusal named by index and field.
  router.Add({"POST", "/api/v1/units/positions", http::AccessRule::Requires("units.report"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                std::vector<std::string> texts;
                if (Status st =
                        SplitJsonItems(req, ops::kMaxPositionsPerRequest, "positions", &texts);
                    !st.ok())
                  return ErrorResponse(st);
                if (texts.size() > ops::kMaxPositionsPerRequest) {
                  return ErrorResponse(Status::InvalidArgument(
                      fmt::format("at most {} positions per request; send the rest in another",
                                  ops::kMaxPositionsPerRequest)));
                }
                const std::int64_t now = ctx.clock.NowMillis();
                std::vector<ops::PositionIn> parsed;
                std::vector<std::size_t> indices;
                std::vector<ops::PositionRejection> rejected;
                for (std::size_t i = 0; i < texts.size(); ++i) {
                  ops::PositionIn p;
                  ops::PositionRejection why;
                  if (ops::ParsePosition(texts[i], now, &p, &why)) {
                    parsed.push_back(std::move(p));
                    indices.push_back(i);
                  } else {
                    why.index = i;
                    rejected.push_back(std::move(why));
                  }
                }
                Result<ops::RecordedPositions> r =
                    AsCaller(ctx, req, ops::RecordPositions, parsed, indices);
                if (!r.ok()) return Failed(ctx, r.status(), "recording positions failed");
                r->rejected.insert(r->rejected.end(), rejected.begin(), rejected.end());
                std::sort(r->rejected.begin(), r->rejected.end(),
                          [](const auto& a, const auto& b) { return a.index < b.index; });
                return PositionsAnswer(*r);
              }});
  // A receiver's aircraft.json (dump1090-mutability), posted as it is.
  router.Add({"POST", "/api/v1/units/adsb", http::AccessRule::Requires("units.report"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                Result<ops::AdsbParse> a = ops::ParseAircraftJson(req.body);
                if (!a.ok()) return ErrorResponse(a.status());
                std::vector<std::size_t> indices(a->positions.size());
                for (std::size_t i = 0; i < indices.size(); ++i) indices[i] = i;
                Result<ops::RecordedPositions> r =
                    AsCaller(ctx, req, ops::RecordPositions, a->positions, indices);
                if (!r.ok()) return Failed(ctx, r.status(), "recording aircraft failed");
                // Aircraft that are not the agency's are the receiver's normal
                // traffic, not an error: counted, not listed.
                std::size_t others = 0;
                for (const ops::PositionRejection& x : r->rejected) others += x.field == "icao";
                return JsonObject(200, "accepted", r->accepted, "not_ours", others, "refused",
                                  r->rejected.size() - others, "stale", a->stale,
                                  "without_position", a->without_position);
              }});
}

}  // namespace interdict::server
