#include "policy/purpose.h"

#include <fmt/core.h>
#include <fmt/ranges.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <cmath>

#include "audit/audit.h"
#include "base/error_codes.h"
#include "base/json.h"
#include "base/json_writer.h"
#include "policy/places.h"

namespace interdict::policy {
namespace {

using identity::AuditAct;
using identity::Require;

// The members an audit entry gives a search's reason and its scope.
void WriteReason(json::Writer& w, const SearchReason& why) {
  json::Members(w, "purpose", why.purpose, "case", why.case_number, "offense", why.offense,
                "justification", why.justification);
}

void WriteScope(json::Writer& w, const SearchScope& scope) {
  json::Members(w, "span_ms", scope.span_ms, "agencies", scope.agencies, "pattern",
                scope.pattern_analysis, "radius_m", std::round(scope.radius_m), "places",
                scope.places, "results_today", scope.results_today, "daily_cap", scope.daily_cap,
                "on_behalf_of",
                scope.on_behalf_of.empty() ? std::nullopt : std::optional(scope.on_behalf_of));
}

// The stored list of approved places; an unreadable one approves none.
std::vector<std::string> ParsePlaces(const std::string& text) {
  std::vector<std::string> out;
  rapidjson::Document d;
  if (!json::Parse(text, &d).ok() || !d.IsArray()) return out;
  for (const rapidjson::Value& v : d.GetArray()) {
    if (v.IsString()) out.emplace_back(v.GetString(), v.GetStringLength());
  }
  return out;
}

// Why the approval `why` names does not cover this search ("" when it does).
Result<std::string> ApprovalProblem(catalog::Database& db, const identity::Principal& p,
                                    const SearchReason& why, const SearchScope& scope,
                                    std::int64_t now) {
  Result<catalog::Statement> q = db.Query(
      "SELECT requested_by, case_number, max_span_ms, max_agencies, pattern_analysis, "
      "expires_at, max_radius_m, places, coalesce(max_daily_results, 0), "
      "coalesce(on_behalf_of, '') FROM approvals WHERE id = ?1 AND agency_id = ?2 AND "
      "approved_at IS NOT NULL",
      *why.approval, p.agency_id);
  if (!q.ok()) return q.status();
  if (!q->has_row()) return std::string("no such approval, or not approved yet");
  if (q->Int(0) != p.id) return std::string("the approval was given to someone else");
  if (q->Text(1) != why.case_number) return std::string("the approval is for another case");
  if (now >= q->Int(5)) return std::string("the approval has expired");
  const double radius = q->IsNull(6) ? kDefaultMaxRadiusM : q->Real(6);
  if (scope.span_ms > q->Int(2) || static_cast<std::int64_t>(scope.agencies) > q->Int(3) ||
      (scope.pattern_analysis && q->Int(4) == 0) || scope.radius_m > radius) {
    return std::string("the search is wider than what was approved");
  }
  if (scope.daily_cap > 0 && scope.results_today >= scope.daily_cap &&
      scope.results_today >= q->Int(8)) {
    return fmt::format("the approval does not allow more than {} results in 24 hours",
                       std::max(scope.daily_cap, q->Int(8)));
  }
  if (scope.on_behalf_of != q->Text(9)) {
    return scope.on_behalf_of.empty()
               ? fmt::format("the approval is for a search on behalf of {}", q->Text(9))
               : fmt::format("the approval is not for a search on behalf of {}",
                             scope.on_behalf_of);
  }
  const std::vector<std::string> approved = ParsePlaces(q->Text(7));
  std::vector<std::string> missing;
  for (const std::string& name : scope.places) {
    if (std::find(approved.begin(), approved.end(), name) == approved.end())
      missing.push_back(name);
  }
  if (!missing.empty()) {
    return fmt::format("the approval does not name the protected places {}",
                       fmt::join(missing, "; "));
  }
  return std::string();
}

// Checks the fields every search must carry; the purpose's row, if it exists.
Result<std::optional<Purpose>> CheckFields(catalog::Database& db, const SearchReason& why) {
  if (why.case_number.empty() || why.case_number.size() > 64)
    return Status::InvalidArgument("case_number: the case or incident number, 1 to 64 bytes");
  if (why.offense.empty() || why.offense.size() > 100)
    return Status::InvalidArgument("offense: the offense type, 1 to 100 bytes");
  if (why.justification.size() < kMinJustification || why.justification.size() > 2000) {
    return Status::InvalidArgument(
        fmt::format("justification: why this search, in {} to 2000 bytes", kMinJustification));
  }
  Result<catalog::Statement> q = db.Query(
      "SELECT code, label, description, prohibited FROM purposes WHERE code = ?1", why.purpose);
  if (!q.ok()) return q.status();
  if (!q->has_row()) {
    return Status::InvalidArgument(
        fmt::format("purpose: {} is not in the vocabulary (GET /api/v1/purposes)", why.purpose));
  }
  return std::optional<Purpose>(Purpose{q->Text(0), q->Text(1), q->Text(2), q->Int(3) != 0});
}

}  // namespace

Result<std::vector<Purpose>> ListPurposes(catalog::Database& db) {
  return db.List<Purpose>(
      "SELECT code, label, description, prohibited FROM purposes ORDER BY prohibited, code",
      [&](const catalog::Statement& r) {
        return Purpose{r.Text(0), r.Text(1), r.Text(2), r.Int(3) != 0};
      });
}

Status SetPurpose(catalog::Database& db, const Purpose& purpose, std::int64_t now) {
  const auto ok_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  };
  if (purpose.code.empty() || purpose.code.size() > 40 ||
      !std::all_of(purpose.code.begin(), purpose.code.end(), ok_char)) {
    return Status::InvalidArgument("code: 1 to 40 characters of a-z, 0-9 and '-'");
  }
  if (purpose.label.empty() || purpose.label.size() > 100)
    return Status::InvalidArgument("label: 1 to 100 bytes");
  if (purpose.description.empty() || purpose.description.size() > 500)
    return Status::InvalidArgument("description: 1 to 500 bytes");
  return db.Transaction([&]() -> Status {
    Result<catalog::Statement> q =
        db.Query("SELECT prohibited FROM purposes WHERE code = ?1", purpose.code);
    if (!q.ok()) return q.status();
    if (q->has_row() && q->Int(0) != 0 && !purpose.prohibited) {
      return Status::FailedPrecondition(
          fmt::format("{} is a prohibited purpose and stays prohibited", purpose.code));
    }
    Result<catalog::Statement> up = db.Prepare(
        "INSERT INTO purposes (code, label, prohibited, description) VALUES (?1, ?2, ?3, ?4) "
        "ON CONFLICT (code) DO UPDATE SET label = excluded.label, prohibited = "
        "excluded.prohibited, description = excluded.description");
    if (!up.ok()) return up.status();
    up->Bind(1, purpose.code).Bind(2, purpose.label);
    up->Bind(3, std::int64_t{purpose.prohibited ? 1 : 0}).Bind(4, purpose.description);
    INTERDICT_RETURN_IF_ERROR(up->Run());
    audit::Entry e;
    e.time = now;
    e.actor = "operator";
    e.event = "purpose.set";
    e.details = json::Object("code", purpose.code, "label", purpose.label, "prohibited",
                             purpose.prohibited);
    return audit::Append(db, e);
  });
}

