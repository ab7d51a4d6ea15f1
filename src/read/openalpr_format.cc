#include "read/openalpr_format.h"

#include <cmath>

#include <fmt/core.h>
#include <rapidjson/document.h>

#include "base/base64.h"
#include "base/json.h"
#include "base/utf8.h"

namespace interdict::read {
namespace {

using rapidjson::Value;

const Value* Member(const Value& o, const char* name) {
  if (!o.IsObject()) return nullptr;
  auto it = o.FindMember(name);
  if (it == o.MemberEnd() || it->value.IsNull()) return nullptr;
  return &it->value;
}

std::string_view Str(const Value* v) {
  if (v == nullptr || !v->IsString()) return {};
  return {v->GetString(), v->GetStringLength()};
}

// Epoch milliseconds, or seconds in old documentation: decided by magnitude.
Result<UnixMillis> EpochField(const Value* v, std::string_view field) {
  if (v == nullptr) return Status::InvalidArgument(fmt::format("{}: is required", field));
  if (!v->IsNumber()) return Status::InvalidArgument(fmt::format("{}: must be a number", field));
  const double d = v->GetDouble();
  if (!std::isfinite(d) || d <= 0) {
    return Status::InvalidArgument(fmt::format("{}: must be a positive epoch time", field));
  }
  const double ms = d < 1e11 ? d * 1000.0 : d;
  if (ms < 946'684'800'000.0 || ms >= 4'102'444'800'000.0) {
    return Status::InvalidArgument(fmt::format("{}: outside the years 2000-2099", field));
  }
  return static_cast<UnixMillis>(ms);
}

// A 0-100 confidence; anything else is unknown rather than an error (the
// plate is what matters).
Confidence Percent(const Value* v) {
  if (v == nullptr || !v->IsNumber()) return Confidence::Unknown();
  const double d = v->GetDouble();
  if (!(d >= 0 && d <= 100)) return Confidence::Unknown();
  return Confidence::FromPercent(static_cast<std::uint8_t>(std::lround(d)));
}

plate::Jurisdiction Region(std::string_view region) {
  if (region.empty()) return {};
  Result<plate::Jurisdiction> j = plate::Jurisdiction::Parse(region);
  return j.ok() ? *j : plate::Jurisdiction();
}

// At most `max` bytes of valid UTF-8 without control characters. Sanitizing
// can lengthen the text (an invalid byte becomes U+FFFD, three bytes), so the
// cut comes after it, at a character boundary.
std::string Clip(std::string_view s, std::size_t max) {
  std::string out = SanitizeUtf8(s.substr(0, max));
  if (out.size() > max) {
    std::size_t cut = max;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
  }
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return out;
}

void AddCandidates(const Value* list, const plate::Plate& chosen, Read* r) {
  if (list == nullptr || !list->IsArray()) return;
  for (const Value& c : list->GetArray()) {
    if (r->alternates.size() >= kMaxAlternates) break;
    Result<plate::Plate> p = plate::Plate::Parse(Str(Member(c, "plate")));
    if (!p.ok() || *p == chosen) continue;
    bool seen = false;
    for (const Alternate& a : r->alternates) seen = seen || a.plate == *p;
    if (!seen) r->alternates.push_back({*p, Percent(Member(c, "confidence"))});
  }
}

// The most confident {name, confidence} of a vehicle attribute list.
std::string Best(const Value* list) {
  if (list == nullptr || !list->IsArray()) return {};
  std::string best;
  double conf = -1;
  for (const Value& c : list->GetArray()) {
    const Value* n = Member(c, "name");
    const Value* k = Member(c, "confidence");
    const double kc = (k != nullptr && k->IsNumber()) ? k->GetDouble() : 0;
    if (n != nullptr && n->IsString() && kc > conf) {
      best = Clip(Str(n), kMaxAttributeBytes);
      conf = kc;
    }
  }
  return best;
}

// A base64 image field, decoded; empty when absent, not base64, or larger
// than any image the store keeps.
std::string Decoded(const Value* v) {
  const std::string_view s = Str(v);
  if (s.empty() || s.size() > (8u << 20)) return {};
  return Base64Decode(s).value_or(std::string());
}

Result<std::string> CameraOf(const Value& doc) {
  const Value* cam = Member(doc, "camera_id");
  if (cam == nullptr || !cam->IsInt64()) {
    return Status::InvalidArgument("camera_id: is required (a whole number)");
  }
  std::string_view who = Str(Member(doc, "agent_uid"));
  if (who.empty()) who = Str(Member(doc, "site_id"));
  if (who.empty()) return Status::InvalidArgument("site_id or agent_uid: one is required");
  std::string code = OpenAlprCameraCode(who, cam->GetInt64());
  // Short enough that "<camera>-<epoch ms>-<plate index>" fits a read id.
  if (code.size() > 64) {
    return Status::InvalidArgument("site_id or agent_uid: at most 50 bytes");
  }
  for (char c : code) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return Status::InvalidArgument("site_id or agent_uid: contains a control character");
    }
  }
  return code;
}

}  // namespace

