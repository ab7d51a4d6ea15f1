// The routes of intelligence sharing (docs/format/intel.md): operations,
// targets and the conflicts between them, and BOLOs. A new conflict reaches
// both sides at once: a console notice and webhooks (written with it in the
// catalog), and an "event: conflict" on each agency's open alert streams.
#include <fmt/core.h>

#include <functional>
#include <map>

#include "base/time_format.h"
#include "catalog/changes.h"
#include "intel/bolos.h"
#include "intel/conflicts.h"
#include "intel/operations.h"
#include "intel/records.h"
#include "intel/target_reads.h"
#include "intel/targets.h"
#include "plate/plate.h"
#include "server/alert_hub.h"
#include "server/api.h"
#include "server/changes.h"
#include "server/json_writer.h"
#include "server/route_util.h"

namespace interdict::server {
namespace {

void WriteCounterpart(Writer& w, const intel::Counterpart& c) {
  w.StartObject();
  json::Members(w, "agency", c.agency_code, "agency_name", c.agency_name, "contact_name",
                c.contact_name, "contact_phone", c.contact_phone, "kind", c.kind);
  w.EndObject();
}

void WriteOperation(Writer& w, const intel::Operation& o) {
  w.StartObject();
  json::Members(w, "id", o.id, "agency", o.agency, "kind", o.kind, "case_number", o.case_number,
                "title", o.title, "contact_name", o.contact_name, "contact_phone", o.contact_phone,
                "starts_at", FormatRfc3339(o.starts_at), "ends_at", FormatRfc3339(o.ends_at),
                "area", o.area, "radius_m", o.radius_m, "status", o.status, "created_at",
                FormatRfc3339(o.created_at), "created_by", o.created_by, "updated_at",
                FormatRfc3339(o.updated_at), "updated_by", o.updated_by);
  w.EndObject();
}

void WriteTarget(Writer& w, const intel::Target& t) {
  w.StartObject();
  json::Members(w, "id", t.id, "agency", t.agency, "kind", t.kind, "value", t.value, "case_number",
                t.case_number, "operation", t.operation, "contact_name", t.contact_name,
                "contact_phone", t.contact_phone, "created_at", FormatRfc3339(t.created_at),
                "created_by", t.created_by, "expires_at", FormatRfc3339(t.expires_at));
  w.EndObject();
}

void WriteConflict(Writer& w, const intel::Conflict& c) {
  w.StartObject();
  json::Members(w, "id", c.id, "kind", c.kind, "own", c.own_item);
  json::Key(w, "other");
  WriteCounterpart(w, c.other);
  json::Members(w, "found_at", FormatRfc3339(c.found_at), "urgency_at", FormatRfc3339(c.urgency_at),
                "own_resolution", c.own_resolution, "other_resolution", c.other_resolution,
                "closed_at", FormatRfc3339(c.closed_at));
  w.EndObject();
}

void WriteBolo(Writer& w, const intel::Bolo& b) {
  w.StartObject();
  json::Members(w, "id", b.id, "agency", b.agency, "agency_name", b.agency_name, "kind", b.kind,
                "narrative", b.narrative, "plate", b.plate, "plate_state", b.plate_state, "make",
                b.make, "model", b.model, "color", b.color, "body", b.body, "marks", b.marks,
                "person", b.person, "contact_name", b.contact_name, "contact_phone",
                b.contact_phone, "audience", b.audience, "list", b.list, "plate_alert",
                b.plate_alert, "issued_at", FormatRfc3339(b.issued_at), "issued_by", b.issued_by,
                "expires_at", FormatRfc3339(b.expires_at), "status", b.status, "renewed_at",
                FormatRfc3339(b.renewed_at), "photo", b.photo);
  json::Key(w, "sightings");
  w.StartArray();
  for (const intel::Sighting& s : b.sightings) {
    w.StartObject();
    json::Members(w, "agency", s.agency, "camera", s.camera, "plate", s.plate, "time",
                  FormatRfc3339(s.time));
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

void WriteRecord(Writer& w, const intel::IntelRecord& r) {
  w.StartObject();
  json::Members(w, "id", r.id, "agency", r.agency, "subject_kind", r.subject_kind, "subject",
                r.subject, "activity", r.activity, "predicate", r.predicate, "narrative",
                r.narrative, "source", r.source, "reliability", r.reliability, "first_amendment",
                r.first_amendment, "approval_statement", r.approval_statement, "state", r.state,
                "submitted_at", FormatRfc3339(r.submitted_at), "submitted_by", r.submitted_by,
                "approved_at", FormatRfc3339(r.approved_at), "approved_by", r.approved_by,
                "validated_at", FormatRfc3339(r.validated_at), "review_due_at",
                FormatRfc3339(r.review_due_at), "purged_at", FormatRfc3339(r.purged_at));
  w.EndObject();
}

void WriteDissemination(Writer& w, const intel::Dissemination& d) {
  w.StartObject();
  json::Members(w, "id", d.id, "record", d.record, "recipient", d.recipient, "agency", d.agency,
                "purpose", d.purpose, "by", d.by, "imminent_danger", d.imminent_danger, "at",
                FormatRfc3339(d.at));
  w.EndObject();
}

// Required string fields of a body, parsed once; InvalidArgument naming the
// first one missing.
Result<std::vector<std::string>> Fields(const http::Request& req,
                                        std::initializer_list<std::string_view> names) {
  Result<JsonBody> b = JsonBody::Parse(req.body);
  if (!b.ok()) return b.status();
  std::vector<std::string> out;
  for (std::string_view name : names) {
    Result<std::string> v = b->String(name);
    if (!v.ok()) return v.status();
    out.push_back(std::move(*v));
  }
  return out;
}

// A catalog connection for each step of a component's work (a list load).
alerting::WithDb WithCatalog(ApiContext& ctx) {
  return [&ctx](const std::function<Status(catalog::Database&)>& f) {
    return ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) { return f(db); });
  };
}

// After a BOLO changed: the hotlist index (a plate BOLO's alert) or the
// vehicles reads are compared with.
void BoloChanged(ApiContext& ctx, const std::string& plate) {
  const Status st = Changed(ctx, plate.empty() ? catalog::kBolosTopic : catalog::kHotlistsTopic);
  if (!st.ok()) ctx.log.Error("reloading after a BOLO change failed", {{"error", st.message()}});
}

// The notices of new conflicts on the alert streams of both sides; the
// webhooks queued with them are sent now. Returns the caller's agency's.
std::vector<const intel::ConflictNotice*> Announce(ApiContext& ctx,
                                                   const std::vector<intel::ConflictNotice>& all,
                                                   std::int64_t caller_agency) {
  std::vector<const intel::ConflictNotice*> mine;
  for (const intel::ConflictNotice& n : all) {
    if (ctx.hub) ctx.hub->Announce(n.agency, "conflict", n.Json());
    if (n.agency == caller_agency) mine.push_back(&n);
  }
  if (!all.empty() && ctx.hits_recorded) ctx.hits_recorded();
  return mine;
}

// The fields of an operation in a request body; every one is required.
Result<intel::OperationRequest> OperationFromBody(const JsonBody& b) {
  intel::OperationRequest r;
  Result<std::string> kind = b.String("kind"), case_number = b.String("case_number"),
                      title = b.String("title"), contact_name = b.String("contact_name"),
                      contact_phone = b.String("contact_phone"), area = b.String("area");
  Result<std::optional<std::int64_t>> starts = b.OptionalTime("starts_at"),
                                      ends = b.OptionalTime("ends_at");
  Result<std::optional<double>> radius = b.OptionalNumber("radius_m");
  for (const Status& s :
       {kind.status(), case_number.status(), title.status(), contact_name.status(),
        contact_phone.status(), area.status(), starts.status(), ends.status(), radius.status()}) {
    if (!s.ok()) return s;
  }
  if (!*starts) return Status::InvalidArgument("starts_at: required (RFC 3339)");
  if (!*ends) return Status::InvalidArgument("ends_at: required (RFC 3339)");
  r.kind = *kind;
  r.case_number = *case_number;
  r.title = *title;
  r.contact_name = *contact_name;
  r.contact_phone = *contact_phone;
  r.area = *area;
  r.starts_at = **starts;
  r.ends_at = **ends;
  r.radius_m = *radius;
  return r;
}

http::Response OperationAnswer(ApiContext& ctx, const http::Request& req, int status,
                               const intel::OperationResult& r) {
  const std::vector<const intel::ConflictNotice*> mine =
      Announce(ctx, r.notices, Caller(req).agency_id);
  return JsonResponse(status, [&](Writer& w) {
    w.StartObject();
    json::Key(w, "operation");
    WriteOperation(w, r.operation);
    json::Key(w, "conflicts");
    w.StartArray();
    for (const intel::ConflictNotice* n : mine) json::Put(w, json::Raw{n->Json()});
    w.EndArray();
    w.EndObject();
  });
}

}  // namespace

Status ReloadTargetPlates(ApiContext& ctx) {
  return ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
    return intel::LoadPlateTargets(db, &ctx.target_plates, ctx.clock.NowMillis());
  });
}

