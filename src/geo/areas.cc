#include "geo/areas.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <limits>
#include <map>

#include "base/json.h"
#include "base/json_writer.h"

namespace interdict::geo {

extern const char kAreasJson[];

namespace {

const std::map<std::string, AreaKind, std::less<>>& Kinds() {
  static const std::map<std::string, AreaKind, std::less<>> kinds = [] {
    std::map<std::string, AreaKind, std::less<>> out;
    rapidjson::Document d;
    const std::string_view text(kAreasJson);
    (void)json::Parse(text, &d, {.max_bytes = text.size()});
    if (!d.IsObject() || !d.HasMember("kinds")) return out;
    for (const auto& k : d["kinds"].GetArray()) {
      AreaKind kind;
      kind.kind = k["kind"].GetString();
      kind.label = k["label"].GetString();
      kind.source = k["source"].GetString();
      for (const auto& a : k["areas"].GetArray()) {
        Area area;
        area.id = a["id"].GetString();
        area.name = a["name"].GetString();
        if (a["population"].IsInt64()) area.population = a["population"].GetInt64();
        for (const auto& ring : a["rings"].GetArray()) {
          Ring r;
          for (const auto& pt : ring.GetArray()) {
            // Bounds of the points as kept (micro-degrees), so each is inside them.
            const Point p = Point::FromDegrees(pt[1].GetDouble(), pt[0].GetDouble());
            const double lon = p.lon(), lat = p.lat();
            r.push_back(p);
            area.min_lat = std::min(area.min_lat, lat);
            area.max_lat = std::max(area.max_lat, lat);
            area.min_lon = std::min(area.min_lon, lon);
            area.max_lon = std::max(area.max_lon, lon);
          }
          area.rings.push_back(std::move(r));
        }
        area.rings_json = json::Write([&](json::Writer& w) { a["rings"].Accept(w); });
        kind.areas.push_back(std::move(area));
      }
      out[kind.kind] = std::move(kind);
    }
    return out;
  }();
  return kinds;
}

constexpr rapidjson::SizeType kMaxRingPoints = 20'000;

bool SameIgnoringCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    return lower(x) == lower(y);
  });
}

}  // namespace

bool Area::Contains(const Point& p) const {
  if (p.lat() < min_lat || p.lat() > max_lat || p.lon() < min_lon || p.lon() > max_lon)
    return false;
  return std::any_of(rings.begin(), rings.end(), [&](const Ring& r) { return RingContains(r, p); });
}

const Area* AreaKind::Find(std::string_view id_or_name) const {
  for (const Area& a : areas)
    if (a.id == id_or_name) return &a;
  for (const Area& a : areas)
    if (SameIgnoringCase(a.name, id_or_name)) return &a;
  return nullptr;
}

const AreaKind* Areas(std::string_view kind) {
  const auto& kinds = Kinds();
  auto it = kinds.find(kind);
  return it == kinds.end() ? nullptr : &it->second;
}

Result<AreaKind> AreasFromGeoJson(std::string_view text, std::string_view id_property) {
  rapidjson::Document d;
  if (Status s = json::Parse(text, &d); !s.ok()) return s;
  if (!d.IsObject() || !d.HasMember("features") || !d["features"].IsArray())
    return Status::InvalidArgument("not a GeoJSON FeatureCollection (no \"features\" array)");
  AreaKind kind;
  kind.kind = "polygons";
  kind.label = "Polygons given";
  kind.source = "a GeoJSON file";
  const std::string prop(id_property);
  rapidjson::SizeType index = 0;
  for (const auto& f : d["features"].GetArray()) {
    const std::string where = "feature " + std::to_string(index++);
    if (!f.IsObject()) return Status::InvalidArgument(where + ": not an object");
    Area area;
    const rapidjson::Value* props =
        f.HasMember("properties") && f["properties"].IsObject() ? &f["properties"] : nullptr;
    auto text_of = [](const rapidjson::Value& v) -> std::string {
      if (v.IsString()) return v.GetString();
      if (v.IsInt64()) return std::to_string(v.GetInt64());
      return "";
    };
    if (props != nullptr && props->HasMember(prop.c_str()))
      area.id = text_of((*props)[prop.c_str()]);
    else if (f.HasMember("id"))
      area.id = text_of(f["id"]);
    if (area.id.empty())
      return Status::InvalidArgument(where + ": no id (properties." + prop + " or \"id\")");
    area.name = props != nullptr && props->HasMember("name") && (*props)["name"].IsString()
                    ? (*props)["name"].GetString()
                    : area.id;
    if (!f.HasMember("geometry") || !f["geometry"].IsObject() || !f["geometry"].HasMember("type") ||
        !f["geometry"]["type"].IsString() || !f["geometry"].HasMember("coordinates") ||
        !f["geometry"]["coordinates"].IsArray())
      return Status::InvalidArgument(where + ": no geometry with a type and coordinates");
    const std::string type = f["geometry"]["type"].GetString();
    const auto& coords = f["geometry"]["coordinates"];
    std::vector<const rapidjson::Value*> outers;
    if (type == "Polygon") {
      if (!coords.Empty()) outers.push_back(&coords[0]);
    } else if (type == "MultiPolygon") {
      for (const auto& polygon : coords.GetArray())
        if (polygon.IsArray() && !polygon.Empty()) outers.push_back(&polygon[0]);
    } else {
      return Status::InvalidArgument(where + ": a " + type + ", not a Polygon or MultiPolygon");
    }
    for (const rapidjson::Value* outer : outers) {
      if (!outer->IsArray())
        return Status::InvalidArgument(where + ": a ring is not an array of positions");
      if (outer->Size() > kMaxRingPoints)
        return Status::InvalidArgument(where + ": a ring of more than " +
                                       std::to_string(kMaxRingPoints) + " points (simplify it)");
      Ring r;
      for (const auto& pt : outer->GetArray()) {
        if (!pt.IsArray() || pt.Size() < 2 || !pt[0].IsNumber() || !pt[1].IsNumber())
          return Status::InvalidArgument(where + ": a position is not [lon, lat]");
        const double lon = pt[0].GetDouble(), lat = pt[1].GetDouble();
        if (!(lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90))
          return Status::InvalidArgument(where + ": a position is outside [-180, 180] × [-90, 90]");
        // Bounds of the points as kept (micro-degrees), so each is inside them.
        const Point p = Point::FromDegrees(lat, lon);
        r.push_back(p);
        area.min_lat = std::min(area.min_lat, p.lat());
        area.max_lat = std::max(area.max_lat, p.lat());
        area.min_lon = std::min(area.min_lon, p.lon());
        area.max_lon = std::max(area.max_lon, p.lon());
      }
      if (r.size() > 1 && r.front() == r.back()) r.pop_back();  // GeoJSON closes its rings
      if (r.size() < 3) return Status::InvalidArgument(where + ": a ring of fewer than 3 points");
      if (RingSelfCrossing(r)) return Status::InvalidArgument(where + ": a ring crosses itself");
      area.rings.push_back(std::move(r));
    }
    if (area.rings.empty()) return Status::InvalidArgument(where + ": no ring");
    kind.areas.push_back(std::move(area));
  }
  if (kind.areas.empty()) return Status::InvalidArgument("the FeatureCollection has no feature");
  return kind;
}

double AreasDistance(const Area& a, const Area& b) {
  double best = std::numeric_limits<double>::infinity();
  for (const Ring& ra : a.rings)
    for (const Ring& rb : b.rings) best = std::min(best, RingsDistance(ra, rb));
  return best;
}

}  // namespace interdict::geo
