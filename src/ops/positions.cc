#include "ops/positions.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/core.h>
#include <fmt/format.h>
#include <rapidjson/document.h>

#include "base/json.h"
#include "base/json_writer.h"
#include "base/time_format.h"

namespace interdict::ops {
namespace {

constexpr std::int64_t kDefaultRetentionMs = 86'400'000;
constexpr double kMaxGroundSpeedMps = 70;  // 250 km/h
constexpr double kMaxAirSpeedMps = 120;    // 430 km/h: a patrol aircraft or helicopter

bool Refuse(PositionRejection* why, std::string field, std::string message) {
  why->field = std::move(field);
  why->message = std::move(message);
  return false;
}

}  // namespace

bool ParsePosition(std::string_view text, std::int64_t now, PositionIn* out,
                   PositionRejection* why) {
  rapidjson::Document d;
  if (Status st = json::Parse(text, &d, {.max_bytes = 4096}); !st.ok())
    return Refuse(why, "", st.message());
  if (!d.IsObject()) return Refuse(why, "", "a position is a JSON object");
  *out = PositionIn{};
  out->pos.source = "avl";
  bool has_time = false, has_lat = false, has_lon = false;
  for (const auto& m : d.GetObject()) {
    const std::string_view name(m.name.GetString(), m.name.GetStringLength());
    const rapidjson::Value& v = m.value;
    if (name == "unit") {
      if (!v.IsString() || v.GetStringLength() == 0 || v.GetStringLength() > 32)
        return Refuse(why, "unit", "the unit's call sign, 1 to 32 characters");
      out->unit.assign(v.GetString(), v.GetStringLength());
    } else if (name == "time") {
      if (v.IsInt64()) {
        out->pos.time = v.GetInt64();
      } else if (v.IsString()) {
        Result<UnixMillis> t = ParseRfc3339(std::string_view(v.GetString(), v.GetStringLength()));
        if (!t.ok()) return Refuse(why, "time", "RFC 3339 (2026-12-05T14:03:11Z) or epoch ms");
        out->pos.time = *t;
      } else {
        return Refuse(why, "time", "RFC 3339 (2026-12-05T14:03:11Z) or epoch ms");
      }
      if (out->pos.time > now + kMaxPositionSkewMs)
        return Refuse(why, "time", "more than 2 minutes ahead of the server's clock");
      has_time = true;
    } else if (name == "lat" || name == "lon") {
      const double limit = name == "lat" ? 90 : 180;
      if (!v.IsNumber() || !std::isfinite(v.GetDouble()) || std::fabs(v.GetDouble()) > limit)
        return Refuse(why, std::string(name), fmt::format("degrees, from -{0} to {0}", limit));
      (name == "lat" ? out->pos.lat : out->pos.lon) = v.GetDouble();
      (name == "lat" ? has_lat : has_lon) = true;
    } else if (name == "speed_mps") {
      if (!v.IsNumber() || !std::isfinite(v.GetDouble()) || v.GetDouble() < 0 ||
          v.GetDouble() > kMaxAirSpeedMps)
        return Refuse(why, "speed_mps", fmt::format("metres a second, 0 to {}", kMaxAirSpeedMps));
      out->pos.speed_mps = v.GetDouble();
    } else if (name == "heading") {
      if (!v.IsInt() || v.GetInt() < 0 || v.GetInt() > 359)
        return Refuse(why, "heading", "whole degrees, 0 to 359");
      out->pos.heading = v.GetInt();
    } else {
      return Refuse(why, std::string(name),
                    "unknown field (unit, time, lat, lon, speed_mps, heading)");
    }
  }
  if (out->unit.empty()) return Refuse(why, "unit", "required: the unit's call sign");
  if (!has_time) return Refuse(why, "time", "required");
  if (!has_lat) return Refuse(why, "lat", "required");
  if (!has_lon) return Refuse(why, "lon", "required");
  return true;
}

Result<RecordedPositions> RecordPositions(catalog::Database& db, const identity::Principal& p,
                                          const std::vector<PositionIn>& positions,
                                          const std::vector<std::size_t>& indices,
                                          std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(identity::Require(p, "units.report"));
  if (indices.size() != positions.size())
    return Status::InvalidArgument("RecordPositions: an index for each position");
  RecordedPositions out;
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
    struct Known {
      std::int64_t id = 0;
      bool aircraft = false;
      std::string call_sign;
    };
    std::map<std::string, Known, std::less<>> by_call_sign, by_icao;
    Result<catalog::Statement> q = db.Prepare(
        "SELECT id, call_sign, kind, icao FROM units WHERE agency_id = ?1 AND retired_at IS NULL");
    if (!q.ok()) return q.status();
    q->Bind(1, p.agency_id);
    INTERDICT_RETURN_IF_ERROR(q->ForEach([&](const catalog::Statement& r) {
      const Known k{r.Int(0), r.Text(2) == "aircraft", r.Text(1)};
      by_call_sign[r.Text(1)] = k;
      if (!r.IsNull(3)) by_icao[r.Text(3)] = k;
    }));
    Result<catalog::Statement> ret = db.Query(
        "SELECT period_ms FROM retention WHERE agency_id = ?1 AND data_class = 'unit_locations'",
        p.agency_id);
    if (!ret.ok()) return ret.status();
    const std::int64_t keep_ms = ret->has_row() ? ret->Int(0) : kDefaultRetentionMs;
    Result<catalog::Statement> ins = db.Prepare(
        "INSERT INTO unit_positions (unit_id, time, lat, lon, speed_mps, heading, source, "
        "received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!ins.ok()) return ins.status();
    for (std::size_t i = 0; i < positions.size(); ++i) {
      const PositionIn& in = positions[i];
      const bool by_icao_address = !in.icao.empty();
      const auto& table = by_icao_address ? by_icao : by_call_sign;
      const auto unit = table.find(by_icao_address ? in.icao : in.unit);
      if (unit == table.end()) {
        out.rejected.push_back({indices[i], by_icao_address ? "icao" : "unit",
                                fmt::format("no unit {} of {} in service",
                                            by_icao_address ? in.icao : in.unit, p.agency_code)});
        continue;
      }
      // A unit's own key reports that unit only.
      if (p.units &&
          std::find(p.units->begin(), p.units->end(), unit->second.call_sign) == p.units->end()) {
        out.rejected.push_back(
            {indices[i], by_icao_address ? "icao" : "unit",
             fmt::format("this key reports {} only", fmt::join(*p.units, ", "))});
        continue;
      }
      if (in.pos.time < now - keep_ms) {
        out.rejected.push_back({indices[i], "time",
                                fmt::format("older than {}'s unit-locations retention ({} h)",
                                            p.agency_code, keep_ms / 3'600'000)});
        continue;
      }
      if (in.pos.speed_mps && !unit->second.aircraft && *in.pos.speed_mps > kMaxGroundSpeedMps) {
        out.rejected.push_back({indices[i], "speed_mps",
                                fmt::format("a ground unit at most {} m/s", kMaxGroundSpeedMps)});
        continue;
      }
      ins->Bind(1, unit->second.id).Bind(2, in.pos.time).BindReal(3, in.pos.lat);
      ins->BindReal(4, in.pos.lon);
      if (in.pos.speed_mps) {
        ins->BindReal(5, *in.pos.speed_mps);
      } else {
        ins->BindNull(5);
      }
      ins->Bind(6, in.pos.heading ? std::optional<std::int64_t>(*in.pos.heading) : std::nullopt);
      ins->Bind(7, in.pos.source).Bind(8, now);
      INTERDICT_RETURN_IF_ERROR(ins->Run());
      ins->Reset();
      ++out.accepted;
    }
    return Status::Ok();
  }));
  return out;
}

Result<std::int64_t> PurgeUnitPositions(catalog::Database& db, std::int64_t now, int limit) {
  std::int64_t deleted = 0;
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
    Result<catalog::Statement> del = db.Prepare(
        "DELETE FROM unit_positions WHERE (unit_id, time) IN (SELECT q.unit_id, q.time FROM "
        "unit_positions q JOIN units u ON u.id = q.unit_id LEFT JOIN retention r ON r.agency_id "
        "= u.agency_id AND r.data_class = 'unit_locations' WHERE q.time < ?1 - "
        "coalesce(r.period_ms, ?2) LIMIT ?3)");
    if (!del.ok()) return del.status();
    del->Bind(1, now).Bind(2, kDefaultRetentionMs).Bind(3, std::int64_t{limit});
    INTERDICT_RETURN_IF_ERROR(del->Run());
    deleted = db.Changes();
    return Status::Ok();
  }));
  return deleted;
}

}  // namespace interdict::ops
