#include "search/search.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <span>
#include <tuple>

#include <fmt/core.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "audit/audit.h"
#include "base/base64.h"
#include "base/json_escape.h"
#include "base/time_format.h"
#include "match/matcher.h"
#include "policy/sharing.h"
#include "read/native_format.h"

namespace interdict::search {
namespace {

using rapidjson::Value;

Status Bad(std::string_view param, std::string_view why) {
  return Status::InvalidArgument(fmt::format("{}: {}", param, why));
}

Result<std::string> Str(const Value& o, const char* name, bool required) {
  auto it = o.FindMember(name);
  if (it == o.MemberEnd() || it->value.IsNull()) {
    if (required) return Bad(name, "is required");
    return std::string();
  }
  if (!it->value.IsString()) return Bad(name, "must be a string");
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

Result<std::optional<double>> Num(const Value& o, const char* name) {
  auto it = o.FindMember(name);
  if (it == o.MemberEnd() || it->value.IsNull()) return std::optional<double>();
  if (!it->value.IsNumber()) return Bad(name, "must be a number");
  return std::optional<double>(it->value.GetDouble());
}

Result<std::int64_t> Time(const Value& o, const char* name, std::int64_t fallback) {
  Result<std::string> s = Str(o, name, false);
  if (!s.ok()) return s.status();
  if (s->empty()) return fallback;
  Result<UnixMillis> t = ParseRfc3339(*s);
  if (!t.ok()) return Bad(name, t.status().message());
  return *t;
}

const Value* Object(const Value& o, const char* name) {
  auto it = o.FindMember(name);
  if (it == o.MemberEnd() || !it->value.IsObject()) return nullptr;
  return &it->value;
}

bool Same(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) ==
                  std::toupper(static_cast<unsigned char>(y));
         });
}

}  // namespace

