// The answer as JSON (with a cursor), CSV (RFC 4180) or GeoJSON (RFC 7946).
#include <fmt/core.h>

#include "base/json_escape.h"
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

std::string QuotedList(const std::set<std::string>& v) {
  std::string out = "[";
  for (const std::string& s : v) out += (out.size() > 1 ? "," : "") + JsonQuote(s);
  return out + "]";
}

// A read as JSON: the native format, plus the hold keeping it and its scene.
std::string ReadJson(const Sighting& s) {
  std::string out = read::FormatNativeRead(s.read);
  out.pop_back();
  if (!s.hold.empty()) out += R"(,"hold":)" + JsonQuote(s.hold);
  if (s.scene >= 0) out += fmt::format(R"(,"scene":{})", s.scene);
  return out + "}";
}

std::string Ratio(const PlateGroup& g) {
  return g.expected > 0 ? fmt::format("{:.1f}", static_cast<double>(g.together) / g.expected)
                        : "null";
}

std::string GroupJson(const Request& req, const PlateGroup& g) {
  std::string out = fmt::format(
      R"({{"plate":"{}","states":{},"reads":{},"first_seen":"{}","last_seen":"{}","agencies":{},"cameras":[)",
      g.plate, QuotedList(g.states), g.reads, FormatRfc3339(g.first), FormatRfc3339(g.last),
      QuotedList(g.agencies));
  bool comma = false;
  for (const auto& [key, n] : g.cameras) {
    const std::size_t slash = key.find('/');
    out += fmt::format(R"({}{{"agency":{},"camera":{},"reads":{}}})", comma ? "," : "",
                       JsonQuote(key.substr(0, slash)), JsonQuote(key.substr(slash + 1)), n);
    comma = true;
  }
  out += "]";
  if (req.type == SearchType::kScenes) {
    out += R"(,"scenes":[)";
    comma = false;
    for (int s : g.scenes) {
      out += fmt::format("{}{}", comma ? "," : "", s);
      comma = true;
    }
    out += "]";
  }
  if (req.type == SearchType::kConvoy) {
    out += fmt::format(R"(,"together":{},"distinct_cameras":{},"expected":{:.3f},"ratio":{})",
                       g.together, g.cameras.size(), g.expected, Ratio(g));
  }
  if (!g.match.empty()) out += fmt::format(R"(,"match":"{}","approximate":true)", g.match);
  out += R"(,"sightings":[)";
  for (std::size_t i = 0; i < g.sightings.size(); ++i)
    out += (i ? "," : "") + ReadJson(g.sightings[i]);
  return out + "]}";
}

std::string Coordinates(const std::optional<geo::Point>& p) {
  return p ? fmt::format(R"("lat":{:.6f},"lon":{:.6f})", p->lat(), p->lon())
           : R"("lat":null,"lon":null)";
}

