#include "ops/units.h"

#include <algorithm>

#include <fmt/core.h>

#include "base/json.h"
#include "base/json_writer.h"
#include "identity/users.h"

namespace interdict::ops {
namespace {

using identity::AuditAct;
using identity::Require;

bool OneOf(std::string_view v, const auto& allowed) {
  return std::find(allowed.begin(), allowed.end(), v) != allowed.end();
}

bool IsHex(std::string_view s) {
  return s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

Status CheckSpec(const UnitSpec& s) {
  if (s.call_sign.empty() || s.call_sign.size() > 32 ||
      s.call_sign.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -") !=
          std::string::npos ||
      s.call_sign.front() == ' ' || s.call_sign.back() == ' ') {
    return Status::InvalidArgument(
        "call_sign: 1 to 32 of A-Z, 0-9, space and '-', not starting or ending with a space");
  }
  if (!OneOf(s.kind, kUnitKinds)) {
    return Status::InvalidArgument("kind: patrol, unmarked, k9, tactical_medic, aircraft or other");
  }
  if (s.capabilities.size() > 16) return Status::InvalidArgument("capabilities: at most 16");
  for (const std::string& c : s.capabilities) {
    if (c.empty() || c.size() > 32 ||
        c.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-") != std::string::npos)
      return Status::InvalidArgument(
          fmt::format("capabilities: \"{}\" is not 1 to 32 of a-z, 0-9, '_' and '-'", c));
  }
  if (!s.shift.empty() && !identity::ParseShift(s.shift))
    return Status::InvalidArgument("shift: HH:MM-HH:MM in local time, e.g. 07:00-19:00");
  if (s.kind == "aircraft" && !(s.icao.size() == 6 && IsHex(s.icao)))
    return Status::InvalidArgument("icao: an aircraft's ADS-B address, 6 lowercase hex digits");
  if (s.kind != "aircraft" && !s.icao.empty())
    return Status::InvalidArgument("icao: only aircraft have an ADS-B address");
  if (s.home_lat.has_value() != s.home_lon.has_value())
    return Status::InvalidArgument("home_lat and home_lon: both or neither");
  if (s.home_lat && !(*s.home_lat >= -90 && *s.home_lat <= 90))
    return Status::InvalidArgument("home_lat: from -90 to 90");
  if (s.home_lon && !(*s.home_lon >= -180 && *s.home_lon <= 180))
    return Status::InvalidArgument("home_lon: from -180 to 180");
  return Status::Ok();
}

std::optional<double> OptionalReal(const catalog::Statement& q, int col) {
  if (q.IsNull(col)) return std::nullopt;
  return q.Real(col);
}

}  // namespace

Result<std::int64_t> CreateUnit(catalog::Database& db, const identity::Principal& p,
                                const UnitSpec& spec, std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "units.manage"));
  INTERDICT_RETURN_IF_ERROR(CheckSpec(spec));
  std::int64_t id = 0;
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
    if (!spec.icao.empty()) {
      Result<catalog::Statement> taken = db.Query("SELECT 1 FROM units WHERE icao = ?1", spec.icao);
      if (!taken.ok()) return taken.status();
      if (taken->has_row())
        return Status::AlreadyExists(fmt::format("icao: {} is another aircraft's", spec.icao));
    }
    Result<catalog::Statement> ins = db.Prepare(
        "INSERT INTO units (agency_id, call_sign, kind, capabilities, status, status_at, "
        "status_by, shift, icao, home_lat, home_lon, created_at, created_by) VALUES (?1, ?2, ?3, "
        "?4, 'available', ?5, ?6, ?7, ?8, ?9, ?10, ?5, ?6) ON CONFLICT DO NOTHING RETURNING id");
    if (!ins.ok()) return ins.status();
    ins->Bind(1, p.agency_id)
        .Bind(2, spec.call_sign)
        .Bind(3, spec.kind)
        .Bind(4, json::Array(spec.capabilities))
        .Bind(5, now)
        .Bind(6, p.Actor())
        .Bind(7, spec.shift)
        .Bind(8, spec.icao.empty() ? std::nullopt : std::optional<std::string>(spec.icao));
    if (spec.home_lat) {
      ins->BindReal(9, *spec.home_lat).BindReal(10, *spec.home_lon);
    } else {
      ins->BindNull(9).BindNull(10);
    }
    Result<std::int64_t> inserted = ins->RunReturningId();
    if (!inserted.ok()) return inserted.status();
    if (*inserted == 0)
      return Status::AlreadyExists(fmt::format("call_sign: {} exists already", spec.call_sign));
    id = *inserted;
    return AuditAct(db, p, "unit.create", true,
                    json::Object("unit", id, "call_sign", spec.call_sign, "kind", spec.kind), now);
  }));
  return id;
}

