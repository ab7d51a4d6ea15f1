// GET /api/v1/transparency: the public part of the transparency report
// (GOVERNANCE F) that the catalog holds as configuration — who takes part,
// their cameras, retention, sharing partners, enabled list kinds, the
// purposes allowed and prohibited, and the audit chain's head. No plate, no
// user name and no case number is in any of these tables' columns read here.
// Activity figures (reads, hits, outcomes, searches by purpose) are the
// oversight report's and are added there (docs/console.md).
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <map>
#include <string>
#include <vector>

#include "audit/audit.h"
#include "base/time_format.h"
#include "policy/sharing.h"
#include "server/api.h"
#include "server/route_util.h"

namespace interdict::server {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void Str(Writer& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}
void Str(Writer& w, std::string_view key, std::string_view s) {
  Str(w, key);
  Str(w, s);
}

struct Agency {
  std::string code, name, kind, state;
  std::int64_t cameras = 0;
  std::map<std::string, std::pair<std::int64_t, std::string>> retention;  // class → days, preset
  std::map<std::string, std::vector<std::string>> shares_with;            // class → partners
  std::vector<std::string> list_kinds;
};

// Runs `sql` and calls `row` for each result row.
template <typename F>
Status EachRow(catalog::Database& db, const char* sql, F&& row) {
  Result<catalog::Statement> q = db.Prepare(sql);
  if (!q.ok()) return q.status();
  return q->ForEach(std::forward<F>(row));
}

struct Report {
  std::vector<Agency> agencies;
  std::vector<std::pair<std::string, std::string>> allowed;                   // code, label
  std::vector<std::tuple<std::string, std::string, std::string>> prohibited;  // + why
  audit::Head head;
};

Status Gather(catalog::Database& db, std::int64_t now, Report& r) {
  std::map<std::int64_t, std::size_t> index;
  INTERDICT_RETURN_IF_ERROR(
      EachRow(db, "SELECT id, code, name, kind, state FROM agencies ORDER BY code",
              [&](const catalog::Statement& q) {
                index[q.Int(0)] = r.agencies.size();
                r.agencies.push_back({q.Text(1), q.Text(2), q.Text(3), q.Text(4), 0, {}, {}, {}});
              }));
  INTERDICT_RETURN_IF_ERROR(EachRow(
      db, "SELECT agency_id, count(*) FROM cameras WHERE status = 'active' GROUP BY agency_id",
      [&](const catalog::Statement& q) { r.agencies[index.at(q.Int(0))].cameras = q.Int(1); }));
  INTERDICT_RETURN_IF_ERROR(EachRow(
      db, "SELECT agency_id, data_class, period_ms, preset FROM retention",
      [&](const catalog::Statement& q) {
        r.agencies[index.at(q.Int(0))].retention[q.Text(1)] = {q.Int(2) / 86'400'000, q.Text(3)};
      }));
  // Agreements in force now: approved, not revoked, inside their dates.
  Result<catalog::Statement> a = db.Prepare(
      "SELECT g.owner_id, g.data_class, p.code FROM agreements g "
      "JOIN agencies p ON p.id = g.partner_id WHERE " +
      policy::AgreementInForceSql("g", 1) + " ORDER BY p.code");
  if (!a.ok()) return a.status();
  a->Bind(1, now);
  INTERDICT_RETURN_IF_ERROR(a->ForEach([&](const catalog::Statement& q) {
    r.agencies[index.at(q.Int(0))].shares_with[q.Text(1)].push_back(q.Text(2));
  }));
  INTERDICT_RETURN_IF_ERROR(
      EachRow(db, "SELECT agency_id, kind FROM agency_list_kinds WHERE enabled = 1 ORDER BY kind",
              [&](const catalog::Statement& q) {
                r.agencies[index.at(q.Int(0))].list_kinds.push_back(q.Text(1));
              }));
  INTERDICT_RETURN_IF_ERROR(
      EachRow(db, "SELECT code, label, prohibited, description FROM purposes ORDER BY label",
              [&](const catalog::Statement& q) {
                if (q.Int(2) != 0) {
                  r.prohibited.emplace_back(q.Text(0), q.Text(1), q.Text(3));
                } else {
                  r.allowed.emplace_back(q.Text(0), q.Text(1));
                }
              }));
  Result<audit::Head> head = audit::CurrentHead(db);
  if (!head.ok()) return head.status();
  r.head = *head;
  return Status::Ok();
}

std::string Render(const Report& r, std::int64_t now) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  Str(w, "generated_at", FormatRfc3339(now));
  std::int64_t cameras = 0;
  for (const Agency& a : r.agencies) cameras += a.cameras;
  Str(w, "region");
  w.StartObject();
  Str(w, "agencies");
  w.Int64(static_cast<std::int64_t>(r.agencies.size()));
  Str(w, "cameras");
  w.Int64(cameras);
  w.EndObject();
  Str(w, "agencies");
  w.StartArray();
  for (const Agency& a : r.agencies) {
    w.StartObject();
    Str(w, "code", a.code);
    Str(w, "name", a.name);
    Str(w, "kind", a.kind);
    Str(w, "state", a.state);
    Str(w, "cameras");
    w.Int64(a.cameras);
    Str(w, "retention");
    w.StartObject();
    for (const auto& [cls, v] : a.retention) {
      Str(w, cls);
      w.StartObject();
      Str(w, "days");
      w.Int64(v.first);
      Str(w, "preset", v.second);
      w.EndObject();
    }
    w.EndObject();
    Str(w, "shares_with");
    w.StartObject();
    for (const auto& [cls, partners] : a.shares_with) {
      Str(w, cls);
      w.StartArray();
      for (const std::string& p : partners) Str(w, p);
      w.EndArray();
    }
    w.EndObject();
    Str(w, "list_kinds");
    w.StartArray();
    for (const std::string& k : a.list_kinds) Str(w, k);
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  Str(w, "purposes");
  w.StartArray();
  for (const auto& [code, label] : r.allowed) {
    w.StartObject();
    Str(w, "code", code);
    Str(w, "label", label);
    w.EndObject();
  }
  w.EndArray();
  Str(w, "prohibited");
  w.StartArray();
  for (const auto& [code, label, why] : r.prohibited) {
    w.StartObject();
    Str(w, "code", code);
    Str(w, "label", label);
    Str(w, "why", why);
    w.EndObject();
  }
  w.EndArray();
  Str(w, "audit");
  w.StartObject();
  Str(w, "entries");
  w.Int64(r.head.seq);
  Str(w, "head", r.head.hash);
  w.EndObject();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace

void AddTransparencyRoutes(http::Router& router, ApiContext& ctx) {
  router.Add({"GET", "/api/v1/transparency",
              http::AccessRule::Public("the public transparency report (GOVERNANCE F): "
                                       "configuration and aggregates only, no plate, person or "
                                       "case"),
              [&ctx](const http::Request&, const http::PathParams&) {
                const std::int64_t now = ctx.clock.NowMillis();
                Report report;
                Status st = ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
                  return Gather(db, now, report);
                });
                if (!st.ok()) return Failed(ctx, st, "building the transparency report failed");
                return http::Response::Json(200, Render(report, now));
              }});
}

}  // namespace interdict::server
