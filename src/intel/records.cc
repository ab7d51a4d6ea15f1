#include "intel/records.h"

#include <fmt/core.h>

#include <algorithm>
#include <set>

#include "audit/audit.h"
#include "base/delimited.h"
#include "base/json_writer.h"
#include "base/time_format.h"
#include "base/utf8.h"
#include "intel/match_keys.h"
#include "policy/sharing.h"

namespace interdict::intel {

extern const char kFirstAmendmentTermsCsv[];

namespace {

using identity::AuditAct;
using identity::Require;

constexpr int kListLimit = 500;

const std::vector<std::string>& Terms() {
  static const std::vector<std::string> terms = [] {
    std::vector<std::string> t;
    for (const auto& row : TableRows(kFirstAmendmentTermsCsv)) t.push_back(row[0]);
    return t;
  }();
  return terms;
}

bool IsOneOf(std::string_view v, std::initializer_list<std::string_view> options) {
  return std::find(options.begin(), options.end(), v) != options.end();
}

constexpr std::string_view kColumns =
    "r.id, a.code, r.subject_kind, r.subject, r.activity, r.predicate, r.narrative, r.source, "
    "r.reliability, coalesce(r.first_amendment, ''), coalesce(r.approval_statement, ''), "
    "r.state, r.submitted_at, s.username, r.approved_at, coalesce(v.username, ''), "
    "r.validated_at, r.review_due_at, r.purged_at, r.agency_id, r.submitted_by FROM "
    "intel_records r JOIN agencies a ON a.id = r.agency_id JOIN users s ON s.id = "
    "r.submitted_by LEFT JOIN users v ON v.id = r.approved_by ";

IntelRecord FromRow(const catalog::Statement& q) {
  IntelRecord r;
  r.id = q.Int(0);
  r.agency = q.Text(1);
  r.subject_kind = q.Text(2);
  r.subject = q.Text(3);
  r.activity = q.Text(4);
  r.predicate = q.Text(5);
  r.narrative = q.Text(6);
  r.source = q.Text(7);
  r.reliability = q.Text(8);
  r.first_amendment = q.Text(9);
  r.approval_statement = q.Text(10);
  r.state = q.Text(11);
  r.submitted_at = q.Int(12);
  r.submitted_by = q.Text(13);
  r.approved_at = q.OptionalInt(14);
  r.approved_by = q.Text(15);
  r.validated_at = q.Int(16);
  r.review_due_at = q.Int(17);
  r.purged_at = q.OptionalInt(18);
  return r;
}

// The record as `p` may see it: nullopt when not at all.
struct Seen {
  IntelRecord record;
  std::int64_t agency = 0, submitter = 0;
};
Result<std::optional<Seen>> Load(catalog::Database& db, std::int64_t id) {
  Result<catalog::Statement> q = db.Query(fmt::format("SELECT {}WHERE r.id = ?1", kColumns), id);
  if (!q.ok()) return q.status();
  if (!q->has_row()) return std::optional<Seen>();
  return std::optional<Seen>(Seen{FromRow(*q), q->Int(19), q->Int(20)});
}

Result<bool> MaySee(catalog::Database& db, const identity::Principal& p, const Seen& s) {
  if (s.record.state == "refused") return false;
  if (s.agency == p.agency_id) {
    if (s.record.state == "submitted") return s.submitter == p.id || p.Can("intel.approve");
    return p.Can("intel.read");
  }
  if (s.record.state != "approved" || !p.Can("intel.read")) return false;
  Result<catalog::Statement> q =
      db.Query("SELECT 1 FROM intel_disseminations WHERE record_id = ?1 AND to_user_id = ?2",
               s.record.id, p.id);
  if (!q.ok()) return q.status();
  return q->has_row();
}

// A record just written by the caller, as it now stands (no audit entry:
// the act's own is written).
Result<IntelRecord> Written(catalog::Database& db, std::int64_t id) {
  Result<std::optional<Seen>> s = Load(db, id);
  if (!s.ok()) return s.status();
  if (!*s) return Status::Internal(fmt::format("intelligence record {} just written is gone", id));
  return std::move((*s)->record);
}

// The agency's own record in `state` (NotFound otherwise, naming it).
Result<Seen> Own(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                 std::initializer_list<std::string_view> states) {
  Result<std::optional<Seen>> s = Load(db, id);
  if (!s.ok()) return s.status();
  if (!*s || (*s)->agency != p.agency_id || !IsOneOf((*s)->record.state, states))
    return Status::NotFound(
        fmt::format("no {} intelligence record {} of {}", *states.begin(), id, p.agency_code));
  return std::move(**s);
}

// Destroys a record's content, tells every agency it went to, inside the
// caller's transaction.
Status Purge(catalog::Database& db, std::int64_t id, std::string_view owner_code,
             std::string_view by, std::string_view reason, std::int64_t now) {
  Result<catalog::Statement> up = db.Query(
      "UPDATE intel_records SET subject = '', activity = '', predicate = '', narrative = '', "
      "source = '', first_amendment = NULL, approval_statement = NULL, state = 'purged', "
      "purged_at = ?2, purged_by = ?3 WHERE id = ?1",
      id, now, std::string(by));
  if (!up.ok()) return up.status();
  Result<catalog::Statement> to = db.Prepare(
      "SELECT DISTINCT to_agency_id, recipient, at FROM intel_disseminations WHERE record_id = ?1 "
      "AND to_agency_id IS NOT NULL");
  if (!to.ok()) return to.status();
  to->Bind(1, id);
  std::vector<std::tuple<std::int64_t, std::string, std::int64_t>> told;
  INTERDICT_RETURN_IF_ERROR(to->ForEach(
      [&](const catalog::Statement& r) { told.emplace_back(r.Int(0), r.Text(1), r.Int(2)); }));
  for (const auto& [agency, recipient, at] : told) {
    INTERDICT_RETURN_IF_ERROR(policy::AddNotice(
        db, agency, "intelligence",
        fmt::format("Criminal intelligence record {} of {}, disseminated to {} on {}, was purged "
                    "({}). Destroy every copy you hold (28 CFR 23.20(h)).",
                    id, owner_code, recipient, FormatRfc3339(at).substr(0, 10), reason),
        "", now));
  }
  return Status::Ok();
}

}  // namespace

std::vector<std::string> FirstAmendmentTerms(std::string_view text) {
  // Lower-case ASCII words separated by single spaces, padded: " a b c ".
  std::string words = " ";
  for (char c : FoldToAscii(text)) {
    const bool alnum = std::isalnum(static_cast<unsigned char>(c));
    if (alnum)
      words += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    else if (words.back() != ' ')
      words += ' ';
  }
  if (words.back() != ' ') words += ' ';
  std::vector<std::string> found;
  for (const std::string& term : Terms())
    if (words.find(" " + term + " ") != std::string::npos) found.push_back(term);
  return found;
}

Result<IntelRecord> SubmitRecord(catalog::Database& db, const identity::Principal& p,
                                 const RecordRequest& r, std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "intel.submit"));
  if (!IsOneOf(r.subject_kind, {"person", "organization", "vehicle"}))
    return Status::InvalidArgument("subject_kind: person, organization or vehicle");
  INTERDICT_RETURN_IF_ERROR(CheckTextField("subject", r.subject, 1, 2000, true));
  INTERDICT_RETURN_IF_ERROR(CheckTextField("activity", r.activity, 1, 200));
  if (Status st = CheckTextField("predicate", r.predicate, 100, 4000, true); !st.ok())
    return Status::InvalidArgument(
        st.message() +
        ": the criminal predicate — the suspected criminal activity and the reasonable "
        "suspicion for it, written out (28 CFR 23.20(a), (c))");
  INTERDICT_RETURN_IF_ERROR(CheckTextField("narrative", r.narrative, 0, 8000, true));
  INTERDICT_RETURN_IF_ERROR(CheckTextField("source", r.source, 1, 200));
  if (!IsOneOf(r.reliability, {"reliable", "usually_reliable", "unknown", "unreliable"}))
    return Status::InvalidArgument(
        "reliability: reliable, usually_reliable, unknown or unreliable");
  const std::vector<std::string> terms =
      FirstAmendmentTerms(r.subject + "\n" + r.activity + "\n" + r.predicate + "\n" + r.narrative);
  if (!terms.empty() && TrimBlanks(r.first_amendment).empty()) {
    std::string list;
    for (const std::string& t : terms) list += (list.empty() ? "\"" : ", \"") + t + "\"";
    return Status::InvalidArgument(fmt::format(
        "first_amendment: the record speaks of {} — information about political, religious or "
        "social views, associations or activities may be kept only when it relates directly to "
        "the criminal conduct; say how, or take it out (28 CFR 23.20(b))",
        list));
  }
  if (!r.first_amendment.empty())
    INTERDICT_RETURN_IF_ERROR(CheckTextField("first_amendment", r.first_amendment, 50, 2000, true));
  std::int64_t id = 0;
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
    Result<catalog::Statement> ins = db.Prepare(
        "INSERT INTO intel_records (agency_id, subject_kind, subject, activity, predicate, "
        "narrative, source, reliability, first_amendment, state, submitted_at, submitted_by, "
        "validated_at, review_due_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'submitted', "
        "?10, ?11, ?10, ?12) RETURNING id");
    if (!ins.ok()) return ins.status();
    ins->Bind(1, p.agency_id).Bind(2, r.subject_kind).Bind(3, r.subject).Bind(4, r.activity);
    ins->Bind(5, r.predicate).Bind(6, r.narrative).Bind(7, r.source).Bind(8, r.reliability);
    ins->Bind(9, r.first_amendment.empty() ? std::nullopt
                                           : std::optional<std::string>(r.first_amendment));
    ins->Bind(10, now).Bind(11, p.id).Bind(12, now + kRecordReviewMs);
    Result<std::int64_t> made = ins->RunReturningId();
    if (!made.ok()) return made.status();
    id = *made;
    return AuditAct(
        db, p, "intel.submit", true,
        json::Object("record", id, "subject_kind", r.subject_kind, "activity", r.activity,
                     "predicate_chars", static_cast<std::int64_t>(Utf8Length(r.predicate)),
                     "first_amendment", !r.first_amendment.empty(), "terms", terms),
        now);
  }));
  return Written(db, id);
}

