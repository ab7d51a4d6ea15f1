#include "demo/feeder.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include <fmt/core.h>
#include <rapidjson/document.h>

#include "base/base64.h"
#include "base/delimited.h"
#include "base/json.h"
#include "base/json_writer.h"
#include "http/client.h"
#include "read/delimited_format.h"
#include "read/native_format.h"
#include "sim/plate_image.h"
#include "sim/units.h"

namespace interdict::demo {
namespace {

constexpr std::int64_t kDay = 86'400'000;
constexpr std::int64_t kTickMs = 500;
constexpr std::int64_t kHeartbeatMs = 60'000;  // real time, as the OpenALPR agent
constexpr std::int64_t kPositionsMs = 5'000;   // real time: units' AVL and the ADS-B receiver

// What alpr_group and alpr_results share: the agent and camera of
// "<agent_uid>-cam<camera_id>", the confidence, the candidates and the region.
// One plate with its confidence in percent, as the agent writes candidates.
void WriteCandidate(json::Writer& w, std::string_view plate, double confidence) {
  w.StartObject();
  json::Members(w, "plate", plate, "confidence", std::round(confidence * 10) / 10);
  w.EndObject();
}

// A one-element list of {"name", "confidence"}, the agent's vehicle attribute.
void WriteAttribute(json::Writer& w, std::string_view key, std::string_view name,
                    double confidence) {
  json::Key(w, key);
  w.StartArray();
  w.StartObject();
  json::Members(w, "name", name, "confidence", confidence);
  w.EndObject();
  w.EndArray();
}

// The agent's camera_id is a number; a camera code that does not end in one
// is sent as a string (the server refuses it, as it would a real agent's).
void WriteCameraId(json::Writer& w, const std::string& id) {
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), n);
  if (ec == std::errc() && end == id.data() + id.size()) {
    json::Put(w, n);
  } else {
    json::Put(w, id);
  }
}

}  // namespace

std::string OpenAlprGroup(const read::Read& r, std::string_view crop) {
  const std::size_t at = r.camera.rfind("-cam");
  const std::string agent = at == std::string::npos ? r.camera : r.camera.substr(0, at);
  const std::string camera_id = at == std::string::npos ? "1" : r.camera.substr(at + 4);
  const double confidence =
      r.plate_confidence.known() ? static_cast<double>(r.plate_confidence.percent()) : 0.0;
  return json::Write([&](json::Writer& w) {
    w.StartObject();
    json::Members(w, "version", 2, "data_type", "alpr_group", "epoch_start", r.time, "epoch_end",
                  r.time + 800, "agent_uid", agent);
    json::Key(w, "camera_id");
    WriteCameraId(w, camera_id);
    json::Members(w, "best_uuid", r.id, "uuids", std::vector<std::string>{r.id},
                  "best_plate_number", r.plate.text(), "best_confidence",
                  std::round(confidence * 10) / 10);
    if (r.state.known()) {
      json::Members(w, "best_region", "us-" + AsciiLower(r.state.code().substr(3)),
                    "best_region_confidence",
                    r.state_confidence.known() ? r.state_confidence.percent() : 0);
    }
    json::Key(w, "best_plate");
    w.StartObject();
    json::Members(w, "plate", r.plate.text(), "confidence", std::round(confidence * 10) / 10);
    json::Key(w, "candidates");
    w.StartArray();
    WriteCandidate(w, r.plate.text(), confidence);
    for (const read::Alternate& a : r.alternates) {
      WriteCandidate(w, a.plate.text(),
                     a.confidence.known() ? static_cast<double>(a.confidence.percent()) : 0.0);
    }
    w.EndArray();
    // The agent sends the best plate's crop inside best_plate.
    if (!crop.empty()) json::Members(w, "plate_crop_jpeg", Base64Encode(crop));
    w.EndObject();
    if (r.position) {
      json::Members(w, "gps_latitude", r.position->lat(), "gps_longitude", r.position->lon());
    }
    if (!r.vehicle.empty()) {
      json::Key(w, "vehicle");
      w.StartObject();
      WriteAttribute(w, "color", r.vehicle.color, 80.0);
      WriteAttribute(w, "make", r.vehicle.make, 80.0);
      WriteAttribute(w, "make_model", r.vehicle.model, 70.0);
      WriteAttribute(w, "body_type", r.vehicle.body, 80.0);
      w.EndObject();
    }
    w.EndObject();
  });
}

