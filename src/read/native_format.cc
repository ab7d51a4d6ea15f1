#include "read/native_format.h"

#include <cmath>

#include <fmt/core.h>
#include <rapidjson/document.h>

#include "base/json.h"
#include "base/json_writer.h"
#include "base/time_format.h"
#include "base/utf8.h"

namespace interdict::read {
namespace {

using rapidjson::Value;

struct Parser {
  ReadRejection* why;

  bool Fail(std::string field, std::string message) {
    why->field = std::move(field);
    why->message = std::move(message);
    return false;
  }

  // A string of 1..max bytes of valid UTF-8 without control characters.
  bool Text(const Value& v, const std::string& field, std::size_t max, bool allow_empty,
            std::string* out) {
    if (!v.IsString()) return Fail(field, "must be a string");
    const std::string_view s(v.GetString(), v.GetStringLength());
    if (s.empty() && !allow_empty) return Fail(field, "must not be empty");
    if (s.size() > max) {
      return Fail(field, fmt::format("is {} bytes long; at most {} allowed", s.size(), max));
    }
    if (const std::size_t bad = FindInvalidUtf8(s); bad != std::string_view::npos) {
      return Fail(field, fmt::format("is not valid UTF-8 (byte {})", bad));
    }
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (static_cast<unsigned char>(s[i]) < 0x20 || s[i] == 0x7f) {
        return Fail(field, fmt::format("contains a control character at byte {}", i));
      }
    }
    *out = std::string(s);
    return true;
  }

  bool Fraction(const Value& v, const std::string& field, Confidence* out) {
    if (!v.IsNumber()) return Fail(field, "must be a number from 0 to 1");
    const double d = v.GetDouble();
    if (!(d >= 0.0 && d <= 1.0)) {
      return Fail(field, fmt::format("{} is outside 0..1 (confidences are fractions)", d));
    }
    *out = Confidence::FromFraction(d);
    return true;
  }

  bool Time(const Value& v, UnixMillis* out) {
    if (v.IsString()) {
      Result<UnixMillis> t = ParseRfc3339(std::string_view(v.GetString(), v.GetStringLength()));
      if (!t.ok()) return Fail("time", t.status().message());
      *out = *t;
    } else if (v.IsInt64()) {
      const std::int64_t ms = v.GetInt64();
      if (ms < 100'000'000'000LL) {
        return Fail("time", fmt::format("{} looks like seconds; native time is epoch milliseconds "
                                        "or RFC 3339",
                                        ms));
      }
      *out = ms;
    } else {
      return Fail("time", "must be an RFC 3339 string or epoch milliseconds");
    }
    // Years 2000..2099: anything else is a clock or unit error upstream.
    if (*out < 946'684'800'000LL || *out >= 4'102'444'800'000LL) {
      return Fail("time", fmt::format("{} is outside the years 2000-2099", FormatRfc3339(*out)));
    }
    return true;
  }

  bool PlateField(const Value& v, const std::string& field, plate::Plate* out, std::string* raw) {
    if (!v.IsString()) return Fail(field, "must be a string");
    const std::string_view s(v.GetString(), v.GetStringLength());
    Result<plate::Plate> p = plate::Plate::Parse(s);
    if (!p.ok()) return Fail(field, p.status().message());
    *out = *p;
    if (raw != nullptr) *raw = (s == p->text()) ? std::string() : std::string(s);
    return true;
  }