Result<IntelRecord> ApproveRecord(catalog::Database& db, const identity::Principal& p,
                                  std::int64_t id, std::string_view statement, std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "intel.approve"));
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
    Result<Seen> s = Own(db, p, id, {"submitted"});
    if (!s.ok()) return s.status();
    if (s->submitter == p.id)
      return Status::PermissionDenied(
          "a record is approved by a supervisor who did not submit it (28 CFR 23.20(d))");
    const bool first_amendment = !s->record.first_amendment.empty();
    if (first_amendment) {
      if (Status st = CheckTextField("statement", statement, 50, 2000, true); !st.ok())
        return Status::InvalidArgument(
            st.message() +
            ": the record holds first-amendment information; state in your own words how it "
            "relates directly to the criminal conduct");
    }
    Result<catalog::Statement> up = db.Query(
        "UPDATE intel_records SET state = 'approved', approved_at = ?2, approved_by = ?3, "
        "approval_statement = ?4 WHERE id = ?1",
        id, now, p.id,
        first_amendment ? std::optional<std::string>(std::string(statement)) : std::nullopt);
    if (!up.ok()) return up.status();
    return AuditAct(db, p, "intel.approve", true,
                    json::Object("record", id, "first_amendment", first_amendment), now);
  }));
  return Written(db, id);
}

