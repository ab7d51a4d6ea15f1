// The answer as JSON (with a cursor), CSV (RFC 4180) or GeoJSON (RFC 7946).
#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "base/json_writer.h"
#include "base/time_format.h"
#include "read/native_format.h"
#include "search/search.h"

namespace interdict::search {
namespace {

constexpr const char* kDays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

bool IsReadList(const Request& req) {
  return Describe(req.type).result == ResultKind::kReads;
}

std::string Join(const std::set<std::string>& v, std::string_view sep) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : std::string(sep)) + s;
  return out;
}

// A read's members: the native format, plus the hold keeping it and its scene.
void WriteSightingMembers(json::Writer& w, const Sighting& s) {
  read::WriteNativeReadMembers(w, s.read);
  if (!s.hold.empty()) json::Members(w, "hold", s.hold);
  if (s.scene >= 0) json::Members(w, "scene", s.scene);
}

void WriteSighting(json::Writer& w, const Sighting& s) {
  w.StartObject();
  WriteSightingMembers(w, s);
  w.EndObject();
}

// Decimal places that are meaningful (a ratio to one place, a share to three).
double Round(double v, int places) {
  const double scale = std::pow(10.0, places);
  return std::round(v * scale) / scale;
}

std::optional<double> Ratio(const PlateGroup& g) {
  if (g.expected <= 0) return std::nullopt;
  return Round(static_cast<double>(g.together) / g.expected, 1);
}

void WriteGroup(json::Writer& w, const Request& req, const PlateGroup& g) {
  w.StartObject();
  json::Members(w, "plate", g.plate, "states", g.states, "reads", g.reads, "first_seen",
                FormatRfc3339(g.first), "last_seen", FormatRfc3339(g.last), "agencies", g.agencies);
  json::Key(w, "cameras");
  w.StartArray();
  for (const auto& [key, n] : g.cameras) {
    const std::size_t slash = key.find('/');
    w.StartObject();
    json::Members(w, "agency", std::string_view(key).substr(0, slash), "camera",
                  std::string_view(key).substr(slash + 1), "reads", n);
    w.EndObject();
  }
  w.EndArray();
  if (req.type == SearchType::kScenes) json::Members(w, "scenes", g.scenes);
  if (req.type == SearchType::kConvoy) {
    json::Members(w, "together", g.together, "distinct_cameras", g.cameras.size(), "expected",
                  Round(g.expected, 3), "ratio", Ratio(g));
  }
  if (!g.match.empty()) json::Members(w, "match", g.match, "approximate", true);
  json::Key(w, "sightings");
  w.StartArray();
  for (const Sighting& s : g.sightings) WriteSighting(w, s);
  w.EndArray();
  w.EndObject();
}

// "lat" and "lon", null when the place is unknown.
void WriteCoordinates(json::Writer& w, const std::optional<geo::Point>& p) {
  json::Members(w, "lat", p ? std::optional(p->lat()) : std::nullopt, "lon",
                p ? std::optional(p->lon()) : std::nullopt);
}

