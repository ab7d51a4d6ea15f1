#include "oversight/disparity.h"

#include <fmt/core.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "base/json.h"
#include "base/json_writer.h"
#include "base/time_format.h"
#include "geo/areas.h"
#include "geo/geo.h"

namespace interdict::oversight {

namespace {

constexpr std::int64_t kDay = 86'400'000;

struct Tally {
  std::int64_t cameras = 0, reads = 0, hits = 0, stops = 0, searches = 0;
};

// A rate to three decimals, or null when the denominator is unknown or zero.
std::optional<double> Rate(std::int64_t n, const std::optional<std::int64_t>& per, double scale) {
  if (!per || *per <= 0) return std::nullopt;
  return std::round(static_cast<double>(n) * scale / static_cast<double>(*per) * 1000) / 1000;
}

void WriteFigures(json::Writer& w, const Tally& t, const std::optional<std::int64_t>& population) {
  json::Members(w, "cameras", t.cameras, "reads", t.reads, "hits", t.hits, "stops", t.stops,
                "searches", t.searches);
  json::Key(w, "rates");
  w.StartObject();
  json::Members(w, "hits_per_1000_reads", Rate(t.hits, t.reads, 1000), "stops_per_1000_reads",
                Rate(t.stops, t.reads, 1000), "reads_per_resident", Rate(t.reads, population, 1),
                "hits_per_100k_residents", Rate(t.hits, population, 1e5),
                "stops_per_100k_residents", Rate(t.stops, population, 1e5),
                "searches_per_100k_residents", Rate(t.searches, population, 1e5));
  w.EndObject();
}

// The centres of an area or scenes search's circles and polygons.
std::vector<geo::Point> SearchCentres(const std::string& details) {
  std::vector<geo::Point> out;
  rapidjson::Document d;
  if (!json::Parse(details, &d).ok() || !d.IsObject()) return out;
  auto centre = [&](const rapidjson::Value& a) {
    if (!a.IsObject()) return;
    if (a.HasMember("polygon") && a["polygon"].IsArray() && a["polygon"].Size() > 0) {
      double lat = 0, lon = 0;
      for (const auto& pt : a["polygon"].GetArray()) {
        lon += pt[0].GetDouble();
        lat += pt[1].GetDouble();
      }
      const double n = a["polygon"].Size();
      out.push_back(geo::Point::FromDegrees(lat / n, lon / n));
    } else if (a.HasMember("lat") && a.HasMember("lon") && a["lat"].IsNumber() &&
               a["lon"].IsNumber()) {
      out.push_back(geo::Point::FromDegrees(a["lat"].GetDouble(), a["lon"].GetDouble()));
    }
  };
  if (d.HasMember("area")) centre(d["area"]);
  if (d.HasMember("scenes") && d["scenes"].IsArray()) {
    for (const auto& s : d["scenes"].GetArray())
      if (s.IsObject() && s.HasMember("area")) centre(s["area"]);
  }
  return out;
}

// Where a read (native JSON) was made, when it says: a mobile unit's reads do.
std::optional<geo::Point> ReadPosition(const std::string& read) {
  rapidjson::Document d;
  if (!json::Parse(read, &d).ok() || !d.IsObject()) return std::nullopt;
  if (!d.HasMember("lat") || !d.HasMember("lon") || !d["lat"].IsNumber() || !d["lon"].IsNumber()) {
    return std::nullopt;
  }
  return geo::Point::FromDegrees(d["lat"].GetDouble(), d["lon"].GetDouble());
}

}  // namespace

Result<std::string> Disparity(catalog::Database& db, const identity::Principal& p,
                              std::string_view kind_name, const Period& period, bool geometry,
                              std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(identity::Require(p, "audit.review"));
  const geo::AreaKind* k = geo::Areas(kind_name);
  if (k == nullptr) return Status::InvalidArgument("areas: counties, neighborhoods or zcta");
  const geo::AreaKind& kind = *k;
  const std::int64_t from = period.from_day * kDay, to = period.to_day * kDay;
  std::vector<Tally> tally(kind.areas.size());
  Tally outside, total;
  auto area_of = [&](const geo::Point& at) -> Tally& {
    for (std::size_t i = 0; i < kind.areas.size(); ++i)
      if (kind.areas[i].Contains(at)) return tally[i];
    return outside;
  };
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
    // Cameras with a fixed position, each in the area that contains it.
    std::map<std::pair<std::string, std::string>, Tally*> camera_area;  // (agency, code)
    Result<catalog::Statement> c = db.Prepare(
        "SELECT a.code, c.code, c.lat, c.lon FROM cameras c JOIN agencies a ON a.id = "
        "c.agency_id WHERE c.status = 'active' AND c.lat IS NOT NULL AND c.lon IS NOT NULL");
    if (!c.ok()) return c.status();
    INTERDICT_RETURN_IF_ERROR(c->ForEach([&](const catalog::Statement& r) {
      Tally& t = area_of(geo::Point::FromDegrees(r.Real(2), r.Real(3)));
      ++t.cameras;
      camera_area[{r.Text(0), r.Text(1)}] = &t;
    }));
    auto at_camera = [&](const std::string& agency, const std::string& camera) -> Tally& {
      auto it = camera_area.find({agency, camera});
      return it == camera_area.end() ? outside : *it->second;
    };
    Result<catalog::Statement> reads = db.Prepare(
        "SELECT a.code, r.camera, sum(r.reads) FROM read_counts r JOIN agencies a ON a.id = "
        "r.agency_id WHERE r.day >= ?1 AND r.day < ?2 GROUP BY 1, 2");
    if (!reads.ok()) return reads.status();
    reads->Bind(1, period.from_day).Bind(2, period.to_day);
    INTERDICT_RETURN_IF_ERROR(reads->ForEach(
        [&](const catalog::Statement& r) { at_camera(r.Text(0), r.Text(1)).reads += r.Int(2); }));
    // Hits where the camera stood (a mobile unit's: where the read was made).
    Result<catalog::Statement> hits = db.Prepare(fmt::format(
        "SELECT a.code, h.camera, {}, {}, h.outcome IN ('stop', 'arrest', 'recovery'), count(*) "
        "FROM hits h JOIN agencies a ON a.id = h.agency_id WHERE h.backfill = 0 AND "
        "h.key_id IS NULL AND h.read_time >= ?1 AND h.read_time < ?2 GROUP BY 1, 2, 3, 4, 5",
        db.JsonText("h.read", "lat"), db.JsonText("h.read", "lon")));
    if (!hits.ok()) return hits.status();
    hits->Bind(1, from).Bind(2, to);
    INTERDICT_RETURN_IF_ERROR(hits->ForEach([&](const catalog::Statement& r) {
      Tally& t = r.IsNull(2) ? at_camera(r.Text(0), r.Text(1))
                             : area_of(geo::Point::FromDegrees(r.Real(2), r.Real(3)));
      t.hits += r.Int(5);
      if (r.Int(4) != 0) t.stops += r.Int(5);
    }));
    // Sealed hits (encryption at rest): each read opened here for its place.
    Result<catalog::Statement> sealed = db.Prepare(
        "SELECT a.code, h.camera, h.read, h.outcome IN ('stop', 'arrest', 'recovery') FROM hits "
        "h JOIN agencies a ON a.id = h.agency_id WHERE h.backfill = 0 AND h.key_id IS NOT NULL "
        "AND h.read_time >= ?1 AND h.read_time < ?2");
    if (!sealed.ok()) return sealed.status();
    sealed->Bind(1, from).Bind(2, to);
    Status opened = Status::Ok();
    INTERDICT_RETURN_IF_ERROR(sealed->ForEach([&](const catalog::Statement& r) {
      if (!opened.ok()) return;
      Result<std::string> read = db.OpenValue("hits.read", r.Text(2));
      if (!read.ok()) {
        opened = read.status();
        return;
      }
      const std::optional<geo::Point> at = ReadPosition(*read);
      Tally& t = at ? area_of(*at) : at_camera(r.Text(0), r.Text(1));
      ++t.hits;
      if (r.Int(3) != 0) ++t.stops;
    }));
    INTERDICT_RETURN_IF_ERROR(opened);
    // Area and scene searches, in each area one of their circles is centred in.
    Result<catalog::Statement> searches = db.Prepare(
        "SELECT details FROM audit WHERE time >= ?1 AND time < ?2 AND outcome = 'ok' AND "
        "event IN ('search.area', 'search.scenes')");
    if (!searches.ok()) return searches.status();
    searches->Bind(1, from).Bind(2, to);
    INTERDICT_RETURN_IF_ERROR(searches->ForEach([&](const catalog::Statement& r) {
      std::vector<Tally*> counted;
      for (const geo::Point& at : SearchCentres(r.Text(0))) {
        Tally* t = &area_of(at);
        if (std::find(counted.begin(), counted.end(), t) != counted.end()) continue;
        counted.push_back(t);
        ++t->searches;
      }
    }));
    return identity::AuditAct(
        db, p, "oversight.disparity", true,
        json::Object("areas", kind.kind, "from", period.from_day, "to", period.to_day), now);
  }));
  // The residents of all areas, known only if every area's is.
  std::int64_t residents = 0;
  bool all_known = true;
  for (std::size_t i = 0; i < kind.areas.size(); ++i) {
    const Tally& t = tally[i];
    total.cameras += t.cameras;
    total.reads += t.reads;
    total.hits += t.hits;
    total.stops += t.stops;
    total.searches += t.searches;
    all_known = all_known && kind.areas[i].population.has_value();
    residents += kind.areas[i].population.value_or(0);
  }
  const std::optional<std::int64_t> population =
      all_known ? std::optional(residents) : std::nullopt;
  return json::Write([&](json::Writer& w) {
    w.StartObject();
    json::Members(w, "kind", kind.kind, "label", kind.label, "source", kind.source);
    json::Key(w, "period");
    w.StartObject();
    json::Members(w, "from", FormatDay(period.from_day), "to", FormatDay(period.to_day));
    w.EndObject();
    json::Key(w, "areas");
    w.StartArray();
    for (std::size_t i = 0; i < kind.areas.size(); ++i) {
      const geo::Area& a = kind.areas[i];
      w.StartObject();
      json::Members(w, "id", a.id, "name", a.name, "population", a.population);
      WriteFigures(w, tally[i], a.population);
      if (geometry) json::Members(w, "rings", json::Raw{a.rings_json});
      w.EndObject();
    }
    w.EndArray();
    json::Key(w, "all_areas");
    w.StartObject();
    json::Members(w, "population", population);
    WriteFigures(w, total, population);
    w.EndObject();
    json::Key(w, "outside");
    w.StartObject();
    WriteFigures(w, outside, std::nullopt);
    w.EndObject();
    w.EndObject();
  });
}

