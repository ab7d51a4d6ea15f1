#include "policy/places.h"

#include <fmt/core.h>
#include <rapidjson/document.h>

#include <cmath>
#include <set>

#include "base/json.h"
#include "base/json_writer.h"
#include "base/time_format.h"

namespace interdict::policy {

extern const char kProtectedPlacesJson[];

namespace {

using rapidjson::Value;

const Value* Member(const Value& o, const char* key) {
  if (!o.IsObject()) return nullptr;
  auto it = o.FindMember(key);
  return it == o.MemberEnd() ? nullptr : &it->value;
}

// Metres from the area to the place's extent (0 when they overlap).
double Gap(const SearchedArea& a, const ProtectedPlace& place) {
  const double to_area = a.polygon.empty()
                             ? std::max(0.0, geo::DistanceMeters(a.center, place.at) - a.radius_m)
                             : geo::DistanceToRing(a.polygon, place.at);
  return std::max(0.0, to_area - place.radius_m);
}

bool InForce(const ProtectedPlace& place, std::int64_t from, std::int64_t to) {
  if (place.from && place.to && *place.to <= *place.from) return false;  // ended before it began
  return (!place.from || *place.from < to) && (!place.to || from < *place.to);
}

Status CheckPlace(const ProtectedPlace& place) {
  if (place.name.empty() || place.name.size() > 200)
    return Status::InvalidArgument("name: the place's name, 1 to 200 bytes");
  if (place.kind.empty() || place.kind.size() > 100)
    return Status::InvalidArgument(
        "kind: 1 to 100 bytes (clinic, place of worship, school, shelter, courthouse, polling "
        "place, lawful assembly, …)");
  if (!(place.radius_m >= 0 && place.radius_m <= kDefaultMaxRadiusM))
    return Status::InvalidArgument(
        fmt::format("radius_m: the place's extent, 0 to {:.0f} metres", kDefaultMaxRadiusM));
  if (place.from && place.to && *place.to <= *place.from)
    return Status::InvalidArgument("to: must come after from");
  return Status::Ok();
}

}  // namespace

Result<std::vector<ProtectedPlace>> ParseProtectedPlaces(std::string_view json) {
  rapidjson::Document d;
  if (Status s = json::Parse(json, &d); !s.ok()) return s.WithContext("protected places: ");
  const Value* places = Member(d, "places");
  if (places == nullptr || !places->IsArray())
    return Status::InvalidArgument("protected places: \"places\" must be an array");
  std::vector<ProtectedPlace> out;
  for (rapidjson::SizeType i = 0; i < places->Size(); ++i) {
    const Value& p = (*places)[i];
    ProtectedPlace x;
    const Value* name = Member(p, "name");
    const Value* kind = Member(p, "kind");
    const Value* lat = Member(p, "lat");
    const Value* lon = Member(p, "lon");
    const Value* radius = Member(p, "radius_m");
    if (name == nullptr || !name->IsString() || kind == nullptr || !kind->IsString() ||
        lat == nullptr || !lat->IsNumber() || lon == nullptr || !lon->IsNumber() ||
        std::abs(lat->GetDouble()) > 90 || std::abs(lon->GetDouble()) > 180 ||
        (radius != nullptr && !radius->IsNumber())) {
      return Status::InvalidArgument(fmt::format(
          "protected places: places[{}]: needs name, kind, lat and lon (and a number radius_m)",
          i));
    }
    x.name.assign(name->GetString(), name->GetStringLength());
    x.kind.assign(kind->GetString(), kind->GetStringLength());
    x.at = geo::Point::FromDegrees(lat->GetDouble(), lon->GetDouble());
    if (radius != nullptr) x.radius_m = radius->GetDouble();
    if (Status s = CheckPlace(x); !s.ok())
      return s.WithContext(fmt::format("protected places: places[{}]: ", i));
    out.push_back(std::move(x));
  }
  return out;
}

const std::vector<ProtectedPlace>& ExamplePlaces() {
  static const std::vector<ProtectedPlace> places = [] {
    Result<std::vector<ProtectedPlace>> p = ParseProtectedPlaces(kProtectedPlacesJson);
    return p.ok() ? *p : std::vector<ProtectedPlace>{};
  }();
  return places;
}

Result<std::vector<ProtectedPlace>> PlacesTouched(catalog::Database& db, const PlaceRules& rules,
                                                  const std::vector<SearchedArea>& areas) {
  std::vector<ProtectedPlace> out;
  if (areas.empty()) return out;
  std::int64_t from = areas.front().from, to = areas.front().to;
  for (const SearchedArea& a : areas) {
    from = std::min(from, a.from);
    to = std::max(to, a.to);
  }
  Result<std::vector<ProtectedPlace>> registered = ListRegisteredPlaces(db, from);
  if (!registered.ok()) return registered.status();
  std::set<std::string> named;
  const auto consider = [&](const ProtectedPlace& place) {
    for (const SearchedArea& a : areas) {
      if (!InForce(place, a.from, a.to) || Gap(a, place) > rules.margin_m) continue;
      if (named.insert(place.name).second) out.push_back(place);
      return;
    }
  };
  for (const ProtectedPlace& place : rules.fixed) consider(place);
  for (const ProtectedPlace& place : *registered) consider(place);
  return out;
}

Result<std::int64_t> RegisterPlace(catalog::Database& db, const identity::Principal& p,
                                   const ProtectedPlace& place, std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(identity::Require(p, "places.manage"));
  INTERDICT_RETURN_IF_ERROR(CheckPlace(place));
  if (place.to && *place.to <= now) return Status::InvalidArgument("to: already past");
  std::int64_t id = 0;
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
    Result<catalog::Statement> ins = db.Prepare(
        "INSERT INTO protected_places (agency_id, name, kind, lat, lon, radius_m, starts_at, "
        "ends_at, registered_by, registered_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
        "RETURNING id");
    if (!ins.ok()) return ins.status();
    ins->Bind(1, p.agency_id).Bind(2, place.name).Bind(3, place.kind);
    ins->BindReal(4, place.at.lat()).BindReal(5, place.at.lon()).BindReal(6, place.radius_m);
    ins->Bind(7, place.from).Bind(8, place.to).Bind(9, p.id).Bind(10, now);
    Result<std::int64_t> inserted = ins->RunReturningId();
    if (!inserted.ok()) return inserted.status();
    id = *inserted;
    return identity::AuditAct(
        db, p, "place.register", true,
        json::Object("place", id, "name", place.name, "kind", place.kind, "lat", place.at.lat(),
                     "lon", place.at.lon(), "radius_m", place.radius_m, "from",
                     FormatRfc3339(place.from), "to", FormatRfc3339(place.to)),
        now);
  }));
  return id;
}