Status ReloadVehicleBolos(ApiContext& ctx) {
  Result<std::vector<intel::VehicleBolo>> loaded =
      ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
        return intel::LoadVehicleBolos(db, ctx.clock.NowMillis());
      });
  if (!loaded.ok()) return loaded.status();
  auto fresh = std::make_shared<const std::vector<intel::VehicleBolo>>(std::move(*loaded));
  std::lock_guard l(ctx.vehicle_bolos_mu);
  ctx.vehicle_bolos = std::move(fresh);
  return Status::Ok();
}

namespace {

void CheckTargetPlates(ApiContext& ctx, const std::vector<read::Read>& reads,
                       const std::vector<bool>& kept, std::int64_t now) {
  if (ctx.target_plates.size() == 0) return;
  const auto anyone = [](std::int64_t) { return true; };
  std::vector<intel::TargetRead> seen;
  for (std::size_t i = 0; i < reads.size() && i < kept.size(); ++i) {
    if (!kept[i]) continue;
    const read::Read& r = reads[i];
    for (const intel::IndexedTarget& t :
         ctx.target_plates.Match({intel::PlateKey(r.plate.text())}, 0, anyone, now))
      seen.push_back({t.id, t.agency, r.plate.str(), r.agency, r.camera, r.time});
  }
  if (seen.empty()) return;
  Result<std::vector<intel::TargetReadNotice>> notices =
      ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
        return intel::RecordTargetReads(db, seen, now);
      });
  if (!notices.ok()) {
    // The reads are stored; the notice is what failed, and is logged.
    ctx.log.Error("recording target reads failed", {{"error", notices.status().message()}});
    return;
  }
  if (ctx.hub)
    for (const intel::TargetReadNotice& n : *notices) ctx.hub->Announce(n.agency, "target", n.json);
}

