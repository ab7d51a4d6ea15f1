#include "alerting/cameras.h"

#include <fmt/core.h>

#include <set>

#include "base/json_writer.h"
#include "catalog/changes.h"
#include "policy/sharing.h"
#include "read/read.h"

namespace interdict::alerting {
namespace {

Status CheckSpec(const CameraSpec& s) {
  if (s.code.empty() || s.code.size() > read::kMaxCameraBytes) {
    return Status::InvalidArgument(
        fmt::format("code: 1 to {} bytes, e.g. \"cam12\"", read::kMaxCameraBytes));
  }
  for (char c : s.code) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return Status::InvalidArgument("code: no control characters");
    }
  }
  if (s.name.size() > 200) return Status::InvalidArgument("name: at most 200 bytes");
  if (s.lat && !(*s.lat >= -90 && *s.lat <= 90)) {
    return Status::InvalidArgument("lat: from -90 to 90");
  }
  if (s.lon && !(*s.lon >= -180 && *s.lon <= 180)) {
    return Status::InvalidArgument("lon: from -180 to 180");
  }
  if (s.lat.has_value() != s.lon.has_value()) {
    return Status::InvalidArgument("lat and lon: both or neither");
  }
  return Status::Ok();
}

std::optional<double> OptionalReal(const catalog::Statement& q, int col) {
  if (q.IsNull(col)) return std::nullopt;
  return std::stod(q.Text(col));
}

}  // namespace

Result<std::int64_t> CreateCamera(catalog::Database& db, const identity::Principal& p,
                                  const CameraSpec& spec, std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(identity::Require(p, "cameras.manage"));
  INTERDICT_RETURN_IF_ERROR(CheckSpec(spec));
  std::int64_t id = 0;
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
    Result<catalog::Statement> ins = db.Prepare(
        "INSERT INTO cameras (agency_id, code, name, lat, lon, vendor, mobile, status, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'active', ?8) ON CONFLICT DO NOTHING RETURNING id");
    if (!ins.ok()) return ins.status();
    ins->Bind(1, p.agency_id).Bind(2, spec.code).Bind(3, spec.name.empty() ? spec.code : spec.name);
    if (spec.lat) {
      ins->BindReal(4, *spec.lat).BindReal(5, *spec.lon);
    } else {
      ins->BindNull(4).BindNull(5);
    }
    ins->Bind(6, spec.vendor).Bind(7, std::int64_t{spec.mobile ? 1 : 0}).Bind(8, now);
    Result<std::int64_t> inserted = ins->RunReturningId();
    if (!inserted.ok()) return inserted.status();
    if (*inserted == 0) {
      return Status::AlreadyExists(fmt::format("code: camera {} exists already", spec.code));
    }
    id = *inserted;
    INTERDICT_RETURN_IF_ERROR(catalog::NoteChange(db, catalog::kCamerasTopic, now).status());
    return identity::AuditAct(db, p, "camera.create", true,
                              json::Object("camera", id, "code", spec.code), now);
  }));
  return id;
}

Status ApproveCamera(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                     std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(identity::Require(p, "cameras.manage"));
  return db.Transaction([&]() -> Status {
    Result<catalog::Statement> up = db.Prepare(
        "UPDATE cameras SET status = 'active' WHERE id = ?1 AND agency_id = ?2 AND status = "
        "'pending'");
    if (!up.ok()) return up.status();
    up->Bind(1, id).Bind(2, p.agency_id);
    INTERDICT_RETURN_IF_ERROR(up->Run());
    if (db.Changes() == 0) {
      return Status::NotFound(fmt::format("no pending camera {} in {}", id, p.agency_code));
    }
    INTERDICT_RETURN_IF_ERROR(catalog::NoteChange(db, catalog::kCamerasTopic, now).status());
    return identity::AuditAct(db, p, "camera.approve", true, json::Object("camera", id), now);
  });
}

Result<std::vector<CameraInfo>> ListCameras(catalog::Database& db, const identity::Principal& p) {
  INTERDICT_RETURN_IF_ERROR(identity::Require(p, "agency.read"));
  return db.List<CameraInfo>(
      "SELECT id, code, name, vendor, status, agent_version, lat, lon, mobile, last_seen_at "
      "FROM cameras WHERE agency_id = ?1 ORDER BY code",
      [&](const catalog::Statement& r) {
        CameraInfo c;
        c.id = r.Int(0);
        c.code = r.Text(1);
        c.name = r.Text(2);
        c.vendor = r.Text(3);
        c.status = r.Text(4);
        c.agent_version = r.Text(5);
        c.lat = OptionalReal(r, 6);
        c.lon = OptionalReal(r, 7);
        c.mobile = r.Int(8) != 0;
        c.last_seen_at = r.OptionalInt(9);
        return c;
      },
      p.agency_id);
}

