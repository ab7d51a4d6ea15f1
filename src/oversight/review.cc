#include "oversight/review.h"

#include <fmt/core.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>

#include "audit/audit.h"
#include "base/json.h"
#include "base/json_writer.h"
#include "base/time_format.h"
#include "base/time_zone.h"
#include "crypto/crypto.h"
#include "geo/geo.h"
#include "identity/users.h"

namespace interdict::oversight {

namespace {

constexpr std::int64_t kDay = 86'400'000;

using Value = rapidjson::Value;

const Value* Member(const Value& o, const char* key) {
  if (!o.IsObject()) return nullptr;
  auto it = o.FindMember(key);
  return it == o.MemberEnd() ? nullptr : &it->value;
}
std::string Text(const Value* v) {
  return v != nullptr && v->IsString() ? std::string(v->GetString(), v->GetStringLength())
                                       : std::string();
}
std::optional<double> Number(const Value* v) {
  if (v == nullptr || !v->IsNumber()) return std::nullopt;
  return v->GetDouble();
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
std::string Trimmed(const std::string& s) {
  const std::size_t a = s.find_first_not_of(" \t\r\n.");
  if (a == std::string::npos) return {};
  return s.substr(a, s.find_last_not_of(" \t\r\n.") - a + 1);
}

// A circle or polygon of a search (an "area" object of the audit terms).
struct SearchedArea {
  geo::Point center;
  double radius_m = 0;
  geo::Ring polygon;
};

std::optional<SearchedArea> AreaOf(const Value* a) {
  if (a == nullptr || !a->IsObject()) return std::nullopt;
  SearchedArea out;
  if (const Value* poly = Member(*a, "polygon"); poly != nullptr && poly->IsArray()) {
    double lat = 0, lon = 0;
    for (const Value& pt : poly->GetArray()) {
      if (!pt.IsArray() || pt.Size() != 2 || !pt[0].IsNumber() || !pt[1].IsNumber()) continue;
      out.polygon.push_back(geo::Point::FromDegrees(pt[1].GetDouble(), pt[0].GetDouble()));
      lat += pt[1].GetDouble();
      lon += pt[0].GetDouble();
    }
    if (out.polygon.empty()) return std::nullopt;
    const double n = static_cast<double>(out.polygon.size());
    out.center = geo::Point::FromDegrees(lat / n, lon / n);
    for (const geo::Point& p : out.polygon)
      out.radius_m = std::max(out.radius_m, geo::DistanceMeters(out.center, p));
    return out;
  }
  const std::optional<double> lat = Number(Member(*a, "lat")), lon = Number(Member(*a, "lon")),
                              r = Number(Member(*a, "radius_m"));
  if (!lat || !lon || !r) return std::nullopt;
  out.center = geo::Point::FromDegrees(*lat, *lon);
  out.radius_m = *r;
  return out;
}

struct Entry {
  std::int64_t seq = 0, time = 0, agency = 0;
  std::string actor, event, details;
};

class Reviewer {
 public:
  // The shifts' zone is read from the database once per sweep, not per entry.
  Reviewer(catalog::Database& db, const ReviewRules& rules)
      : db_(db), rules_(rules), zone_(TimeZone::Parse(rules.time_zone)) {}

  // The flags an entry raises: (rule, detail).
  // Part 23 (docs/intelligence.md): an imminent-danger disclosure, an
  // approval of first-amendment information, a record due for its five-year
  // review, a record without its predicate are each looked at again.
  static std::vector<std::pair<std::string, std::string>> IntelFlags(const Entry& e,
                                                                     const rapidjson::Value& d) {
    std::vector<std::pair<std::string, std::string>> out;
    const std::int64_t record = Member(d, "record") != nullptr && Member(d, "record")->IsInt64()
                                    ? Member(d, "record")->GetInt64()
                                    : 0;
    if (e.event == "intel.disclose")
      out.emplace_back("imminent_danger",
                       fmt::format("record {} disclosed to {} to protect life: {}", record,
                                   Text(Member(d, "recipient")), Text(Member(d, "reason"))));
    if (e.event == "intel.review_due")
      out.emplace_back("intel_review_due",
                       fmt::format("record {} due for its five-year review since {}; purged by "
                                   "itself on {}",
                                   record, Text(Member(d, "due_at")), Text(Member(d, "purge_at"))));
    if (e.event == "intel.approve" && Member(d, "first_amendment") != nullptr &&
        Member(d, "first_amendment")->IsTrue())
      out.emplace_back(
          "first_amendment",
          fmt::format("record {} approved holding first-amendment information", record));
    if (e.event == "intel.submit" && Member(d, "predicate_chars") != nullptr &&
        Member(d, "predicate_chars")->IsInt64() && Member(d, "predicate_chars")->GetInt64() < 100)
      out.emplace_back("no_predicate",
                       fmt::format("record {} submitted without a written predicate", record));
    return out;
  }

  Result<std::vector<std::pair<std::string, std::string>>> Evaluate(const Entry& e) {
    std::vector<std::pair<std::string, std::string>> out;
    rapidjson::Document d;
    // Written by the audit trail itself; a damaged entry raises no flag here
    // (the chain check reports it).
    if (!json::Parse(e.details, &d).ok() || !d.IsObject()) return out;
    if (e.event.starts_with("intel.")) return IntelFlags(e, d);
    if (e.event == "search.refused") {
      // Refused: nothing was searched; only the attempt itself is reviewed.
      if (Text(Member(d, "reason")) == "prohibited purpose") {
        out.emplace_back("prohibited_attempt", fmt::format("a search for the prohibited purpose {}",
                                                           Text(Member(d, "purpose"))));
      }
      INTERDICT_RETURN_IF_ERROR(Places(d, true, out));
      return out;
    }
    static const std::set<std::string> kPlaceholders = {
        "", "n/a", "na", "none", "tbd", "unknown", "-", "--", "0", "00", "000", "test", "x", "?"};
    const std::string case_number = Lower(Trimmed(Text(Member(d, "case"))));
    if (kPlaceholders.count(case_number))
      out.emplace_back("no_case", fmt::format("case number \"{}\"", Text(Member(d, "case"))));
    const std::string why = Lower(Trimmed(Text(Member(d, "justification"))));
    static const std::set<std::string> kGeneric = {
        "investigation", "investigative purposes", "ongoing investigation",
        "check",         "suspicious vehicle",     "patrol",
        "routine check", "investigative lead",     "law enforcement purposes"};
    std::istringstream words(why);
    int n = 0;
    for (std::string w; words >> w;) ++n;
    if (n < rules_.min_justification_words || kGeneric.count(why)) {
      out.emplace_back("thin_justification",
                       fmt::format("{} words: \"{}\"", n, Text(Member(d, "justification"))));
    }
    INTERDICT_RETURN_IF_ERROR(Repeated(e, d, out));
    INTERDICT_RETURN_IF_ERROR(OffShift(e, out));
    INTERDICT_RETURN_IF_ERROR(Places(d, false, out));
    Wide(d, out);
    INTERDICT_RETURN_IF_ERROR(SelfApproved(e, d, out));
    return out;
  }

 private:
  using Flags = std::vector<std::pair<std::string, std::string>>;

  Status Repeated(const Entry& e, const rapidjson::Document& d, Flags& out) {
    const std::string plate = Text(Member(d, "plate"));
    if (plate.empty()) return Status::Ok();
    Result<catalog::Statement> q = db_.Query(
        fmt::format("SELECT count(*) FROM audit WHERE actor = ?1 AND time > ?2 AND seq < ?3 AND "
                    "substr(event, 1, 7) = 'search.' AND event NOT IN ('search.export', "
                    "'search.refused') AND {} = ?4",
                    db_.JsonText("details", "plate")),
        e.actor, e.time - rules_.repeat_days * kDay, e.seq, plate);
    if (!q.ok()) return q.status();
    const std::int64_t before = q->Int(0);
    if (before + 1 >= rules_.repeat_count) {
      out.emplace_back("repeated_plate",
                       fmt::format("search {} of plate {} by this person in {} days", before + 1,
                                   plate, rules_.repeat_days));
    }
    return Status::Ok();
  }

  Status OffShift(const Entry& e, Flags& out) {
    if (!e.actor.starts_with("user:")) return Status::Ok();
    Result<catalog::Statement> q =
        db_.Query("SELECT shift FROM users WHERE id = ?1", std::stoll(e.actor.substr(5)));
    if (!q.ok()) return q.status();
    if (!q->has_row()) return Status::Ok();
    const std::string own = q->Text(0);
    const std::string shift = own.empty() ? rules_.default_shift : own;
    const std::optional<std::pair<int, int>> s = identity::ParseShift(shift);
    if (!s) return Status::Ok();
    if (!zone_.ok()) return zone_.status();
    const std::int64_t local = e.time + zone_->OffsetAt(e.time);
    const int minute = static_cast<int>(((local % kDay) + kDay) % kDay / 60'000);
    const bool inside = s->first <= s->second ? (minute >= s->first && minute < s->second)
                                              : (minute >= s->first || minute < s->second);
    if (!inside) {
      out.emplace_back("off_shift",
                       fmt::format("at {:02}:{:02} local, shift {}{}", minute / 60, minute % 60,
                                   shift, own.empty() ? " (the default: none set)" : ""));
    }
    return Status::Ok();
  }

  // The places the check found (recorded with the search or its refusal);
  // for entries written before the check existed, found again from the areas.
  Status Places(const rapidjson::Document& d, bool refused, Flags& out) {
    std::vector<std::string> names;
    if (const Value* places = Member(d, "places"); places != nullptr && places->IsArray()) {
      for (const Value& v : places->GetArray()) {
        if (v.IsString()) names.emplace_back(v.GetString(), v.GetStringLength());
      }
    } else {
      Result<UnixMillis> from = ParseRfc3339(Text(Member(d, "from")));
      Result<UnixMillis> to = ParseRfc3339(Text(Member(d, "to")));
      std::vector<policy::SearchedArea> areas;
      const auto add = [&](const Value* area, const Value& window) {
        Result<UnixMillis> f = ParseRfc3339(Text(Member(window, "from")));
        Result<UnixMillis> t = ParseRfc3339(Text(Member(window, "to")));
        if (auto a = AreaOf(area); a && f.ok() && t.ok())
          areas.push_back({a->center, a->radius_m, a->polygon, *f, *t});
      };
      if (from.ok() && to.ok()) add(Member(d, "area"), d);
      if (const Value* scenes = Member(d, "scenes"); scenes != nullptr && scenes->IsArray()) {
        for (const Value& s : scenes->GetArray()) add(Member(s, "area"), s);
      }
      Result<std::vector<policy::ProtectedPlace>> touched =
          policy::PlacesTouched(db_, rules_.places, areas);
      if (!touched.ok()) return touched.status();
      for (const policy::ProtectedPlace& p : *touched) names.push_back(p.name);
    }
    if (names.empty()) return Status::Ok();
    std::string detail;
    for (const std::string& n : names) detail += (detail.empty() ? "" : "; ") + n;
    const Value* approval = Member(d, "approval");
    if (refused) {
      detail = "refused before it ran: " + detail;
    } else if (approval != nullptr && approval->IsInt64()) {
      detail += fmt::format(" (approval {})", approval->GetInt64());
    }
    out.emplace_back("protected_place", detail);
    return Status::Ok();
  }

  void Wide(const rapidjson::Document& d, Flags& out) {
    std::vector<std::string> why;
    Result<UnixMillis> from = ParseRfc3339(Text(Member(d, "from")));
    Result<UnixMillis> to = ParseRfc3339(Text(Member(d, "to")));
    if (from.ok() && to.ok() && *to - *from > rules_.wide_days * kDay)
      why.push_back(fmt::format("{} days", (*to - *from) / kDay));
    if (const Value* a = Member(d, "agencies");
        a != nullptr && a->IsArray() && a->Size() > rules_.wide_agencies)
      why.push_back(fmt::format("{} agencies", a->Size()));
    if (auto area = AreaOf(Member(d, "area")); area && area->radius_m > rules_.wide_radius_m)
      why.push_back(fmt::format("an area {:.1f} km across", 2 * area->radius_m / 1000));
    if (!why.empty()) {
      std::string text;
      for (const std::string& w : why) text += (text.empty() ? "" : ", ") + w;
      out.emplace_back("wide", text);
    }
  }

  Status SelfApproved(const Entry& e, const rapidjson::Document& d, Flags& out) {
    const Value* approval = Member(d, "approval");
    if (approval == nullptr || !approval->IsInt64() || !e.actor.starts_with("user:"))
      return Status::Ok();
    Result<catalog::Statement> q =
        db_.Query("SELECT approved_by FROM approvals WHERE id = ?1 AND approved_by = ?2",
                  approval->GetInt64(), std::stoll(e.actor.substr(5)));
    if (!q.ok()) return q.status();
    if (q->has_row()) {
      out.emplace_back("self_approved", fmt::format("approval {} was given by the person who "
                                                    "searched",
                                                    approval->GetInt64()));
    }
    return Status::Ok();
  }

  catalog::Database& db_;
  const ReviewRules& rules_;
  Result<TimeZone> zone_;
};

}  // namespace

Result<std::size_t> Sweep(catalog::Database& db, const ReviewRules& rules, std::int64_t now) {
  std::size_t raised = 0;
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
    std::int64_t cursor = 0;
    {
      Result<catalog::Statement> c = db.Query("SELECT seq FROM review_cursor WHERE id = 1");
      if (!c.ok()) return c.status();
      if (c->has_row()) cursor = c->Int(0);
    }
    std::vector<Entry> entries;
    std::int64_t last = cursor;
    {
      Result<catalog::Statement> q = db.Prepare(
          "SELECT seq, time, actor, agency_id, event, details FROM audit WHERE seq > ?1 "
          "ORDER BY seq LIMIT 20000");
      if (!q.ok()) return q.status();
      q->Bind(1, cursor);
      INTERDICT_RETURN_IF_ERROR(q->ForEach([&](const catalog::Statement& r) {
        last = r.Int(0);
        const std::string event = r.Text(4);
        const bool intel = event == "intel.disclose" || event == "intel.review_due" ||
                           event == "intel.approve" || event == "intel.submit";
        if ((!event.starts_with("search.") && !intel) || event == "search.export" || r.IsNull(3))
          return;
        entries.push_back({r.Int(0), r.Int(1), r.Int(3), r.Text(2), event, r.Text(5)});
      }));
    }
    Reviewer reviewer(db, rules);
    Result<catalog::Statement> ins = db.Prepare(
        "INSERT INTO review_flags (seq, agency_id, actor, rule, detail, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING");
    if (!ins.ok()) return ins.status();
    for (const Entry& e : entries) {
      Result<std::vector<std::pair<std::string, std::string>>> flags = reviewer.Evaluate(e);
      if (!flags.ok()) return flags.status();
      for (const auto& [rule, detail] : *flags) {
        ins->Reset();
        ins->Bind(1, e.seq).Bind(2, e.agency).Bind(3, e.actor).Bind(4, rule).Bind(5, detail);
        ins->Bind(6, now);
        INTERDICT_RETURN_IF_ERROR(ins->Run());
        raised += static_cast<std::size_t>(db.Changes());
      }
    }
    Result<catalog::Statement> up = db.Prepare(
        "INSERT INTO review_cursor (id, seq) VALUES (1, ?1) "
        "ON CONFLICT (id) DO UPDATE SET seq = excluded.seq");
    if (!up.ok()) return up.status();
    up->Bind(1, last);
    return up->Run();
  }));
  return raised;
}