  bool Alternates(const Value& v, Read* r) {
    if (!v.IsArray()) return Fail("alternates", "must be an array");
    if (v.Size() > kMaxAlternates) {
      return Fail("alternates",
                  fmt::format("has {} entries; at most {} allowed", v.Size(), kMaxAlternates));
    }
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      const std::string base = fmt::format("alternates[{}]", i);
      const Value& a = v[i];
      if (!a.IsObject()) return Fail(base, "must be an object {plate, confidence}");
      Alternate alt;
      bool have_plate = false;
      for (auto m = a.MemberBegin(); m != a.MemberEnd(); ++m) {
        const std::string_view k(m->name.GetString(), m->name.GetStringLength());
        if (k == "plate") {
          if (!PlateField(m->value, base + ".plate", &alt.plate, nullptr)) return false;
          have_plate = true;
        } else if (k == "confidence") {
          if (!Fraction(m->value, base + ".confidence", &alt.confidence)) return false;
        } else {
          return Fail(base + "." + std::string(k), "unknown field");
        }
      }
      if (!have_plate) return Fail(base + ".plate", "is required");
      r->alternates.push_back(alt);
    }
    return true;
  }

  bool Vehicle(const Value& v, VehicleAttributes* out) {
    if (!v.IsObject()) return Fail("vehicle", "must be an object {make, model, color, body}");
    for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
      const std::string k(m->name.GetString(), m->name.GetStringLength());
      std::string* dest = k == "make"    ? &out->make
                          : k == "model" ? &out->model
                          : k == "color" ? &out->color
                          : k == "body"  ? &out->body
                                         : nullptr;
      if (dest == nullptr) return Fail("vehicle." + k, "unknown field");
      if (!Text(m->value, "vehicle." + k, kMaxAttributeBytes, true, dest)) return false;
    }
    return true;
  }

  bool Images(const Value& v, Read* r) {
    if (!v.IsObject()) return Fail("images", "must be an object {plate, overview}");
    for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
      const std::string k(m->name.GetString(), m->name.GetStringLength());
      std::string* dest = k == "plate"      ? &r->plate_image
                          : k == "overview" ? &r->overview_image
                                            : nullptr;
      if (dest == nullptr) return Fail("images." + k, "unknown field");
      if (!Text(m->value, "images." + k, kMaxImageRefBytes, false, dest)) return false;
    }
    return true;
  }

  bool Parse(const Value& doc, Read* r) {
    if (!doc.IsObject()) return Fail("", "a read must be a JSON object");
    bool have_lat = false, have_lon = false, have_id = false, have_agency = false,
         have_camera = false, have_time = false, have_plate = false;
    double lat = 0, lon = 0;
    for (auto m = doc.MemberBegin(); m != doc.MemberEnd(); ++m) {
      const std::string k(m->name.GetString(), m->name.GetStringLength());
      const Value& v = m->value;
      if (v.IsNull()) continue;  // null means absent
      if (k == "id") {
        if (!Text(v, k, kMaxIdBytes, false, &r->id)) return false;
        have_id = true;
      } else if (k == "agency") {
        if (!Text(v, k, kMaxAgencyBytes, false, &r->agency)) return false;
        if (!IsAgencyCode(r->agency)) {
          return Fail(k,
                      "must be letters, digits, '_', '-' or '.' (an agency code such as an ORI)");
        }
        have_agency = true;
      } else if (k == "camera") {
        if (!Text(v, k, kMaxCameraBytes, false, &r->camera)) return false;
        have_camera = true;
      } else if (k == "time") {
        if (!Time(v, &r->time)) return false;
        have_time = true;
      } else if (k == "plate") {
        if (!PlateField(v, k, &r->plate, &r->raw_plate)) return false;
        have_plate = true;
      } else if (k == "state") {
        if (!v.IsString()) return Fail(k, "must be a string such as \"MO\" or \"us-mo\"");
        Result<plate::Jurisdiction> j =
            plate::Jurisdiction::Parse(std::string_view(v.GetString(), v.GetStringLength()));
        if (!j.ok()) return Fail(k, j.status().message());
        r->state = *j;
      } else if (k == "state_confidence") {
        if (!Fraction(v, k, &r->state_confidence)) return false;
      } else if (k == "plate_confidence") {
        if (!Fraction(v, k, &r->plate_confidence)) return false;
      } else if (k == "lat" || k == "lon") {
        if (!v.IsNumber()) return Fail(k, "must be a number in degrees");
        const double d = v.GetDouble();
        const double limit = k == "lat" ? 90.0 : 180.0;
        if (!(d >= -limit && d <= limit)) {
          return Fail(k, fmt::format("{} is outside -{}..{}", d, limit, limit));
        }
        (k == "lat" ? lat : lon) = d;
        (k == "lat" ? have_lat : have_lon) = true;
      } else if (k == "heading") {
        if (!v.IsNumber()) return Fail(k, "must be a number of degrees from 0 to 360");
        const double d = v.GetDouble();
        if (!(d >= 0.0 && d <= 360.0)) return Fail(k, fmt::format("{} is outside 0..360", d));
        r->heading = static_cast<std::int16_t>(std::lround(d) % 360);
      } else if (k == "alternates") {
        if (!Alternates(v, r)) return false;
      } else if (k == "vehicle") {
        if (!Vehicle(v, &r->vehicle)) return false;
      } else if (k == "images") {
        if (!Images(v, r)) return false;
      } else {
        return Fail(k, "unknown field");
      }
    }
    if (!have_id) return Fail("id", "is required");
    if (!have_agency) return Fail("agency", "is required");
    if (!have_camera) return Fail("camera", "is required");
    if (!have_time) return Fail("time", "is required");
    if (!have_plate) return Fail("plate", "is required");
    if (have_lat != have_lon) return Fail(have_lat ? "lon" : "lat", "lat and lon come together");
    if (have_lat) r->position = geo::Point::FromDegrees(lat, lon);
    return true;
  }
};

}  // namespace

