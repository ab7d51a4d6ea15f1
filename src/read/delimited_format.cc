#include "read/delimited_format.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>

#include <fmt/core.h>

#include "base/delimited.h"
#include "base/time_format.h"
#include "base/time_zone.h"
#include "base/utf8.h"

namespace interdict::read {
namespace {

bool Number(std::string_view s, double* out) {
  s = TrimBlanks(s);
  if (s.empty()) return false;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && std::isfinite(*out);
}

bool Text(std::string_view v, const char* field, std::size_t max, std::string* out,
          ReadRejection* why) {
  v = TrimBlanks(v);
  if (v.size() > max) {
    *why = {field, fmt::format("is {} bytes long; at most {} allowed", v.size(), max)};
    return false;
  }
  if (FindInvalidUtf8(v) != std::string_view::npos) {
    *why = {field, "is not valid UTF-8"};
    return false;
  }
  for (char c : v) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      *why = {field, "contains a control character"};
      return false;
    }
  }
  *out = std::string(v);
  return true;
}

}  // namespace

Result<UnixMillis> UsPacificToUtc(int y, int mo, int d, int h, int mi, int s) {
  static const Result<TimeZone> pacific = TimeZone::Parse("America/Los_Angeles");
  if (!pacific.ok()) return pacific.status();
  return pacific->LocalToUtc(y, mo, d, h, mi, s);
}

Result<DelimitedReadParser> DelimitedReadParser::FromHeader(DelimitedFormat format,
                                                            std::string_view header,
                                                            std::string_view agency) {
  DelimitedReadParser p;
  p.format_ = format;
  p.delimiter_ = format == DelimitedFormat::kSeattle ? '|' : ',';
  p.agency_ = std::string(agency);
  if (header.size() >= 3 && header.substr(0, 3) == "\xEF\xBB\xBF") header.remove_prefix(3);
  std::string error;
  if (!SplitDelimited(header, p.delimiter_, &p.names_, &error)) {
    return Status::InvalidArgument(fmt::format("line 1: {}", error));
  }
  for (std::string& n : p.names_) n = AsciiLower(TrimBlanks(n));
  const std::vector<std::string_view> required =
      format == DelimitedFormat::kSeattle
          ? std::vector<std::string_view>{"dt", "device", "plate_hash", "lon", "lat"}
          : std::vector<std::string_view>{"id", "agency", "camera", "time", "plate"};
  for (std::string_view r : required) {
    if (p.Col(r) < 0) {
      return Status::InvalidArgument(fmt::format("line 1: the header has no '{}' column", r));
    }
  }
  if (format == DelimitedFormat::kSeattle && !IsAgencyCode(agency)) {
    return Status::InvalidArgument("--agency: an agency code is needed for a Seattle log");
  }
  return p;
}

int DelimitedReadParser::Col(std::string_view name) const {
  for (std::size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == name) return static_cast<int>(i);
  }
  return -1;
}