Result<Request> ParseRequest(std::string_view json, std::int64_t now) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(json.data(), json.size());
  if (doc.HasParseError()) {
    return Status::InvalidArgument(fmt::format("body: invalid JSON at byte {}: {}",
                                               doc.GetErrorOffset(),
                                               rapidjson::GetParseError_En(doc.GetParseError())));
  }
  if (!doc.IsObject()) return Bad("body", "must be a JSON object");
  Request r;
  Result<std::string> type = Str(doc, "type", true);
  if (!type.ok()) return type.status();
  r.type = *type;
  if (r.type != "plate" && r.type != "partial" && r.type != "area" && r.type != "lookalike") {
    return Bad("type",
               "plate, partial, lookalike or area (the pattern analyses are not built yet)");
  }
  static const Value kEmpty(rapidjson::kObjectType);
  const Value& params = Object(doc, "params") ? *Object(doc, "params") : kEmpty;
  const Value& filters = Object(doc, "filters") ? *Object(doc, "filters") : kEmpty;
  const Value* purpose = Object(doc, "purpose");
  if (purpose == nullptr)
    return Bad("purpose", "is required: {code, case, offense, justification}");

  Result<std::string> state = Str(params, "state", false);
  if (!state.ok()) return state.status();
  if (!state->empty()) {
    Result<plate::Jurisdiction> j = plate::Jurisdiction::Parse(*state);
    if (!j.ok()) return Bad("params.state", j.status().message());
    r.state = *j;
  }
  if (r.type == "plate" || r.type == "lookalike") {
    Result<std::string> p = Str(params, "plate", true);
    if (!p.ok()) return Bad("params.plate", "is required");
    Result<plate::Plate> parsed = plate::Plate::Parse(*p);
    if (!parsed.ok()) return Bad("params.plate", parsed.status().message());
    r.plate = *parsed;
  } else if (r.type == "partial") {
    Result<std::string> p = Str(params, "pattern", true);
    if (!p.ok()) return Bad("params.pattern", "is required, e.g. \"7?K3*\"");
    std::string text;
    for (char c : *p) {
      if (c == ' ' || c == '-') continue;
      text.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }
    if (text.find_first_not_of("?*") == std::string::npos) {
      return Bad("params.pattern", "needs at least one letter or digit");
    }
    if (text.find_first_of("?*") == std::string::npos) text = "*" + text + "*";  // a substring
    Result<store::PlatePattern> pattern = store::PlatePattern::Parse(text);
    if (!pattern.ok()) return Bad("params.pattern", pattern.status().message());
    r.pattern = *pattern;
  } else {
    const Value* center = Object(params, "center");
    if (center == nullptr) return Bad("params.center", "is required: {lat, lon}");
    Result<std::optional<double>> lat = Num(*center, "lat");
    Result<std::optional<double>> lon = Num(*center, "lon");
    if (!lat.ok() || !*lat || !(**lat >= -90 && **lat <= 90)) {
      return Bad("params.center.lat", "a number from -90 to 90");
    }
    if (!lon.ok() || !*lon || !(**lon >= -180 && **lon <= 180)) {
      return Bad("params.center.lon", "a number from -180 to 180");
    }
    r.center = read::GeoPoint::FromDegrees(**lat, **lon);
    Result<std::optional<double>> radius = Num(params, "radius_m");
    if (!radius.ok() || !*radius || !(**radius >= 10 && **radius <= 50'000)) {
      return Bad("params.radius_m", "a number of metres from 10 to 50000");
    }
    r.radius_m = **radius;
  }

  Result<std::int64_t> to = Time(filters, "to", now);
  if (!to.ok()) return Bad("filters.to", to.status().message());
  Result<std::int64_t> from = Time(filters, "from", *to - policy::kDefaultMaxSpanMs);
  if (!from.ok()) return Bad("filters.from", from.status().message());
  if (*from >= *to) return Bad("filters.from", "must be before filters.to");
  r.from = *from;
  r.to = *to;
  for (const char* list : {"agencies", "cameras"}) {
    auto it = filters.FindMember(list);
    if (it == filters.MemberEnd()) continue;
    if (!it->value.IsArray()) return Bad(fmt::format("filters.{}", list), "must be an array");
    for (const Value& v : it->value.GetArray()) {
      if (!v.IsString() || v.GetStringLength() == 0) {
        return Bad(fmt::format("filters.{}", list), "must hold non-empty strings");
      }
      (std::string_view(list) == "agencies" ? r.agencies : r.cameras)
          .emplace_back(v.GetString(), v.GetStringLength());
    }
  }
  for (auto [name, dest] : {std::pair{"make", &r.make}, std::pair{"model", &r.model},
                            std::pair{"color", &r.color}, std::pair{"body", &r.body}}) {
    Result<std::string> v = Str(filters, name, false);
    if (!v.ok()) return Bad(fmt::format("filters.{}", name), v.status().message());
    *dest = *v;
  }

  Result<std::string> code = Str(*purpose, "code", true);
  Result<std::string> case_number = Str(*purpose, "case", true);
  Result<std::string> offense = Str(*purpose, "offense", true);
  Result<std::string> justification = Str(*purpose, "justification", true);
  for (const auto* s : {&code, &case_number, &offense, &justification}) {
    if (!s->ok()) return Bad(fmt::format("purpose.{}", s->status().message()), "");
  }
  r.why = {*code, *case_number, *offense, *justification, std::nullopt};
  if (auto it = purpose->FindMember("approval"); it != purpose->MemberEnd()) {
    if (!it->value.IsInt64()) return Bad("purpose.approval", "must be an approval id");
    r.why.approval = it->value.GetInt64();
  }

  if (const Value* page = Object(doc, "page")) {
    Result<std::optional<double>> limit = Num(*page, "limit");
    if (!limit.ok()) return Bad("page.limit", "must be a number");
    if (*limit) {
      if (!(**limit >= 1 && **limit <= 1000)) return Bad("page.limit", "from 1 to 1000");
      r.limit = static_cast<std::size_t>(**limit);
    }
    Result<std::string> cursor = Str(*page, "cursor", false);
    if (!cursor.ok()) return Bad("page.cursor", "must be a string");
    if (!cursor->empty()) {
      Result<store::ReadCursor> c = DecodeCursor(*cursor);
      if (!c.ok()) return Bad("page.cursor", "not a cursor this search gave");
      r.after = *c;
    }
  }
  return r;
}