Result<std::vector<Flag>> ListFlags(catalog::Database& db, const identity::Principal& p,
                                    std::string_view state, std::size_t limit,
                                    std::int64_t before) {
  INTERDICT_RETURN_IF_ERROR(identity::Require(p, "audit.review"));
  if (state != "open" && state != "resolved" && state != "all")
    return Status::InvalidArgument("state: open, resolved or all");
  Result<catalog::Statement> q = db.Prepare(
      "SELECT f.id, f.seq, ag.code, f.actor, coalesce(u.username, f.actor), f.rule, f.detail, "
      "f.created_at, a.time, a.event, a.details, coalesce(f.resolution, ''), "
      "coalesce(f.note, ''), coalesce(v.username, ''), f.resolved_at, f.agency_id <> ?1 "
      "FROM review_flags f "
      "JOIN audit a ON a.seq = f.seq JOIN agencies ag ON ag.id = f.agency_id "
      "LEFT JOIN users u ON f.actor = 'user:' || u.id LEFT JOIN users v ON v.id = f.resolved_by "
      "WHERE (f.agency_id = ?1 OR f.seq IN (SELECT seq FROM audit_touched WHERE agency_id = ?1)) "
      "AND (?2 = 'all' OR (?2 = 'open') = (f.resolved_at IS NULL)) "
      "AND (?4 = 0 OR f.id < ?4) "
      "ORDER BY f.id DESC LIMIT ?3");
  if (!q.ok()) return q.status();
  q->Bind(1, p.agency_id).Bind(2, state).Bind(3, static_cast<std::int64_t>(limit)).Bind(4, before);
  std::vector<Flag> out;
  INTERDICT_RETURN_IF_ERROR(q->ForEach([&](const catalog::Statement& r) {
    Flag f;
    f.id = r.Int(0);
    f.seq = r.Int(1);
    f.agency = r.Text(2);
    f.actor = r.Text(3);
    f.actor_name = r.Text(4);
    f.rule = r.Text(5);
    f.detail = r.Text(6);
    f.created_at = r.Int(7);
    f.search_time = r.Int(8);
    f.event = r.Text(9);
    f.terms = r.Text(10);
    f.resolution = r.Text(11);
    f.note = r.Text(12);
    f.resolved_by = r.Text(13);
    f.resolved_at = r.OptionalInt(14);
    f.partner = r.Int(15) != 0;
    out.push_back(std::move(f));
  }));
  return out;
}