std::string ApprovalNeededFor(const SearchScope& scope) {
  std::vector<std::string> why;
  if (scope.pattern_analysis) why.push_back("pattern analyses need a supervisor's approval");
  if (scope.span_ms > kDefaultMaxSpanMs)
    why.push_back("searches over more than 30 days need a supervisor's approval");
  if (scope.agencies > 1) why.push_back("searches beyond one agency need a supervisor's approval");
  if (scope.radius_m > kDefaultMaxRadiusM) {
    why.push_back(fmt::format(
        "areas wider than {:.0f} m in radius need a supervisor's approval of the radius",
        kDefaultMaxRadiusM));
  }
  if (!scope.places.empty()) {
    why.push_back(fmt::format(
        "the area touches protected places ({}): it needs a supervisor's approval naming them",
        fmt::join(scope.places, "; ")));
  }
  if (scope.daily_cap > 0 && scope.results_today >= scope.daily_cap) {
    why.push_back(fmt::format(
        "you have had {} results in the last 24 hours, and past {} further searches need a "
        "supervisor's approval (no bulk pulls)",
        scope.results_today, scope.daily_cap));
  }
  if (!scope.on_behalf_of.empty()) {
    why.push_back(
        fmt::format("a search on behalf of {} needs a supervisor's approval naming that agency",
                    scope.on_behalf_of));
  }
  return fmt::format("{}", fmt::join(why, "; "));
}