Result<Plan> Prepare(catalog::Database& db, const identity::Principal& p, const Request& req,
                     std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(identity::Require(p, "search.reads"));
  Result<std::vector<policy::VisibleAgency>> visible =
      policy::VisibleAgencies(db, p, policy::DataClass::kReads, now);
  if (!visible.ok()) return visible.status();
  Plan plan;
  if (req.agencies.empty()) {
    for (const policy::VisibleAgency& v : *visible) plan.agencies.push_back(v.code);
  } else {
    for (const std::string& code : req.agencies) {
      const bool ok = std::any_of(visible->begin(), visible->end(),
                                  [&](const policy::VisibleAgency& v) { return v.code == code; });
      if (!ok) {
        Result<catalog::Statement> q = db.Prepare("SELECT id FROM agencies WHERE code = ?1");
        if (!q.ok()) return q.status();
        q->Bind(1, code);
        Result<bool> row = q->Step();
        if (!row.ok()) return row.status();
        if (!*row) return Bad("filters.agencies", fmt::format("no agency {}", code));
        Result<std::string> why =
            policy::WhyNotVisible(db, p, q->Int(0), policy::DataClass::kReads, now);
        if (!why.ok()) return why.status();
        return Status::PermissionDenied(fmt::format("filters.agencies: {}: {}", code, *why));
      }
      plan.agencies.push_back(code);
    }
  }
  std::sort(plan.agencies.begin(), plan.agencies.end());
  policy::SearchScope scope;
  scope.span_ms = req.to - req.from;
  scope.agencies = plan.agencies.size();
  INTERDICT_RETURN_IF_ERROR(policy::CheckSearch(db, p, req.why, scope, now));

  store::ReadQuery& q = plan.query;
  q.agencies = plan.agencies;
  q.from = req.from;
  q.to = req.to;
  q.plate = req.plate;
  q.pattern = req.pattern;
  q.state = req.state;
  q.cameras = req.cameras;
  q.limit = req.limit;
  q.after = req.after;
  if (req.type == "area") {
    // The cameras standing in the circle (the catalog knows where they are),
    // and the mobile ones, whose reads carry their own position.
    store::Area area;
    area.center = *req.center;
    area.radius_m = req.radius_m;
    Result<catalog::Statement> cams = db.Prepare(
        "SELECT a.code, c.code, c.lat, c.lon, c.mobile FROM cameras c JOIN agencies a ON a.id = "
        "c.agency_id");
    if (!cams.ok()) return cams.status();
    std::set<std::string> agencies(plan.agencies.begin(), plan.agencies.end());
    for (;;) {
      Result<bool> row = cams->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      if (agencies.count(cams->Text(0)) == 0) continue;
      if (cams->Int(4) != 0) {
        area.mobile_cameras.push_back(cams->Text(1));
        continue;
      }
      if (cams->IsNull(2)) continue;
      const read::GeoPoint at =
          read::GeoPoint::FromDegrees(std::stod(cams->Text(2)), std::stod(cams->Text(3)));
      if (read::DistanceMeters(at, area.center) <= area.radius_m)
        area.cameras.push_back(cams->Text(1));
    }
    q.area = std::move(area);
  }
  return plan;
}

namespace {

// Every plate the matcher's rules relate to `p`: up to two substitutions
// within the look-alike classes, and one insertion, deletion or substitution.
std::vector<plate::Plate> LookalikeCandidates(const plate::Plate& p) {
  const auto& classes = plate::LookalikeClasses::Default();
  constexpr std::string_view kChars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  std::set<std::string> out;
  const std::string s = p.str();
  out.insert(s);
  for (std::size_t i = 0; i < s.size(); ++i) {
    for (char a : classes.Members(s[i])) {
      if (a == s[i]) continue;
      std::string t = s;
      t[i] = a;
      out.insert(t);
      for (std::size_t j = i + 1; j < s.size(); ++j) {
        for (char b : classes.Members(s[j])) {
          if (b == s[j]) continue;
          std::string u = t;
          u[j] = b;
          out.insert(u);
        }
      }
    }
  }
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i < s.size()) out.insert(s.substr(0, i) + s.substr(i + 1));  // a deletion
    for (char c : kChars) {
      if (s.size() < plate::Plate::kMaxLength) out.insert(s.substr(0, i) + c + s.substr(i));
      if (i < s.size() && c != s[i]) out.insert(s.substr(0, i) + c + s.substr(i + 1));
    }
  }
  std::vector<plate::Plate> plates;
  for (const std::string& t : out) {
    if (Result<plate::Plate> q = plate::Plate::FromNormalized(t); q.ok()) plates.push_back(*q);
  }
  return plates;
}

