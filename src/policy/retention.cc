#include "policy/retention.h"

#include <algorithm>

#include <fmt/core.h>

#include "audit/audit.h"
#include "base/json_writer.h"
#include "catalog/changes.h"
#include "plate/plate.h"

namespace interdict::policy {
namespace {

using identity::AuditAct;
using identity::Require;

// The statutory maximum for an agency's data class, when its state's law sets one.
Result<std::optional<std::int64_t>> StatutoryMax(catalog::Database& db, std::int64_t agency,
                                                 std::string_view data_class) {
  if (data_class != "non_hit_reads" && data_class != "images") return std::optional<std::int64_t>();
  Result<catalog::Statement> q = db.Query(
      "SELECT r.period_ms FROM retention_presets r JOIN agencies a ON a.state = r.preset "
      "WHERE a.id = ?1 AND r.data_class = ?2",
      agency, data_class);
  if (!q.ok()) return q.status();
  if (!q->has_row()) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(q->Int(0));
}

std::string Duration(std::int64_t ms) {
  if (ms % 86'400'000 == 0) return fmt::format("{} days", ms / 86'400'000);
  if (ms % 60'000 == 0) return fmt::format("{} minutes", ms / 60'000);
  return fmt::format("{} ms", ms);
}

}  // namespace

Result<std::vector<RetentionSetting>> GetRetention(catalog::Database& db,
                                                   const identity::Principal& p) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "agency.read"));
  Result<std::vector<RetentionSetting>> listed = db.List<RetentionSetting>(
      "SELECT data_class, period_ms, preset FROM retention WHERE agency_id = ?1 ORDER BY "
      "data_class",
      [&](const catalog::Statement& r) {
        return RetentionSetting{r.Text(0), r.Int(1), r.Text(2), std::nullopt};
      },
      p.agency_id);
  if (!listed.ok()) return listed.status();
  std::vector<RetentionSetting> out = std::move(listed).value();
  for (RetentionSetting& r : out) {
    Result<std::optional<std::int64_t>> max = StatutoryMax(db, p.agency_id, r.data_class);
    if (!max.ok()) return max.status();
    r.statutory_max_ms = *max;
  }
  return out;
}

Result<std::vector<PlateHold>> HoldsOfPlate(catalog::Database& db, std::int64_t agency_id,
                                            std::string_view plate, std::int64_t now) {
  return db.List<PlateHold>(
      "SELECT id, expires_at, basis FROM holds WHERE agency_id = ?1 AND plate = ?2 AND "
      "released_at IS NULL AND expires_at > ?3 ORDER BY id",
      [](const catalog::Statement& r) {
        return PlateHold{r.Int(0), r.Int(1), r.Text(2)};
      },
      agency_id, plate, now);
}

Result<std::int64_t> AuditRetentionMs(catalog::Database& db) {
  // Agencies without their own setting keep the default preset's.
  Result<catalog::Statement> q = db.Query(
      "SELECT coalesce((SELECT max(period_ms) FROM retention WHERE data_class = 'audit'), 0), "
      "coalesce((SELECT period_ms FROM retention_presets WHERE preset = 'default' AND data_class "
      "= 'audit'), 0)");
  if (!q.ok()) return q.status();
  return std::max({kMinAuditRetentionMs, q->Int(0), q->Int(1)});
}

Status SetRetention(catalog::Database& db, const identity::Principal& p,
                    std::string_view data_class, std::int64_t period_ms, std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "retention.manage"));
  if (data_class != "non_hit_reads" && data_class != "hits" && data_class != "images" &&
      data_class != "audit" && data_class != "unit_locations") {
    return Status::InvalidArgument(
        "data_class: non_hit_reads, hits, images, audit or unit_locations");
  }
  if (period_ms < 60'000) return Status::InvalidArgument("period: at least one minute");
  if (data_class == "audit" && period_ms < kMinAuditRetentionMs)
    return Status::InvalidArgument("period: the audit log is kept at least a year (CJIS 5.4.6)");
  return db.Transaction([&]() -> Status {
    Result<std::optional<std::int64_t>> max = StatutoryMax(db, p.agency_id, data_class);
    if (!max.ok()) return max.status();
    if (*max && period_ms > **max) {
      return Status::InvalidArgument(
          fmt::format("period: {} law allows at most {} for {}; the strictest limit wins",
                      p.agency_state, Duration(**max), data_class));
    }
    Result<catalog::Statement> up = db.Prepare(
        "INSERT INTO retention (agency_id, data_class, period_ms, preset, changed_at, changed_by) "
        "VALUES (?1, ?2, ?3, 'custom', ?4, ?5) ON CONFLICT (agency_id, data_class) DO UPDATE SET "
        "period_ms = excluded.period_ms, preset = 'custom', changed_at = excluded.changed_at, "
        "changed_by = excluded.changed_by");
    if (!up.ok()) return up.status();
    up->Bind(1, p.agency_id).Bind(2, data_class).Bind(3, period_ms).Bind(4, now).Bind(5, p.Actor());
    INTERDICT_RETURN_IF_ERROR(up->Run());
    INTERDICT_RETURN_IF_ERROR(catalog::NoteChange(db, catalog::kRetentionTopic, now).status());
    return AuditAct(db, p, "retention.set", true,
                    json::Object("data_class", data_class, "period_ms", period_ms), now);
  });
}