Result<std::vector<CameraPosition>> VisibleCameraPositions(catalog::Database& db,
                                                           const identity::Principal& p,
                                                           std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(identity::Require(p, "agency.read"));
  std::set<std::int64_t> agencies;
  for (policy::DataClass cls : {policy::DataClass::kReads, policy::DataClass::kHits}) {
    Result<std::vector<policy::VisibleAgency>> v = policy::VisibleAgencies(db, p, cls, now);
    if (!v.ok()) return v.status();
    for (const policy::VisibleAgency& a : *v) agencies.insert(a.id);
  }
  Result<std::vector<std::pair<std::int64_t, CameraPosition>>> all =
      db.List<std::pair<std::int64_t, CameraPosition>>(
          "SELECT c.code, c.name, a.code, c.lat, c.lon, c.mobile, c.agency_id FROM cameras c "
          "JOIN agencies a ON a.id = c.agency_id WHERE c.status = 'active' AND c.lat IS NOT NULL "
          "AND c.lon IS NOT NULL ORDER BY c.code",
          [](const catalog::Statement& r) {
            return std::pair{r.Int(6), CameraPosition{r.Text(0), r.Text(1), r.Text(2), r.Real(3),
                                                      r.Real(4), r.Int(5) != 0}};
          });
  if (!all.ok()) return all.status();
  std::vector<CameraPosition> out;
  for (auto& [agency, position] : *all) {
    if (agencies.count(agency) != 0) out.push_back(std::move(position));
  }
  return out;
}

Status SetAutoRegister(catalog::Database& db, const identity::Principal& p, bool on,
                       std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(identity::Require(p, "cameras.manage"));
  return db.Transaction([&]() -> Status {
    Result<catalog::Statement> up = db.Prepare(
        "INSERT INTO agency_settings (agency_id, auto_register_cameras, changed_at, changed_by) "
        "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (agency_id) DO UPDATE SET "
        "auto_register_cameras = ?2, changed_at = ?3, changed_by = ?4");
    if (!up.ok()) return up.status();
    up->Bind(1, p.agency_id).Bind(2, std::int64_t{on ? 1 : 0}).Bind(3, now).Bind(4, p.Actor());
    INTERDICT_RETURN_IF_ERROR(up->Run());
    return identity::AuditAct(db, p, "camera.auto_register", true, json::Object("on", on), now);
  });
}

Result<CameraRef> CameraDirectory::Resolve(catalog::Database& db, std::int64_t agency_id,
                                           const std::string& code, std::int64_t now, bool* created,
                                           bool register_unknown) {
  if (created != nullptr) *created = false;
  const auto key = std::make_pair(agency_id, code);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  }
  Result<catalog::Statement> q =
      db.Query("SELECT id, status, lat, lon FROM cameras WHERE agency_id = ?1 AND code = ?2",
               agency_id, code);
  if (!q.ok()) return q.status();
  CameraRef ref;
  if (q->has_row()) {
    ref.id = q->Int(0);
    ref.active = q->Text(1) == "active";
    ref.lat = OptionalReal(*q, 2);
    ref.lon = OptionalReal(*q, 3);
  } else {
    Result<catalog::Statement> s = db.Query(
        "SELECT auto_register_cameras FROM agency_settings WHERE agency_id = ?1", agency_id);
    if (!s.ok()) return s.status();
    if (!register_unknown && (!s->has_row() || s->Int(0) == 0)) {
      return Status::NotFound(fmt::format(
          "unknown camera '{}': register it first (POST /api/v1/cameras), or let the agency "
          "auto-register cameras",
          code.size() > 64 ? code.substr(0, 64) + "…" : code));
    }
    INTERDICT_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
      Result<catalog::Statement> ins = db.Prepare(
          "INSERT INTO cameras (agency_id, code, name, status, created_at) "
          "VALUES (?1, ?2, ?2, 'pending', ?3) RETURNING id");
      if (!ins.ok()) return ins.status();
      ins->Bind(1, agency_id).Bind(2, code).Bind(3, now);
      Result<std::int64_t> inserted = ins->RunReturningId();
      if (!inserted.ok()) return inserted.status();
      ref.id = *inserted;
      return Status::Ok();
    }));
    if (created != nullptr) *created = true;
  }
  std::lock_guard<std::mutex> lock(mu_);
  cache_[key] = ref;
  return ref;
}

std::optional<CameraRef> CameraDirectory::Cached(std::int64_t agency_id, const std::string& code) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = cache_.find(std::make_pair(agency_id, code));
  if (it == cache_.end()) return std::nullopt;
  return it->second;
}

void CameraDirectory::Invalidate() {
  std::lock_guard<std::mutex> lock(mu_);
  cache_.clear();
}

Status Heartbeat(catalog::Database& db, std::int64_t agency_id, const std::string& code,
                 const std::string& agent_version, std::int64_t now) {
  Result<catalog::Statement> up = db.Prepare(
      "UPDATE cameras SET last_seen_at = ?3, agent_version = ?4 WHERE agency_id = ?1 AND code = "
      "?2");
  if (!up.ok()) return up.status();
  up->Bind(1, agency_id).Bind(2, code).Bind(3, now).Bind(4, agent_version);
  INTERDICT_RETURN_IF_ERROR(up->Run());
  if (db.Changes() == 0) return Status::NotFound(fmt::format("unknown camera '{}'", code));
  return Status::Ok();
}

}  // namespace interdict::alerting