void CheckVehicleBolos(ApiContext& ctx, const std::vector<read::Read>& reads,
                       const std::vector<bool>& kept, std::int64_t now) {
  std::shared_ptr<const std::vector<intel::VehicleBolo>> bolos;
  {
    std::lock_guard l(ctx.vehicle_bolos_mu);
    bolos = ctx.vehicle_bolos;
  }
  if (!bolos || bolos->empty()) return;
  std::vector<intel::BoloSighting> seen;
  for (std::size_t i = 0; i < reads.size() && i < kept.size(); ++i) {
    const read::Read& r = reads[i];
    if (!kept[i] || r.vehicle.empty()) continue;
    for (const intel::VehicleBolo& b : *bolos)
      if (intel::VehicleMatches(b, r.vehicle.make, r.vehicle.model, r.vehicle.color,
                                r.vehicle.body))
        seen.push_back({b.id, b.agency, r.agency, r.camera, r.plate.str(), r.time});
  }
  if (seen.empty()) return;
  Result<std::int64_t> n = ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
    return intel::RecordSightings(db, seen, now);
  });
  if (!n.ok())
    ctx.log.Error("recording BOLO weak matches failed", {{"error", n.status().message()}});
}

}  // namespace

void CheckReadsForIntel(ApiContext& ctx, const std::vector<read::Read>& reads,
                        const std::vector<bool>& kept) {
  const std::int64_t now = ctx.clock.NowMillis();
  CheckTargetPlates(ctx, reads, kept, now);
  CheckVehicleBolos(ctx, reads, kept, now);
}