bool ParseNativeRead(std::string_view json, Read* out, ReadRejection* why) {
  rapidjson::Document doc;
  if (Status s = json::Parse(json, &doc); !s.ok()) {
    why->field.clear();
    why->message = s.message();
    return false;
  }
  *out = Read{};
  Parser p{why};
  return p.Parse(doc, out);
}

void WriteNativeReadMembers(json::Writer& w, const Read& r) {
  json::Members(w, "id", r.id, "agency", r.agency, "camera", r.camera, "time",
                FormatRfc3339(r.time), "plate",
                r.raw_plate.empty() ? r.plate.text() : std::string_view(r.raw_plate));
  if (r.state.known()) json::Members(w, "state", r.state.code());
  if (r.state_confidence.known())
    json::Members(w, "state_confidence", r.state_confidence.fraction());
  if (r.plate_confidence.known())
    json::Members(w, "plate_confidence", r.plate_confidence.fraction());
  if (r.position) json::Members(w, "lat", r.position->lat(), "lon", r.position->lon());
  if (r.heading >= 0) json::Members(w, "heading", r.heading);
  if (!r.alternates.empty()) {
    json::Key(w, "alternates");
    w.StartArray();
    for (const Alternate& a : r.alternates) {
      w.StartObject();
      json::Members(w, "plate", a.plate.text());
      if (a.confidence.known()) json::Members(w, "confidence", a.confidence.fraction());
      w.EndObject();
    }
    w.EndArray();
  }
  // Objects only when they have something to say, and then only what they say.
  auto object = [&](std::string_view key,
                    std::initializer_list<std::pair<const char*, const std::string*>> fields) {
    json::Key(w, key);
    w.StartObject();
    for (const auto& [k, v] : fields) {
      if (!v->empty()) json::Members(w, k, *v);
    }
    w.EndObject();
  };
  if (!r.vehicle.empty()) {
    object("vehicle", {{"make", &r.vehicle.make},
                       {"model", &r.vehicle.model},
                       {"color", &r.vehicle.color},
                       {"body", &r.vehicle.body}});
  }
  if (!r.plate_image.empty() || !r.overview_image.empty())
    object("images", {{"plate", &r.plate_image}, {"overview", &r.overview_image}});
}

std::string FormatNativeRead(const Read& r) {
  return json::Write([&](json::Writer& w) {
    w.StartObject();
    WriteNativeReadMembers(w, r);
    w.EndObject();
  });
}

}  // namespace interdict::read