void WriteSpotMembers(json::Writer& w, const Spot& s, std::int64_t total) {
  std::vector<std::pair<std::int64_t, int>> hours;
  for (const auto& [how, n] : s.hours) hours.emplace_back(n, how);
  std::sort(hours.begin(), hours.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  json::Members(w, "agency", s.agency, "camera", s.camera);
  WriteCoordinates(w, s.where);
  json::Members(
      w, "reads", s.reads, "share",
      Round(total > 0 ? static_cast<double>(s.reads) / static_cast<double>(total) : 0.0, 3));
  json::Key(w, "hours");
  w.StartArray();
  for (const auto& [n, how] : hours) {
    w.StartObject();
    json::Members(w, "day", kDays[static_cast<std::size_t>(how / 24)], "hour", how % 24, "reads",
                  n);
    w.EndObject();
  }
  w.EndArray();
}

void WriteLeg(json::Writer& w, const Leg& l) {
  w.StartObject();
  WriteSightingMembers(w, l.at);
  // A read with its own position already carries lat and lon (and the leg's
  // place is that position); one member twice would not be JSON any parser
  // of ours accepts.
  if (!l.at.read.position) WriteCoordinates(w, l.where);
  if (!l.first) {
    json::Members(w, "distance_m", std::round(l.distance_m), "seconds", std::round(l.seconds),
                  "kmh", Round(l.kmh, 1), "impossible", l.impossible);
  }
  w.EndObject();
}

std::string JsonBody(const Request& req, const Plan& plan, const Answer& a, std::int64_t seq) {
  return json::Write([&](json::Writer& w) {
    w.StartObject();
    json::Members(w, "type", Describe(req.type).name);
    json::Key(w, "results");
    w.StartArray();
    if (IsReadList(req)) {
      for (const Sighting& s : a.reads) WriteSighting(w, s);
    } else if (req.type == SearchType::kLocate) {
      for (const Spot& s : a.spots) {
        w.StartObject();
        WriteSpotMembers(w, s, a.target_reads);
        w.EndObject();
      }
    } else if (req.type == SearchType::kRoute) {
      for (const Leg& l : a.legs) WriteLeg(w, l);
    } else {
      for (const PlateGroup& g : a.groups) WriteGroup(w, req, g);
    }
    w.EndArray();
    if (req.type == SearchType::kPlate) {
      // Look-alikes are offered apart, never mixed into the plate's reads.
      json::Key(w, "lookalikes");
      w.StartArray();
      for (const PlateGroup& g : a.groups) {
        w.StartObject();
        json::Members(w, "plate", g.plate, "reads", g.reads, "first_seen", FormatRfc3339(g.first),
                      "last_seen", FormatRfc3339(g.last), "agencies", g.agencies, "match", g.match,
                      "approximate", true);
        w.EndObject();
      }
      w.EndArray();
    } else if (IsReadList(req)) {
      // The distinct plates of this page, with their counts; a look-alike
      // search says how each relates to the plate asked for, by the
      // matcher's rules (anything but exact is approximate).
      std::map<std::string, std::int64_t> plates;
      for (const Sighting& s : a.reads) ++plates[s.read.plate.str()];
      std::vector<std::pair<std::string, std::int64_t>> sorted(plates.begin(), plates.end());
      std::sort(sorted.begin(), sorted.end(), [](const auto& x, const auto& y) {
        return x.second != y.second ? x.second > y.second : x.first < y.first;
      });
      json::Key(w, "plates");
      w.StartArray();
      for (const auto& [plate, n] : sorted) {
        w.StartObject();
        json::Members(w, "plate", plate, "reads", n);
        for (const PlateGroup& g : a.groups) {
          if (g.plate == plate)
            json::Members(w, "match", g.match, "approximate", g.match != "exact");
        }
        w.EndObject();
      }
      w.EndArray();
    } else if (req.type == SearchType::kLocate) {
      json::Members(w, "time_zone", req.time_zone.name(), "target_reads", a.target_reads);
    } else if (req.type == SearchType::kRoute) {
      const auto impossible =
          std::count_if(a.legs.begin(), a.legs.end(), [](const Leg& l) { return l.impossible; });
      json::Members(w, "impossible", impossible, "max_kmh", req.max_kmh);
    } else if (req.type == SearchType::kConvoy) {
      json::Members(w, "target_reads", a.target_reads, "excluded_lookalikes", a.excluded,
                    "window_s", req.window_ms / 1000);
    }
    if (!IsReadList(req)) json::Members(w, "total", a.total);
    std::optional<std::string> next;
    if (a.next) next = EncodeCursor(req, *a.next);
    if (a.next_offset) next = EncodeOffsetCursor(req, *a.next_offset);
    json::Members(w, "count", ResultCount(req, a), "truncated", a.truncated, "next", next,
                  "agencies", plan.agencies, "search", seq);
    w.EndObject();
  });
}

// RFC 4180: fields with commas, quotes or line breaks are quoted.
std::string Csv(std::string_view v) {
  if (v.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(v);
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string LatLon(const std::optional<geo::Point>& p) {
  return p ? fmt::format("{:.6f},{:.6f}", p->lat(), p->lon()) : ",";
}

std::optional<geo::Point> Position(const Plan& plan, const read::Read& r) {
  if (r.position) return r.position;
  auto it = plan.camera_at.find(r.agency + "/" + r.camera);
  if (it == plan.camera_at.end()) return std::nullopt;
  return it->second;
}

std::string CsvRead(const Plan& plan, const Sighting& s) {
  const read::Read& r = s.read;
  return fmt::format("{},{},{},{},{},{},{},{},{},{},{}", FormatRfc3339(r.time), Csv(r.agency),
                     Csv(r.camera), Csv(r.id), r.plate.str(), r.state.known() ? r.state.code() : "",
                     LatLon(Position(plan, r)), Csv(r.vehicle.make), Csv(r.vehicle.model),
                     Csv(r.vehicle.color), Csv(s.hold));
}

constexpr const char* kCsvReadHeader =
    "time,agency,camera,id,plate,state,lat,lon,make,model,color,hold";

std::string CsvBody(const Request& req, const Plan& plan, const Answer& a) {
  std::string out;
  if (IsReadList(req)) {
    out = std::string(kCsvReadHeader) + "\r\n";
    for (const Sighting& s : a.reads) out += CsvRead(plan, s) + "\r\n";
  } else if (req.type == SearchType::kRoute) {
    out = std::string(kCsvReadHeader) + ",distance_m,seconds,kmh,impossible\r\n";
    for (const Leg& l : a.legs) {
      out += CsvRead(plan, l.at);
      out += l.first ? ",,,,"
                     : fmt::format(",{:.0f},{:.0f},{:.1f},{}", l.distance_m, l.seconds, l.kmh,
                                   l.impossible);
      out += "\r\n";
    }
  } else if (req.type == SearchType::kLocate) {
    out = "agency,camera,lat,lon,reads,busiest_day,busiest_hour,reads_then\r\n";
    for (const Spot& s : a.spots) {
      int best = 0;
      std::int64_t most = -1;
      for (const auto& [how, n] : s.hours) {
        if (n > most) {
          most = n;
          best = how;
        }
      }
      out += fmt::format("{},{},{},{},{},{},{}\r\n", Csv(s.agency), Csv(s.camera), LatLon(s.where),
                         s.reads, kDays[static_cast<std::size_t>(best / 24)], best % 24, most);
    }
  } else {
    out = "plate,states,reads,first_seen,last_seen,agencies,cameras";
    if (req.type == SearchType::kScenes) out += ",scenes";
    if (req.type == SearchType::kConvoy) out += ",together,distinct_cameras,expected,ratio";
    out += "\r\n";
    for (const PlateGroup& g : a.groups) {
      std::set<std::string> cameras;
      for (const auto& [key, n] : g.cameras) cameras.insert(key);
      out += fmt::format("{},{},{},{},{},{},{}", g.plate, Csv(Join(g.states, " ")), g.reads,
                         FormatRfc3339(g.first), FormatRfc3339(g.last), Csv(Join(g.agencies, " ")),
                         Csv(Join(cameras, " ")));
      if (req.type == SearchType::kScenes) {
        std::set<std::string> scenes;
        for (int s : g.scenes) scenes.insert(std::to_string(s));
        out += "," + Csv(Join(scenes, " "));
      }
      if (req.type == SearchType::kConvoy) {
        const std::optional<double> ratio = Ratio(g);
        out += fmt::format(",{},{},{:.3f},{}", g.together, g.cameras.size(), g.expected,
                           ratio ? fmt::format("{:.1f}", *ratio) : "");
      }
      out += "\r\n";
    }
  }
  return out;
}

// A GeoJSON point feature whose properties `properties(w)` writes as members.
template <typename F>
void WritePointFeature(json::Writer& w, const geo::Point& p, F&& properties) {
  w.StartObject();
  json::Members(w, "type", "Feature");
  json::Key(w, "geometry");
  w.StartObject();
  json::Members(w, "type", "Point");
  json::Key(w, "coordinates");
  w.StartArray();
  json::Put(w, p.lon());
  json::Put(w, p.lat());
  w.EndArray();
  w.EndObject();
  json::Key(w, "properties");
  w.StartObject();
  properties(w);
  w.EndObject();
  w.EndObject();
}

std::string GeoJsonBody(const Request& req, const Plan& plan, const Answer& a) {
  return json::Write([&](json::Writer& w) {
    w.StartObject();
    json::Members(w, "type", "FeatureCollection");
    json::Key(w, "features");
    w.StartArray();
    auto sighting = [&](const Sighting& s, const Leg* leg) {
      if (std::optional<geo::Point> p = Position(plan, s.read)) {
        WritePointFeature(w, *p, [&](json::Writer& pw) {
          WriteSightingMembers(pw, s);
          if (leg != nullptr && !leg->first)
            json::Members(pw, "kmh", Round(leg->kmh, 1), "impossible", leg->impossible);
        });
      }
    };
    if (IsReadList(req)) {
      for (const Sighting& s : a.reads) sighting(s, nullptr);
    } else if (req.type == SearchType::kRoute) {
      for (const Leg& l : a.legs) sighting(l.at, &l);
      std::vector<geo::Point> line;
      for (const Leg& l : a.legs) {
        if (l.where) line.push_back(*l.where);
      }
      if (!line.empty()) {
        w.StartObject();
        json::Members(w, "type", "Feature");
        json::Key(w, "geometry");
        w.StartObject();
        json::Members(w, "type", "LineString");
        json::Key(w, "coordinates");
        w.StartArray();
        for (const geo::Point& p : line) {
          w.StartArray();
          json::Put(w, p.lon());
          json::Put(w, p.lat());
          w.EndArray();
        }
        w.EndArray();
        w.EndObject();
        json::Key(w, "properties");
        w.StartObject();
        json::Members(w, "plate", req.plate->str());
        w.EndObject();
        w.EndObject();
      }
    } else if (req.type == SearchType::kLocate) {
      for (const Spot& s : a.spots) {
        if (s.where) {
          WritePointFeature(w, *s.where,
                            [&](json::Writer& pw) { WriteSpotMembers(pw, s, a.target_reads); });
        }
      }
    } else {
      for (const PlateGroup& g : a.groups) {
        for (const Sighting& s : g.sightings) sighting(s, nullptr);
      }
    }
    w.EndArray();
    w.EndObject();
  });
}

}  // namespace

Rendered Render(const Request& req, const Plan& plan, const Answer& answer,
                std::int64_t search_seq) {
  switch (req.format) {
    case Format::kCsv: return {"text/csv; charset=utf-8", CsvBody(req, plan, answer)};
    case Format::kGeoJson: return {"application/geo+json", GeoJsonBody(req, plan, answer)};
    case Format::kJson: break;
  }
  return {"application/json", JsonBody(req, plan, answer, search_seq)};
}

}  // namespace interdict::search