Status RefuseRecord(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                    std::string_view reason, std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "intel.approve"));
  INTERDICT_RETURN_IF_ERROR(CheckTextField("reason", reason, 10, 1000, true));
  return db.Transaction([&]() -> Status {
    Result<Seen> s = Own(db, p, id, {"submitted"});
    if (!s.ok()) return s.status();
    Result<catalog::Statement> up = db.Query(
        "UPDATE intel_records SET subject = '', activity = '', predicate = '', narrative = '', "
        "source = '', first_amendment = NULL, state = 'refused', refused_at = ?2, refused_by = "
        "?3, refusal = ?4 WHERE id = ?1",
        id, now, p.id, std::string(reason));
    if (!up.ok()) return up.status();
    return AuditAct(db, p, "intel.refuse", true, json::Object("record", id, "reason", reason), now);
  });
}

Result<std::vector<IntelRecord>> ListRecords(catalog::Database& db, const identity::Principal& p) {
  if (!p.Can("intel.read") && !p.Can("intel.submit") && !p.Can("intel.approve"))
    return Status::PermissionDenied("needs the intel.read permission");
  Result<catalog::Statement> q = db.Prepare(fmt::format(
      "SELECT {}WHERE (r.agency_id = ?1 AND r.state IN ('submitted', 'approved', 'purged')) OR "
      "(r.state = 'approved' AND r.id IN (SELECT record_id FROM intel_disseminations WHERE "
      "to_user_id = ?2)) ORDER BY r.id DESC LIMIT {}",
      kColumns, kListLimit));
  if (!q.ok()) return q.status();
  q->Bind(1, p.agency_id).Bind(2, p.id);
  std::vector<Seen> rows;
  INTERDICT_RETURN_IF_ERROR(q->ForEach([&](const catalog::Statement& r) {
    rows.push_back({FromRow(r), r.Int(19), r.Int(20)});
  }));
  std::vector<IntelRecord> out;
  for (Seen& s : rows) {
    Result<bool> may = MaySee(db, p, s);
    if (!may.ok()) return may.status();
    if (*may) out.push_back(std::move(s.record));
  }
  return out;
}