Status Resolve(catalog::Database& db, const identity::Principal& p, std::int64_t id,
               std::string_view resolution, std::string_view note, std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(identity::Require(p, "audit.review"));
  if (resolution != "justified" && resolution != "training" && resolution != "referred" &&
      resolution != "violation")
    return Status::InvalidArgument("resolution: justified, training, referred or violation");
  if (note.size() < 10 || note.size() > 2000)
    return Status::InvalidArgument("note: what was found, 10 to 2000 bytes");
  return db.Transaction([&]() -> Status {
    Result<catalog::Statement> q = db.Query(
        "SELECT actor, rule, seq, resolved_at IS NOT NULL FROM review_flags WHERE id = ?1 AND "
        "agency_id = ?2",
        id, p.agency_id);
    if (!q.ok()) return q.status();
    if (!q->has_row())
      return Status::NotFound(fmt::format("no review flag {} in {}", id, p.agency_code));
    if (q->Int(3) != 0)
      return Status::FailedPrecondition(fmt::format("review flag {} is already resolved", id));
    if (q->Text(0) == p.Actor())
      return Status::PermissionDenied(
          "a flag on one's own search is resolved by another supervisor or an auditor");
    const std::string rule = q->Text(1);
    const std::int64_t seq = q->Int(2);
    Result<catalog::Statement> up = db.Prepare(
        "UPDATE review_flags SET resolution = ?2, note = ?3, resolved_by = ?4, resolved_at = ?5 "
        "WHERE id = ?1");
    if (!up.ok()) return up.status();
    up->Bind(1, id).Bind(2, resolution).Bind(3, note).Bind(4, p.id).Bind(5, now);
    INTERDICT_RETURN_IF_ERROR(up->Run());
    return identity::AuditAct(db, p, "review.resolve", true,
                              json::Object("flag", id, "search", seq, "rule", rule, "resolution",
                                           resolution, "note", note),
                              now);
  });
}