bool Newer(const read::Read& a, const read::Read& b) {
  return std::tie(b.time, a.agency, a.camera, a.id) < std::tie(a.time, b.agency, b.camera, b.id);
}

}  // namespace

Result<Answer> Execute(const store::Store& store, const Request& req, const Plan& plan) {
  Answer a;
  if (plan.agencies.empty()) return a;
  if (req.type == "lookalike") {
    // One exact query per related plate (the store's Bloom filters make the
    // many misses cheap); the newest `limit` reads of all of them.
    for (const plate::Plate& candidate : LookalikeCandidates(*req.plate)) {
      store::ReadQuery q = plan.query;
      q.plate = candidate;
      q.after.reset();
      Result<store::QueryResult> r = store.Query(q);
      if (!r.ok()) return r.status();
      a.truncated = a.truncated || r->truncated;
      for (read::Read& rd : r->reads) a.reads.push_back(std::move(rd));
    }
    std::sort(a.reads.begin(), a.reads.end(), Newer);
    if (a.reads.size() > req.limit) {
      a.reads.resize(req.limit);
      a.truncated = true;
    }
    return a;
  }
  store::ReadQuery q = plan.query;
  const bool filtered =
      !req.make.empty() || !req.model.empty() || !req.color.empty() || !req.body.empty();
  // Attribute filters apply after the store: fetch pages until enough pass.
  for (int pages = 0; pages < 50; ++pages) {
    Result<store::QueryResult> r = store.Query(q);
    if (!r.ok()) return r.status();
    for (read::Read& rd : r->reads) {
      if (filtered && ((!req.make.empty() && !Same(rd.vehicle.make, req.make)) ||
                       (!req.model.empty() && !Same(rd.vehicle.model, req.model)) ||
                       (!req.color.empty() && !Same(rd.vehicle.color, req.color)) ||
                       (!req.body.empty() && !Same(rd.vehicle.body, req.body)))) {
        continue;
      }
      if (a.reads.size() < req.limit) {
        a.reads.push_back(std::move(rd));
      } else {
        a.truncated = true;
      }
    }
    if (a.reads.size() >= req.limit || !r->truncated) {
      a.truncated = a.truncated || r->truncated;
      if (a.truncated && !a.reads.empty()) {
        const read::Read& last = a.reads.back();
        a.next = store::ReadCursor{last.time, last.agency, last.camera, last.id};
      }
      return a;
    }
    q.after = r->next;
  }
  a.truncated = true;
  if (!a.reads.empty()) {
    const read::Read& last = a.reads.back();
    a.next = store::ReadCursor{last.time, last.agency, last.camera, last.id};
  }
  return a;
}

std::string EncodeCursor(const store::ReadCursor& c) {
  return Base64Encode(fmt::format("{}\n{}\n{}\n{}", c.time, c.agency, c.camera, c.id));
}

Result<store::ReadCursor> DecodeCursor(std::string_view text) {
  std::optional<std::string> raw = Base64Decode(text);
  if (!raw) return Status::InvalidArgument("cursor");
  store::ReadCursor c;
  std::size_t a = raw->find('\n');
  std::size_t b = a == std::string::npos ? a : raw->find('\n', a + 1);
  std::size_t d = b == std::string::npos ? b : raw->find('\n', b + 1);
  if (d == std::string::npos) return Status::InvalidArgument("cursor");
  try {
    c.time = std::stoll(raw->substr(0, a));
  } catch (const std::exception&) {
    return Status::InvalidArgument("cursor");
  }
  c.agency = raw->substr(a + 1, b - a - 1);
  c.camera = raw->substr(b + 1, d - b - 1);
  c.id = raw->substr(d + 1);
  return c;
}

namespace {

std::string TermsJson(const Request& req) {
  std::string terms = fmt::format(R"("type":"{}")", req.type);
  if (req.plate) terms += fmt::format(R"(,"plate":"{}")", req.plate->text());
  if (req.pattern) terms += fmt::format(R"(,"pattern":{})", JsonQuote(req.pattern->text()));
  if (req.state) terms += fmt::format(R"(,"state":"{}")", req.state->code());
  if (req.center) {
    terms += fmt::format(R"(,"lat":{:.6f},"lon":{:.6f},"radius_m":{:.0f})", req.center->lat(),
                         req.center->lon(), req.radius_m);
  }
  terms += fmt::format(R"(,"from":"{}","to":"{}")", FormatRfc3339(req.from), FormatRfc3339(req.to));
  return terms;
}

}  // namespace