Result<IntelRecord> GetRecord(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                              std::int64_t now) {
  Result<std::optional<Seen>> s = Load(db, id);
  if (!s.ok()) return s.status();
  bool may = false;
  if (*s) {
    Result<bool> m = MaySee(db, p, **s);
    if (!m.ok()) return m.status();
    may = *m;
  }
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
    return AuditAct(db, p, "intel.read", may, json::Object("record", id), now,
                    *s ? std::vector<std::int64_t>{(*s)->agency} : std::vector<std::int64_t>{});
  }));
  if (!may)
    return Status::NotFound(
        fmt::format("no intelligence record {} that {} may see", id, p.agency_code));
  return std::move((*s)->record);
}

Result<IntelRecord> UpdateSubject(catalog::Database& db, const identity::Principal& p,
                                  std::int64_t id, std::string_view subject, std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "intel.submit"));
  INTERDICT_RETURN_IF_ERROR(CheckTextField("subject", subject, 1, 2000, true));
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
    Result<Seen> s = Own(db, p, id, {"submitted", "approved"});
    if (!s.ok()) return s.status();
    Result<catalog::Statement> up =
        db.Query("UPDATE intel_records SET subject = ?2 WHERE id = ?1", id, std::string(subject));
    if (!up.ok()) return up.status();
    return AuditAct(db, p, "intel.update", true, json::Object("record", id, "field", "subject"),
                    now);
  }));
  return Written(db, id);
}

Result<Dissemination> Disseminate(catalog::Database& db, const identity::Principal& p,
                                  std::int64_t id, std::string_view username,
                                  std::string_view purpose, std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "intel.read"));
  INTERDICT_RETURN_IF_ERROR(CheckTextField("purpose", purpose, 20, 1000, true));
  Dissemination d;
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
    Result<Seen> s = Own(db, p, id, {"approved"});
    if (!s.ok()) return s.status();
    Result<catalog::Statement> who =
        db.Query("SELECT id, display_name FROM users WHERE username = ?1 AND disabled_at IS NULL",
                 std::string(username));
    if (!who.ok()) return who.status();
    if (!who->has_row())
      return Status::InvalidArgument(fmt::format("to: no active user {}", username));
    const std::string name = who->Text(1);
    // The recipient as a principal: its agency, and its own permissions by role.
    Result<identity::Principal> recipient = identity::Accounts(db, {}).UserPrincipal(who->Int(0));
    if (!recipient.ok()) return recipient.status();
    const std::int64_t user = recipient->id, agency = recipient->agency_id;
    const std::string code = recipient->agency_code;
    if (!recipient->Can("intel.read"))
      return Status::PermissionDenied(fmt::format(
          "{} may not receive criminal intelligence (no intel.read): no need to know by role",
          username));
    std::optional<std::int64_t> agreement;
    if (agency != p.agency_id) {
      Result<catalog::Statement> g = db.Query(
          "SELECT g.id FROM agreements g WHERE g.owner_id = ?1 AND g.partner_id = ?2 AND "
          "g.data_class = 'intelligence' AND " +
              policy::AgreementInForceSql("g", 3),
          p.agency_id, agency, now);
      if (!g.ok()) return g.status();
      if (!g->has_row())
        return Status::PermissionDenied(fmt::format(
            "{} shares no criminal intelligence with {}: no right to know (28 CFR 23.20(e))",
            p.agency_code, code));
      agreement = g->Int(0);
    }
    d.recipient = fmt::format("{} ({}, {})", name, username, code);
    Result<catalog::Statement> ins = db.Prepare(
        "INSERT INTO intel_disseminations (record_id, to_user_id, to_agency_id, recipient, "
        "purpose, agreement_id, imminent_danger, at, by_user) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, "
        "?7, ?8) RETURNING id");
    if (!ins.ok()) return ins.status();
    ins->Bind(1, id).Bind(2, user).Bind(3, agency).Bind(4, d.recipient).Bind(5, purpose);
    ins->Bind(6, agreement).Bind(7, now).Bind(8, p.Actor());
    Result<std::int64_t> made = ins->RunReturningId();
    if (!made.ok()) return made.status();
    d = {*made, id, d.recipient, code, std::string(purpose), p.Actor(), false, now};
    INTERDICT_RETURN_IF_ERROR(policy::AddNotice(
        db, agency, "intelligence",
        fmt::format("{} of {} disseminated criminal intelligence record {} to {}.", p.name,
                    p.agency_code, id, name),
        "", now));
    return AuditAct(db, p, "intel.disseminate", true,
                    json::Object("record", id, "to", username, "agency", code, "purpose", purpose),
                    now, {p.agency_id, agency});
  }));
  return d;
}

