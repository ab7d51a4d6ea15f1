#include "hotlist/formats.h"

#include <algorithm>
#include <cctype>

#include <fmt/core.h>
#include <rapidjson/document.h>

#include "base/delimited.h"
#include "base/json.h"
#include "base/json_writer.h"
#include "base/time_format.h"
#include "base/utf8.h"

namespace interdict::hotlist {
namespace {

// Field checks shared by every format. Each returns an error message naming
// the field, or an empty string.
std::string CheckText(std::string_view field, std::string_view v, std::size_t max) {
  if (v.size() > max)
    return fmt::format("{}: {} bytes long; at most {} allowed", field, v.size(), max);
  if (const std::size_t bad = FindInvalidUtf8(v); bad != std::string_view::npos) {
    return fmt::format("{}: not valid UTF-8 (byte {})", field, bad);
  }
  for (std::size_t i = 0; i < v.size(); ++i) {
    const auto c = static_cast<unsigned char>(v[i]);
    if (c < 0x20 || c == 0x7f) return fmt::format("{}: control character at byte {}", field, i);
  }
  return {};
}

std::string SetText(std::string_view field, std::string_view v, std::size_t max, std::string* out) {
  v = TrimBlanks(v);
  std::string err = CheckText(field, v, max);
  if (err.empty()) *out = std::string(v);
  return err;
}

std::string SetPlate(std::string_view v, Entry* e) {
  Result<plate::Plate> p = plate::Plate::Parse(TrimBlanks(v));
  if (!p.ok()) return fmt::format("plate: {}", p.status().message());
  e->plate = *p;
  return {};
}

std::string SetState(std::string_view v, Entry* e) {
  v = TrimBlanks(v);
  if (v.empty()) return {};
  Result<plate::Jurisdiction> j = plate::Jurisdiction::Parse(v);
  if (!j.ok()) return fmt::format("state: {}", j.status().message());
  e->state = *j;
  return {};
}

std::string SetYear(std::string_view field, std::string_view v, int* out) {
  v = TrimBlanks(v);
  if (v.empty() || v == "0000") return {};
  int y = 0;
  for (char c : v) {
    if (c < '0' || c > '9' || v.size() != 4) {
      return fmt::format("{}: '{}' is not a four-digit year", field, SanitizeUtf8(v));
    }
    y = y * 10 + (c - '0');
  }
  if (y < 1900 || y > 2100) return fmt::format("{}: {} is outside 1900-2100", field, y);
  *out = y;
  return {};
}

std::string SetDate(std::string_view field, std::string_view v, UnixMillis* out) {
  v = TrimBlanks(v);
  if (v.empty()) return {};
  Result<UnixMillis> t = v.size() > 10 ? ParseRfc3339(v) : ParseDate(v);
  if (!t.ok()) return fmt::format("{}: {}", field, t.status().message());
  *out = *t;
  return {};
}

std::string SetKind(char code, Entry* e) {
  const std::string k(1, code);
  const KindInfo* info = FindKind(k);
  if (info == nullptr || info->code == kCustomKind) {
    return fmt::format("list code: '{}' is not an NCIC file code (A F W V P M C H K L R T X I)",
                       SanitizeUtf8(k));
  }
  e->kind = k;
  return {};
}

// Runs the checks in order and stops at the first error.
template <typename... Checks>
std::string FirstError(Checks&&... checks) {
  std::string err;
  ((err.empty() ? (void)(err = checks()) : (void)0), ...);
  return err;
}

void Reject(ParsedList* out, std::size_t line, std::string error) {
  out->rejected.push_back(Rejection{line, std::nullopt, std::move(error)});
}

// The NCIC LPR extract: fixed width, a header line first (FORMATS.md).
ParsedList ParseNcic(std::string_view text) {
  ParsedList out;
  LineCursor lines(text);
  std::string_view line;
  if (!lines.Next(&line)) return out;  // empty file: no header, no entries
  while (lines.Next(&line)) {
    if (TrimBlanks(line).empty()) continue;
    const std::size_t n = lines.line_number();
    if (line.size() < 39) {
      Reject(&out, n,
             fmt::format("line: {} characters; an NCIC record has at least 39 (through "
                         "the plate state at 37-38)",
                         line.size()));
      continue;
    }
    auto col = [&](std::size_t from, std::size_t to) {
      if (from >= line.size()) return std::string_view();
      return line.substr(from, std::min(to, line.size()) - from);
    };
    Entry e;
    std::string err = FirstError(
        [&] { return CheckText("line", line, 4096); }, [&] { return SetKind(line[0], &e); },
        [&] { return SetText("record id", col(0, 10), kMaxCodeBytes, &e.record_id); },
        [&] { return SetText("originating agency", col(10, 19), kMaxCodeBytes, &e.originating); },
        [&] { return SetDate("incident date", col(19, 27), &e.incident_date); },
        [&] { return SetPlate(col(27, 37), &e); }, [&] { return SetState(col(37, 39), &e); },
        [&] { return SetYear("tag year", col(39, 43), &e.tag_year); },
        [&] { return SetYear("vehicle year", col(45, 49), &e.vehicle_year); },
        [&] { return SetText("make", col(49, 53), kMaxCodeBytes, &e.make); },
        [&] { return SetText("model", col(53, 56), kMaxCodeBytes, &e.model); },
        [&] { return SetText("body", col(56, 58), kMaxCodeBytes, &e.body); },
        [&] { return SetText("color", col(58, std::string_view::npos), kMaxCodeBytes, &e.color); });
    if (!err.empty()) {
      Reject(&out, n, std::move(err));
    } else {
      out.entries.push_back(std::move(e));
    }
  }
  return out;
}

// The state CSV variant: record id (first character = list code),
// originating record id, date, plate, state, registration year, vehicle
// year, make, model, body, color. A header line is recognized by a field
// named "plate" and skipped.
ParsedList ParseStateCsv(std::string_view text) {
  ParsedList out;
  LineCursor lines(text);
  std::string_view line;
  std::vector<std::string> f;
  std::string split_error;
  while (lines.Next(&line)) {
    if (TrimBlanks(line).empty()) continue;
    const std::size_t n = lines.line_number();
    if (!SplitDelimited(line, ',', &f, &split_error)) {
      Reject(&out, n, split_error);
      continue;
    }
    if (n == 1 && std::any_of(f.begin(), f.end(), [](const std::string& s) {
          return AsciiLower(TrimBlanks(s)).find("plate") != std::string::npos;
        })) {
      continue;
    }
    if (f.size() != 11) {
      Reject(&out, n,
             fmt::format("line: {} fields; the state CSV has 11 (record id, originating "
                         "id, date, plate, state, registration year, vehicle year, make, "
                         "model, body, color)",
                         f.size()));
      continue;
    }
    Entry e;
    std::string err = FirstError(
        [&] {
          const std::string_view id = TrimBlanks(f[0]);
          return id.empty() ? std::string("record id: empty") : SetKind(id[0], &e);
        },
        [&] { return SetText("record id", f[0], kMaxCodeBytes, &e.record_id); },
        [&] { return SetText("originating id", f[1], kMaxCodeBytes, &e.originating); },
        [&] { return SetDate("date", f[2], &e.incident_date); }, [&] { return SetPlate(f[3], &e); },
        [&] { return SetState(f[4], &e); },
        [&] { return SetYear("registration year", f[5], &e.tag_year); },
        [&] { return SetYear("vehicle year", f[6], &e.vehicle_year); },
        [&] { return SetText("make", f[7], kMaxCodeBytes, &e.make); },
        [&] { return SetText("model", f[8], kMaxCodeBytes, &e.model); },
        [&] { return SetText("body", f[9], kMaxCodeBytes, &e.body); },
        [&] { return SetText("color", f[10], kMaxCodeBytes, &e.color); });
    if (!err.empty()) {
      Reject(&out, n, std::move(err));
    } else {
      out.entries.push_back(std::move(e));
    }
  }
  return out;
}

// Genetec-style delimited text: a header naming the columns, PlateNumber
// required; the delimiter is the first of , ; | or tab found in the header.
// A custom entry says why and for which case (GOVERNANCE 17: lists named
// "personal" were found in one county's audit).
std::string CustomEntryMissing(const Entry& e) {
  if (e.reason.empty()) return "reason: required for a custom entry (why the vehicle is wanted)";
  if (e.case_number.empty()) return "case_number: required for a custom entry";
  return {};
}

Result<ParsedList> ParseGenetec(std::string_view text, std::string_view kind) {
  ParsedList out;
  LineCursor lines(text);
  std::string_view header;
  if (!lines.Next(&header)) {
    return Status::InvalidArgument(
        "line 1: empty file; a Genetec list starts with a header line "
        "naming PlateNumber");
  }
  if (header.size() >= 3 && header.substr(0, 3) == "\xEF\xBB\xBF") header.remove_prefix(3);
  const std::size_t d = header.find_first_of(",;|\t");
  const char delim = d == std::string_view::npos ? ',' : header[d];
  std::vector<std::string> names;
  std::string split_error;
  if (!SplitDelimited(header, delim, &names, &split_error)) {
    return Status::InvalidArgument(fmt::format("line 1: {}", split_error));
  }
  int plate_col = -1;
  std::vector<std::string> keys;
  for (std::size_t i = 0; i < names.size(); ++i) {
    keys.push_back(AsciiLower(TrimBlanks(names[i])));
    if (keys.back() == "platenumber") plate_col = static_cast<int>(i);
  }
  if (plate_col < 0) {
    return Status::InvalidArgument("line 1: the header has no PlateNumber column (it is required)");
  }
  std::vector<std::string> f;
  std::string_view line;
  while (lines.Next(&line)) {
    if (TrimBlanks(line).empty()) continue;
    const std::size_t n = lines.line_number();
    if (!SplitDelimited(line, delim, &f, &split_error)) {
      Reject(&out, n, split_error);
      continue;
    }
    if (f.size() != keys.size()) {
      Reject(&out, n, fmt::format("line: {} fields; the header names {}", f.size(), keys.size()));
      continue;
    }
    Entry e;
    e.kind = std::string(kind);
    std::string err = SetPlate(f[static_cast<std::size_t>(plate_col)], &e);
    std::string extra;
    for (std::size_t i = 0; i < f.size() && err.empty(); ++i) {
      const std::string& k = keys[i];
      const std::string_view v = f[i];
      if (k == "platenumber" || TrimBlanks(v).empty()) continue;
      if (k == "platestate" || k == "state") {
        err = SetState(v, &e);
      } else if (k == "expirydate" || k == "expiry") {
        err = SetDate(names[i], v, &e.expires_at);
      } else if (k == "make" || k == "vehiclemake") {
        err = SetText(names[i], v, kMaxCodeBytes, &e.make);
      } else if (k == "model" || k == "vehiclemodel") {
        err = SetText(names[i], v, kMaxCodeBytes, &e.model);
      } else if (k == "color" || k == "colour" || k == "vehiclecolor") {
        err = SetText(names[i], v, kMaxCodeBytes, &e.color);
      } else if (k == "reason" || k == "category" || k == "alert") {
        err = SetText(names[i], v, kMaxTextBytes, &e.reason);
      } else if (k == "casenumber" || k == "case") {
        err = SetText(names[i], v, kMaxTextBytes, &e.case_number);
      } else if (k == "permitid" || k == "id") {
        err = SetText(names[i], v, kMaxCodeBytes, &e.record_id);
      } else {
        // Further attributes are kept as "Name=value" in the note.
        err = CheckText(names[i], TrimBlanks(v), kMaxTextBytes);
        if (err.empty()) {
          if (!extra.empty()) extra += "; ";
          extra += fmt::format("{}={}", SanitizeUtf8(TrimBlanks(names[i])), TrimBlanks(v));
        }
      }
    }
    if (err.empty()) err = CheckText("attributes", extra, kMaxTextBytes);
    if (err.empty()) err = CustomEntryMissing(e);
    if (!err.empty()) {
      Reject(&out, n, std::move(err));
      continue;
    }
    e.note = std::move(extra);
    out.entries.push_back(std::move(e));
  }
  return out;
}

// {"entries": [{"plate": ..., ...}]}. Flock's custom-entry names
// (caseNumber, expiry) are accepted beside Interdict's own.
Result<ParsedList> ParseJson(std::string_view text, std::string_view kind) {
  rapidjson::Document doc;
  if (Status s = json::Parse(text, &doc, {.max_bytes = kMaxFileBytes}); !s.ok()) return s;
  if (!doc.IsObject() || !doc.HasMember("entries") || !doc["entries"].IsArray()) {
    return Status::InvalidArgument("byte 0: a JSON hotlist is an object {\"entries\": [...]}");
  }
  ParsedList out;
  const auto& arr = doc["entries"];
  for (rapidjson::SizeType i = 0; i < arr.Size(); ++i) {
    const auto& o = arr[i];
    auto reject = [&](std::string err) { out.rejected.push_back(Rejection{0, i, std::move(err)}); };
    if (!o.IsObject()) {
      reject("entry: must be an object");
      continue;
    }
    Entry e;
    e.kind = std::string(kind);
    bool have_plate = false;
    std::string err;
    for (auto m = o.MemberBegin(); m != o.MemberEnd() && err.empty(); ++m) {
      const std::string_view k(m->name.GetString(), m->name.GetStringLength());
      const auto& v = m->value;
      if (k == "vehicle_year") {
        if (!v.IsInt() || v.GetInt() < 1900 || v.GetInt() > 2100) {
          err = "vehicle_year: must be a year from 1900 to 2100";
        } else {
          e.vehicle_year = v.GetInt();
        }
        continue;
      }
      if (!v.IsString()) {
        err = fmt::format("{}: must be a string", SanitizeUtf8(k));
        continue;
      }
      const std::string_view s(v.GetString(), v.GetStringLength());
      if (k == "plate") {
        err = SetPlate(s, &e);
        have_plate = true;
      } else if (k == "state") {
        err = SetState(s, &e);
      } else if (k == "reason") {
        err = SetText(k, s, kMaxTextBytes, &e.reason);
      } else if (k == "case_number" || k == "caseNumber") {
        err = SetText(k, s, kMaxTextBytes, &e.case_number);
      } else if (k == "note") {
        err = SetText(k, s, kMaxTextBytes, &e.note);
      } else if (k == "expires_at" || k == "expiry") {
        err = SetDate(k, s, &e.expires_at);
      } else if (k == "record_id") {
        err = SetText(k, s, kMaxCodeBytes, &e.record_id);
      } else if (k == "make") {
        err = SetText(k, s, kMaxCodeBytes, &e.make);
      } else if (k == "model") {
        err = SetText(k, s, kMaxCodeBytes, &e.model);
      } else if (k == "color") {
        err = SetText(k, s, kMaxCodeBytes, &e.color);
      } else if (k == "body") {
        err = SetText(k, s, kMaxCodeBytes, &e.body);
      } else {
        err = fmt::format("{}: unknown field", SanitizeUtf8(k));
      }
    }
    if (err.empty() && !have_plate) err = "plate: is required";
    if (err.empty()) err = CustomEntryMissing(e);
    if (!err.empty()) {
      reject(std::move(err));
      continue;
    }
    out.entries.push_back(std::move(e));
  }
  return out;
}

}  // namespace

Result<Format> ParseFormat(std::string_view name) {
  if (name == "ncic") return Format::kNcic;
  if (name == "csv") return Format::kCsv;
  if (name == "genetec") return Format::kGenetec;
  if (name == "json") return Format::kJson;
  return Status::InvalidArgument(fmt::format(
      "unknown hotlist format '{}': use ncic, csv, genetec or json", SanitizeUtf8(name)));
}

std::string_view FormatName(Format f) {
  switch (f) {
    case Format::kNcic: return "ncic";
    case Format::kCsv: return "csv";
    case Format::kGenetec: return "genetec";
    case Format::kJson: return "json";
  }
  return "?";
}

bool CarriesKind(Format f) {
  return f == Format::kNcic || f == Format::kCsv;
}

Result<ParsedList> ParseList(Format format, std::string_view text, std::string_view custom_kind) {
  if (text.size() > kMaxFileBytes) {
    return Status::InvalidArgument(
        fmt::format("byte {}: a hotlist file of {} bytes exceeds the limit of {} bytes",
                    kMaxFileBytes, text.size(), kMaxFileBytes));
  }
  switch (format) {
    case Format::kNcic: return ParseNcic(text);
    case Format::kCsv: return ParseStateCsv(text);
    case Format::kGenetec: return ParseGenetec(text, custom_kind);
    case Format::kJson: return ParseJson(text, custom_kind);
  }
  return Status::InvalidArgument("unknown hotlist format");
}

void WriteRejections(json::Writer& w, const std::vector<Rejection>& rejected) {
  w.StartArray();
  for (const Rejection& r : rejected) {
    w.StartObject();
    if (r.index) {
      json::Members(w, "index", *r.index);
    } else {
      json::Members(w, "line", r.line);
    }
    // The error may quote the file, which need not be UTF-8.
    json::Members(w, "error", SanitizeUtf8(r.error));
    w.EndObject();
  }
  w.EndArray();
}

std::string CheckReportJson(const ParsedList& list) {
  std::map<std::string, std::size_t> by_kind;
  for (const Entry& e : list.entries) ++by_kind[e.kind];
  return json::Write([&](json::Writer& w) {
    w.StartObject();
    json::Members(w, "entries", list.entries.size());
    json::Key(w, "by_kind");
    w.StartObject();
    for (const auto& [k, n] : by_kind) json::Members(w, k, n);
    w.EndObject();
    json::Key(w, "rejected");
    WriteRejections(w, list.rejected);
    w.EndObject();
  });
}

}  // namespace interdict::hotlist