std::string NativeBatch(const std::vector<const read::Read*>& reads) {
  return json::Write([&](json::Writer& w) {
    w.StartArray();
    for (const read::Read* r : reads) {
      w.StartObject();
      read::WriteNativeReadMembers(w, *r);
      w.EndObject();
    }
    w.EndArray();
  });
}

std::string CsvBatch(const std::vector<const read::Read*>& reads) {
  std::string out = std::string(read::kCsvReadHeader) + "\n";
  for (const read::Read* r : reads) out += read::FormatCsvRead(*r) + "\n";
  return out;
}

Feeder::Feeder(const sim::Traffic& traffic, DemoSecrets secrets, FeederOptions options,
               const Clock& clock, Logger& log)
    : traffic_(traffic),
      secrets_(std::move(secrets)),
      opts_(std::move(options)),
      clock_(clock),
      log_(log) {}

Feeder::~Feeder() {
  Stop();
}

void Feeder::Start() {
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
}

void Feeder::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void Feeder::Run() {
  const sim::Region& region = traffic_.region();
  std::map<std::string, std::unique_ptr<http::Client>> clients;  // one connection per vendor feed
  auto client = [&](const std::string& agency) -> http::Client& {
    auto& c = clients[agency];
    if (!c) {
      http::ClientOptions o;
      o.host = opts_.host;
      o.port = opts_.port;
      o.tls = opts_.tls;
      c = std::make_unique<http::Client>(o);
    }
    return *c;
  };
  auto count = [&](const Result<http::ClientResponse>& r, std::size_t n) {
    stats_.sent += n;
    if (!r.ok() || r->status != 200) {
      ++stats_.failed_requests;
      if (stats_.failed_requests <= 3) {
        log_.Warn("demo feed request failed",
                  {{"status", r.ok() ? std::to_string(r->status) : r.status().message()},
                   {"body", r.ok() ? r->body.substr(0, 200) : ""}});
      }
      return;
    }
    // {"accepted":N,...,"rejected":[...]}: count what the server took.
    const std::size_t at = r->body.find("\"accepted\":");
    std::uint64_t accepted = 0;
    if (at != std::string::npos) {
      const char* begin = r->body.data() + at + 11;
      std::from_chars(begin, r->body.data() + r->body.size(), accepted);
    }
    stats_.accepted += accepted;
  };
  struct Due {
    read::Read read;
    std::string crop;  // PNG, or empty
  };
  // A native vendor uploads its crops first and names them in the reads.
  auto upload = [&](const std::string& agency, const std::string& png) -> std::string {
    auto key = secrets_.keys.find(agency);
    if (key == secrets_.keys.end()) return {};
    Result<http::ClientResponse> r = client(agency).Send(
        "POST", "/api/v1/images", png,
        {{"Authorization", "Bearer " + key->second}, {"Content-Type", "image/png"}});
    const std::size_t at =
        r.ok() && r->status == 201 ? r->body.find(R"("image":")") : std::string::npos;
    if (at == std::string::npos) {
      // The read goes without its crop; the failure is counted and logged.
      ++stats_.failed_requests;
      log_.Warn("demo feed: uploading a plate crop failed",
                {{"agency", agency},
                 {"status", r.ok() ? std::to_string(r->status) : r.status().message()}});
      return {};
    }
    return r->body.substr(at + 9, r->body.find('"', at + 9) - at - 9);
  };
  auto send = [&](const std::string& agency, const std::vector<const Due*>& batch) {
    std::vector<const read::Read*> reads;
    for (const Due* d : batch) reads.push_back(&d->read);
    const sim::Agency* a = region.FindAgency(agency);
    auto key = secrets_.keys.find(agency);
    if (a == nullptr || key == secrets_.keys.end() || reads.empty()) return;
    const http::HeaderList auth = {{"Authorization", "Bearer " + key->second}};
    switch (a->vendor) {
      case sim::Vendor::kOpenAlpr:
        for (const Due* d : batch) {
          http::HeaderList h = auth;
          h.emplace_back("Content-Type", "application/json");
          count(client(agency).Send("POST", "/api/v1/ingest/openalpr",
                                    OpenAlprGroup(d->read, d->crop), h),
                1);
        }
        break;
      case sim::Vendor::kNative: {
        http::HeaderList h = auth;
        h.emplace_back("Content-Type", "application/json");
        count(client(agency).Send("POST", "/api/v1/reads", NativeBatch(reads), h), reads.size());
        break;
      }
      case sim::Vendor::kCsv: {
        http::HeaderList h = auth;
        h.emplace_back("Content-Type", "text/csv");
        count(client(agency).Send("POST", "/api/v1/reads", CsvBatch(reads), h), reads.size());
        break;
      }
      case sim::Vendor::kNone: break;
    }
  };

  const std::int64_t real_start = clock_.NowMillis();
  const std::int64_t sim_start = real_start;
  std::int64_t day_midnight = traffic_.LocalMidnight(sim_start);
  std::vector<sim::SimRead> day;
  sim::TrafficStats stats;
  traffic_.DayCompact(day_midnight, &day, &stats);
  std::size_t next = static_cast<std::size_t>(
      std::lower_bound(day.begin(), day.end(), sim_start,
                       [](const sim::SimRead& r, std::int64_t t) { return r.time < t; }) -
      day.begin());
  const auto& vehicles = traffic_.population().vehicles();
  // A crop of the plate as it really is (not as it was read).
  auto crop = [&](std::uint32_t vehicle, std::uint64_t seed) -> std::string {
    const sim::Vehicle& v = vehicles[vehicle];
    Result<std::string> png = sim::RenderPlateCrop(v.plate.text(), v.state.code(), seed);
    if (!png.ok()) return {};
    ++stats_.crops;
    return std::move(png).value();
  };
  bool planted = false;
  std::int64_t last_planted = 0;
  std::size_t planted_count = 0;
  std::uint64_t serial = 0;
  std::int64_t last_heartbeat = real_start - kHeartbeatMs;
  std::int64_t last_positions = real_start - kPositionsMs;
  const sim::UnitMotion motion(region, {});
  // Where the units are: a JSON array of positions per agency (its AVL
  // gateway), the aircraft as a dump1090 receiver's aircraft.json.
  // A unit a dispatcher sent drives there (straight, at 60 km/h of simulated
  // time) and waits; released, it goes back to its round.
  struct Sent {
    double lat = 0, lon = 0;
    geo::Point from;
    std::int64_t since = 0;  // simulated ms
  };
  std::map<std::string, Sent> sent;  // by call sign
  auto read_assignments = [&](const std::string& agency, std::int64_t sim_now,
                              const std::map<std::string, geo::Point>& now_at) {
    auto key = secrets_.keys.find(agency);
    if (key == secrets_.keys.end()) return;
    Result<http::ClientResponse> r = client(agency).Send(
        "GET", "/api/v1/units", "", {{"Authorization", "Bearer " + key->second}});
    rapidjson::Document d;
    if (!r.ok() || r->status != 200 || !json::Parse(r->body, &d).ok() || !d.IsObject() ||
        !d.HasMember("units") || !d["units"].IsArray())
      return;
    for (const auto& u : d["units"].GetArray()) {
      if (!u.IsObject() || !u.HasMember("call_sign") || !u["call_sign"].IsString()) continue;
      const std::string call_sign = u["call_sign"].GetString();
      const bool out = u.HasMember("assignment") && u["assignment"].IsObject() &&
                       u["assignment"]["lat"].IsNumber() && u["assignment"]["lon"].IsNumber();
      if (!out) {
        sent.erase(call_sign);
        continue;
      }
      const double lat = u["assignment"]["lat"].GetDouble(),
                   lon = u["assignment"]["lon"].GetDouble();
      auto it = sent.find(call_sign);
      if (it != sent.end() && it->second.lat == lat && it->second.lon == lon) continue;
      const auto at = now_at.find(call_sign);
      if (at != now_at.end()) sent[call_sign] = {lat, lon, at->second, sim_now};
    }
  };
  auto report_positions = [&](std::int64_t now, std::int64_t sim_now) {
    std::map<std::string, std::vector<std::pair<const sim::Unit*, sim::UnitFix>>> by_agency;
    std::map<std::string, geo::Point> now_at;
    for (std::size_t u = 0; u < region.units.size(); ++u) {
      sim::UnitFix fix = motion.At(u, sim_now);
      const std::string call_sign = UnitCallSign(region.units[u]);
      if (auto it = sent.find(call_sign); it != sent.end()) {
        const geo::Point to = geo::Point::FromDegrees(it->second.lat, it->second.lon);
        const double total = geo::DistanceMeters(it->second.from, to);
        const double gone = 60 / 3.6 * static_cast<double>(sim_now - it->second.since) / 1000;
        const double f = total > 0 ? std::min(1.0, gone / total) : 1.0;
        fix.at = geo::Interpolate(it->second.from, to, f);
        fix.speed_mps = f < 1 ? 60 / 3.6 : 0;
      }
      now_at[call_sign] = fix.at;
      by_agency[region.units[u].agency].emplace_back(&region.units[u], fix);
    }
    for (const auto& agency_units : by_agency)
      read_assignments(agency_units.first, sim_now, now_at);
    for (const auto& [agency, fixes] : by_agency) {
      auto key = secrets_.keys.find(agency);
      if (key == secrets_.keys.end()) continue;
      const std::string avl = json::Write([&](json::Writer& w) {
        w.StartArray();
        for (const auto& [unit, fix] : fixes) {
          if (unit->kind == "air") continue;
          w.StartObject();
          json::Members(w, "unit", UnitCallSign(*unit), "time", now, "lat", fix.at.lat(), "lon",
                        fix.at.lon(), "speed_mps", std::round(fix.speed_mps * 10) / 10, "heading",
                        fix.heading);
          w.EndObject();
        }
        w.EndArray();
      });
      const std::string adsb = json::Write([&](json::Writer& w) {
        w.StartObject();
        json::Members(w, "now", static_cast<double>(now) / 1000, "messages", 1000);
        json::Key(w, "aircraft");
        w.StartArray();
        for (const auto& [unit, fix] : fixes) {
          if (unit->kind != "air") continue;
          w.StartObject();
          json::Members(w, "hex", kDemoAircraftIcao, "flight", "MSHP1   ", "lat", fix.at.lat(),
                        "lon", fix.at.lon(), "altitude", 2500, "track", fix.heading, "speed",
                        std::round(fix.speed_mps * 1.943844), "seen_pos", 0.5, "seen", 0.2);
          w.EndObject();
        }
        w.EndArray();
        w.EndObject();
      });
      const http::HeaderList h = {{"Authorization", "Bearer " + key->second},
                                  {"Content-Type", "application/json"}};
      for (const auto& [path, body] :
           {std::pair<std::string, std::string>{"/api/v1/units/positions", avl},
            {"/api/v1/units/adsb", adsb}}) {
        const bool nothing = path.ends_with("adsb")
                                 ? body.find(kDemoAircraftIcao) == std::string::npos
                                 : body == "[]";
        if (nothing) continue;
        Result<http::ClientResponse> r = client(agency).Send("POST", path, body, h);
        if (!r.ok() || r->status != 200) {
          ++stats_.failed_requests;
          log_.Warn("demo feed: reporting unit positions failed",
                    {{"agency", agency},
                     {"status", r.ok() ? std::to_string(r->status) : r.status().message()},
                     {"body", r.ok() ? r->body.substr(0, 200) : ""}});
        }
      }
    }
  };
  while (!stop_) {
    const std::int64_t now = clock_.NowMillis();
    const std::int64_t sim_now =
        sim_start + static_cast<std::int64_t>(static_cast<double>(now - real_start) * opts_.speed);
    std::map<std::string, std::vector<Due>> due;
    while (!stop_) {
      if (next == day.size()) {
        day_midnight = traffic_.LocalMidnight(day_midnight + kDay + kDay / 2);
        traffic_.DayCompact(day_midnight, &day, &stats);
        next = 0;
        if (day.empty()) break;
      }
      if (day[next].time > sim_now) break;
      const sim::SimRead& s = day[next++];
      read::Read r = traffic_.ToRead(s);
      r.time = now;  // live: the moment it is sent
      r.id = fmt::format("{}-{}", r.id, serial++);
      const bool with_crop = traffic_.Listed(s.vehicle) ||
                             static_cast<double>(s.id % 10'000) < opts_.crop_share * 10'000;
      std::string png;
      if (with_crop && region.FindAgency(r.agency)->vendor != sim::Vendor::kCsv)
        png = crop(s.vehicle, s.id);
      due[r.agency].push_back({std::move(r), std::move(png)});
    }
    const bool plant_first = !planted && now - real_start >= opts_.first_hit_after_ms;
    const bool plant_again =
        planted && opts_.hit_every_ms > 0 && now - last_planted >= opts_.hit_every_ms;
    if ((plant_first || plant_again) && !secrets_.stolen_plates.empty()) {
      // A stolen car passes a city camera, read right: the one nearest the
      // city's first patrol, so the hit card has units to suggest. Later
      // ones are the next listed cars in turn.
      planted = true;
      last_planted = now;
      const std::string& stolen =
          secrets_.stolen_plates[planted_count++ % secrets_.stolen_plates.size()];
      const sim::Unit* patrol = nullptr;
      for (const sim::Unit& u : region.units)
        if (!patrol && u.agency == "GCPD" && u.kind == "patrol") patrol = &u;
      std::vector<const sim::Camera*> city;
      for (const sim::Camera& c : region.cameras)
        if (c.agency == "GCPD") city.push_back(&c);
      if (patrol) {
        std::sort(city.begin(), city.end(), [&](const sim::Camera* a, const sim::Camera* b) {
          return geo::DistanceMeters(a->at, patrol->home) <
                 geo::DistanceMeters(b->at, patrol->home);
        });
      }
      for (const sim::Camera* cam : city) {
        const sim::Camera& c = *cam;
        read::Read r;
        r.agency = c.agency;
        r.camera = c.code;
        r.time = now;
        r.id = fmt::format("demo-hit-{}-{}", planted_count, now);
        r.plate = *plate::Plate::FromNormalized(stolen);
        r.state = *plate::Jurisdiction::Parse("MO");
        r.plate_confidence = read::Confidence::FromPercent(96);
        r.state_confidence = read::Confidence::FromPercent(92);
        // The car as the camera's analytics describe it, for the hit card's comparison.
        for (const sim::Vehicle& v : vehicles) {
          if (v.plate.str() != stolen) continue;
          r.vehicle = {std::string(v.make), std::string(v.model), std::string(v.color),
                       std::string(v.body)};
          break;
        }
        std::string png;
        if (Result<std::string> p =
                sim::RenderPlateCrop(stolen, "US-MO", static_cast<std::uint64_t>(now));
            p.ok())
          png = std::move(p).value();
        due[r.agency].push_back({std::move(r), std::move(png)});
        log_.Info("demo: a stolen vehicle passes a camera",
                  {{"plate", stolen}, {"camera", c.code}});
        break;
      }
    }
    if (now - last_positions >= kPositionsMs) {
      last_positions = now;
      report_positions(now, sim_now);
    }
    if (now - last_heartbeat >= kHeartbeatMs) {
      // OpenALPR agents report their cameras' health every minute; the other
      // vendors' cameras show as silent on heartbeats (docs/simulator.md).
      last_heartbeat = now;
      std::map<std::pair<std::string, std::string>, std::vector<std::string>> agents;
      for (const sim::Camera& c : region.cameras) {
        const sim::Agency* a = region.FindAgency(c.agency);
        const std::size_t at = c.code.rfind("-cam");
        if (a == nullptr || a->vendor != sim::Vendor::kOpenAlpr || at == std::string::npos)
          continue;
        agents[{c.agency, c.code.substr(0, at)}].push_back(c.code.substr(at + 4));
      }
      for (const auto& [who, ids] : agents) {
        auto key = secrets_.keys.find(who.first);
        if (key == secrets_.keys.end()) continue;
        const std::string heartbeat = json::Write([&](json::Writer& w) {
          w.StartObject();
          json::Members(w, "data_type", "heartbeat", "agent_uid", who.second, "agent_version",
                        "interdict-sim");
          json::Key(w, "video_streams");
          w.StartArray();
          for (const std::string& id : ids) {
            w.StartObject();
            json::Key(w, "camera_id");
            WriteCameraId(w, id);
            w.EndObject();
          }
          w.EndArray();
          w.EndObject();
        });
        count(client(who.first).Send("POST", "/api/v1/ingest/openalpr", heartbeat,
                                     {{"Authorization", "Bearer " + key->second},
                                      {"Content-Type", "application/json"}}),
              0);
      }
    }
    for (auto& [agency, reads] : due) {
      if (region.FindAgency(agency)->vendor == sim::Vendor::kNative) {
        for (Due& d : reads) {
          if (!d.crop.empty()) d.read.plate_image = upload(agency, d.crop);
        }
      }
      std::vector<const Due*> ptrs;
      for (const Due& d : reads) ptrs.push_back(&d);
      for (std::size_t at = 0; at < ptrs.size(); at += 1000) {
        send(agency, std::vector<const Due*>(ptrs.begin() + static_cast<std::ptrdiff_t>(at),
                                             ptrs.begin() + static_cast<std::ptrdiff_t>(
                                                                std::min(ptrs.size(), at + 1000))));
      }
    }
    for (int waited = 0; waited < kTickMs && !stop_; waited += 50) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

}  // namespace interdict::demo