std::string SpotJson(const Spot& s, std::int64_t total) {
  std::vector<std::pair<std::int64_t, int>> hours;
  for (const auto& [how, n] : s.hours) hours.emplace_back(n, how);
  std::sort(hours.begin(), hours.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  std::string out =
      fmt::format(R"({{"agency":{},"camera":{},{},"reads":{},"share":{:.3f},"hours":[)",
                  JsonQuote(s.agency), JsonQuote(s.camera), Coordinates(s.where), s.reads,
                  total > 0 ? static_cast<double>(s.reads) / static_cast<double>(total) : 0.0);
  for (std::size_t i = 0; i < hours.size(); ++i) {
    out += fmt::format(R"({}{{"day":"{}","hour":{},"reads":{}}})", i ? "," : "",
                       kDays[static_cast<std::size_t>(hours[i].second / 24)], hours[i].second % 24,
                       hours[i].first);
  }
  return out + "]}";
}

std::string LegJson(const Leg& l) {
  std::string out = ReadJson(l.at);
  out.pop_back();
  // A read with its own position already carries lat and lon (and the leg's
  // place is that position); one member twice would not be JSON any parser
  // of ours accepts.
  if (!l.at.read.position) out += "," + Coordinates(l.where);
  if (!l.first) {
    out += fmt::format(R"(,"distance_m":{:.0f},"seconds":{:.0f},"kmh":{:.1f},"impossible":{})",
                       l.distance_m, l.seconds, l.kmh, l.impossible);
  }
  return out + "}";
}

std::string JsonBody(const Request& req, const Plan& plan, const Answer& a, std::int64_t seq) {
  std::string results = "[";
  std::string extra;
  if (IsReadList(req)) {
    std::map<std::string, std::int64_t> plates;
    for (std::size_t i = 0; i < a.reads.size(); ++i) {
      results += (i ? "," : "") + ReadJson(a.reads[i]);
      ++plates[a.reads[i].read.plate.str()];
    }
    if (req.type == SearchType::kPlate) {
      // Look-alikes are offered apart, never mixed into the plate's reads.
      extra = R"(,"lookalikes":[)";
      for (std::size_t i = 0; i < a.groups.size(); ++i) {
        const PlateGroup& g = a.groups[i];
        extra += fmt::format(
            R"({}{{"plate":"{}","reads":{},"first_seen":"{}","last_seen":"{}","agencies":{},"match":"{}","approximate":true}})",
            i ? "," : "", g.plate, g.reads, FormatRfc3339(g.first), FormatRfc3339(g.last),
            QuotedList(g.agencies), g.match);
      }
      extra += "]";
    } else {
      // The distinct plates of this page, with their counts.
      std::vector<std::pair<std::string, std::int64_t>> sorted(plates.begin(), plates.end());
      std::sort(sorted.begin(), sorted.end(), [](const auto& x, const auto& y) {
        return x.second != y.second ? x.second > y.second : x.first < y.first;
      });
      extra = R"(,"plates":[)";
      for (std::size_t i = 0; i < sorted.size(); ++i) {
        std::string label;
        // A look-alike search says how each plate relates to the one asked
        // for, by the matcher's rules; anything but exact is approximate.
        for (const PlateGroup& g : a.groups) {
          if (g.plate != sorted[i].first) continue;
          label = fmt::format(R"(,"match":"{}","approximate":{})", g.match, g.match != "exact");
        }
        extra += fmt::format(R"({}{{"plate":"{}","reads":{}{}}})", i ? "," : "", sorted[i].first,
                             sorted[i].second, label);
      }
      extra += "]";
    }
  } else if (req.type == SearchType::kLocate) {
    for (std::size_t i = 0; i < a.spots.size(); ++i)
      results += (i ? "," : "") + SpotJson(a.spots[i], a.target_reads);
    extra =
        fmt::format(R"(,"time_zone":"{}","target_reads":{})", req.time_zone.name(), a.target_reads);
  } else if (req.type == SearchType::kRoute) {
    std::size_t impossible = 0;
    for (std::size_t i = 0; i < a.legs.size(); ++i) {
      results += (i ? "," : "") + LegJson(a.legs[i]);
      if (a.legs[i].impossible) ++impossible;
    }
    extra = fmt::format(R"(,"impossible":{},"max_kmh":{:g})", impossible, req.max_kmh);
  } else {
    for (std::size_t i = 0; i < a.groups.size(); ++i)
      results += (i ? "," : "") + GroupJson(req, a.groups[i]);
    if (req.type == SearchType::kConvoy) {
      extra = fmt::format(R"(,"target_reads":{},"excluded_lookalikes":{},"window_s":{})",
                          a.target_reads, a.excluded, req.window_ms / 1000);
    }
  }
  results += "]";
  if (!IsReadList(req)) extra += fmt::format(R"(,"total":{})", a.total);
  std::string agencies = "[";
  for (const std::string& c : plan.agencies)
    agencies += (agencies.size() > 1 ? "," : "") + JsonQuote(c);
  agencies += "]";
  std::string next = "null";
  if (a.next) next = JsonQuote(EncodeCursor(req, *a.next));
  if (a.next_offset) next = JsonQuote(EncodeOffsetCursor(req, *a.next_offset));
  return fmt::format(
      R"({{"type":"{}","results":{}{},"count":{},"truncated":{},"next":{},"agencies":{},"search":{}}})",
      Describe(req.type).name, results, extra, ResultCount(req, a), a.truncated, next, agencies,
      seq);
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
        const std::string ratio = Ratio(g);
        out += fmt::format(",{},{},{:.3f},{}", g.together, g.cameras.size(), g.expected,
                           ratio == "null" ? "" : ratio);
      }
      out += "\r\n";
    }
  }
  return out;
}

std::string Feature(const geo::Point& p, const std::string& properties) {
  return fmt::format(
      R"({{"type":"Feature","geometry":{{"type":"Point","coordinates":[{:.6f},{:.6f}]}},"properties":{}}})",
      p.lon(), p.lat(), properties);
}

std::string GeoJsonBody(const Request& req, const Plan& plan, const Answer& a) {
  std::vector<std::string> features;
  auto sighting = [&](const Sighting& s, const std::string& more) {
    if (std::optional<geo::Point> p = Position(plan, s.read)) {
      std::string props = ReadJson(s);
      props.pop_back();
      features.push_back(Feature(*p, props + more + "}"));
    }
  };
  if (IsReadList(req)) {
    for (const Sighting& s : a.reads) sighting(s, "");
  } else if (req.type == SearchType::kRoute) {
    std::string line;
    for (const Leg& l : a.legs) {
      sighting(l.at,
               l.first ? "" : fmt::format(R"(,"kmh":{:.1f},"impossible":{})", l.kmh, l.impossible));
      if (l.where)
        line += fmt::format("{}[{:.6f},{:.6f}]", line.empty() ? "" : ",", l.where->lon(),
                            l.where->lat());
    }
    if (!line.empty()) {
      features.push_back(fmt::format(
          R"({{"type":"Feature","geometry":{{"type":"LineString","coordinates":[{}]}},"properties":{{"plate":"{}"}}}})",
          line, req.plate->str()));
    }
  } else if (req.type == SearchType::kLocate) {
    for (const Spot& s : a.spots) {
      if (s.where) features.push_back(Feature(*s.where, SpotJson(s, a.target_reads)));
    }
  } else {
    for (const PlateGroup& g : a.groups) {
      for (const Sighting& s : g.sightings) sighting(s, "");
    }
  }
  std::string out = R"({"type":"FeatureCollection","features":[)";
  for (std::size_t i = 0; i < features.size(); ++i) out += (i ? "," : "") + features[i];
  return out + "]}";
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
