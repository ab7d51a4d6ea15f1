// The routes of task-force operations (docs/format/units.md): the units
// registry, status changes, positions from AVL and ADS-B, where to stage
// units ahead of a hit, and the list owner's confirmation of its entry.
#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/core.h>

#include "alerting/cameras.h"
#include "alerting/confirmations.h"
#include "alerting/hits.h"
#include "base/time_format.h"
#include "ops/adsb.h"
#include "ops/assignments.h"
#include "ops/dispatch_rules.h"
#include "ops/intercept.h"
#include "ops/positions.h"
#include "ops/units.h"
#include "plate/plate.h"
#include "server/alert_hub.h"
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
  json::Key(w, "assignment");
  if (!u.assignment) {
    w.Null();
  } else {
    const ops::UnitAssignment& a = *u.assignment;
    w.StartObject();
    json::Members(w, "hit", a.hit, "lat", a.lat, "lon", a.lon, "camera", a.camera, "eta",
                  FormatRfc3339(a.eta_at), "assigned_at", FormatRfc3339(a.assigned_at));
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

// A unit whose newest position is older than this is not placed.
constexpr std::int64_t kFreshPositionMs = 15 * 60'000;

void WritePoint(Writer& w, const geo::Point& at) {
  json::Members(w, "lat", at.lat(), "lon", at.lon());
}

void WriteSuggestion(Writer& w, const ops::Suggestion& s) {
  w.StartObject();
  json::Members(w, "unit", s.unit, "call_sign", s.call_sign, "kind", s.kind);
  json::Key(w, "to");
  w.StartObject();
  json::Members(w, "camera", s.camera, "along", std::round(s.along * 100) / 100);
  WritePoint(w, s.to);
  w.EndObject();
  json::Members(w, "unit_eta_s", std::lround(s.unit_eta_s), "margin_s", std::lround(s.margin_s),
                "p", std::round(s.p * 100) / 100, "reason", s.reason);
  w.EndObject();
}

void WriteExtra(Writer& w, std::string_view key, const ops::ExtraSuggestion& e) {
  json::Key(w, key);
  w.StartObject();
  json::Members(w, "suggested", e.suggested, "reason", e.reason);
  json::Key(w, "unit");
  if (e.unit) {
    WriteSuggestion(w, *e.unit);
  } else {
    w.Null();
  }
  w.EndObject();
}

http::Response InterceptAnswer(ApiContext& ctx, const http::Request& req, std::int64_t id) {
  const identity::Principal& p = Caller(req);
  const std::int64_t now = ctx.clock.NowMillis();
  ops::InterceptRequest r;
  r.now = now;
  std::map<std::string, geo::Point> places;
  std::uint64_t packed = 0;  // the plate as read, for the direction it came from
  ops::DispatchRules agency_rules = ops::DefaultDispatchRules();
  Status st = ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) -> Status {
    Result<alerting::HitSighting> hit = alerting::SightingOfHit(db, p, id, now);
    if (!hit.ok()) return hit.status();
    r.camera = hit->agency + "/" + hit->camera;
    r.read_time = hit->read_time;
    r.list_kind = hit->entry_kind;
    if (Result<plate::Plate> pl = plate::Plate::FromNormalized(hit->plate); pl.ok())
      packed = pl->Pack();
    if (p.Can("units.read")) {
      Result<ops::DispatchRules> set = ops::GetDispatchRules(db, p);
      if (!set.ok()) return set.status();
      agency_rules = std::move(set).value();
    }
    // A key that may read hits but not units gets the predicted cameras alone.
    Result<std::vector<ops::UnitInfo>> units =
        p.Can("units.read") ? ops::ListUnits(db, p) : std::vector<ops::UnitInfo>{};
    if (!units.ok()) return units.status();
    for (const ops::UnitInfo& u : *units) {
      if (u.status != "available" || !u.last || u.last->time < now - kFreshPositionMs) continue;
      r.units.push_back(
          {u.id, u.spec.call_sign, u.spec.kind, geo::Point::FromDegrees(u.last->lat, u.last->lon)});
    }
    // Only cameras whose reads the caller may see are predicted.
    Result<std::vector<alerting::CameraPosition>> cams =
        alerting::VisibleCameraPositions(db, p, now);
    if (!cams.ok()) return cams.status();
    for (const alerting::CameraPosition& c : *cams)
      places[c.agency + "/" + c.code] = geo::Point::FromDegrees(c.lat, c.lon);
    return Status::Ok();
  });
  if (!st.ok()) return Failed(ctx, st, "planning an intercept failed");
  r.next = ctx.movement ? ctx.movement->NextFor(packed, r.camera, r.read_time)
                        : std::vector<ops::NextCamera>{};
  r.place = [&](const std::string& camera) -> std::optional<geo::Point> {
    const auto it = places.find(camera);
    return it == places.end() ? std::nullopt : std::optional<geo::Point>(it->second);
  };
  ops::InterceptRules rules;  // the agency's (docs/format/units.md, "Dispatch rules")
  rules.aircraft_kinds = agency_rules.aircraft_kinds;
  rules.k9_kinds = agency_rules.k9_kinds;
  rules.medic_kinds = agency_rules.medic_kinds;
  const ops::InterceptPlan plan = ops::PlanIntercept(r, ops::CityRoadGraph(), rules);
  return JsonResponse(200, [&](Writer& w) {
    w.StartObject();
    json::Members(w, "hit", id, "policy", agency_rules.policy, "camera", r.camera, "read_at",
                  FormatRfc3339(r.read_time));
    json::Key(w, "next");
    w.StartArray();
    for (const ops::PredictedCamera& c : plan.next) {
      w.StartObject();
      json::Members(w, "camera", c.camera, "p", std::round(c.p * 100) / 100);
      WritePoint(w, c.at);
      json::Key(w, "eta");
      w.StartObject();
      json::Members(w, "p10_s", c.earliest_s, "p50_s", c.likely_s, "p90_s", c.latest_s);
      w.EndObject();
      w.EndObject();
    }
    w.EndArray();
    json::Key(w, "suggestions");
    w.StartArray();
    for (const ops::Suggestion& s : plan.suggestions) WriteSuggestion(w, s);
    w.EndArray();
    json::Members(w, "ground_coverage", std::round(plan.ground_coverage * 100) / 100);
    WriteExtra(w, "aircraft", plan.aircraft);
    WriteExtra(w, "k9", plan.k9);
    WriteExtra(w, "medic", plan.medic);
    w.EndObject();
  });
}