Result<std::vector<ProtectedPlace>> ListRegisteredPlaces(catalog::Database& db, std::int64_t now) {
  Result<catalog::Statement> q = db.Prepare(
      "SELECT p.id, p.name, p.kind, p.lat, p.lon, p.radius_m, p.starts_at, p.ends_at, "
      "u.username, a.code FROM protected_places p JOIN users u ON u.id = p.registered_by "
      "JOIN agencies a ON a.id = p.agency_id WHERE p.ends_at IS NULL OR p.ends_at > ?1 "
      "ORDER BY p.id");
  if (!q.ok()) return q.status();
  q->Bind(1, now);
  std::vector<ProtectedPlace> out;
  INTERDICT_RETURN_IF_ERROR(q->ForEach([&](const catalog::Statement& row) {
    ProtectedPlace x;
    x.id = row.Int(0);
    x.name = row.Text(1);
    x.kind = row.Text(2);
    x.at = geo::Point::FromDegrees(row.Real(3), row.Real(4));
    x.radius_m = row.Real(5);
    x.from = row.OptionalInt(6);
    x.to = row.OptionalInt(7);
    x.registered_by = row.Text(8);
    x.agency = row.Text(9);
    out.push_back(std::move(x));
  }));
  return out;
}

Status EndPlace(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(identity::Require(p, "places.manage"));
  return db.Transaction([&]() -> Status {
    Result<catalog::Statement> q = db.Query(
        "SELECT name FROM protected_places WHERE id = ?1 AND agency_id = ?2 AND (ends_at IS "
        "NULL OR ends_at > ?3)",
        id, p.agency_id, now);
    if (!q.ok()) return q.status();
    if (!q->has_row()) {
      return Status::NotFound(
          fmt::format("no protected place {} in force registered by {}", id, p.agency_code));
    }
    const std::string name = q->Text(0);
    Result<catalog::Statement> up =
        db.Prepare("UPDATE protected_places SET ends_at = ?1 WHERE id = ?2");
    if (!up.ok()) return up.status();
    up->Bind(1, now).Bind(2, id);
    INTERDICT_RETURN_IF_ERROR(up->Run());
    return identity::AuditAct(db, p, "place.end", true, json::Object("place", id, "name", name),
                              now);
  });
}

}  // namespace interdict::policy