Status CheckSearch(catalog::Database& db, const identity::Principal& p, const SearchReason& why,
                   const SearchScope& scope, std::int64_t now) {
  Result<std::optional<Purpose>> purpose = CheckFields(db, why);
  if (!purpose.ok()) return purpose.status();
  if ((*purpose)->prohibited) {
    // Refused whatever else the request says, and on the record.
    INTERDICT_RETURN_IF_ERROR(db.Transaction([&] {
      return AuditAct(db, p, "search.refused", false, json::Write([&](json::Writer& w) {
                        w.StartObject();
                        WriteReason(w, why);
                        json::Members(w, "reason", "prohibited purpose");
                        w.EndObject();
                      }),
                      now);
    }));
    return Status::PermissionDenied(fmt::format("purpose {} is prohibited: {}", (*purpose)->code,
                                                (*purpose)->description))
        .WithReason(codes::kPurposeProhibited);
  }
  const std::string needed = ApprovalNeededFor(scope);
  if (needed.empty()) return Status::Ok();
  std::string problem;
  if (!why.approval) {
    problem = needed + "; name an approval in force";
  } else {
    Result<std::string> p_or = ApprovalProblem(db, p, why, scope, now);
    if (!p_or.ok()) return p_or.status();
    if (!p_or->empty()) problem = fmt::format("approval {}: {}", *why.approval, *p_or);
  }
  if (problem.empty()) return Status::Ok();
  // Refused before anything ran, and on the record with what it would have
  // touched: the review queue sees attempts at protected places too.
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&] {
    return AuditAct(db, p, "search.refused", false, json::Write([&](json::Writer& w) {
                      w.StartObject();
                      WriteReason(w, why);
                      json::Members(w, "approval", why.approval, "reason", problem);
                      WriteScope(w, scope);
                      w.EndObject();
                    }),
                    now);
  }));
  // No approval named: ask for one; one named that does not cover it: a
  // wider one (the message says what is missing).
  return Status::PermissionDenied(problem).WithReason(why.approval ? codes::kApprovalInsufficient
                                                                   : codes::kApprovalRequired);
}