Result<Dissemination> DiscloseImminentDanger(catalog::Database& db, const identity::Principal& p,
                                             std::int64_t id, std::string_view recipient,
                                             std::string_view reason, std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "intel.read"));
  INTERDICT_RETURN_IF_ERROR(CheckTextField("recipient", recipient, 3, 300));
  INTERDICT_RETURN_IF_ERROR(CheckTextField("reason", reason, 20, 2000, true));
  Dissemination d;
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
    Result<Seen> s = Own(db, p, id, {"approved"});
    if (!s.ok()) return s.status();
    Result<catalog::Statement> ins = db.Prepare(
        "INSERT INTO intel_disseminations (record_id, recipient, purpose, imminent_danger, at, "
        "by_user) VALUES (?1, ?2, ?3, 1, ?4, ?5) RETURNING id");
    if (!ins.ok()) return ins.status();
    ins->Bind(1, id).Bind(2, recipient).Bind(3, reason).Bind(4, now).Bind(5, p.Actor());
    Result<std::int64_t> made = ins->RunReturningId();
    if (!made.ok()) return made.status();
    d = {*made, id, std::string(recipient), "", std::string(reason), p.Actor(), true, now};
    return AuditAct(db, p, "intel.disclose", true,
                    json::Object("record", id, "recipient", recipient, "reason", reason), now);
  }));
  return d;
}

Result<std::vector<Dissemination>> DisseminationLog(catalog::Database& db,
                                                    const identity::Principal& p, std::int64_t id) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "intel.read"));
  Result<Seen> s = Own(db, p, id, {"approved", "purged"});
  if (!s.ok()) return s.status();
  Result<catalog::Statement> q = db.Prepare(
      "SELECT d.id, d.recipient, coalesce(a.code, ''), d.purpose, d.by_user, d.imminent_danger, "
      "d.at FROM intel_disseminations d LEFT JOIN agencies a ON a.id = d.to_agency_id WHERE "
      "d.record_id = ?1 ORDER BY d.at, d.id");
  if (!q.ok()) return q.status();
  q->Bind(1, id);
  std::vector<Dissemination> out;
  INTERDICT_RETURN_IF_ERROR(q->ForEach([&](const catalog::Statement& r) {
    out.push_back(
        {r.Int(0), id, r.Text(1), r.Text(2), r.Text(3), r.Text(4), r.Int(5) != 0, r.Int(6)});
  }));
  return out;
}

