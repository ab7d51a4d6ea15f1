#include "sim/region.h"

#include <fmt/core.h>
#include <rapidjson/document.h>

#include "base/json.h"

namespace interdict::sim {

extern const char kRegionJson[];

namespace {

using rapidjson::Value;

Status Bad(std::string_view where, std::string_view why) {
  return Status::InvalidArgument(fmt::format("region: {}: {}", where, why));
}

Result<std::string> Str(const Value& o, const char* name, std::string_view where,
                        bool required = true) {
  auto it = o.FindMember(name);
  if (it == o.MemberEnd() || it->value.IsNull()) {
    if (required) return Bad(where, fmt::format("{} is required", name));
    return std::string();
  }
  if (!it->value.IsString()) return Bad(where, fmt::format("{} must be a string", name));
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

Result<double> Num(const Value& o, const char* name, std::string_view where) {
  auto it = o.FindMember(name);
  if (it == o.MemberEnd() || !it->value.IsNumber())
    return Bad(where, fmt::format("{} must be a number", name));
  return it->value.GetDouble();
}

Result<geo::Point> Point(const Value& o, std::string_view where) {
  Result<double> lat = Num(o, "lat", where), lon = Num(o, "lon", where);
  if (!lat.ok()) return lat.status();
  if (!lon.ok()) return lon.status();
  if (!(*lat >= -90 && *lat <= 90 && *lon >= -180 && *lon <= 180))
    return Bad(where, "lat/lon out of range");
  return geo::Point::FromDegrees(*lat, *lon);
}

const Value* Array(const Value& doc, const char* name) {
  auto it = doc.FindMember(name);
  return it != doc.MemberEnd() && it->value.IsArray() ? &it->value : nullptr;
}

}  // namespace

std::string_view VendorName(Vendor v) {
  switch (v) {
    case Vendor::kOpenAlpr: return "openalpr";
    case Vendor::kNative: return "native";
    case Vendor::kCsv: return "csv";
    case Vendor::kNone: break;
  }
  return "none";
}

Result<Region> Region::Parse(std::string_view json) {
  rapidjson::Document doc;
  if (Status s = json::Parse(json, &doc); !s.ok()) return s.WithContext("region: ");
  if (!doc.IsObject()) return Bad("document", "must be an object");
  Region r;
  Result<std::string> name = Str(doc, "name", "document");
  if (!name.ok()) return name.status();
  r.name = *name;
  for (const char* list : {"agencies", "cameras", "mobile_cameras", "counties", "hubs", "units"}) {
    if (Array(doc, list) == nullptr) return Bad(list, "must be an array");
  }
  for (rapidjson::SizeType i = 0; i < Array(doc, "agencies")->Size(); ++i) {
    const Value& a = (*Array(doc, "agencies"))[i];
    const std::string where = fmt::format("agencies[{}]", i);
    Agency ag;
    for (auto [field, dest] : {std::pair{"code", &ag.code}, std::pair{"name", &ag.name},
                               std::pair{"kind", &ag.kind}, std::pair{"state", &ag.state}}) {
      Result<std::string> v = Str(a, field, where);
      if (!v.ok()) return v.status();
      *dest = *v;
    }
    Result<std::string> vendor = Str(a, "vendor", where, false);
    if (!vendor.ok()) return vendor.status();
    if (*vendor == "openalpr") {
      ag.vendor = Vendor::kOpenAlpr;
    } else if (*vendor == "native") {
      ag.vendor = Vendor::kNative;
    } else if (*vendor == "csv") {
      ag.vendor = Vendor::kCsv;
    } else if (!vendor->empty()) {
      return Bad(where, fmt::format("unknown vendor {}", *vendor));
    }
    Result<double> days = Num(a, "retention_days", where);
    if (!days.ok()) return days.status();
    ag.retention_days = static_cast<int>(*days);
    r.agencies.push_back(std::move(ag));
  }
  for (rapidjson::SizeType i = 0; i < Array(doc, "cameras")->Size(); ++i) {
    const Value& c = (*Array(doc, "cameras"))[i];
    const std::string where = fmt::format("cameras[{}]", i);
    Camera cam;
    Result<std::string> agency = Str(c, "agency", where), code = Str(c, "code", where);
    Result<std::string> make = Str(c, "make", where, false), road = Str(c, "road", where);
    Result<std::string> street = Str(c, "street", where, false);
    Result<std::string> source = Str(c, "source", where);
    for (const auto* s : {&agency, &code, &make, &road, &street, &source}) {
      if (!s->ok()) return s->status();
    }
    if (r.FindAgency(*agency) == nullptr) return Bad(where, fmt::format("no agency {}", *agency));
    cam.agency = *agency;
    cam.code = *code;
    cam.make = *make;
    cam.road = *road == "interstate" ? RoadClass::kInterstate : RoadClass::kArterial;
    cam.synthetic = *source == "synthetic";
    cam.name = !street->empty() ? *street : fmt::format("{} camera {}", *agency, cam.code);
    Result<geo::Point> at = Point(c, where);
    if (!at.ok()) return at.status();
    cam.at = *at;
    if (auto b = c.FindMember("bearing"); b != c.MemberEnd() && b->value.IsNumber())
      cam.bearing = b->value.GetInt();
    r.cameras.push_back(std::move(cam));
  }
  for (rapidjson::SizeType i = 0; i < Array(doc, "mobile_cameras")->Size(); ++i) {
    const Value& c = (*Array(doc, "mobile_cameras"))[i];
    const std::string where = fmt::format("mobile_cameras[{}]", i);
    MobileCamera m;
    for (auto [field, dest] :
         {std::pair{"agency", &m.agency}, std::pair{"code", &m.code}, std::pair{"name", &m.name}}) {
      Result<std::string> v = Str(c, field, where);
      if (!v.ok()) return v.status();
      *dest = *v;
    }
    r.mobile_cameras.push_back(std::move(m));
  }
  for (rapidjson::SizeType i = 0; i < Array(doc, "counties")->Size(); ++i) {
    const Value& c = (*Array(doc, "counties"))[i];
    const std::string where = fmt::format("counties[{}]", i);
    County county;
    Result<std::string> cname = Str(c, "name", where), state = Str(c, "state", where);
    if (!cname.ok()) return cname.status();
    if (!state.ok()) return state.status();
    county.name = *cname;
    county.state = *state;
    Result<double> pop = Num(c, "population", where);
    if (!pop.ok()) return pop.status();
    county.population = static_cast<std::int64_t>(*pop);
    const Value* ring = Array(c, "ring");
    if (ring == nullptr || ring->Size() < 3) return Bad(where, "ring needs 3 points or more");
    for (const Value& p : ring->GetArray()) {
      if (!p.IsArray() || p.Size() != 2 || !p[0].IsNumber() || !p[1].IsNumber())
        return Bad(where, "ring points are [lon, lat]");
      county.ring.push_back(geo::Point::FromDegrees(p[1].GetDouble(), p[0].GetDouble()));
    }
    r.counties.push_back(std::move(county));
  }
  for (rapidjson::SizeType i = 0; i < Array(doc, "hubs")->Size(); ++i) {
    const Value& h = (*Array(doc, "hubs"))[i];
    const std::string where = fmt::format("hubs[{}]", i);
    Hub hub;
    Result<std::string> hname = Str(h, "name", where);
    if (!hname.ok()) return hname.status();
    hub.name = *hname;
    Result<geo::Point> at = Point(h, where);
    if (!at.ok()) return at.status();
    hub.at = *at;
    Result<double> weight = Num(h, "weight", where);
    if (!weight.ok()) return weight.status();
    hub.weight = static_cast<int>(*weight);
    r.hubs.push_back(std::move(hub));
  }
  for (rapidjson::SizeType i = 0; i < Array(doc, "units")->Size(); ++i) {
    const Value& u = (*Array(doc, "units"))[i];
    const std::string where = fmt::format("units[{}]", i);
    Unit unit;
    for (auto [field, dest] : {std::pair{"agency", &unit.agency}, std::pair{"kind", &unit.kind},
                               std::pair{"name", &unit.name}}) {
      Result<std::string> v = Str(u, field, where);
      if (!v.ok()) return v.status();
      *dest = *v;
    }
    Result<geo::Point> at = Point(u, where);
    if (!at.ok()) return at.status();
    unit.home = *at;
    r.units.push_back(std::move(unit));
  }
  if (r.cameras.empty() || r.counties.empty() || r.hubs.empty())
    return Bad("document", "needs cameras, counties and hubs");
  return r;
}

const Region& Region::Embedded() {
  static const Region region = [] {
    Result<Region> r = Parse(kRegionJson);
    if (!r.ok()) {
      // The file is checked by the tests before it ships; this is a build error.
      fmt::print(stderr, "embedded region: {}\n", r.status().message());
      std::abort();
    }
    return std::move(r).value();
  }();
  return region;
}

const Agency* Region::FindAgency(std::string_view code) const {
  for (const Agency& a : agencies) {
    if (a.code == code) return &a;
  }
  return nullptr;
}

}  // namespace interdict::sim