std::string OpenAlprCameraCode(std::string_view site_or_agent, long long camera_id) {
  return fmt::format("{}-cam{}", site_or_agent, camera_id);
}

Result<OpenAlprMessage> ParseOpenAlpr(std::string_view json, std::string_view agency) {
  rapidjson::Document doc;
  if (Status s = json::Parse(json, &doc); !s.ok()) return s.WithContext("body: ");
  if (!doc.IsObject()) return Status::InvalidArgument("body: must be a JSON object");
  const std::string_view type = Str(Member(doc, "data_type"));
  OpenAlprMessage out;
  if (type == "heartbeat") {
    out.kind = OpenAlprMessage::Kind::kHeartbeat;
    const std::string_view agent = Str(Member(doc, "agent_uid"));
    if (agent.empty()) return Status::InvalidArgument("agent_uid: is required");
    out.agent_version = Clip(Str(Member(doc, "agent_version")), 64);
    if (const Value* streams = Member(doc, "video_streams"); streams && streams->IsArray()) {
      for (const Value& s : streams->GetArray()) {
        const Value* cam = Member(s, "camera_id");
        if (cam != nullptr && cam->IsInt64()) {
          out.cameras.push_back(OpenAlprCameraCode(Clip(agent, 64), cam->GetInt64()));
        }
      }
    }
    if (const Value* cam = Member(doc, "camera_id"); cam && cam->IsInt64()) {
      out.cameras.push_back(OpenAlprCameraCode(Clip(agent, 64), cam->GetInt64()));
    }
    return out;
  }
  if (type != "alpr_results" && type != "alpr_group") {
    return Status::InvalidArgument(
        "data_type: alpr_results, alpr_group or heartbeat (what the OpenALPR daemon and agent "
        "send)");
  }
  Result<std::string> camera = CameraOf(doc);
  if (!camera.ok()) return camera.status();

  if (type == "alpr_group") {
    out.kind = OpenAlprMessage::Kind::kGroup;
    Result<UnixMillis> t = EpochField(Member(doc, "epoch_start"), "epoch_start");
    if (!t.ok()) return t.status();
    const Value* best = Member(doc, "best_plate");
    std::string_view text = Str(Member(doc, "best_plate_number"));
    if (text.empty() && best != nullptr) text = Str(Member(*best, "plate"));
    Read r;
    r.agency = std::string(agency);
    r.camera = *camera;
    r.time = *t;
    Result<plate::Plate> p = plate::Plate::Parse(text);
    if (!p.ok()) {
      out.rejected.push_back({{"best_plate_number", p.status().message()}, 0});
      return out;
    }
    r.plate = *p;
    if (text != p->text() && text.size() <= 64) r.raw_plate = std::string(text);
    std::string_view uuid = Str(Member(doc, "best_uuid"));
    r.id = uuid.empty() ? fmt::format("{}-{}", *camera, *t) : Clip(uuid, kMaxIdBytes);
    r.plate_confidence = Percent(Member(doc, "best_confidence"));
    std::string_view region = Str(Member(doc, "best_region"));
    if (region.empty() && best != nullptr) region = Str(Member(*best, "region"));
    r.state = Region(region);
    r.state_confidence = Percent(Member(doc, "best_region_confidence"));
    AddCandidates(Member(doc, "candidates"), r.plate, &r);
    if (best != nullptr) AddCandidates(Member(*best, "candidates"), r.plate, &r);
    const Value* lat = Member(doc, "gps_latitude");
    const Value* lon = Member(doc, "gps_longitude");
    if (lat && lon && lat->IsNumber() && lon->IsNumber() && lat->GetDouble() != 0 &&
        lon->GetDouble() != 0 && std::fabs(lat->GetDouble()) <= 90 &&
        std::fabs(lon->GetDouble()) <= 180) {
      r.position = geo::Point::FromDegrees(lat->GetDouble(), lon->GetDouble());
    }
    if (const Value* dir = Member(doc, "travel_direction"); dir && dir->IsNumber()) {
      const double d = dir->GetDouble();
      if (d >= 0 && d <= 360) r.heading = static_cast<std::int16_t>(std::lround(d) % 360);
    }
    if (const Value* v = Member(doc, "vehicle"); v != nullptr) {
      r.vehicle.color = Best(Member(*v, "color"));
      r.vehicle.make = Best(Member(*v, "make"));
      r.vehicle.model = Best(Member(*v, "make_model"));
      r.vehicle.body = Best(Member(*v, "body_type"));
    }
    out.reads.push_back(std::move(r));
    // The agent puts the best plate's crop inside best_plate, the vehicle's beside it.
    out.sources.push_back({0, best != nullptr ? Decoded(Member(*best, "plate_crop_jpeg")) : "",
                           Decoded(Member(doc, "vehicle_crop_jpeg"))});
    return out;
  }

  Result<UnixMillis> t = EpochField(Member(doc, "epoch_time"), "epoch_time");
  if (!t.ok()) return t.status();
  const Value* results = Member(doc, "results");
  if (results == nullptr || !results->IsArray()) {
    return Status::InvalidArgument("results: is required (an array, one result per plate)");
  }
  const std::string_view uuid = Str(Member(doc, "uuid"));
  const std::string base =
      uuid.empty() ? fmt::format("{}-{}", *camera, *t) : Clip(uuid, kMaxIdBytes - 21);
  for (rapidjson::SizeType i = 0; i < results->Size(); ++i) {
    const Value& res = (*results)[i];
    const std::string field = fmt::format("results[{}]", i);
    if (!res.IsObject()) {
      out.rejected.push_back({{field, "must be an object"}, i});
      continue;
    }
    const std::string_view text = Str(Member(res, "plate"));
    Result<plate::Plate> p = plate::Plate::Parse(text);
    if (!p.ok()) {
      out.rejected.push_back({{field + ".plate", p.status().message()}, i});
      continue;
    }
    Read r;
    r.agency = std::string(agency);
    r.camera = *camera;
    r.time = *t;
    r.plate = *p;
    if (text != p->text() && text.size() <= 64) r.raw_plate = std::string(text);
    long long index = i;
    if (const Value* pi = Member(res, "plate_index"); pi && pi->IsInt64()) index = pi->GetInt64();
    r.id = fmt::format("{}-{}", base, index);
    r.plate_confidence = Percent(Member(res, "confidence"));
    r.state = Region(Str(Member(res, "region")));
    r.state_confidence = Percent(Member(res, "region_confidence"));
    AddCandidates(Member(res, "candidates"), r.plate, &r);
    out.reads.push_back(std::move(r));
    out.sources.push_back({i, Decoded(Member(res, "plate_crop_jpeg")), {}});
  }
  return out;
}

}  // namespace interdict::read