Result<std::int64_t> CreateHold(catalog::Database& db, const identity::Principal& p,
                                const HoldRequest& req, std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "holds.manage"));
  if (!req.plate && !req.camera && !req.window_from && !req.window_to)
    return Status::InvalidArgument("a hold names at least a plate, a camera or a time window");
  if (req.plate) {
    Result<plate::Plate> pl = plate::Plate::FromNormalized(*req.plate);
    if (!pl.ok()) return Status::InvalidArgument(fmt::format("plate: {}", pl.status().message()));
  }
  if (req.window_from && req.window_to && *req.window_to <= *req.window_from)
    return Status::InvalidArgument("window_to: must be after window_from");
  if (req.basis.empty() || req.basis.size() > 500)
    return Status::InvalidArgument(
        "basis: the legal basis (court order, warrant …), 1 to 500 bytes");
  if (req.requested_by.empty() || req.requested_by.size() > 200)
    return Status::InvalidArgument("requested_by: who asked for the hold, 1 to 200 bytes");
  if (req.expires_at <= now) return Status::InvalidArgument("expires_at: must be in the future");
  std::int64_t id = 0;
  Status st = db.Transaction([&]() -> Status {
    Result<catalog::Statement> ins = db.Prepare(
        "INSERT INTO holds (agency_id, plate, camera, window_from, window_to, basis, requested_by, "
        "expires_at, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
        "RETURNING id");
    if (!ins.ok()) return ins.status();
    ins->Bind(1, p.agency_id).Bind(2, req.plate).Bind(3, req.camera).Bind(4, req.window_from);
    ins->Bind(5, req.window_to).Bind(6, req.basis).Bind(7, req.requested_by);
    ins->Bind(8, req.expires_at).Bind(9, p.id).Bind(10, now);
    Result<std::int64_t> inserted = ins->RunReturningId();
    if (!inserted.ok()) return inserted.status();
    id = *inserted;
    INTERDICT_RETURN_IF_ERROR(catalog::NoteChange(db, catalog::kRetentionTopic, now).status());
    return AuditAct(
        db, p, "hold.create", true,
        json::Object("hold", id, "plate", req.plate, "camera", req.camera, "basis", req.basis,
                     "requested_by", req.requested_by, "expires_at", req.expires_at),
        now);
  });
  if (!st.ok()) return st;
  return id;
}

Status ReleaseHold(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                   std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "holds.manage"));
  return db.Transaction([&]() -> Status {
    Result<catalog::Statement> up = db.Prepare(
        "UPDATE holds SET released_at = ?1 WHERE id = ?2 AND agency_id = ?3 AND released_at IS "
        "NULL");
    if (!up.ok()) return up.status();
    up->Bind(1, now).Bind(2, id).Bind(3, p.agency_id);
    INTERDICT_RETURN_IF_ERROR(up->Run());
    if (db.Changes() == 0)
      return Status::NotFound(fmt::format("no active hold {} of {}", id, p.agency_code));
    INTERDICT_RETURN_IF_ERROR(catalog::NoteChange(db, catalog::kRetentionTopic, now).status());
    return AuditAct(db, p, "hold.release", true, json::Object("hold", id), now);
  });
}

Result<std::vector<HoldInfo>> ListHolds(catalog::Database& db, const identity::Principal& p) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "holds.manage"));
  return db.List<HoldInfo>(
      "SELECT id, plate, camera, window_from, window_to, basis, requested_by, expires_at, "
      "released_at FROM holds WHERE agency_id = ?1 ORDER BY id",
      [&](const catalog::Statement& r) {
        HoldInfo h;
        h.id = r.Int(0);
        h.request = {r.OptionalText(1), r.OptionalText(2), r.OptionalInt(3), r.OptionalInt(4),
                     r.Text(5),         r.Text(6),         r.Int(7)};
        h.released_at = r.OptionalInt(8);
        return h;
      },
      p.agency_id);
}

Result<std::map<std::string, store::RetentionRule>> StoreRetention(catalog::Database& db) {
  Result<catalog::Statement> q = db.Prepare(
      "SELECT a.code, r.period_ms FROM retention r JOIN agencies a ON a.id = r.agency_id "
      "WHERE r.data_class = 'non_hit_reads'");
  if (!q.ok()) return q.status();
  std::map<std::string, store::RetentionRule> out;
  for (;;) {
    Result<bool> row = q->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out[q->Text(0)].non_hit_ms = q->Int(1);
  }
  return out;
}

Result<std::vector<store::Hold>> StoreHolds(catalog::Database& db, std::int64_t now) {
  Result<catalog::Statement> q = db.Prepare(
      "SELECT h.id, a.code, h.plate, h.camera, h.window_from, h.window_to, h.expires_at, h.basis "
      "FROM holds h JOIN agencies a ON a.id = h.agency_id "
      "WHERE h.released_at IS NULL AND h.expires_at > ?1");
  if (!q.ok()) return q.status();
  q->Bind(1, now);
  std::vector<store::Hold> out;
  for (;;) {
    Result<bool> row = q->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    store::Hold h;
    h.id = fmt::format("hold-{}", q->Int(0));
    h.agency = q->Text(1);
    if (auto pl = q->OptionalText(2)) {
      Result<plate::Plate> parsed = plate::Plate::FromNormalized(*pl);
      if (!parsed.ok()) return Status::Corruption(fmt::format("hold {}: bad plate", q->Int(0)));
      h.plate = *parsed;
    }
    h.camera = q->OptionalText(3).value_or("");
    if (auto f = q->OptionalInt(4)) h.from = *f;
    if (auto t = q->OptionalInt(5)) h.to = *t;
    h.expires_at = q->Int(6);
    h.basis = q->Text(7);
    out.push_back(std::move(h));
  }
  return out;
}

}  // namespace interdict::policy