void AddIntelRoutes(http::Router& router, ApiContext& ctx) {
  router.Add({"POST", "/api/v1/operations", http::AccessRule::Requires("operations.manage"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                Result<JsonBody> b = JsonBody::Parse(req.body);
                if (!b.ok()) return ErrorResponse(b.status());
                Result<intel::OperationRequest> r = OperationFromBody(*b);
                if (!r.ok()) return ErrorResponse(r.status());
                Result<intel::OperationResult> made = AsCaller(ctx, req, intel::EnterOperation, *r);
                if (!made.ok()) return Failed(ctx, made.status(), "entering an operation failed");
                return OperationAnswer(ctx, req, 201, *made);
              }});
  router.Add({"GET", "/api/v1/operations", http::AccessRule::Requires("operations.read"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                // ?since=RFC 3339: operations ending after it (default: now).
                std::int64_t since = ctx.clock.NowMillis();
                if (const std::optional<std::string> raw = req.QueryParam("since")) {
                  Result<UnixMillis> t = ParseRfc3339(*raw);
                  if (!t.ok())
                    return ErrorResponse(
                        Status::InvalidArgument(fmt::format("since: {}", t.status().message())));
                  since = *t;
                }
                Result<std::vector<intel::Operation>> list =
                    ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
                      return intel::ListOperations(db, Caller(req), since);
                    });
                if (!list.ok()) return Failed(ctx, list.status(), "listing operations failed");
                return JsonList("operations", *list, WriteOperation);
              }});
  router.Add({"GET", "/api/v1/operations/{id}", http::AccessRule::Requires("operations.read"),
              [&ctx](const http::Request& req, const http::PathParams& params) {
                const std::optional<std::int64_t> id = PathId(params);
                if (!id) return ErrorResponse(Status::NotFound("no such operation"));
                Result<intel::Operation> o =
                    ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
                      return intel::GetOperation(db, Caller(req), *id);
                    });
                if (!o.ok()) return Failed(ctx, o.status(), "reading an operation failed");
                return JsonResponse(200, [&](Writer& w) { WriteOperation(w, *o); });
              }});
  router.Add({"PUT", "/api/v1/operations/{id}", http::AccessRule::Requires("operations.manage"),
              [&ctx](const http::Request& req, const http::PathParams& params) {
                const std::optional<std::int64_t> id = PathId(params);
                if (!id) return ErrorResponse(Status::NotFound("no such operation"));
                Result<JsonBody> b = JsonBody::Parse(req.body);
                if (!b.ok()) return ErrorResponse(b.status());
                Result<intel::OperationRequest> r = OperationFromBody(*b);
                if (!r.ok()) return ErrorResponse(r.status());
                Result<intel::OperationResult> made =
                    AsCaller(ctx, req, intel::UpdateOperation, *id, *r);
                if (!made.ok()) return Failed(ctx, made.status(), "changing an operation failed");
                return OperationAnswer(ctx, req, 200, *made);
              }});
  router.Add({"POST", "/api/v1/operations/{id}/status",
              http::AccessRule::Requires("operations.manage"),
              [&ctx](const http::Request& req, const http::PathParams& params) {
                const std::optional<std::int64_t> id = PathId(params);
                if (!id) return ErrorResponse(Status::NotFound("no such operation"));
                Result<JsonBody> b = JsonBody::Parse(req.body);
                if (!b.ok()) return ErrorResponse(b.status());
                Result<std::string> status = b->String("status");
                if (!status.ok()) return ErrorResponse(status.status());
                Status st = AsCaller(ctx, req, intel::SetOperationStatus, *id, *status);
                if (!st.ok()) return Failed(ctx, st, "changing an operation's status failed");
                return JsonObject(200, "id", *id, "status", *status);
              }});

  router.Add({"POST", "/api/v1/targets", http::AccessRule::Requires("operations.manage"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                Result<JsonBody> b = JsonBody::Parse(req.body);
                if (!b.ok()) return ErrorResponse(b.status());
                intel::TargetRequest r;
                Result<std::string> kind = b->String("kind"), value = b->String("value"),
                                    case_number = b->String("case_number"),
                                    contact_name = b->String("contact_name"),
                                    contact_phone = b->String("contact_phone");
                Result<std::optional<std::string>> dob = b->OptionalString("dob");
                Result<std::optional<std::int64_t>> operation = b->OptionalInt("operation");
                Result<std::optional<std::int64_t>> expires = b->OptionalTime("expires_at");
                for (const Status& s :
                     {kind.status(), value.status(), case_number.status(), contact_name.status(),
                      contact_phone.status(), dob.status(), operation.status(), expires.status()}) {
                  if (!s.ok()) return ErrorResponse(s);
                }
                r.kind = *kind;
                r.value = *value;
                r.dob = dob->value_or("");
                r.case_number = *case_number;
                r.operation = *operation;
                r.contact_name = *contact_name;
                r.contact_phone = *contact_phone;
                r.expires_at = *expires;
                Result<intel::TargetResult> made = AsCaller(ctx, req, intel::EnterTarget, r);
                if (!made.ok()) return Failed(ctx, made.status(), "entering a target failed");
                if (made->target.kind == "plate") {
                  if (Status st = Changed(ctx, catalog::kTargetsTopic); !st.ok())
                    ctx.log.Error("reloading target plates failed", {{"error", st.message()}});
                }
                const std::vector<const intel::ConflictNotice*> mine =
                    Announce(ctx, made->notices, Caller(req).agency_id);
                return JsonResponse(201, [&](Writer& w) {
                  w.StartObject();
                  json::Key(w, "target");
                  WriteTarget(w, made->target);
                  json::Key(w, "matches");
                  w.StartArray();
                  for (const intel::ConflictNotice* n : mine) json::Put(w, json::Raw{n->Json()});
                  w.EndArray();
                  w.EndObject();
                });
              }});
  router.Add({"GET", "/api/v1/targets", http::AccessRule::Requires("operations.read"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                Result<std::vector<intel::Target>> list = AsCaller(ctx, req, intel::ListTargets);
                if (!list.ok()) return Failed(ctx, list.status(), "listing targets failed");
                return JsonList("targets", *list, WriteTarget);
              }});
  router.Add({"POST", "/api/v1/targets/{id}/remove",
              http::AccessRule::Requires("operations.manage"),
              [&ctx](const http::Request& req, const http::PathParams& params) {
                const std::optional<std::int64_t> id = PathId(params);
                if (!id) return ErrorResponse(Status::NotFound("no such target"));
                Status st = AsCaller(ctx, req, intel::RemoveTarget, *id);
                if (!st.ok()) return Failed(ctx, st, "removing a target failed");
                if (Status reloaded = Changed(ctx, catalog::kTargetsTopic); !reloaded.ok())
                  ctx.log.Error("reloading target plates failed", {{"error", reloaded.message()}});
                return JsonObject(200, "id", *id, "removed", true);
              }});

  router.Add({"POST", "/api/v1/bolos", http::AccessRule::Requires("bolos.issue"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                Result<JsonBody> b = JsonBody::Parse(req.body);
                if (!b.ok()) return ErrorResponse(b.status());
                intel::BoloRequest r;
                Result<std::string> kind = b->String("kind"), narrative = b->String("narrative"),
                                    contact_name = b->String("contact_name"),
                                    contact_phone = b->String("contact_phone");
                std::vector<Status> bad = {kind.status(), narrative.status(), contact_name.status(),
                                           contact_phone.status()};
                std::map<std::string_view, std::string*> optional = {
                    {"plate", &r.plate}, {"plate_state", &r.plate_state},
                    {"make", &r.make},   {"model", &r.model},
                    {"color", &r.color}, {"body", &r.body},
                    {"marks", &r.marks}, {"person", &r.person}};
                for (auto& [field, into] : optional) {
                  Result<std::optional<std::string>> v = b->OptionalString(field);
                  if (!v.ok()) return ErrorResponse(v.status());
                  *into = v->value_or("");
                }
                Result<std::optional<std::vector<std::string>>> audience =
                    b->OptionalStringArray("audience");
                Result<std::optional<std::int64_t>> expires = b->OptionalTime("expires_at");
                bad.push_back(audience.status());
                bad.push_back(expires.status());
                for (const Status& s : bad)
                  if (!s.ok()) return ErrorResponse(s);
                r.kind = *kind;
                r.narrative = *narrative;
                r.contact_name = *contact_name;
                r.contact_phone = *contact_phone;
                r.audience = audience->value_or(std::vector<std::string>{});
                r.expires_at = *expires;
                Result<intel::Bolo> made =
                    intel::IssueBolo(WithCatalog(ctx), Caller(req), r, ctx.clock.NowMillis());
                if (!made.ok()) return Failed(ctx, made.status(), "issuing a BOLO failed");
                BoloChanged(ctx, made->plate);
                return JsonResponse(201, [&](Writer& w) { WriteBolo(w, *made); });
              }});
  router.Add({"GET", "/api/v1/bolos", http::AccessRule::Requires("bolos.read"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                intel::BoloQuery q;
                q.plate = req.QueryParam("plate").value_or("");
                q.make = req.QueryParam("make").value_or("");
                q.model = req.QueryParam("model").value_or("");
                q.color = req.QueryParam("color").value_or("");
                q.active_only = req.QueryParam("all").value_or("") != "true";
                if (!q.plate.empty()) {
                  Result<std::string> plate = plate::NormalizePlateText(q.plate);
                  if (!plate.ok())
                    return ErrorResponse(
                        Status::InvalidArgument("plate: " + plate.status().message()));
                  q.plate = *plate;
                }
                Result<std::vector<intel::Bolo>> list = AsCaller(ctx, req, intel::ListBolos, q);
                if (!list.ok()) return Failed(ctx, list.status(), "listing BOLOs failed");
                return JsonList("bolos", *list, WriteBolo);
              }});
  router.Add({"GET", "/api/v1/bolos/{id}", http::AccessRule::Requires("bolos.read"),
              [&ctx](const http::Request& req, const http::PathParams& params) {
                const std::optional<std::int64_t> id = PathId(params);
                if (!id) return ErrorResponse(Status::NotFound("no such BOLO"));
                Result<intel::Bolo> b = AsCaller(ctx, req, intel::GetBolo, *id);
                if (!b.ok()) return Failed(ctx, b.status(), "reading a BOLO failed");
                return JsonResponse(200, [&](Writer& w) { WriteBolo(w, *b); });
              }});
  // The body is the image itself (JPEG or PNG).
  router.Add({"PUT", "/api/v1/bolos/{id}/photo", http::AccessRule::Requires("bolos.issue"),
              [&ctx](const http::Request& req, const http::PathParams& params) {
                const std::optional<std::int64_t> id = PathId(params);
                if (!id) return ErrorResponse(Status::NotFound("no such BOLO"));
                Status st = AsCaller(ctx, req, intel::SetBoloPhoto, *id, req.body);
                if (!st.ok()) return Failed(ctx, st, "storing a BOLO's photo failed");
                return JsonObject(200, "id", *id, "photo", true);
              }});
  router.Add({"GET", "/api/v1/bolos/{id}/photo", http::AccessRule::Requires("bolos.read"),
              [&ctx](const http::Request& req, const http::PathParams& params) {
                const std::optional<std::int64_t> id = PathId(params);
                if (!id) return ErrorResponse(Status::NotFound("no such BOLO"));
                Result<intel::Photo> photo = AsCaller(ctx, req, intel::BoloPhoto, *id);
                if (!photo.ok())
                  return Failed(ctx, photo.status(), "reading a BOLO's photo failed");
                http::Response res;
                res.content_type = photo->content_type;
                res.body = std::move(photo->bytes);
                return res;
              }});
  router.Add({"POST", "/api/v1/bolos/{id}/renew", http::AccessRule::Requires("bolos.issue"),
              [&ctx](const http::Request& req, const http::PathParams& params) {
                const std::optional<std::int64_t> id = PathId(params);
                if (!id) return ErrorResponse(Status::NotFound("no such BOLO"));
                Result<JsonBody> b = JsonBody::Parse(req.body.empty() ? "{}" : req.body);
                if (!b.ok()) return ErrorResponse(b.status());
                Result<std::optional<std::int64_t>> until = b->OptionalTime("expires_at");
                if (!until.ok()) return ErrorResponse(until.status());
                Result<intel::Bolo> renewed = intel::RenewBolo(WithCatalog(ctx), Caller(req), *id,
                                                               *until, ctx.clock.NowMillis());
                if (!renewed.ok()) return Failed(ctx, renewed.status(), "renewing a BOLO failed");
                BoloChanged(ctx, renewed->plate);
                return JsonResponse(200, [&](Writer& w) { WriteBolo(w, *renewed); });
              }});
  router.Add({"POST", "/api/v1/bolos/{id}/cancel", http::AccessRule::Requires("bolos.issue"),
              [&ctx](const http::Request& req, const http::PathParams& params) {
                const std::optional<std::int64_t> id = PathId(params);
                if (!id) return ErrorResponse(Status::NotFound("no such BOLO"));
                Result<intel::Bolo> was =
                    intel::CancelBolo(WithCatalog(ctx), Caller(req), *id, ctx.clock.NowMillis());
                if (!was.ok()) return Failed(ctx, was.status(), "cancelling a BOLO failed");
                BoloChanged(ctx, was->plate);
                return JsonObject(200, "id", *id, "status", "cancelled");
              }});

  router.Add(
      {"POST", "/api/v1/intel/records", http::AccessRule::Requires("intel.submit"),
       [&ctx](const http::Request& req, const http::PathParams&) {
         Result<JsonBody> b = JsonBody::Parse(req.body);
         if (!b.ok()) return ErrorResponse(b.status());
         intel::RecordRequest r;
         for (const auto& [field, into] : std::vector<std::pair<std::string_view, std::string*>>{
                  {"subject_kind", &r.subject_kind},
                  {"subject", &r.subject},
                  {"activity", &r.activity},
                  {"predicate", &r.predicate},
                  {"source", &r.source},
                  {"reliability", &r.reliability}}) {
           Result<std::string> v = b->String(field);
           if (!v.ok()) return ErrorResponse(v.status());
           *into = *v;
         }
         for (const auto& [field, into] : std::vector<std::pair<std::string_view, std::string*>>{
                  {"narrative", &r.narrative}, {"first_amendment", &r.first_amendment}}) {
           Result<std::optional<std::string>> v = b->OptionalString(field);
           if (!v.ok()) return ErrorResponse(v.status());
           *into = v->value_or("");
         }
         Result<intel::IntelRecord> made = AsCaller(ctx, req, intel::SubmitRecord, r);
         if (!made.ok()) return Failed(ctx, made.status(), "submitting a record failed");
         return JsonResponse(201, [&](Writer& w) { WriteRecord(w, *made); });
       }});
  router.Add({"GET", "/api/v1/intel/records", http::AccessRule::Requires("intel.read"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                Result<std::vector<intel::IntelRecord>> list =
                    ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
                      return intel::ListRecords(db, Caller(req));
                    });
                if (!list.ok()) return Failed(ctx, list.status(), "listing records failed");
                return JsonList("records", *list, WriteRecord);
              }});
  router.Add({"GET", "/api/v1/intel/records/{id}", http::AccessRule::Requires("intel.read"),
              [&ctx](const http::Request& req, const http::PathParams& params) {
                const std::optional<std::int64_t> id = PathId(params);
                if (!id) return ErrorResponse(Status::NotFound("no such record"));
                Result<intel::IntelRecord> r = AsCaller(ctx, req, intel::GetRecord, *id);
                if (!r.ok()) return Failed(ctx, r.status(), "reading a record failed");
                return JsonResponse(200, [&](Writer& w) { WriteRecord(w, *r); });
              }});
  // The acts on one record that take one text field and answer with it.
  using RecordChange = Result<intel::IntelRecord> (*)(
      catalog::Database&, const identity::Principal&, std::int64_t, std::string_view, std::int64_t);
  struct RecordAct {
    std::string_view path, permission, field;
    bool optional_field;
    RecordChange act;
  };
  for (const RecordAct& a : std::vector<RecordAct>{
           {"approve", "intel.approve", "statement", true, &intel::ApproveRecord},
           {"revalidate", "intel.approve", "justification", false, &intel::RevalidateRecord},
           {"subject", "intel.submit", "subject", false, &intel::UpdateSubject}}) {
    router.Add({"POST", fmt::format("/api/v1/intel/records/{{id}}/{}", a.path),
                http::AccessRule::Requires(std::string(a.permission)),
                [&ctx, a](const http::Request& req, const http::PathParams& params) {
                  const std::optional<std::int64_t> id = PathId(params);
                  if (!id) return ErrorResponse(Status::NotFound("no such record"));
                  Result<JsonBody> b = JsonBody::Parse(req.body.empty() ? "{}" : req.body);
                  if (!b.ok()) return ErrorResponse(b.status());
                  Result<std::optional<std::string>> v = b->OptionalString(a.field);
                  if (!v.ok()) return ErrorResponse(v.status());
                  if (!*v && !a.optional_field)
                    return ErrorResponse(
                        Status::InvalidArgument(fmt::format("{}: required", a.field)));
                  Result<intel::IntelRecord> r =
                      AsCaller(ctx, req, a.act, *id, std::string_view(v->value_or("")));
                  if (!r.ok()) return Failed(ctx, r.status(), "changing a record failed");
                  return JsonResponse(200, [&](Writer& w) { WriteRecord(w, *r); });
                }});
  }
  using EndRecord = Status (*)(catalog::Database&, const identity::Principal&, std::int64_t,
                               std::string_view, std::int64_t);
  for (const auto& ending : std::vector<std::pair<std::string_view, EndRecord>>{
           {"refuse", &intel::RefuseRecord}, {"purge", &intel::PurgeRecord}}) {
    // Named copies: a lambda may not capture a structured binding (clang 14).
    const std::string_view path = ending.first;
    const EndRecord act = ending.second;
    router.Add({"POST", fmt::format("/api/v1/intel/records/{{id}}/{}", path),
                http::AccessRule::Requires("intel.approve"),
                [&ctx, act, path](const http::Request& req, const http::PathParams& params) {
                  const std::optional<std::int64_t> id = PathId(params);
                  if (!id) return ErrorResponse(Status::NotFound("no such record"));
                  Result<std::vector<std::string>> reason = Fields(req, {"reason"});
                  if (!reason.ok()) return ErrorResponse(reason.status());
                  Status st = AsCaller(ctx, req, act, *id, (*reason)[0]);
                  if (!st.ok()) return Failed(ctx, st, "ending a record failed");
                  return JsonObject(200, "id", *id, "state",
                                    path == "refuse" ? "refused" : "purged");
                }});
  }
  router.Add({"POST", "/api/v1/intel/records/{id}/disseminate",
              http::AccessRule::Requires("intel.read"),
              [&ctx](const http::Request& req, const http::PathParams& params) {
                const std::optional<std::int64_t> id = PathId(params);
                if (!id) return ErrorResponse(Status::NotFound("no such record"));
                Result<std::vector<std::string>> f = Fields(req, {"to", "purpose"});
                if (!f.ok()) return ErrorResponse(f.status());
                Result<intel::Dissemination> d =
                    AsCaller(ctx, req, intel::Disseminate, *id, (*f)[0], (*f)[1]);
                if (!d.ok()) return Failed(ctx, d.status(), "disseminating a record failed");
                return JsonResponse(201, [&](Writer& w) { WriteDissemination(w, *d); });
              }});
  router.Add({"POST", "/api/v1/intel/records/{id}/disclose",
              http::AccessRule::Requires("intel.read"),
              [&ctx](const http::Request& req, const http::PathParams& params) {
                const std::optional<std::int64_t> id = PathId(params);
                if (!id) return ErrorResponse(Status::NotFound("no such record"));
                Result<std::vector<std::string>> f = Fields(req, {"recipient", "reason"});
                if (!f.ok()) return ErrorResponse(f.status());
                Result<intel::Dissemination> d =
                    AsCaller(ctx, req, intel::DiscloseImminentDanger, *id, (*f)[0], (*f)[1]);
                if (!d.ok()) return Failed(ctx, d.status(), "disclosing a record failed");
                return JsonResponse(201, [&](Writer& w) { WriteDissemination(w, *d); });
              }});
  router.Add({"GET", "/api/v1/intel/records/{id}/disseminations",
              http::AccessRule::Requires("intel.read"),
              [&ctx](const http::Request& req, const http::PathParams& params) {
                const std::optional<std::int64_t> id = PathId(params);
                if (!id) return ErrorResponse(Status::NotFound("no such record"));
                Result<std::vector<intel::Dissemination>> log =
                    ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
                      return intel::DisseminationLog(db, Caller(req), *id);
                    });
                if (!log.ok()) return Failed(ctx, log.status(), "reading a log failed");
                return JsonList("disseminations", *log, WriteDissemination);
              }});

  router.Add({"GET", "/api/v1/conflicts", http::AccessRule::Requires("operations.read"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                const bool open_only = req.QueryParam("open").value_or("") == "true";
                Result<std::vector<intel::Conflict>> list =
                    ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
                      return intel::ListConflicts(db, Caller(req), open_only);
                    });
                if (!list.ok()) return Failed(ctx, list.status(), "listing conflicts failed");
                return JsonList("conflicts", *list, WriteConflict);
              }});
  router.Add({"GET", "/api/v1/conflicts/watch", http::AccessRule::Requires("conflicts.watch"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                Result<std::vector<intel::Conflict>> list =
                    AsCaller(ctx, req, intel::WatchConflicts);
                if (!list.ok()) return Failed(ctx, list.status(), "watching conflicts failed");
                return JsonList("conflicts", *list, WriteConflict);
              }});
  router.Add(
      {"POST", "/api/v1/conflicts/{id}/resolve", http::AccessRule::Requires("operations.manage"),
       [&ctx](const http::Request& req, const http::PathParams& params) {
         const std::optional<std::int64_t> id = PathId(params);
         if (!id) return ErrorResponse(Status::NotFound("no such conflict"));
         Result<JsonBody> b = JsonBody::Parse(req.body);
         if (!b.ok()) return ErrorResponse(b.status());
         Result<std::string> resolution = b->String("resolution");
         Result<std::optional<std::string>> note = b->OptionalString("note");
         for (const Status& s : {resolution.status(), note.status()})
           if (!s.ok()) return ErrorResponse(s);
         Result<intel::Conflict> c =
             AsCaller(ctx, req, intel::ResolveConflict, *id, *resolution, note->value_or(""));
         if (!c.ok()) return Failed(ctx, c.status(), "resolving a conflict failed");
         return JsonResponse(200, [&](Writer& w) { WriteConflict(w, *c); });
       }});
}

}  // namespace interdict::server