Result<std::int64_t> RequestApproval(catalog::Database& db, const identity::Principal& p,
                                     const SearchReason& why, const SearchScope& scope,
                                     std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "search.reads"));
  Result<std::optional<Purpose>> purpose = CheckFields(db, why);
  if (!purpose.ok()) return purpose.status();
  if ((*purpose)->prohibited)
    return Status::PermissionDenied(fmt::format("purpose {} is prohibited", (*purpose)->code))
        .WithReason(codes::kPurposeProhibited);
  if (scope.daily_cap < 0 || scope.daily_cap > 1'000'000)
    return Status::InvalidArgument("max_daily_results: 0 (the default cap) to 1000000");
  if (scope.on_behalf_of.size() > 64)
    return Status::InvalidArgument("on_behalf_of: an agency code");
  if (!(scope.radius_m >= 0 && scope.radius_m <= 50'000))
    return Status::InvalidArgument("max_radius_m: 0 (the default) to 50000 metres");
  if (scope.places.size() > 100)
    return Status::InvalidArgument("places: at most 100 protected places in one approval");
  for (std::size_t i = 0; i < scope.places.size(); ++i) {
    if (scope.places[i].empty() || scope.places[i].size() > 200)
      return Status::InvalidArgument(fmt::format("places[{}]: a place's name, 1 to 200 bytes", i));
  }
  std::int64_t id = 0;
  Status st = db.Transaction([&]() -> Status {
    Result<catalog::Statement> ins = db.Prepare(
        "INSERT INTO approvals (agency_id, requested_by, purpose, case_number, offense, "
        "justification, max_span_ms, max_agencies, pattern_analysis, requested_at, "
        "max_radius_m, places, max_daily_results, on_behalf_of) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
        "?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) RETURNING id");
    if (!ins.ok()) return ins.status();
    ins->Bind(1, p.agency_id).Bind(2, p.id).Bind(3, why.purpose).Bind(4, why.case_number);
    ins->Bind(5, why.offense).Bind(6, why.justification).Bind(7, scope.span_ms);
    ins->Bind(8, static_cast<std::int64_t>(scope.agencies));
    ins->Bind(9, std::int64_t{scope.pattern_analysis ? 1 : 0}).Bind(10, now);
    if (scope.radius_m > 0) {
      ins->BindReal(11, scope.radius_m);
    } else {
      ins->BindNull(11);
    }
    ins->Bind(12, json::Array(scope.places));
    if (scope.daily_cap > 0) {
      ins->Bind(13, scope.daily_cap);
    } else {
      ins->BindNull(13);
    }
    if (scope.on_behalf_of.empty()) {
      ins->BindNull(14);
    } else {
      ins->Bind(14, scope.on_behalf_of);
    }
    Result<std::int64_t> inserted = ins->RunReturningId();
    if (!inserted.ok()) return inserted.status();
    id = *inserted;
    return AuditAct(db, p, "approval.request", true, json::Write([&](json::Writer& w) {
                      w.StartObject();
                      json::Members(w, "approval", id);
                      WriteReason(w, why);
                      WriteScope(w, scope);
                      w.EndObject();
                    }),
                    now);
  });
  if (!st.ok()) return st;
  return id;
}

Result<std::vector<ApprovalInfo>> ListApprovals(catalog::Database& db, const identity::Principal& p,
                                                std::int64_t since) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "search.reads"));
  Result<catalog::Statement> q = db.Prepare(
      "SELECT a.id, r.username, a.purpose, a.case_number, a.offense, a.justification, "
      "a.max_span_ms, a.max_agencies, a.pattern_analysis, a.requested_at, "
      "coalesce(v.username, ''), a.approved_at, a.expires_at, coalesce(a.max_radius_m, 0), "
      "a.places, coalesce(a.max_daily_results, 0), coalesce(a.on_behalf_of, '') FROM approvals a "
      "JOIN users r ON r.id = a.requested_by LEFT JOIN users v ON v.id = a.approved_by "
      "WHERE a.agency_id = ?1 AND a.requested_at >= ?2 AND (?3 OR a.requested_by = ?4) "
      "ORDER BY a.id DESC LIMIT 200");
  if (!q.ok()) return q.status();
  q->Bind(1, p.agency_id).Bind(2, since);
  q->Bind(3, std::int64_t{p.Can("search.approve") ? 1 : 0}).Bind(4, p.id);
  std::vector<ApprovalInfo> out;
  INTERDICT_RETURN_IF_ERROR(q->ForEach([&](const catalog::Statement& row) {
    ApprovalInfo a;
    a.id = row.Int(0);
    a.requested_by = row.Text(1);
    a.reason = {row.Text(2), row.Text(3), row.Text(4), row.Text(5), std::nullopt, ""};
    a.scope.span_ms = row.Int(6);
    a.scope.agencies = static_cast<std::size_t>(row.Int(7));
    a.scope.pattern_analysis = row.Int(8) != 0;
    a.requested_at = row.Int(9);
    a.approved_by = row.Text(10);
    a.approved_at = row.OptionalInt(11);
    a.expires_at = row.OptionalInt(12);
    a.scope.radius_m = row.Real(13);
    a.scope.places = ParsePlaces(row.Text(14));
    a.scope.daily_cap = row.Int(15);
    a.scope.on_behalf_of = row.Text(16);
    out.push_back(std::move(a));
  }));
  return out;
}

Status Approve(catalog::Database& db, const identity::Principal& p, std::int64_t id,
               std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "search.approve"));
  Status refusal = Status::Ok();
  Status st = db.Transaction([&]() -> Status {
    Result<catalog::Statement> q = db.Query(
        "SELECT requested_by, approved_at IS NOT NULL FROM approvals WHERE id = ?1 AND "
        "agency_id = ?2",
        id, p.agency_id);
    if (!q.ok()) return q.status();
    if (!q->has_row())
      return Status::NotFound(fmt::format("no approval request {} in {}", id, p.agency_code));
    if (q->Int(1) != 0)
      return Status::FailedPrecondition(fmt::format("request {} is already approved", id));
    if (q->Int(0) == p.id) {
      refusal = Status::PermissionDenied("a supervisor cannot approve their own search")
                    .WithReason(codes::kSecondPersonRequired);
      return AuditAct(db, p, "approval.approve", false,
                      json::Object("approval", id, "reason", "own request"), now);
    }
    Result<catalog::Statement> up = db.Prepare(
        "UPDATE approvals SET approved_by = ?1, approved_at = ?2, expires_at = ?3 WHERE id = ?4");
    if (!up.ok()) return up.status();
    up->Bind(1, p.id).Bind(2, now).Bind(3, now + kApprovalValidityMs).Bind(4, id);
    INTERDICT_RETURN_IF_ERROR(up->Run());
    return AuditAct(db, p, "approval.approve", true, json::Object("approval", id), now);
  });
  if (!st.ok()) return st;
  return refusal;
}

}  // namespace interdict::policy
