#include "ops/assignments.h"

#include <fmt/core.h>

#include "alerting/hits.h"
#include "base/json_writer.h"
#include "base/time_format.h"
#include "policy/sharing.h"

namespace interdict::ops {
namespace {

using identity::AuditAct;
using identity::Require;

constexpr std::string_view kColumns =
    "h.id, h.hit_id, h.unit_id, u.call_sign, u.kind, h.point_lat, h.point_lon, h.camera, "
    "h.eta_at, h.assigned_at, h.assigned_by, h.released_at, coalesce(h.released_by, '') FROM "
    "hit_assignments h JOIN units u ON u.id = h.unit_id ";

Assignment FromRow(const catalog::Statement& r) {
  Assignment a;
  a.id = r.Int(0);
  a.hit = r.Int(1);
  a.unit = r.Int(2);
  a.call_sign = r.Text(3);
  a.kind = r.Text(4);
  a.lat = r.Real(5);
  a.lon = r.Real(6);
  a.camera = r.Text(7);
  a.eta_at = r.OptionalInt(8);
  a.assigned_at = r.Int(9);
  a.assigned_by = r.Text(10);
  a.released_at = r.OptionalInt(11);
  a.released_by = r.Text(12);
  return a;
}

// The hit must be one the caller may see; NotFound otherwise, as for a hit
// that does not exist (its existence is not disclosed).
Status SeeHit(catalog::Database& db, const identity::Principal& p, std::int64_t hit,
              std::int64_t now) {
  Result<bool> may = alerting::MaySee(db, p, hit, now);
  if (!may.ok()) return may.status();
  if (!*may) return Status::NotFound(fmt::format("no hit {} that {} may see", hit, p.agency_code));
  return Status::Ok();
}

}  // namespace

Result<Assignment> AssignUnit(catalog::Database& db, const identity::Principal& p, std::int64_t hit,
                              const AssignRequest& r, std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "hits.dispatch"));
  if (!(r.lat >= -90 && r.lat <= 90)) return Status::InvalidArgument("lat: -90 to 90 degrees");
  if (!(r.lon >= -180 && r.lon <= 180)) return Status::InvalidArgument("lon: -180 to 180 degrees");
  if (r.camera.size() > 200) return Status::InvalidArgument("camera: at most 200 characters");
  if (r.eta_at && (*r.eta_at < now - 60'000 || *r.eta_at > now + 4 * 3'600'000))
    return Status::InvalidArgument("eta: within the next four hours");
  INTERDICT_RETURN_IF_ERROR(SeeHit(db, p, hit, now));
  std::int64_t id = 0;
  Status st = db.Transaction([&]() -> Status {
    Result<catalog::Statement> unit = db.Query(
        "SELECT call_sign, status FROM units WHERE id = ?1 AND agency_id = ?2 AND retired_at IS "
        "NULL",
        r.unit, p.agency_id);
    if (!unit.ok()) return unit.status();
    if (!unit->has_row())
      return Status::NotFound(fmt::format("no unit {} of {} in service", r.unit, p.agency_code));
    const std::string call_sign = unit->Text(0);
    if (unit->Text(1) != "available")
      return Status::FailedPrecondition(
          fmt::format("unit {} is {}, not available", call_sign, unit->Text(1)));
    Result<catalog::Statement> ins = db.Prepare(
        "INSERT INTO hit_assignments (hit_id, unit_id, point_lat, point_lon, camera, eta_at, "
        "assigned_at, assigned_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id");
    if (!ins.ok()) return ins.status();
    ins->Bind(1, hit).Bind(2, r.unit).BindReal(3, r.lat).BindReal(4, r.lon).Bind(5, r.camera);
    ins->Bind(6, r.eta_at).Bind(7, now).Bind(8, p.Actor());
    Result<std::int64_t> made = ins->RunReturningId();
    if (!made.ok()) return made.status();
    id = *made;
    Result<catalog::Statement> up = db.Prepare(
        "UPDATE units SET status = 'assigned', status_at = ?1, status_by = ?2 WHERE id = ?3");
    if (!up.ok()) return up.status();
    up->Bind(1, now).Bind(2, p.Actor()).Bind(3, r.unit);
    INTERDICT_RETURN_IF_ERROR(up->Run());
    INTERDICT_RETURN_IF_ERROR(policy::AddNotice(
        db, p.agency_id, "dispatch",
        fmt::format("{} sent to hit {}: wait at {:.5f}, {:.5f}{}{}.", call_sign, hit, r.lat, r.lon,
                    r.camera.empty() ? "" : " on the way to " + r.camera,
                    r.eta_at ? " by " + FormatRfc3339(*r.eta_at) : ""),
        "", now));
    return AuditAct(db, p, "hit.assign", true,
                    json::Object("hit", hit, "unit", r.unit, "call_sign", call_sign, "lat", r.lat,
                                 "lon", r.lon, "camera", r.camera),
                    now);
  });
  if (!st.ok()) return st;
  Result<catalog::Statement> q = db.Query(fmt::format("SELECT {}WHERE h.id = ?1", kColumns), id);
  if (!q.ok()) return q.status();
  if (!q->has_row()) return Status::Internal("the assignment just made is gone");
  return FromRow(*q);
}

Status ReleaseUnit(catalog::Database& db, const identity::Principal& p, std::int64_t hit,
                   std::int64_t unit, std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "hits.dispatch"));
  return db.Transaction([&]() -> Status {
    Result<catalog::Statement> up = db.Prepare(
        "UPDATE hit_assignments SET released_at = ?1, released_by = ?2 WHERE hit_id = ?3 AND "
        "unit_id = ?4 AND released_at IS NULL AND unit_id IN (SELECT id FROM units WHERE "
        "agency_id = ?5)");
    if (!up.ok()) return up.status();
    up->Bind(1, now).Bind(2, p.Actor()).Bind(3, hit).Bind(4, unit).Bind(5, p.agency_id);
    INTERDICT_RETURN_IF_ERROR(up->Run());
    if (db.Changes() == 0)
      return Status::NotFound(
          fmt::format("unit {} of {} is not out on hit {}", unit, p.agency_code, hit));
    // Available again, unless someone changed its status since.
    Result<catalog::Statement> free = db.Prepare(
        "UPDATE units SET status = 'available', status_at = ?1, status_by = ?2 WHERE id = ?3 AND "
        "status = 'assigned' AND NOT EXISTS (SELECT 1 FROM hit_assignments WHERE unit_id = ?3 "
        "AND released_at IS NULL)");
    if (!free.ok()) return free.status();
    free->Bind(1, now).Bind(2, p.Actor()).Bind(3, unit);
    INTERDICT_RETURN_IF_ERROR(free->Run());
    return AuditAct(db, p, "hit.release", true, json::Object("hit", hit, "unit", unit), now);
  });
}

Result<std::vector<Assignment>> HitAssignments(catalog::Database& db, const identity::Principal& p,
                                               std::int64_t hit, std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "hits.read"));
  INTERDICT_RETURN_IF_ERROR(SeeHit(db, p, hit, now));
  return db.List<Assignment>(
      fmt::format("SELECT {}WHERE h.hit_id = ?1 AND u.agency_id = ?2 ORDER BY h.released_at IS "
                  "NOT NULL, h.assigned_at",
                  kColumns),
      FromRow, hit, p.agency_id);
}

}  // namespace interdict::ops