void WriteConfirmation(Writer& w, const alerting::ConfirmationRequest& c) {
  w.StartObject();
  json::Members(w, "id", c.id, "hit", c.hit_id, "owner", c.owner, "requester", c.requester,
                "priority", c.priority, "plate", c.plate, "entry", c.entry_id, "requested_at",
                FormatRfc3339(c.requested_at), "requested_by", c.requested_by, "due_at",
                FormatRfc3339(c.due_at), "escalated_at", FormatRfc3339(c.escalated_at), "answer",
                c.answer.empty() ? std::nullopt : std::optional<std::string>(c.answer),
                "answered_at", FormatRfc3339(c.answered_at), "answered_by",
                c.answered_by.empty() ? std::nullopt : std::optional<std::string>(c.answered_by),
                "note", c.note);
  w.EndObject();
}

void WriteRules(Writer& w, const ops::DispatchRules& r) {
  w.StartObject();
  json::Members(w, "policy", r.policy, "aircraft_kinds",
                std::vector<std::string>(r.aircraft_kinds.begin(), r.aircraft_kinds.end()),
                "k9_kinds", std::vector<std::string>(r.k9_kinds.begin(), r.k9_kinds.end()),
                "medic_kinds", std::vector<std::string>(r.medic_kinds.begin(), r.medic_kinds.end()),
                "defaults", r.defaults, "changed_at",
                r.defaults ? std::nullopt : std::optional<std::string>(FormatRfc3339(r.changed_at)),
                "changed_by", r.defaults ? std::nullopt : std::optional<std::string>(r.changed_by));
  w.EndObject();
}