Result<std::vector<MonthOutputs>> OutputsByMonth(catalog::Database& db, std::string_view kind_name,
                                                 const std::vector<std::string>& area_ids,
                                                 int first_month, int months) {
  const geo::AreaKind* kind = geo::Areas(kind_name);
  std::vector<MonthOutputs> out(static_cast<std::size_t>(std::max(months, 0)));
  for (int i = 0; i < months; ++i) out[static_cast<std::size_t>(i)].month = first_month + i;
  if (kind == nullptr || months <= 0) return out;
  std::vector<const geo::Area*> areas;
  for (const std::string& id : area_ids)
    if (const geo::Area* a = kind->Find(id)) areas.push_back(a);
  auto month_start = [](int m) { return CivilToUnix(m / 12, m % 12 + 1, 1, 0, 0, 0); };
  Result<UnixMillis> from = month_start(first_month), to = month_start(first_month + months);
  if (!from.ok() || !to.ok()) return Status::InvalidArgument("outputs: months out of range");
  // The month of a time in the span, or −1.
  auto slot = [&](std::int64_t t) -> int {
    if (t < *from || t >= *to) return -1;
    int lo = 0, hi = months - 1;
    while (lo < hi) {  // the last month starting at or before t
      const int mid = (lo + hi + 1) / 2;
      if (month_start(first_month + mid).value_or(0) <= t)
        lo = mid;
      else
        hi = mid - 1;
    }
    return lo;
  };
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
    std::set<std::pair<std::string, std::string>> cameras;  // (agency, code) in the areas
    Result<catalog::Statement> c = db.Prepare(
        "SELECT a.code, c.code, c.lat, c.lon FROM cameras c JOIN agencies a ON a.id = "
        "c.agency_id WHERE c.lat IS NOT NULL AND c.lon IS NOT NULL");
    if (!c.ok()) return c.status();
    INTERDICT_RETURN_IF_ERROR(c->ForEach([&](const catalog::Statement& r) {
      const geo::Point at = geo::Point::FromDegrees(r.Real(2), r.Real(3));
      if (std::any_of(areas.begin(), areas.end(),
                      [&](const geo::Area* a) { return a->Contains(at); }))
        cameras.emplace(r.Text(0), r.Text(1));
    }));
    if (cameras.empty()) return Status::Ok();
    Result<catalog::Statement> reads = db.Prepare(
        "SELECT a.code, r.camera, r.day, r.reads FROM read_counts r JOIN agencies a ON a.id = "
        "r.agency_id WHERE r.day >= ?1 AND r.day < ?2");
    if (!reads.ok()) return reads.status();
    reads->Bind(1, *from / kDay).Bind(2, *to / kDay);
    INTERDICT_RETURN_IF_ERROR(reads->ForEach([&](const catalog::Statement& r) {
      const int m = slot(r.Int(2) * kDay);
      if (m >= 0 && cameras.count({r.Text(0), r.Text(1)}))
        out[static_cast<std::size_t>(m)].reads += r.Int(3);
    }));
    Result<catalog::Statement> hits = db.Prepare(
        "SELECT a.code, h.camera, h.read_time, h.step, coalesce(h.outcome, '') FROM hits h JOIN "
        "agencies a ON a.id = h.agency_id WHERE h.backfill = 0 AND h.read_time >= ?1 AND "
        "h.read_time < ?2");
    if (!hits.ok()) return hits.status();
    hits->Bind(1, *from).Bind(2, *to);
    return hits->ForEach([&](const catalog::Statement& r) {
      const int m = slot(r.Int(2));
      if (m < 0 || !cameras.count({r.Text(0), r.Text(1)})) return;
      MonthOutputs& o = out[static_cast<std::size_t>(m)];
      const std::string outcome = r.Text(4);
      ++o.hits;
      if (r.Text(3) == "confirmed_with_source" || outcome == "stop" || outcome == "arrest" ||
          outcome == "recovery")
        ++o.confirmed;
      if (outcome == "recovery") ++o.recoveries;
      if (outcome == "arrest") ++o.arrests;
    });
  }));
  return out;
}

}  // namespace interdict::oversight