bool DelimitedReadParser::Parse(std::string_view line, Read* out, ReadRejection* why) const {
  std::vector<std::string> f;
  std::string error;
  if (!SplitDelimited(line, delimiter_, &f, &error)) {
    *why = {"", error};
    return false;
  }
  if (f.size() != names_.size()) {
    *why = {"", fmt::format("{} fields; the header names {}", f.size(), names_.size())};
    return false;
  }
  auto get = [&](std::string_view name) -> std::string_view {
    const int c = Col(name);
    return c < 0 ? std::string_view() : std::string_view(f[static_cast<std::size_t>(c)]);
  };
  *out = Read{};
  Read& r = *out;
  // Empty or "NA" (the Seattle log's word for unknown) is no position.
  auto absent = [](std::string_view v) {
    v = TrimBlanks(v);
    return v.empty() || v == "NA" || v == "na";
  };
  double lat = 0, lon = 0;
  const bool have_lat = Number(get("lat"), &lat), have_lon = Number(get("lon"), &lon);
  if (have_lat && have_lon) {
    if (std::fabs(lat) > 90 || std::fabs(lon) > 180) {
      *why = {"lat", "position outside -90..90, -180..180"};
      return false;
    }
    r.position = geo::Point::FromDegrees(lat, lon);
  } else if (!absent(get("lat")) || !absent(get("lon"))) {
    *why = {have_lat ? "lon" : "lat", "must be a number in degrees, with its partner"};
    return false;
  }

  if (format_ == DelimitedFormat::kSeattle) {
    r.agency = agency_;
    if (!Text(get("device"), "device", 96, &r.camera, why)) return false;
    if (r.camera.empty()) {
      *why = {"device", "is empty"};
      return false;
    }
    // "10/07/2021 - 16:30:51"
    const std::string_view dt = TrimBlanks(get("dt"));
    int mo = 0, d = 0, y = 0, h = 0, mi = 0, s = 0;
    char tail = 0;
    if (dt.size() != 21 || std::sscanf(std::string(dt).c_str(), "%2d/%2d/%4d - %2d:%2d:%2d%c", &mo,
                                       &d, &y, &h, &mi, &s, &tail) != 6) {
      *why = {"dt", "expected MM/DD/YYYY - HH:MM:SS"};
      return false;
    }
    Result<UnixMillis> t = UsPacificToUtc(y, mo, d, h, mi, s);
    if (!t.ok()) {
      *why = {"dt", t.status().message()};
      return false;
    }
    if (y < 2000 || y > 2098) {
      *why = {"dt", "outside the years 2000-2098"};
      return false;
    }
    r.time = *t;
    const std::string hash = AsciiLower(TrimBlanks(get("plate_hash")));
    if (hash.size() != 40 || hash.find_first_not_of("0123456789abcdef") != std::string::npos) {
      *why = {"plate_hash", "must be 40 hexadecimal characters"};
      return false;
    }
    // "H" and nine base-36 digits of the hash's first 64 bits.
    std::uint64_t v = std::stoull(hash.substr(0, 16), nullptr, 16);
    std::string pseudo = "H";
    for (int i = 0; i < 9; ++i) {
      pseudo.push_back("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[v % 36]);
      v /= 36;
    }
    r.plate = *plate::Plate::FromNormalized(pseudo);
    r.id = fmt::format("{}-{}-{}", r.camera, r.time, hash.substr(0, 12));
    return true;
  }

  if (!Text(get("id"), "id", kMaxIdBytes, &r.id, why)) return false;
  if (r.id.empty()) {
    *why = {"id", "is empty"};
    return false;
  }
  if (!Text(get("agency"), "agency", kMaxAgencyBytes, &r.agency, why)) return false;
  if (!IsAgencyCode(r.agency)) {
    *why = {"agency", "must be an agency code"};
    return false;
  }
  if (!Text(get("camera"), "camera", kMaxCameraBytes, &r.camera, why)) return false;
  if (r.camera.empty()) {
    *why = {"camera", "is empty"};
    return false;
  }
  const std::string_view time = TrimBlanks(get("time"));
  if (!time.empty() && time.find_first_not_of("0123456789") == std::string_view::npos) {
    const auto res = std::from_chars(time.data(), time.data() + time.size(), r.time);
    if (res.ec != std::errc()) r.time = -1;  // out of range: refused below
  } else {
    Result<UnixMillis> t = ParseRfc3339(time);
    if (!t.ok()) {
      *why = {"time", t.status().message()};
      return false;
    }
    r.time = *t;
  }
  if (r.time < 946'684'800'000LL || r.time >= 4'102'444'800'000LL) {
    *why = {"time", "outside the years 2000-2099 (epoch milliseconds or RFC 3339)"};
    return false;
  }
  const std::string_view raw = TrimBlanks(get("plate"));
  Result<plate::Plate> p = plate::Plate::Parse(raw);
  if (!p.ok()) {
    *why = {"plate", p.status().message()};
    return false;
  }
  r.plate = *p;
  if (raw != p->text()) r.raw_plate = std::string(raw);
  if (const std::string_view st = TrimBlanks(get("state")); !st.empty()) {
    Result<plate::Jurisdiction> j = plate::Jurisdiction::Parse(st);
    if (!j.ok()) {
      *why = {"state", j.status().message()};
      return false;
    }
    r.state = *j;
  }
  for (const auto& [name, dest] : {std::pair{"plate_confidence", &r.plate_confidence},
                                   std::pair{"state_confidence", &r.state_confidence}}) {
    const std::string_view v = TrimBlanks(get(name));
    if (v.empty()) continue;
    double c = 0;
    if (!Number(v, &c) || c < 0 || c > 1) {
      *why = {name, "must be a fraction from 0 to 1"};
      return false;
    }
    *dest = Confidence::FromFraction(c);
  }
  if (const std::string_view hd = TrimBlanks(get("heading")); !hd.empty()) {
    double deg = 0;
    if (!Number(hd, &deg) || deg < 0 || deg > 360) {
      *why = {"heading", "must be degrees from 0 to 360"};
      return false;
    }
    r.heading = static_cast<std::int16_t>(std::lround(deg) % 360);
  }
  for (const auto& [name, dest] :
       {std::pair{"make", &r.vehicle.make}, std::pair{"model", &r.vehicle.model},
        std::pair{"color", &r.vehicle.color}, std::pair{"body", &r.vehicle.body}}) {
    if (!Text(get(name), name, kMaxAttributeBytes, dest, why)) return false;
  }
  return true;
}

namespace {

// RFC 4180: a field with a comma, quote or line break is quoted.
void CsvField(std::string_view v, std::string* out) {
  out->push_back(',');
  if (v.find_first_of(",\"\r\n") == std::string_view::npos) {
    out->append(v);
    return;
  }
  out->push_back('"');
  for (char c : v) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

}  // namespace

std::string FormatCsvRead(const Read& r) {
  std::string out;
  out.reserve(128);
  CsvField(r.id, &out);
  out.erase(0, 1);  // no comma before the first field
  CsvField(r.agency, &out);
  CsvField(r.camera, &out);
  out += fmt::format(",{},{}", r.time, r.plate.text());
  CsvField(r.state.known() ? r.state.code() : "", &out);
  for (const Confidence c : {r.plate_confidence, r.state_confidence}) {
    out += c.known() ? fmt::format(",{:.2f}", c.fraction()) : ",";
  }
  out += r.position ? fmt::format(",{:.6f},{:.6f}", r.position->lat(), r.position->lon()) : ",,";
  out += r.heading >= 0 ? fmt::format(",{}", r.heading) : ",";
  for (const std::string* v :
       {&r.vehicle.make, &r.vehicle.model, &r.vehicle.color, &r.vehicle.body})
    CsvField(*v, &out);
  return out;
}

}  // namespace interdict::read
