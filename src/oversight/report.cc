#include "oversight/report.h"

#include <fmt/core.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <map>
#include <set>
#include <utility>
#include <vector>

#include "audit/audit.h"
#include "base/json.h"
#include "base/time_format.h"
#include "oversight/read_counts.h"
#include "policy/sharing.h"

namespace interdict::oversight {
namespace {

constexpr std::int64_t kDay = 86'400'000;
constexpr std::int64_t kMaxDays = 400;

using Counts = std::map<std::string, std::int64_t>;

// What one agency (or the region) did in the period, before suppression.
struct Activity {
  std::int64_t reads = 0, hits = 0, searches = 0, refused_searches = 0;
  Counts hits_by_list_kind, hits_by_outcome, searches_by_purpose, audits;
  Counts searches_on_behalf_of;  // the agency each was run for (GOVERNANCE 14)
  void Add(const Activity& o) {
    reads += o.reads;
    hits += o.hits;
    searches += o.searches;
    refused_searches += o.refused_searches;
    Merge(hits_by_list_kind, o.hits_by_list_kind);
    Merge(hits_by_outcome, o.hits_by_outcome);
    Merge(searches_by_purpose, o.searches_by_purpose);
    Merge(searches_on_behalf_of, o.searches_on_behalf_of);
    Merge(audits, o.audits);
  }
  static void Merge(Counts& into, const Counts& from) {
    for (const auto& [k, n] : from) into[k] += n;
  }
};

struct Agency {
  std::string code, name, kind, state;
  std::int64_t cameras = 0;
  std::map<std::string, std::pair<std::int64_t, std::string>> retention;  // class → days, preset
  std::map<std::string, std::vector<std::string>> shares_with;            // class → partners
  std::vector<std::string> list_kinds;                                    // NCIC files enabled
  Counts lists_by_kind;                                                   // its lists, by kind
  Activity activity;
};

struct Camera {
  std::string agency, code;
  double lat = 0, lon = 0;
};

struct Data {
  std::vector<Agency> agencies;
  std::map<std::int64_t, std::size_t> index;  // agency id → position
  std::vector<Camera> cameras;
  std::vector<std::pair<std::string, std::string>> allowed;                   // code, label
  std::vector<std::tuple<std::string, std::string, std::string>> prohibited;  // + why
  audit::Head head;
};

template <typename F>
Status EachRow(catalog::Database& db, const std::string& sql,
               const std::vector<std::int64_t>& params, F&& row) {
  Result<catalog::Statement> q = db.Prepare(sql);
  if (!q.ok()) return q.status();
  for (std::size_t i = 0; i < params.size(); ++i) q->Bind(static_cast<int>(i + 1), params[i]);
  return q->ForEach(std::forward<F>(row));
}

// The outcome class of a hit for the public: closed outcomes as they are,
// "confirmed" for a hit confirmed with the source and not yet closed, "open"
// for the rest.
const char* kOutcomeOf =
    "CASE WHEN h.outcome IS NOT NULL THEN h.outcome "
    "WHEN h.step = 'confirmed_with_source' THEN 'confirmed' ELSE 'open' END";

Status Gather(catalog::Database& db, const Period& p, std::int64_t now, Data& d) {
  const std::int64_t from = p.from_day * kDay, to = p.to_day * kDay;
  auto agency = [&](std::int64_t id) -> Agency* {
    auto it = d.index.find(id);
    return it == d.index.end() ? nullptr : &d.agencies[it->second];
  };
  INTERDICT_RETURN_IF_ERROR(EachRow(db,
                                    "SELECT id, code, name, kind, state FROM agencies "
                                    "ORDER BY code",
                                    {}, [&](const catalog::Statement& q) {
                                      d.index[q.Int(0)] = d.agencies.size();
                                      Agency a;
                                      a.code = q.Text(1);
                                      a.name = q.Text(2);
                                      a.kind = q.Text(3);
                                      a.state = q.Text(4);
                                      d.agencies.push_back(std::move(a));
                                    }));
  // Cameras in service: their codes and positions are public, their place names are not.
  INTERDICT_RETURN_IF_ERROR(
      EachRow(db,
              "SELECT c.agency_id, a.code, c.code, c.lat, c.lon FROM cameras c "
              "JOIN agencies a ON a.id = c.agency_id WHERE c.status = 'active' ORDER BY c.code",
              {}, [&](const catalog::Statement& q) {
                if (Agency* a = agency(q.Int(0))) ++a->cameras;
                if (!q.IsNull(3) && !q.IsNull(4))
                  d.cameras.push_back({q.Text(1), q.Text(2), q.Real(3), q.Real(4)});
              }));
  INTERDICT_RETURN_IF_ERROR(
      EachRow(db, "SELECT agency_id, data_class, period_ms, preset FROM retention", {},
              [&](const catalog::Statement& q) {
                if (Agency* a = agency(q.Int(0)))
                  a->retention[q.Text(1)] = {q.Int(2) / kDay, q.Text(3)};
              }));
  INTERDICT_RETURN_IF_ERROR(
      EachRow(db,
              "SELECT g.owner_id, g.data_class, p.code FROM agreements g JOIN agencies p ON p.id = "
              "g.partner_id WHERE " +
                  policy::AgreementInForceSql("g", 1) + " ORDER BY p.code",
              {now}, [&](const catalog::Statement& q) {
                if (Agency* a = agency(q.Int(0))) a->shares_with[q.Text(1)].push_back(q.Text(2));
              }));
  INTERDICT_RETURN_IF_ERROR(
      EachRow(db, "SELECT agency_id, kind FROM agency_list_kinds WHERE enabled = 1 ORDER BY kind",
              {}, [&](const catalog::Statement& q) {
                if (Agency* a = agency(q.Int(0))) a->list_kinds.push_back(q.Text(1));
              }));
  // Lists by kind only: a custom list's name can name an operation.
  INTERDICT_RETURN_IF_ERROR(EachRow(db,
                                    "SELECT agency_id, kind, count(*) FROM hotlists GROUP BY 1, 2",
                                    {}, [&](const catalog::Statement& q) {
                                      if (Agency* a = agency(q.Int(0)))
                                        a->lists_by_kind[q.Text(1)] = q.Int(2);
                                    }));
  // Activity in the period.
  INTERDICT_RETURN_IF_ERROR(EachRow(
      db, "SELECT agency_id, sum(reads) FROM read_counts WHERE day >= ?1 AND day < ?2 GROUP BY 1",
      {p.from_day, p.to_day}, [&](const catalog::Statement& q) {
        if (Agency* a = agency(q.Int(0))) a->activity.reads = q.Int(1);
      }));
  // Hits where the camera that read the plate belongs; back-filled reads'
  // hits are not live alerts and are left out.
  INTERDICT_RETURN_IF_ERROR(
      EachRow(db,
              fmt::format("SELECT h.agency_id, coalesce({}, 'unknown'), {}, count(*) FROM hits "
                          "h WHERE h.backfill = 0 AND h.key_id IS NULL AND h.read_time >= ?1 AND "
                          "h.read_time < ?2 GROUP BY 1, 2, 3",
                          db.JsonText("h.entry", "kind"), kOutcomeOf),
              {from, to}, [&](const catalog::Statement& q) {
                Agency* a = agency(q.Int(0));
                if (a == nullptr) return;
                a->activity.hits += q.Int(3);
                a->activity.hits_by_list_kind[q.Text(1)] += q.Int(3);
                a->activity.hits_by_outcome[q.Text(2)] += q.Int(3);
              }));
  // Sealed hits (encryption at rest): each entry opened here for its kind.
  Status opened = Status::Ok();
  INTERDICT_RETURN_IF_ERROR(
      EachRow(db,
              fmt::format("SELECT h.agency_id, h.entry, {} FROM hits h WHERE h.backfill = 0 AND "
                          "h.key_id IS NOT NULL AND h.read_time >= ?1 AND h.read_time < ?2",
                          kOutcomeOf),
              {from, to}, [&](const catalog::Statement& q) {
                Agency* a = agency(q.Int(0));
                if (a == nullptr || !opened.ok()) return;
                Result<std::string> entry = db.OpenValue("hits.entry", q.Text(1));
                if (!entry.ok()) {
                  opened = entry.status();
                  return;
                }
                rapidjson::Document e;
                const bool has_kind = json::Parse(*entry, &e).ok() && e.IsObject() &&
                                      e.HasMember("kind") && e["kind"].IsString();
                a->activity.hits += 1;
                a->activity.hits_by_list_kind[has_kind ? e["kind"].GetString() : "unknown"] += 1;
                a->activity.hits_by_outcome[q.Text(2)] += 1;
              }));
  INTERDICT_RETURN_IF_ERROR(opened);
  // Searches by the agency of the person who ran them: every search type's
  // entry (not the second entry an export writes), and refusals apart.
  INTERDICT_RETURN_IF_ERROR(
      EachRow(db,
              fmt::format("SELECT agency_id, event, coalesce({}, 'unknown'), count(*) FROM audit "
                          "WHERE time >= ?1 AND time < ?2 AND agency_id IS NOT NULL AND "
                          "substr(event, 1, 7) = 'search.' AND event <> 'search.export' AND "
                          "(outcome = 'ok' OR event = 'search.refused') GROUP BY 1, 2, 3",
                          db.JsonText("details", "purpose")),
              {from, to}, [&](const catalog::Statement& q) {
                Agency* a = agency(q.Int(0));
                if (a == nullptr) return;
                if (q.Text(1) == "search.refused") {
                  a->activity.refused_searches += q.Int(3);
                } else {
                  a->activity.searches += q.Int(3);
                  a->activity.searches_by_purpose[q.Text(2)] += q.Int(3);
                }
              }));
  // Searches run for another agency, by that agency (a federal partner's
  // request through a local officer is public, not hidden).
  INTERDICT_RETURN_IF_ERROR(
      EachRow(db,
              fmt::format("SELECT agency_id, {0}, count(*) FROM audit WHERE time >= ?1 AND "
                          "time < ?2 AND agency_id IS NOT NULL AND substr(event, 1, 7) = "
                          "'search.' AND event NOT IN ('search.export', 'search.refused') AND "
                          "outcome = 'ok' AND {0} IS NOT NULL GROUP BY 1, 2",
                          db.JsonText("details", "on_behalf_of")),
              {from, to}, [&](const catalog::Statement& q) {
                if (Agency* a = agency(q.Int(0)))
                  a->activity.searches_on_behalf_of[q.Text(1)] += q.Int(2);
              }));
  // Audits done: the chain verified, the trail read, review flags resolved, exports made.
  INTERDICT_RETURN_IF_ERROR(
      EachRow(db,
              "SELECT agency_id, event, count(*) FROM audit WHERE time >= ?1 AND time < ?2 AND "
              "agency_id IS NOT NULL AND event IN ('audit.verify', 'audit.read', 'review.resolve', "
              "'review.export') GROUP BY 1, 2",
              {from, to}, [&](const catalog::Statement& q) {
                if (Agency* a = agency(q.Int(0))) a->activity.audits[q.Text(1)] = q.Int(2);
              }));
  INTERDICT_RETURN_IF_ERROR(
      EachRow(db, "SELECT code, label, prohibited, description FROM purposes ORDER BY label", {},
              [&](const catalog::Statement& q) {
                if (q.Int(2) != 0) {
                  d.prohibited.emplace_back(q.Text(0), q.Text(1), q.Text(3));
                } else {
                  d.allowed.emplace_back(q.Text(0), q.Text(1));
                }
              }));
  Result<audit::Head> head = audit::CurrentHead(db);
  if (!head.ok()) return head.status();
  d.head = *head;
  return Status::Ok();
}

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

const char* const kPolicy[] = {
    "Every search names a lawful purpose from a fixed list, a case number, the offense and a "
    "justification; prohibited purposes are refused and the attempt is recorded.",
    "Searches over more than 30 days, more than one agency, or that analyse patterns of "
    "movement need a supervisor's approval for the case.",
    "Each agency's reads are deleted when its state's retention period ends, unless a legal "
    "hold with a stated basis keeps them until the hold expires.",
    "An agency sees another's reads, hits or hotlists only under a sharing agreement approved "
    "by two people, and only as its state's law allows.",
    "A hit is a lead, not grounds to act: an officer checks the image and confirms the entry "
    "with its source before any stop.",
    "Every access is recorded in a tamper-evident audit trail; supervisors and auditors review "
    "flagged searches, and this report is published for anyone to read.",
};

void Str(Writer& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

// Writes counts, each suppressed when small; the names of suppressed ones go
// to `suppressed` (prefixed with `path`).
class Publisher {
 public:
  // `also`: figures to suppress whatever their count — a region total whose
  // agency figure is suppressed would give that figure away by subtraction.
  Publisher(Writer& w, std::int64_t min_count, std::set<std::string> also = {})
      : w_(w), min_(min_count), also_(std::move(also)) {}
  void Count(std::string_view key, std::int64_t n, const std::string& path) {
    Str(w_, key);
    const std::string name = path.empty() ? std::string(key) : path + "." + std::string(key);
    if ((n > 0 && n < min_) || (n > 0 && also_.count(name) > 0)) {
      w_.Null();
      suppressed_.push_back(name);
    } else {
      w_.Int64(n);
    }
  }
  // The figures suppressed since the last call, cleared.
  std::vector<std::string> TakeSuppressed() { return std::exchange(suppressed_, {}); }
  void Map(std::string_view key, const Counts& counts) {
    Str(w_, key);
    w_.StartObject();
    for (const auto& [k, n] : counts) Count(k, n, std::string(key));
    w_.EndObject();
  }
  void Activity(const oversight::Activity& a) {
    Count("reads", a.reads, "");
    Count("hits", a.hits, "");
    Map("hits_by_list_kind", a.hits_by_list_kind);
    Map("hits_by_outcome", a.hits_by_outcome);
    std::int64_t stops = 0, arrests = 0, recoveries = 0;
    for (const auto& [k, n] : a.hits_by_outcome) {
      if (k == "stop") stops = n;
      if (k == "arrest") arrests = n;
      if (k == "recovery") recoveries = n;
    }
    Count("stops", stops, "");
    Count("arrests", arrests, "");
    Count("recoveries", recoveries, "");
    Count("searches", a.searches, "");
    Map("searches_by_purpose", a.searches_by_purpose);
    Map("searches_on_behalf_of", a.searches_on_behalf_of);
    Count("refused_searches", a.refused_searches, "");
    Map("audits", a.audits);
  }
  // Ends a scope: writes and clears the suppressed names.
  void Suppressed() {
    Str(w_, "suppressed");
    w_.StartArray();
    for (const std::string& s : suppressed_) Str(w_, s);
    w_.EndArray();
    suppressed_.clear();
  }

 private:
  Writer& w_;
  std::int64_t min_;
  std::set<std::string> also_;
  std::vector<std::string> suppressed_;
};

std::string Render(const Data& d, const Period& p, std::int64_t now, const ReportOptions& o) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  Publisher pub(w, o.min_count);
  w.StartObject();
  Str(w, "period");
  w.StartObject();
  Str(w, "from");
  Str(w, FormatDay(p.from_day));
  Str(w, "to");
  Str(w, FormatDay(p.to_day));
  w.EndObject();
  Str(w, "generated_at");
  Str(w, FormatRfc3339(now));
  Str(w, "min_count");
  w.Int64(o.min_count);

  Activity region;
  std::int64_t cameras = 0;
  // Every figure suppressed for some agency is suppressed in the region
  // total too (GOVERNANCE 27: otherwise total minus the others gives it).
  std::set<std::string> suppressed_somewhere;
  for (const Agency& a : d.agencies) {
    region.Add(a.activity);
    cameras += a.cameras;
    rapidjson::StringBuffer scratch;
    Writer sw(scratch);
    Publisher dry(sw, o.min_count);
    sw.StartObject();
    dry.Activity(a.activity);
    sw.EndObject();
    for (std::string& name : dry.TakeSuppressed()) suppressed_somewhere.insert(std::move(name));
  }
  Publisher region_pub(w, o.min_count, std::move(suppressed_somewhere));
  Str(w, "region");
  w.StartObject();
  Str(w, "agencies");
  w.Int64(static_cast<std::int64_t>(d.agencies.size()));
  Str(w, "cameras");
  w.Int64(cameras);
  region_pub.Activity(region);
  region_pub.Suppressed();
  w.EndObject();

  Str(w, "agencies");
  w.StartArray();
  for (const Agency& a : d.agencies) {
    w.StartObject();
    Str(w, "code");
    Str(w, a.code);
    Str(w, "name");
    Str(w, a.name);
    Str(w, "kind");
    Str(w, a.kind);
    Str(w, "state");
    Str(w, a.state);
    Str(w, "cameras");
    w.Int64(a.cameras);
    Str(w, "retention");
    w.StartObject();
    for (const auto& [cls, v] : a.retention) {
      Str(w, cls);
      w.StartObject();
      Str(w, "days");
      w.Int64(v.first);
      Str(w, "preset");
      Str(w, v.second);
      w.EndObject();
    }
    w.EndObject();
    Str(w, "shares_with");
    w.StartObject();
    for (const auto& [cls, partners] : a.shares_with) {
      Str(w, cls);
      w.StartArray();
      for (const std::string& x : partners) Str(w, x);
      w.EndArray();
    }
    w.EndObject();
    Str(w, "list_kinds");
    w.StartArray();
    for (const std::string& k : a.list_kinds) Str(w, k);
    w.EndArray();
    Str(w, "lists_by_kind");
    w.StartObject();
    for (const auto& [k, n] : a.lists_by_kind) {
      Str(w, k);
      w.Int64(n);
    }
    w.EndObject();
    pub.Activity(a.activity);
    pub.Suppressed();
    w.EndObject();
  }
  w.EndArray();

  Str(w, "cameras");
  w.StartArray();
  for (const Camera& c : d.cameras) {
    w.StartObject();
    Str(w, "agency");
    Str(w, c.agency);
    Str(w, "code");
    Str(w, c.code);
    Str(w, "lat");
    w.Double(c.lat);
    Str(w, "lon");
    w.Double(c.lon);
    w.EndObject();
  }
  w.EndArray();
  // The rules every use of the system is held to (GOVERNANCE, in brief).
  Str(w, "policy");
  w.StartArray();
  for (const char* rule : kPolicy) Str(w, rule);
  Str(w,
      o.default_shift.empty()
          ? std::string("Searches outside a person's registered work shift are flagged for review.")
          : fmt::format("Searches outside a person's work shift are flagged for review; for "
                        "people without a registered shift, the shift is {} local time.",
                        o.default_shift));
  w.EndArray();
  Str(w, "purposes");
  w.StartArray();
  for (const auto& [code, label] : d.allowed) {
    w.StartObject();
    Str(w, "code");
    Str(w, code);
    Str(w, "label");
    Str(w, label);
    w.EndObject();
  }
  w.EndArray();
  Str(w, "prohibited");
  w.StartArray();
  for (const auto& [code, label, why] : d.prohibited) {
    w.StartObject();
    Str(w, "code");
    Str(w, code);
    Str(w, "label");
    Str(w, label);
    Str(w, "why");
    Str(w, why);
    w.EndObject();
  }
  w.EndArray();
  Str(w, "audit");
  w.StartObject();
  Str(w, "entries");
  w.Int64(d.head.seq);
  Str(w, "head");
  Str(w, d.head.hash);
  w.EndObject();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace

std::string FormatDay(std::int64_t day) {
  return FormatRfc3339(day * kDay).substr(0, 10);
}

Result<Period> ParsePeriod(std::optional<std::string_view> from, std::optional<std::string_view> to,
                           std::int64_t now) {
  Period p;
  const std::int64_t today = UtcDay(now);
  // By default the last 30 days, today included (a live report shows today's work).
  p.to_day = today + 1;
  p.from_day = p.to_day - 30;
  for (const auto& [name, raw, target] :
       {std::tuple{"from", from, &p.from_day}, std::tuple{"to", to, &p.to_day}}) {
    if (!raw) continue;
    Result<UnixMillis> t = ParseDate(*raw);
    if (!t.ok() || raw->size() != 10)
      return Status::InvalidArgument(fmt::format("{}: a date, YYYY-MM-DD", name));
    *target = *t / kDay;
  }
  if (from && !to) p.to_day = std::min(today + 1, p.from_day + 30);
  if (to && !from) p.from_day = p.to_day - 30;
  if (p.to_day <= p.from_day) return Status::InvalidArgument("to: must be after from");
  if (p.to_day - p.from_day > kMaxDays)
    return Status::InvalidArgument(fmt::format("to: at most {} days after from", kMaxDays));
  return p;
}

Result<std::string> TransparencyReport(catalog::Database& db, const Period& period,
                                       std::int64_t now, const ReportOptions& options) {
  Data d;
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&] { return Gather(db, period, now, d); }));
  return Render(d, period, now, options);
}

}  // namespace interdict::oversight
