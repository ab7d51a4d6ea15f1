// Parsing, planning (the policy layer), the audit entry and cursors.
#include "search/search.h"

#include "base/json.h"
#include "base/json_writer.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/core.h>
#include <rapidjson/document.h>

#include "audit/audit.h"
#include "base/base64.h"
#include "base/error_codes.h"
#include "base/hash.h"
#include "base/time_format.h"
#include "base/time_zone.h"
#include "identity/directory.h"
#include "policy/sharing.h"

namespace interdict::search {
namespace {

using rapidjson::Value;

constexpr std::int64_t kHourMs = 3'600'000;

Status Bad(std::string_view param, std::string_view why) {
  return Status::InvalidArgument(fmt::format("{}: {}", param, why));
}

Result<std::string> Str(const Value& o, const char* name, bool required) {
  auto it = o.FindMember(name);
  if (it == o.MemberEnd() || it->value.IsNull()) {
    if (required) return Bad(name, "is required");
    return std::string();
  }
  if (!it->value.IsString()) return Bad(name, "must be a string");
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

Result<std::optional<double>> Num(const Value& o, const char* name) {
  auto it = o.FindMember(name);
  if (it == o.MemberEnd() || it->value.IsNull()) return std::optional<double>();
  if (!it->value.IsNumber()) return Bad(name, "must be a number");
  return std::optional<double>(it->value.GetDouble());
}

// A number in [lo, hi] (or `fallback` when absent); the error names `param`.
Result<double> Bounded(const Value& o, const char* name, std::string_view param, double lo,
                       double hi, double fallback, std::string_view unit) {
  Result<std::optional<double>> v = Num(o, name);
  if (!v.ok()) return Bad(param, "must be a number");
  if (!*v) return fallback;
  if (!(**v >= lo && **v <= hi)) return Bad(param, fmt::format("from {} to {}{}", lo, hi, unit));
  return **v;
}

Result<std::int64_t> Time(const Value& o, const char* name, std::int64_t fallback) {
  Result<std::string> s = Str(o, name, false);
  if (!s.ok()) return s.status();
  if (s->empty()) return fallback;
  Result<UnixMillis> t = ParseRfc3339(*s);
  if (!t.ok()) return Bad(name, t.status().message());
  return *t;
}

const Value* Object(const Value& o, const char* name) {
  auto it = o.FindMember(name);
  if (it == o.MemberEnd() || !it->value.IsObject()) return nullptr;
  return &it->value;
}

Result<geo::Point> Point(const Value& lat, const Value& lon, std::string_view param) {
  if (!lat.IsNumber() || !(lat.GetDouble() >= -90 && lat.GetDouble() <= 90))
    return Bad(param, "latitude must be a number from -90 to 90");
  if (!lon.IsNumber() || !(lon.GetDouble() >= -180 && lon.GetDouble() <= 180))
    return Bad(param, "longitude must be a number from -180 to 180");
  return geo::Point::FromDegrees(lat.GetDouble(), lon.GetDouble());
}

// A GeoJSON Polygon's outer ring ([[lon, lat], …], closed or not); holes are
// not supported and are refused rather than ignored.
Result<geo::Ring> ParsePolygon(const Value& v, const std::string& param) {
  if (!v.IsObject()) return Bad(param, "must be a GeoJSON Polygon object");
  auto type = v.FindMember("type");
  if (type == v.MemberEnd() || !type->value.IsString() ||
      std::string_view(type->value.GetString()) != "Polygon")
    return Bad(param + ".type", "must be \"Polygon\"");
  auto coords = v.FindMember("coordinates");
  if (coords == v.MemberEnd() || !coords->value.IsArray() || coords->value.Empty())
    return Bad(param + ".coordinates", "must be an array of rings");
  if (coords->value.Size() > 1) return Bad(param + ".coordinates", "holes are not supported");
  const Value& ring = coords->value[0];
  if (!ring.IsArray()) return Bad(param + ".coordinates[0]", "must be an array of [lon, lat]");
  if (ring.Size() > kMaxPolygonVertices + 1)
    return Bad(param + ".coordinates[0]", fmt::format("at most {} vertices", kMaxPolygonVertices));
  geo::Ring out;
  for (rapidjson::SizeType i = 0; i < ring.Size(); ++i) {
    const std::string at = fmt::format("{}.coordinates[0][{}]", param, i);
    if (!ring[i].IsArray() || ring[i].Size() < 2) return Bad(at, "must be [lon, lat]");
    Result<geo::Point> p = Point(ring[i][1], ring[i][0], at);
    if (!p.ok()) return p.status();
    if (out.empty() || !(out.back() == *p)) out.push_back(*p);  // repeated points collapse
  }
  if (out.size() > 1 && out.front() == out.back()) out.pop_back();  // closed ring
  if (out.size() < 3) return Bad(param + ".coordinates[0]", "needs at least 3 distinct points");
  if (auto crossing = geo::RingSelfCrossing(out)) {
    return Bad(param + ".coordinates[0]", fmt::format("crosses itself (edge {} meets edge {})",
                                                      crossing->first, crossing->second));
  }
  return out;
}

// `center` {lat, lon} with `radius_m`, or `polygon`.
Result<Region> ParseRegion(const Value& o, const std::string& prefix) {
  Region r;
  if (auto poly = o.FindMember("polygon"); poly != o.MemberEnd()) {
    Result<geo::Ring> ring = ParsePolygon(poly->value, prefix + "polygon");
    if (!ring.ok()) return ring.status();
    r.polygon = std::move(*ring);
    const auto [c, radius] = geo::RingBounds(r.polygon);
    r.center = c;
    r.radius_m = radius;
    if (radius > 50'000) return Bad(prefix + "polygon", "must fit within 50 km of its centre");
    return r;
  }
  const Value* center = Object(o, "center");
  if (center == nullptr) return Bad(prefix + "center", "is required: {lat, lon} (or a polygon)");
  auto lat = center->FindMember("lat");
  auto lon = center->FindMember("lon");
  if (lat == center->MemberEnd()) return Bad(prefix + "center.lat", "is required");
  if (lon == center->MemberEnd()) return Bad(prefix + "center.lon", "is required");
  if (!lat->value.IsNumber() || !(lat->value.GetDouble() >= -90 && lat->value.GetDouble() <= 90))
    return Bad(prefix + "center.lat", "a number from -90 to 90");
  if (!lon->value.IsNumber() || !(lon->value.GetDouble() >= -180 && lon->value.GetDouble() <= 180))
    return Bad(prefix + "center.lon", "a number from -180 to 180");
  r.center = geo::Point::FromDegrees(lat->value.GetDouble(), lon->value.GetDouble());
  Result<std::optional<double>> radius = Num(o, "radius_m");
  if (!radius.ok() || !*radius || !(**radius >= 10 && **radius <= 50'000))
    return Bad(prefix + "radius_m", "a number of metres from 10 to 50000");
  r.radius_m = **radius;
  return r;
}

Result<plate::Plate> TargetPlate(const Value& params) {
  Result<std::string> p = Str(params, "plate", true);
  if (!p.ok()) return Bad("params.plate", "is required");
  Result<plate::Plate> parsed = plate::Plate::Parse(*p);
  if (!parsed.ok()) return Bad("params.plate", parsed.status().message());
  return parsed;
}

// A circle, or a polygon as [lon, lat] pairs (GeoJSON's order).
void WriteRegion(json::Writer& w, const Region& r) {
  w.StartObject();
  if (!r.polygon.empty()) {
    json::Key(w, "polygon");
    w.StartArray();
    for (const geo::Point& p : r.polygon) {
      w.StartArray();
      json::Put(w, p.lon());
      json::Put(w, p.lat());
      w.EndArray();
    }
    w.EndArray();
  } else {
    json::Members(w, "lat", r.center.lat(), "lon", r.center.lon(), "radius_m",
                  std::round(r.radius_m));
  }
  w.EndObject();
}

std::string_view FormatName(Format f) {
  switch (f) {
    case Format::kCsv: return "csv";
    case Format::kGeoJson: return "geojson";
    case Format::kJson: break;
  }
  return "json";
}

// What was asked, as members of the audit entry (and, alone, the document
// the cursor's digest is taken of).
void WriteTerms(json::Writer& w, const Request& req) {
  json::Members(w, "type", Describe(req.type).name);
  if (req.plate) json::Members(w, "plate", req.plate->text());
  if (req.pattern) json::Members(w, "pattern", req.pattern->text());
  if (req.state) json::Members(w, "state", req.state->code());
  if (req.type == SearchType::kArea) {
    json::Key(w, "area");
    WriteRegion(w, req.region);
  }
  if (req.type == SearchType::kScenes) {
    json::Members(w, "k", req.k);
    json::Key(w, "scenes");
    w.StartArray();
    for (const Scene& s : req.scenes) {
      w.StartObject();
      json::Key(w, "area");
      WriteRegion(w, s.region);
      json::Members(w, "from", FormatRfc3339(s.from), "to", FormatRfc3339(s.to));
      w.EndObject();
    }
    w.EndArray();
  }
  if (req.type == SearchType::kConvoy)
    json::Members(w, "window_s", req.window_ms / 1000, "min_together", req.min_together);
  if (req.type == SearchType::kRoute) json::Members(w, "max_kmh", req.max_kmh);
  if (req.type == SearchType::kLocate) json::Members(w, "time_zone", req.time_zone.name());
  json::Members(w, "from", FormatRfc3339(req.from), "to", FormatRfc3339(req.to));
  if (!req.agencies.empty()) json::Members(w, "agencies", req.agencies);
  if (!req.cameras.empty()) json::Members(w, "cameras", req.cameras);
  for (auto [name, value] : {std::pair{"make", &req.make}, std::pair{"model", &req.model},
                             std::pair{"color", &req.color}, std::pair{"body", &req.body}}) {
    if (!value->empty()) json::Members(w, name, *value);
  }
}

// A cursor: "<digest hex>\n<offset>" or "<digest hex>\n<time>\n<agency>\n<camera>\n<id>".
struct DecodedCursor {
  std::uint64_t digest = 0;
  std::optional<store::ReadCursor> read;
  std::size_t offset = 0;
};

std::optional<DecodedCursor> DecodeCursor(std::string_view text) {
  std::optional<std::string> raw = Base64Decode(text);
  if (!raw) return std::nullopt;
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t nl = raw->find('\n', start);
    parts.push_back(raw->substr(start, nl == std::string::npos ? nl : nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  DecodedCursor c;
  try {
    if (parts.size() != 2 && parts.size() != 5) return std::nullopt;
    std::size_t used = 0;
    c.digest = std::stoull(parts[0], &used, 16);
    if (used != parts[0].size()) return std::nullopt;
    if (parts.size() == 2) {
      c.offset = std::stoull(parts[1], &used);
      if (used != parts[1].size()) return std::nullopt;
      return c;
    }
    store::ReadCursor r;
    r.time = std::stoll(parts[1], &used);
    if (used != parts[1].size()) return std::nullopt;
    r.agency = parts[2];
    r.camera = parts[3];
    r.id = parts[4];
    c.read = std::move(r);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return c;
}

}  // namespace

std::optional<SearchType> ParseSearchType(std::string_view name) {
  for (const SearchTypeInfo& t : kSearchTypes) {
    if (t.name == name) return t.type;
  }
  return std::nullopt;
}

Result<Request> ParseRequest(std::string_view json, std::int64_t now) {
  rapidjson::Document doc;
  if (Status s = json::Parse(json, &doc); !s.ok()) return s.WithContext("body: ");
  if (!doc.IsObject()) return Bad("body", "must be a JSON object");
  Request r;
  Result<std::string> type = Str(doc, "type", true);
  if (!type.ok()) return type.status();
  const std::optional<SearchType> known = ParseSearchType(*type);
  if (!known) {
    std::string names;
    for (const SearchTypeInfo& t : kSearchTypes)
      names += fmt::format("{}{}", names.empty() ? "" : ", ", t.name);
    return Bad("type", "one of " + names);
  }
  r.type = *known;
  static const Value kEmpty(rapidjson::kObjectType);
  const Value& params = Object(doc, "params") ? *Object(doc, "params") : kEmpty;
  const Value& filters = Object(doc, "filters") ? *Object(doc, "filters") : kEmpty;
  const Value* purpose = Object(doc, "purpose");
  if (purpose == nullptr)
    return Bad("purpose", "is required: {code, case, offense, justification}");

  // The state may be a parameter of the plate or a filter; both mean the same.
  for (const auto& [holder, name] :
       {std::pair{&params, "params.state"}, std::pair{&filters, "filters.state"}}) {
    Result<std::string> state = Str(*holder, "state", false);
    if (!state.ok()) return Bad(name, "must be a string");
    if (state->empty()) continue;
    Result<plate::Jurisdiction> j = plate::Jurisdiction::Parse(*state);
    if (!j.ok()) return Bad(name, j.status().message());
    if (r.state && *r.state != *j) return Bad(name, "differs from the other state given");
    r.state = *j;
  }

  if (r.type == SearchType::kPartial) {
    Result<std::string> p = Str(params, "pattern", true);
    if (!p.ok()) return Bad("params.pattern", "is required, e.g. \"7?K3*\"");
    std::string text;
    for (char c : *p) {
      if (c == ' ' || c == '-') continue;
      text.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }
    if (text.find_first_not_of("?*") == std::string::npos) {
      return Bad("params.pattern", "needs at least one letter or digit");
    }
    if (text.find_first_of("?*") == std::string::npos) text = "*" + text + "*";  // a substring
    Result<store::PlatePattern> pattern = store::PlatePattern::Parse(text);
    if (!pattern.ok()) return Bad("params.pattern", pattern.status().message());
    r.pattern = *pattern;
  } else if (r.type == SearchType::kArea) {
    Result<Region> region = ParseRegion(params, "params.");
    if (!region.ok()) return region.status();
    r.region = std::move(*region);
  } else if (r.type != SearchType::kScenes) {
    Result<plate::Plate> p = TargetPlate(params);
    if (!p.ok()) return p.status();
    r.plate = *p;
  }

  Result<std::int64_t> to = Time(filters, "to", now);
  if (!to.ok()) return Bad("filters.to", to.status().message());
  Result<std::int64_t> from = Time(filters, "from", *to - policy::kDefaultMaxSpanMs);
  if (!from.ok()) return Bad("filters.from", from.status().message());
  if (*from >= *to) return Bad("filters.from", "must be before filters.to");
  r.from = *from;
  r.to = *to;

  if (r.type == SearchType::kScenes) {
    auto scenes = params.FindMember("scenes");
    if (scenes == params.MemberEnd() || !scenes->value.IsArray())
      return Bad("params.scenes",
                 "is required: an array of {center, radius_m | polygon, from, to}");
    if (scenes->value.Size() < 2 || scenes->value.Size() > kMaxScenes)
      return Bad("params.scenes", fmt::format("from 2 to {} scenes", kMaxScenes));
    for (rapidjson::SizeType i = 0; i < scenes->value.Size(); ++i) {
      const std::string prefix = fmt::format("params.scenes[{}].", i);
      const Value& s = scenes->value[i];
      if (!s.IsObject()) return Bad(prefix.substr(0, prefix.size() - 1), "must be an object");
      Scene scene;
      Result<Region> region = ParseRegion(s, prefix);
      if (!region.ok()) return region.status();
      scene.region = std::move(*region);
      Result<std::int64_t> sf = Time(s, "from", 0), st = Time(s, "to", 0);
      if (!sf.ok() || *sf == 0) return Bad(prefix + "from", "is required (RFC 3339)");
      if (!st.ok() || *st == 0) return Bad(prefix + "to", "is required (RFC 3339)");
      if (*sf >= *st) return Bad(prefix + "from", "must be before to");
      if (*st - *sf > 7 * 24 * kHourMs) return Bad(prefix + "to", "a scene spans at most 7 days");
      scene.from = *sf;
      scene.to = *st;
      r.scenes.push_back(std::move(scene));
    }
    Result<double> k =
        Bounded(params, "k", "params.k", 1, static_cast<double>(r.scenes.size()),
                std::min<double>(2, static_cast<double>(r.scenes.size())), " scenes");
    if (!k.ok()) return k.status();
    if (*k != std::floor(*k)) return Bad("params.k", "must be a whole number");
    r.k = static_cast<std::size_t>(*k);
    // The scenes are the time window; filters.from/to do not apply.
    r.from = r.scenes[0].from;
    r.to = r.scenes[0].to;
    for (const Scene& s : r.scenes) {
      r.from = std::min(r.from, s.from);
      r.to = std::max(r.to, s.to);
    }
  }
  if (r.type == SearchType::kConvoy) {
    Result<double> w = Bounded(params, "window_s", "params.window_s", 10, 3600, 120, " seconds");
    if (!w.ok()) return w.status();
    r.window_ms = static_cast<std::int64_t>(*w * 1000);
    Result<double> m = Bounded(params, "min_together", "params.min_together", 1, 1000, 2, "");
    if (!m.ok()) return m.status();
    r.min_together = static_cast<std::int64_t>(*m);
  }
  if (r.type == SearchType::kRoute) {
    Result<double> v = Bounded(params, "max_kmh", "params.max_kmh", 50, 1000, 200, " km/h");
    if (!v.ok()) return v.status();
    r.max_kmh = *v;
  }
  if (r.type == SearchType::kLocate) {
    Result<std::string> tz = Str(params, "time_zone", false);
    if (!tz.ok()) return Bad("params.time_zone", "must be a string");
    if (!tz->empty()) {
      Result<TimeZone> zone = TimeZone::Parse(*tz);
      if (!zone.ok()) return Bad("params.time_zone", zone.status().message());
      r.time_zone = std::move(zone).value();
    }
  }

  for (const char* list : {"agencies", "cameras"}) {
    auto it = filters.FindMember(list);
    if (it == filters.MemberEnd()) continue;
    if (!it->value.IsArray()) return Bad(fmt::format("filters.{}", list), "must be an array");
    for (const Value& v : it->value.GetArray()) {
      if (!v.IsString() || v.GetStringLength() == 0) {
        return Bad(fmt::format("filters.{}", list), "must hold non-empty strings");
      }
      (std::string_view(list) == "agencies" ? r.agencies : r.cameras)
          .emplace_back(v.GetString(), v.GetStringLength());
    }
  }
  for (auto [name, dest] : {std::pair{"make", &r.make}, std::pair{"model", &r.model},
                            std::pair{"color", &r.color}, std::pair{"body", &r.body}}) {
    Result<std::string> v = Str(filters, name, false);
    if (!v.ok()) return Bad(fmt::format("filters.{}", name), v.status().message());
    *dest = *v;
  }

  Result<std::string> code = Str(*purpose, "code", true);
  Result<std::string> case_number = Str(*purpose, "case", true);
  Result<std::string> offense = Str(*purpose, "offense", true);
  Result<std::string> justification = Str(*purpose, "justification", true);
  for (const auto* s : {&code, &case_number, &offense, &justification}) {
    if (!s->ok()) return Bad(fmt::format("purpose.{}", s->status().message()), "");
  }
  r.why = {*code, *case_number, *offense, *justification, std::nullopt, ""};
  Result<std::string> behalf = Str(*purpose, "on_behalf_of", false);
  if (!behalf.ok()) return Bad("purpose.on_behalf_of", "must be an agency code");
  r.why.on_behalf_of = *behalf;
  if (auto it = purpose->FindMember("approval"); it != purpose->MemberEnd()) {
    if (!it->value.IsInt64()) return Bad("purpose.approval", "must be an approval id");
    r.why.approval = it->value.GetInt64();
  }

  Result<std::string> format = Str(doc, "format", false);
  if (!format.ok()) return Bad("format", "must be a string");
  if (*format == "csv") {
    r.format = Format::kCsv;
  } else if (*format == "geojson") {
    r.format = Format::kGeoJson;
  } else if (!format->empty() && *format != "json") {
    return Bad("format", "json, csv or geojson");
  }

  r.digest = Hash64(json::Write([&](json::Writer& w) {
    w.StartObject();
    WriteTerms(w, r);
    w.EndObject();
  }));
  if (const Value* page = Object(doc, "page")) {
    const std::size_t max = r.format == Format::kJson ? kMaxPageJson : kMaxPageExport;
    Result<double> limit =
        Bounded(*page, "limit", "page.limit", 1, static_cast<double>(max), 100, "");
    if (!limit.ok()) return limit.status();
    r.limit = static_cast<std::size_t>(*limit);
    Result<std::string> cursor = Str(*page, "cursor", false);
    if (!cursor.ok()) return Bad("page.cursor", "must be a string");
    if (!cursor->empty()) {
      std::optional<DecodedCursor> c = DecodeCursor(*cursor);
      if (!c) return Bad("page.cursor", "not a cursor this service gave");
      if (c->digest != r.digest)
        return Bad("page.cursor", "belongs to a different search (the terms changed)");
      if (c->read) {
        r.after = std::move(c->read);
      } else {
        r.offset = c->offset;
      }
    }
  }
  return r;
}

std::string EncodeCursor(const Request& req, const store::ReadCursor& c) {
  return Base64Encode(
      fmt::format("{:x}\n{}\n{}\n{}\n{}", req.digest, c.time, c.agency, c.camera, c.id));
}

std::string EncodeOffsetCursor(const Request& req, std::size_t offset) {
  return Base64Encode(fmt::format("{:x}\n{}", req.digest, offset));
}

namespace {

// The fixed cameras standing in a region, and the mobile ones (their reads
// carry their own position).
store::Area AreaOf(const Region& region,
                   const std::vector<std::pair<std::string, geo::Point>>& fixed,
                   const std::vector<std::string>& mobile) {
  store::Area area;
  area.center = region.center;
  area.radius_m = region.radius_m;
  area.polygon = region.polygon;
  area.mobile_cameras = mobile;
  for (const auto& [camera, at] : fixed) {
    if (geo::DistanceMeters(at, region.center) > region.radius_m) continue;
    if (!region.polygon.empty() && !geo::RingContains(region.polygon, at)) continue;
    area.cameras.push_back(camera);
  }
  return area;
}

}  // namespace

std::vector<policy::SearchedArea> AreasOf(const Request& req) {
  std::vector<policy::SearchedArea> areas;
  if (req.type == SearchType::kArea)
    areas.push_back({req.region.center, req.region.radius_m, req.region.polygon, req.from, req.to});
  for (const Scene& s : req.scenes)
    areas.push_back({s.region.center, s.region.radius_m, s.region.polygon, s.from, s.to});
  return areas;
}

namespace {

// The results of `p`'s searches in the last 24 hours, counted by the hour
// (search_results_hourly): the hour 24 hours ago counts whole, so the window
// is 24 to 25 hours and the cap is reached early rather than late.
Result<std::int64_t> ResultsToday(catalog::Database& db, const identity::Principal& p,
                                  std::int64_t now) {
  Result<catalog::Statement> q = db.Query(
      "SELECT coalesce(sum(results), 0) FROM search_results_hourly WHERE actor = ?1 AND hour >= ?2",
      p.Actor(), (now - 24 * kHourMs) / kHourMs);
  if (!q.ok()) return q.status();
  return q->Int(0);
}

// Counts a search's results into its hour, and forgets the hours no window
// reaches any more. In the transaction of the search's audit entry.
Status CountResults(catalog::Database& db, const identity::Principal& p, std::size_t results,
                    std::int64_t now) {
  Result<catalog::Statement> add = db.Prepare(
      "INSERT INTO search_results_hourly (actor, hour, results) VALUES (?1, ?2, ?3) "
      "ON CONFLICT (actor, hour) DO UPDATE SET results = search_results_hourly.results + "
      "excluded.results");
  if (!add.ok()) return add.status();
  add->Bind(1, p.Actor()).Bind(2, now / kHourMs).Bind(3, static_cast<std::int64_t>(results));
  INTERDICT_RETURN_IF_ERROR(add->Run());
  Result<catalog::Statement> old =
      db.Prepare("DELETE FROM search_results_hourly WHERE actor = ?1 AND hour < ?2");
  if (!old.ok()) return old.status();
  old->Bind(1, p.Actor()).Bind(2, (now - 25 * kHourMs) / kHourMs);
  return old->Run();
}

// Ok when `code` is one of the agencies `who` may see; a 403 saying why not
// (after `prefix`) when it is not, a 400 when there is no such agency.
Status CheckVisible(catalog::Database& db, const identity::Principal& who,
                    const std::vector<policy::VisibleAgency>& visible, const std::string& code,
                    std::int64_t now, std::string_view prefix) {
  if (std::any_of(visible.begin(), visible.end(),
                  [&](const policy::VisibleAgency& v) { return v.code == code; })) {
    return Status::Ok();
  }
  Result<std::optional<identity::AgencyRef>> agency = identity::FindAgency(db, code);
  if (!agency.ok()) return agency.status();
  if (!*agency) return Bad("filters.agencies", fmt::format("no agency {}", code));
  Result<std::string> why =
      policy::WhyNotVisible(db, who, (*agency)->id, policy::DataClass::kReads, now);
  if (!why.ok()) return why.status();
  return Status::PermissionDenied(fmt::format("{}{}", prefix, *why))
      .WithReason(codes::kAgreementMissing);
}

// The principal of the agency a search is run for: what it may see is what
// its own people may (agreements, law profile, federal class).
Result<identity::Principal> BehalfPrincipal(catalog::Database& db, const identity::Principal& p,
                                            const std::string& code) {
  Result<std::optional<identity::AgencyRef>> agency = identity::FindAgency(db, code);
  if (!agency.ok()) return agency.status();
  if (!*agency) return Bad("purpose.on_behalf_of", fmt::format("no agency {}", code));
  if ((*agency)->id == p.agency_id)
    return Bad("purpose.on_behalf_of", "is your own agency: leave it out");
  identity::Principal b;
  b.agency_id = (*agency)->id;
  b.agency_code = (*agency)->code;
  b.agency_state = (*agency)->state;
  b.agency_kind = (*agency)->kind;
  return b;
}

}  // namespace

Result<Plan> Prepare(catalog::Database& db, const identity::Principal& p, const Request& req,
                     std::int64_t now, const Limits& limits) {
  const bool pattern = Describe(req.type).pattern_analysis;
  INTERDICT_RETURN_IF_ERROR(identity::Require(p, pattern ? "search.patterns" : "search.reads"));
  Result<std::vector<policy::VisibleAgency>> visible =
      policy::VisibleAgencies(db, p, policy::DataClass::kReads, now);
  if (!visible.ok()) return visible.status();
  Plan plan;
  // On behalf of another agency: only what both may see.
  std::optional<identity::Principal> behalf;
  if (!req.why.on_behalf_of.empty()) {
    Result<identity::Principal> b = BehalfPrincipal(db, p, req.why.on_behalf_of);
    if (!b.ok()) return b.status();
    behalf = std::move(b).value();
    Result<std::vector<policy::VisibleAgency>> theirs =
        policy::VisibleAgencies(db, *behalf, policy::DataClass::kReads, now);
    if (!theirs.ok()) return theirs.status();
    for (const std::string& code : req.agencies) {
      INTERDICT_RETURN_IF_ERROR(CheckVisible(
          db, *behalf, *theirs, code, now,
          fmt::format("filters.agencies: {}: on behalf of {}: ", code, behalf->agency_code)));
    }
    std::erase_if(*visible, [&](const policy::VisibleAgency& v) {
      return std::none_of(theirs->begin(), theirs->end(),
                          [&](const policy::VisibleAgency& t) { return t.code == v.code; });
    });
    if (visible->empty()) {
      return Status::PermissionDenied(fmt::format("on behalf of {}: none of the data you may "
                                                  "search may be shown to {} (its agreements "
                                                  "and its state's law decide)",
                                                  behalf->agency_code, behalf->agency_code))
          .WithReason(codes::kAgreementMissing);
    }
    plan.on_behalf_of = behalf->agency_code;
    plan.on_behalf_id = behalf->agency_id;
  }
  if (req.agencies.empty()) {
    for (const policy::VisibleAgency& v : *visible) plan.agencies.push_back(v.code);
  } else {
    for (const std::string& code : req.agencies) {
      INTERDICT_RETURN_IF_ERROR(
          CheckVisible(db, p, *visible, code, now, fmt::format("filters.agencies: {}: ", code)));
      if (std::find(plan.agencies.begin(), plan.agencies.end(), code) == plan.agencies.end())
        plan.agencies.push_back(code);
    }
  }
  std::sort(plan.agencies.begin(), plan.agencies.end());
  policy::SearchScope scope;
  scope.span_ms = req.to - req.from;
  scope.agencies = plan.agencies.size();
  scope.pattern_analysis = pattern;
  const std::vector<policy::SearchedArea> areas = AreasOf(req);
  for (const policy::SearchedArea& a : areas) scope.radius_m = std::max(scope.radius_m, a.radius_m);
  Result<std::vector<policy::ProtectedPlace>> touched =
      policy::PlacesTouched(db, limits.places, areas);
  if (!touched.ok()) return touched.status();
  for (const policy::ProtectedPlace& place : *touched) scope.places.push_back(place.name);
  if (limits.daily_results_cap > 0) {
    Result<std::int64_t> today = ResultsToday(db, p, now);
    if (!today.ok()) return today.status();
    scope.results_today = *today;
    scope.daily_cap = limits.daily_results_cap;
  }
  scope.on_behalf_of = plan.on_behalf_of;
  INTERDICT_RETURN_IF_ERROR(policy::CheckSearch(db, p, req.why, scope, now));
  plan.places = scope.places;

  store::ReadQuery& q = plan.query;
  q.agencies = plan.agencies;
  if (limits.confidential != nullptr && !limits.confidential->Empty()) {
    q.exclude = [c = limits.confidential](const read::Read& r) {
      return c->Contains(r.plate.text());
    };
  }
  q.from = req.from;
  q.to = req.to;
  q.plate = req.plate;
  q.pattern = req.pattern;
  q.state = req.state;
  q.cameras = req.cameras;
  q.limit = req.limit;
  q.after = req.after;

  // Where the visible agencies' cameras stand: for areas, routes, locations
  // and exports (a read list in JSON does not need them).
  const bool read_list = Describe(req.type).result == ResultKind::kReads;
  if ((read_list || req.type == SearchType::kConvoy) && req.format == Format::kJson) return plan;
  Result<catalog::Statement> cams = db.Prepare(
      "SELECT a.code, c.code, c.lat, c.lon, c.mobile FROM cameras c JOIN agencies a ON a.id = "
      "c.agency_id");
  if (!cams.ok()) return cams.status();
  const std::set<std::string> agencies(plan.agencies.begin(), plan.agencies.end());
  std::vector<std::pair<std::string, geo::Point>> fixed;
  std::vector<std::string> mobile;
  for (;;) {
    Result<bool> row = cams->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    std::string agency = cams->Text(0);
    if (agencies.count(agency) == 0) continue;
    if (cams->Int(4) != 0) {
      mobile.push_back(cams->Text(1));
      continue;
    }
    if (cams->IsNull(2) || cams->IsNull(3)) continue;
    const geo::Point at = geo::Point::FromDegrees(cams->Real(2), cams->Real(3));
    std::string camera = cams->Text(1);
    plan.camera_at.emplace_hint(plan.camera_at.end(), agency + "/" + camera, at);
    fixed.emplace_back(std::move(camera), at);
  }
  if (req.type == SearchType::kArea) q.area = AreaOf(req.region, fixed, mobile);
  for (const Scene& s : req.scenes) plan.scene_areas.push_back(AreaOf(s.region, fixed, mobile));
  return plan;
}

std::size_t ResultCount(const Request& req, const Answer& a) {
  switch (Describe(req.type).result) {
    case ResultKind::kReads: return a.reads.size();
    case ResultKind::kLegs: return a.legs.size();
    case ResultKind::kSpots: return a.spots.size();
    case ResultKind::kGroups: return a.groups.size();
  }
  return 0;
}

Result<std::int64_t> Record(catalog::Database& db, const identity::Principal& p, const Request& req,
                            const Plan& plan, const Answer& answer, std::int64_t now) {
  // Every agency whose reads the answer drew on sees this search in its audit.
  std::vector<std::int64_t> touched = {p.agency_id};
  // The agency it was run for sees it too.
  if (plan.on_behalf_id != 0) touched.push_back(plan.on_behalf_id);
  std::vector<std::string> touched_codes;
  for (const std::string& code : answer.owners) {
    Result<std::optional<identity::AgencyRef>> agency = identity::FindAgency(db, code);
    if (!agency.ok()) return agency.status();
    if (*agency && (*agency)->id != p.agency_id) touched.push_back((*agency)->id);
    touched_codes.push_back(code);
  }
  const std::size_t results = ResultCount(req, answer);
  const std::string details = json::Write([&](json::Writer& w) {
    w.StartObject();
    WriteTerms(w, req);
    json::Members(w, "format", FormatName(req.format), "purpose", req.why.purpose, "case",
                  req.why.case_number, "offense", req.why.offense, "justification",
                  req.why.justification, "approval", req.why.approval, "on_behalf_of",
                  plan.on_behalf_of.empty() ? std::nullopt : std::optional(plan.on_behalf_of),
                  "results", results, "agencies", plan.agencies, "touched", touched_codes, "places",
                  plan.places);
    w.EndObject();
  });
  std::int64_t seq = 0;
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
    audit::Entry e;
    e.time = now;
    e.actor = p.Actor();
    e.agency = p.agency_id;
    e.event = fmt::format("search.{}", Describe(req.type).name);
    e.details = details;
    e.touched = touched;
    INTERDICT_RETURN_IF_ERROR(audit::Append(db, e));
    seq = e.seq;
    INTERDICT_RETURN_IF_ERROR(CountResults(db, p, results, now));
    if (req.format != Format::kJson) {
      // Data leaving the system as a file is its own event.
      audit::Entry x;
      x.time = now;
      x.actor = p.Actor();
      x.agency = p.agency_id;
      x.event = "search.export";
      x.details =
          json::Object("search", seq, "type", Describe(req.type).name, "format",
                       FormatName(req.format), "results", results, "case", req.why.case_number);
      x.touched = touched;
      INTERDICT_RETURN_IF_ERROR(audit::Append(db, x));
    }
    return Status::Ok();
  }));
  return seq;
}

}  // namespace interdict::search
