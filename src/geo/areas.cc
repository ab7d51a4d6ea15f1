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
            const double lon = pt[0].GetDouble(), lat = pt[1].GetDouble();
            r.push_back(Point::FromDegrees(lat, lon));
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

double AreasDistance(const Area& a, const Area& b) {
  double best = std::numeric_limits<double>::infinity();
  for (const Ring& ra : a.rings)
    for (const Ring& rb : b.rings) best = std::min(best, RingsDistance(ra, rb));
  return best;
}

}  // namespace interdict::geo