Status SetUnitStatus(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                     std::string_view status, std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "units.manage"));
  if (!OneOf(status, kUnitStatuses))
    return Status::InvalidArgument("status: available, assigned, busy or out_of_service");
  return db.Transaction([&]() -> Status {
    Result<catalog::Statement> up = db.Prepare(
        "UPDATE units SET status = ?1, status_at = ?2, status_by = ?3 WHERE id = ?4 AND "
        "agency_id = ?5 AND retired_at IS NULL");
    if (!up.ok()) return up.status();
    up->Bind(1, status).Bind(2, now).Bind(3, p.Actor()).Bind(4, id).Bind(5, p.agency_id);
    INTERDICT_RETURN_IF_ERROR(up->Run());
    if (db.Changes() == 0)
      return Status::NotFound(fmt::format("no unit {} of {} in service", id, p.agency_code));
    return AuditAct(db, p, "unit.status", true, json::Object("unit", id, "status", status), now);
  });
}

Status RetireUnit(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                  std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "units.manage"));
  return db.Transaction([&]() -> Status {
    Result<catalog::Statement> up = db.Prepare(
        "UPDATE units SET retired_at = ?1, icao = NULL, status = 'out_of_service', status_at = "
        "?1, status_by = ?2 WHERE id = ?3 AND agency_id = ?4 AND retired_at IS NULL");
    if (!up.ok()) return up.status();
    up->Bind(1, now).Bind(2, p.Actor()).Bind(3, id).Bind(4, p.agency_id);
    INTERDICT_RETURN_IF_ERROR(up->Run());
    if (db.Changes() == 0)
      return Status::NotFound(fmt::format("no unit {} of {} in service", id, p.agency_code));
    return AuditAct(db, p, "unit.retire", true, json::Object("unit", id), now);
  });
}

Result<std::vector<UnitInfo>> ListUnits(catalog::Database& db, const identity::Principal& p) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "units.read"));
  return db.List<UnitInfo>(
      "SELECT u.id, a.code, u.call_sign, u.kind, u.capabilities, u.shift, u.icao, u.home_lat, "
      "u.home_lon, u.status, u.status_by, u.status_at, q.time, q.lat, q.lon, q.speed_mps, "
      "q.heading, q.source, h.hit_id, h.point_lat, h.point_lon, h.camera, h.eta_at, "
      "h.assigned_at FROM units u JOIN agencies a ON a.id = u.agency_id LEFT JOIN "
      "unit_positions q ON q.unit_id = u.id AND q.time = (SELECT max(time) FROM unit_positions "
      "WHERE unit_id = u.id) LEFT JOIN hit_assignments h ON h.id = (SELECT max(id) FROM "
      "hit_assignments WHERE unit_id = u.id AND released_at IS NULL) WHERE u.agency_id = ?1 AND "
      "u.retired_at IS NULL ORDER BY u.call_sign",
      [](const catalog::Statement& r) {
        UnitInfo u;
        u.id = r.Int(0);
        u.agency = r.Text(1);
        u.spec.call_sign = r.Text(2);
        u.spec.kind = r.Text(3);
        u.spec.capabilities = json::StringArray(r.Text(4));
        u.spec.shift = r.Text(5);
        u.spec.icao = r.IsNull(6) ? "" : r.Text(6);
        u.spec.home_lat = OptionalReal(r, 7);
        u.spec.home_lon = OptionalReal(r, 8);
        u.status = r.Text(9);
        u.status_by = r.Text(10);
        u.status_at = r.Int(11);
        if (!r.IsNull(12)) {
          Position pos;
          pos.time = r.Int(12);
          pos.lat = r.Real(13);
          pos.lon = r.Real(14);
          pos.speed_mps = OptionalReal(r, 15);
          if (!r.IsNull(16)) pos.heading = static_cast<int>(r.Int(16));
          pos.source = r.Text(17);
          u.last = pos;
        }
        if (!r.IsNull(18)) {
          u.assignment = UnitAssignment{r.Int(18),  r.Real(19),        r.Real(20),
                                        r.Text(21), r.OptionalInt(22), r.Int(23)};
        }
        return u;
      },
      p.agency_id);
}

}  // namespace interdict::ops
