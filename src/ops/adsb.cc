#include "ops/adsb.h"

#include <cmath>

#include <fmt/core.h>
#include <rapidjson/document.h>

#include "base/json.h"

namespace interdict::ops {
namespace {

constexpr double kKnotMps = 0.514444;

bool Number(const rapidjson::Value& o, const char* name, double* out) {
  const auto it = o.FindMember(name);
  if (it == o.MemberEnd() || !it->value.IsNumber()) return false;
  *out = it->value.GetDouble();
  return std::isfinite(*out);
}

}  // namespace

Result<AdsbParse> ParseAircraftJson(std::string_view text) {
  rapidjson::Document d;
  if (Status st = json::Parse(text, &d, {.max_bytes = kMaxAircraftJsonBytes}); !st.ok())
    return st.WithContext("aircraft.json: ");
  if (!d.IsObject()) return Status::InvalidArgument("aircraft.json: not a JSON object");
  double now_s = 0;
  if (!Number(d, "now", &now_s) || now_s < 0 || now_s > 1e11)
    return Status::InvalidArgument("aircraft.json: \"now\": the receiver's time in seconds");
  const auto list = d.FindMember("aircraft");
  if (list == d.MemberEnd() || !list->value.IsArray())
    return Status::InvalidArgument("aircraft.json: \"aircraft\": an array");
  AdsbParse out;
  for (const rapidjson::Value& a : list->value.GetArray()) {
    if (!a.IsObject()) continue;
    const auto hex = a.FindMember("hex");
    if (hex == a.MemberEnd() || !hex->value.IsString()) continue;
    std::string_view icao(hex->value.GetString(), hex->value.GetStringLength());
    if (icao.starts_with('~')) continue;  // a non-ICAO (TIS-B) address: no registered aircraft
    if (icao.size() != 6 || icao.find_first_not_of("0123456789abcdef") != std::string_view::npos)
      continue;
    double lat = 0, lon = 0, seen_pos = 0;
    if (!Number(a, "lat", &lat) || !Number(a, "lon", &lon) || std::fabs(lat) > 90 ||
        std::fabs(lon) > 180) {
      ++out.without_position;
      continue;
    }
    if (!Number(a, "seen_pos", &seen_pos) || seen_pos < 0) seen_pos = 0;
    if (seen_pos > kMaxSeenPosS) {
      ++out.stale;
      continue;
    }
    PositionIn p;
    p.icao = icao;
    p.pos.source = "adsb";
    p.pos.lat = lat;
    p.pos.lon = lon;
    p.pos.time = static_cast<std::int64_t>(std::llround((now_s - seen_pos) * 1000));
    double knots = 0, track = 0;
    if (Number(a, "speed", &knots) && knots >= 0 && knots * kKnotMps <= 120)
      p.pos.speed_mps = knots * kKnotMps;
    if (Number(a, "track", &track) && track >= 0 && track < 360)
      p.pos.heading = static_cast<int>(track);
    out.positions.push_back(std::move(p));
  }
  return out;
}

}  // namespace interdict::ops