void WriteResolution(json::Writer& w, const Flag& f) {
  const auto resolved = [&f](const std::string& v) {
    return f.resolution.empty() ? std::nullopt : std::optional(v);
  };
  json::Members(w, "resolution", resolved(f.resolution), "note", resolved(f.note), "resolved_by",
                resolved(f.resolved_by), "resolved_at", FormatRfc3339(f.resolved_at));
}

Result<std::string> ExportPackage(catalog::Database& db, const identity::Principal& p,
                                  const ReviewRules& rules, std::int64_t from, std::int64_t to,
                                  std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(identity::Require(p, "audit.review"));
  std::string body;
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
    audit::Query q;
    q.touched_agency = p.agency_id;
    q.actor_agency = p.agency_id;
    q.from = from;
    q.to = to;
    q.limit = 1'000'000;
    Result<std::vector<audit::Entry>> trail = audit::List(db, q);
    if (!trail.ok()) return trail.status();
    Result<std::vector<Flag>> flags = ListFlags(db, p, "all", 1'000'000);
    if (!flags.ok()) return flags.status();
    Result<audit::VerifyResult> verified = audit::Verify(db);
    if (!verified.ok()) return verified.status();
    std::size_t n = 0;  // flags in the period
    body = json::Write([&](json::Writer& w) {
      w.StartObject();
      json::Members(w, "agency", p.agency_code, "from", FormatRfc3339(from), "to",
                    FormatRfc3339(to), "generated_at", FormatRfc3339(now));
      json::Key(w, "verification");
      w.StartObject();
      json::Members(w, "intact", !verified->first_bad, "entries", verified->entries, "head",
                    verified->head, "first_bad", verified->first_bad, "problem", verified->problem);
      w.EndObject();
      json::Key(w, "rules");
      w.StartObject();
      json::Members(w, "min_justification_words", rules.min_justification_words, "repeat_count",
                    rules.repeat_count, "repeat_days", rules.repeat_days, "time_zone",
                    rules.time_zone, "wide_days", rules.wide_days, "wide_agencies",
                    rules.wide_agencies, "wide_radius_m", rules.wide_radius_m, "protected_radius_m",
                    rules.places.margin_m, "protected_places", rules.places.fixed.size());
      w.EndObject();
      json::Key(w, "trail");
      w.StartArray();
      for (const audit::Entry& e : *trail) {
        w.StartObject();
        json::Members(w, "seq", e.seq, "time", FormatRfc3339(e.time), "actor", e.actor, "event",
                      e.event, "outcome", audit::OutcomeName(e.outcome), "details",
                      json::Raw{e.details});
        w.EndObject();
      }
      w.EndArray();
      json::Key(w, "flags");
      w.StartArray();
      for (const Flag& f : *flags) {
        if (f.search_time < from || f.search_time >= to) continue;
        ++n;
        w.StartObject();
        json::Members(w, "id", f.id, "search", f.seq, "rule", f.rule, "detail", f.detail, "actor",
                      f.actor_name);
        WriteResolution(w, f);
        w.EndObject();
      }
      w.EndArray();
      w.EndObject();
    });
    return identity::AuditAct(db, p, "review.export", true,
                              json::Object("from", FormatRfc3339(from), "to", FormatRfc3339(to),
                                           "entries", trail->size(), "flags", n),
                              now);
  }));
  // The digest is of the package's text exactly as sent inside the answer.
  const std::string digest = crypto::HexEncode(crypto::AsBytes(crypto::Sha256(body)));
  return json::Write([&](json::Writer& w) {
    w.StartObject();
    json::Members(w, "package", json::Raw{body}, "sha256", digest);
    w.EndObject();
  });
}

}  // namespace interdict::oversight