Result<std::int64_t> Record(catalog::Database& db, const identity::Principal& p, const Request& req,
                            const Plan& plan, const Answer& answer, std::int64_t now) {
  std::set<std::string> owners;
  for (const read::Read& r : answer.reads) owners.insert(r.agency);
  std::vector<std::int64_t> touched = {p.agency_id};
  for (const std::string& code : owners) {
    Result<catalog::Statement> q = db.Prepare("SELECT id FROM agencies WHERE code = ?1");
    if (!q.ok()) return q.status();
    q->Bind(1, code);
    Result<bool> row = q->Step();
    if (!row.ok()) return row.status();
    if (*row && q->Int(0) != p.agency_id) touched.push_back(q->Int(0));
  }
  std::string agencies;
  for (const std::string& a : plan.agencies)
    agencies += (agencies.empty() ? "" : ",") + JsonQuote(a);
  const std::string details = fmt::format(
      R"({{{},"purpose":{},"case":{},"offense":{},"justification":{},"approval":{},"results":{},"agencies":[{}]}})",
      TermsJson(req), JsonQuote(req.why.purpose), JsonQuote(req.why.case_number),
      JsonQuote(req.why.offense), JsonQuote(req.why.justification),
      req.why.approval ? std::to_string(*req.why.approval) : "null", answer.reads.size(), agencies);
  std::int64_t seq = 0;
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
    audit::Entry e;
    e.time = now;
    e.actor = p.Actor();
    e.agency = p.agency_id;
    e.event = "search." + req.type;
    e.details = details;
    e.touched = touched;
    INTERDICT_RETURN_IF_ERROR(audit::Append(db, e));
    seq = e.seq;
    return Status::Ok();
  }));
  return seq;
}

std::string ResponseJson(const Request& req, const Plan& plan, const Answer& answer,
                         std::int64_t search_seq) {
  std::string results = "[";
  std::map<std::string, std::int64_t> plates;
  for (std::size_t i = 0; i < answer.reads.size(); ++i) {
    results += (i ? "," : "") + read::FormatNativeRead(answer.reads[i]);
    ++plates[answer.reads[i].plate.str()];
  }
  results += "]";
  // The distinct plates of this page with their counts (partial and area answers).
  std::string summary = "[";
  if (req.type != "plate") {
    std::vector<std::pair<std::string, std::int64_t>> sorted(plates.begin(), plates.end());
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    // For a look-alike search, each plate says how it relates to the one asked
    // for, by the matcher's own rules; anything but exact is approximate.
    std::shared_ptr<const match::Index> rules;
    if (req.type == "lookalike") {
      const match::Index::Item target{*req.plate, plate::Jurisdiction(), 0, true};
      rules = match::Index::Build(std::span<const match::Index::Item>(&target, 1),
                                  plate::LookalikeClasses::Default());
    }
    for (std::size_t i = 0; i < sorted.size(); ++i) {
      std::string label;
      if (rules) {
        read::Read probe;
        probe.plate = *plate::Plate::FromNormalized(sorted[i].first);
        std::vector<match::Candidate> c;
        rules->Match(probe, &c);
        const match::MatchKind kind = c.empty() ? match::MatchKind::kOneEdit : c[0].kind;
        const bool exact = kind == match::MatchKind::kExact || kind == match::MatchKind::kPlateOnly;
        label = fmt::format(R"(,"match":"{}","approximate":{})",
                            exact ? "exact" : match::MatchKindName(kind), !exact);
      }
      summary += fmt::format(R"({}{{"plate":"{}","reads":{}{}}})", i ? "," : "", sorted[i].first,
                             sorted[i].second, label);
    }
  }
  summary += "]";
  std::string agencies;
  for (const std::string& a : plan.agencies)
    agencies += (agencies.empty() ? "" : ",") + JsonQuote(a);
  return fmt::format(
      R"({{"type":"{}","results":{},"plates":{},"count":{},"truncated":{},"next":{},"agencies":[{}],"search":{}}})",
      req.type, results, summary, answer.reads.size(), answer.truncated,
      answer.next ? JsonQuote(EncodeCursor(*answer.next)) : "null", agencies, search_seq);
}

}  // namespace interdict::search