Result<IntelRecord> RevalidateRecord(catalog::Database& db, const identity::Principal& p,
                                     std::int64_t id, std::string_view justification,
                                     std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "intel.approve"));
  INTERDICT_RETURN_IF_ERROR(CheckTextField("justification", justification, 50, 2000, true));
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
    Result<Seen> s = Own(db, p, id, {"approved"});
    if (!s.ok()) return s.status();
    Result<catalog::Statement> last = db.Query(
        "SELECT justification FROM intel_validations WHERE record_id = ?1 ORDER BY at DESC LIMIT "
        "1",
        id);
    if (!last.ok()) return last.status();
    if (last->has_row() && TrimBlanks(last->Text(0)) == TrimBlanks(justification))
      return Status::InvalidArgument(
          "justification: a re-validation needs a new justification, not the last one");
    Result<catalog::Statement> ins = db.Query(
        "INSERT INTO intel_validations (record_id, at, by_user, justification) VALUES (?1, ?2, "
        "?3, ?4)",
        id, now, p.Actor(), std::string(justification));
    if (!ins.ok()) return ins.status();
    Result<catalog::Statement> up = db.Query(
        "UPDATE intel_records SET validated_at = ?2, review_due_at = ?3, review_noted_at = NULL "
        "WHERE id = ?1",
        id, now, now + kRecordReviewMs);
    if (!up.ok()) return up.status();
    return AuditAct(db, p, "intel.revalidate", true, json::Object("record", id), now);
  }));
  return Written(db, id);
}

Status PurgeRecord(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                   std::string_view reason, std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "intel.approve"));
  INTERDICT_RETURN_IF_ERROR(CheckTextField("reason", reason, 10, 1000, true));
  return db.Transaction([&]() -> Status {
    Result<Seen> s = Own(db, p, id, {"submitted", "approved"});
    if (!s.ok()) return s.status();
    INTERDICT_RETURN_IF_ERROR(Purge(db, id, p.agency_code, p.Actor(), reason, now));
    return AuditAct(db, p, "intel.purge", true, json::Object("record", id, "reason", reason), now);
  });
}

Result<std::pair<std::int64_t, std::int64_t>> ReviewRecords(catalog::Database& db,
                                                            std::int64_t now) {
  std::int64_t noted = 0, purged = 0;
  Status st = db.Transaction([&]() -> Status {
    noted = purged = 0;
    Result<catalog::Statement> due = db.Prepare(
        "SELECT r.id, r.agency_id, a.code, r.review_due_at, r.review_noted_at FROM "
        "intel_records r JOIN agencies a ON a.id = r.agency_id WHERE r.state = 'approved' AND "
        "r.review_due_at <= ?1");
    if (!due.ok()) return due.status();
    due->Bind(1, now);
    std::vector<std::tuple<std::int64_t, std::int64_t, std::string, std::int64_t, bool>> rows;
    INTERDICT_RETURN_IF_ERROR(due->ForEach([&](const catalog::Statement& r) {
      rows.emplace_back(r.Int(0), r.Int(1), r.Text(2), r.Int(3), !r.IsNull(4));
    }));
    for (const auto& [id, agency, code, due_at, was_noted] : rows) {
      audit::Entry e;
      e.time = now;
      e.actor = "system";
      e.agency = agency;
      e.touched = {agency};
      if (due_at + kOverdueGraceMs <= now) {
        INTERDICT_RETURN_IF_ERROR(Purge(
            db, id, code, "system",
            "not re-validated within 90 days of its five-year review date (28 CFR 23.20(h))", now));
        e.event = "intel.purge";
        e.details = json::Object("record", id, "reason", "review overdue");
        INTERDICT_RETURN_IF_ERROR(audit::Append(db, e));
        ++purged;
        continue;
      }
      if (was_noted) continue;
      Result<catalog::Statement> up =
          db.Query("UPDATE intel_records SET review_noted_at = ?2 WHERE id = ?1", id, now);
      if (!up.ok()) return up.status();
      e.event = "intel.review_due";
      e.details = json::Object("record", id, "due_at", FormatRfc3339(due_at), "purge_at",
                               FormatRfc3339(due_at + kOverdueGraceMs));
      INTERDICT_RETURN_IF_ERROR(audit::Append(db, e));
      INTERDICT_RETURN_IF_ERROR(policy::AddNotice(
          db, agency, "intelligence",
          fmt::format("Criminal intelligence record {} is due for its five-year review: "
                      "re-validate it with a new justification or purge it; it is purged by "
                      "itself on {}.",
                      id, FormatRfc3339(due_at + kOverdueGraceMs).substr(0, 10)),
          "", now));
      ++noted;
    }
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return std::pair{noted, purged};
}

}  // namespace interdict::intel