void WriteAssignment(Writer& w, const ops::Assignment& a) {
  w.StartObject();
  json::Members(w, "id", a.id, "hit", a.hit, "unit", a.unit, "call_sign", a.call_sign, "kind",
                a.kind, "lat", a.lat, "lon", a.lon, "camera", a.camera, "eta",
                FormatRfc3339(a.eta_at), "assigned_at", FormatRfc3339(a.assigned_at), "assigned_by",
                a.assigned_by, "released_at", FormatRfc3339(a.released_at));
  w.EndObject();
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
  // The agency's dispatch rules: the policy text and what calls for the
  // aircraft, a K-9 team or a tactical medic.
  router.Add({"GET", "/api/v1/dispatch-rules", http::AccessRule::Requires("units.read"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                Result<ops::DispatchRules> r =
                    ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
                      return ops::GetDispatchRules(db, Caller(req));
                    });
                if (!r.ok()) return Failed(ctx, r.status(), "reading dispatch rules failed");
                return JsonResponse(200, [&](Writer& w) { WriteRules(w, *r); });
              }});
  router.Add(
      {"PUT", "/api/v1/dispatch-rules", http::AccessRule::Requires("units.manage"),
       [&ctx](const http::Request& req, const http::PathParams&) {
         Result<JsonBody> b = JsonBody::Parse(req.body);
         if (!b.ok()) return ErrorResponse(b.status());
         Result<std::string> policy = b->String("policy");
         Result<std::vector<std::string>> aircraft = b->StringArray("aircraft_kinds");
         Result<std::vector<std::string>> k9 = b->StringArray("k9_kinds");
         Result<std::vector<std::string>> medic = b->StringArray("medic_kinds");
         for (const Status& s : {policy.status(), aircraft.status(), k9.status(), medic.status()}) {
           if (!s.ok()) return ErrorResponse(s);
         }
         ops::DispatchRules r;
         r.policy = *policy;
         r.aircraft_kinds = {aircraft->begin(), aircraft->end()};
         r.k9_kinds = {k9->begin(), k9->end()};
         r.medic_kinds = {medic->begin(), medic->end()};
         Status st = AsCaller(ctx, req, ops::SetDispatchRules, r);
         if (!st.ok()) return Failed(ctx, st, "setting dispatch rules failed");
         Result<ops::DispatchRules> now =
             ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
               return ops::GetDispatchRules(db, Caller(req));
             });
         if (!now.ok()) return Failed(ctx, now.status(), "reading dispatch rules failed");
         return JsonResponse(200, [&](Writer& w) { WriteRules(w, *now); });
       }});
  // Where to stage units ahead of a hit's vehicle (audited as hit.intercept).
  router.Add({"GET", "/api/v1/hits/{id}/intercept", http::AccessRule::Requires("hits.read"),
              [&ctx](const http::Request& req, const http::PathParams& params) {
                const std::optional<std::int64_t> id = PathId(params);
                if (!id) return ErrorResponse(Status::NotFound("no such hit"));
                return InterceptAnswer(ctx, req, *id);
              }});
  // Dispatch: a unit of the caller's agency sent to wait at a point ahead of
  // the vehicle (audited as hit.assign); the agency's open alert streams get
  // it at once ("event: assignment").
  router.Add({"POST", "/api/v1/hits/{id}/assign", http::AccessRule::Requires("hits.dispatch"),
              [&ctx](const http::Request& req, const http::PathParams& params) {
                const std::optional<std::int64_t> id = PathId(params);
                if (!id) return ErrorResponse(Status::NotFound("no such hit"));
                Result<JsonBody> b = JsonBody::Parse(req.body);
                if (!b.ok()) return ErrorResponse(b.status());
                Result<std::optional<std::int64_t>> unit = b->OptionalInt("unit");
                Result<std::optional<double>> lat = b->OptionalNumber("lat");
                Result<std::optional<double>> lon = b->OptionalNumber("lon");
                Result<std::optional<std::string>> camera = b->OptionalString("camera");
                Result<std::optional<std::int64_t>> eta = b->OptionalInt("eta_s");
                for (const Status& s :
                     {unit.status(), lat.status(), lon.status(), camera.status(), eta.status()}) {
                  if (!s.ok()) return ErrorResponse(s);
                }
                if (!*unit || !*lat || !*lon)
                  return ErrorResponse(Status::InvalidArgument(
                      "unit, lat and lon are required: the unit and the point it waits at"));
                ops::AssignRequest r;
                r.unit = **unit;
                r.lat = **lat;
                r.lon = **lon;
                r.camera = camera->value_or("");
                if (*eta) r.eta_at = ctx.clock.NowMillis() + **eta * 1000;
                Result<ops::Assignment> a = AsCaller(ctx, req, ops::AssignUnit, *id, r);
                if (!a.ok()) return Failed(ctx, a.status(), "assigning a unit failed");
                const std::string body = json::Write([&](Writer& w) { WriteAssignment(w, *a); });
                if (ctx.hub) ctx.hub->Announce(Caller(req).agency_id, "assignment", body);
                return http::Response::Json(201, body);
              }});
  router.Add({"POST", "/api/v1/hits/{id}/assignments/{unit}/release",
              http::AccessRule::Requires("hits.dispatch"),
              [&ctx](const http::Request& req, const http::PathParams& params) {
                const std::optional<std::int64_t> id = PathId(params);
                const std::optional<std::int64_t> unit = ParseNumber(params.at("unit"));
                if (!id || !unit) return ErrorResponse(Status::NotFound("no such assignment"));
                Status st = AsCaller(ctx, req, ops::ReleaseUnit, *id, *unit);
                if (!st.ok()) return Failed(ctx, st, "releasing a unit failed");
                return JsonObject(200, "hit", *id, "unit", *unit, "released", true);
              }});
  router.Add({"GET", "/api/v1/hits/{id}/assignments", http::AccessRule::Requires("hits.read"),
              [&ctx](const http::Request& req, const http::PathParams& params) {
                const std::optional<std::int64_t> id = PathId(params);
                if (!id) return ErrorResponse(Status::NotFound("no such hit"));
                Result<std::vector<ops::Assignment>> list =
                    AsCaller(ctx, req, ops::HitAssignments, *id);
                if (!list.ok()) return Failed(ctx, list.status(), "listing assignments failed");
                return JsonList("assignments", *list, WriteAssignment);
              }});
  // The NCIC rule: ask the list's owner to confirm the entry.
  router.Add({"POST", "/api/v1/hits/{id}/confirmation", http::AccessRule::Requires("hits.work"),
              [&ctx](const http::Request& req, const http::PathParams& params) {
                const std::optional<std::int64_t> id = PathId(params);
                if (!id) return ErrorResponse(Status::NotFound("no such hit"));
                Result<JsonBody> b = JsonBody::Parse(req.body.empty() ? "{}" : req.body);
                if (!b.ok()) return ErrorResponse(b.status());
                Result<std::optional<std::string>> priority = b->OptionalString("priority");
                if (!priority.ok()) return ErrorResponse(priority.status());
                Result<alerting::ConfirmationRequest> c =
                    AsCaller(ctx, req, alerting::RequestConfirmation, *id, priority->value_or(""));
                if (!c.ok()) return Failed(ctx, c.status(), "asking for a confirmation failed");
                return JsonResponse(201, [&](Writer& w) { WriteConfirmation(w, *c); });
              }});
  router.Add({"GET", "/api/v1/confirmations", http::AccessRule::Requires("hotlists.confirm"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                Result<std::vector<alerting::ConfirmationRequest>> list =
                    ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
                      return alerting::ConfirmationsToAnswer(db, Caller(req));
                    });
                if (!list.ok()) return Failed(ctx, list.status(), "listing confirmations failed");
                return JsonList("confirmations", *list, WriteConfirmation);
              }});
  router.Add(
      {"POST", "/api/v1/confirmations/{id}/answer", http::AccessRule::Requires("hotlists.confirm"),
       [&ctx](const http::Request& req, const http::PathParams& params) {
         const std::optional<std::int64_t> id = PathId(params);
         if (!id) return ErrorResponse(Status::NotFound("no such confirmation request"));
         Result<JsonBody> b = JsonBody::Parse(req.body);
         if (!b.ok()) return ErrorResponse(b.status());
         Result<std::string> answer = b->String("answer");
         if (!answer.ok()) return ErrorResponse(answer.status());
         Result<std::optional<std::string>> note = b->OptionalString("note");
         if (!note.ok()) return ErrorResponse(note.status());
         Result<alerting::ConfirmationRequest> c =
             AsCaller(ctx, req, alerting::AnswerConfirmation, *id, *answer, note->value_or(""));
         if (!c.ok()) return Failed(ctx, c.status(), "answering a confirmation failed");
         return JsonResponse(200, [&](Writer& w) { WriteConfirmation(w, *c); });
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
