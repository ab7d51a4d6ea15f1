#include "intel/operations.h"

#include <fmt/core.h>

#include <algorithm>

#include "base/json_writer.h"
#include "base/utf8.h"
#include "intel/deconfliction.h"
#include "intel/match_keys.h"
#include "policy/sharing.h"

namespace interdict::intel {
namespace {

using identity::AuditAct;
using identity::Require;

constexpr int kListLimit = 500;

constexpr std::string_view kColumns =
    "o.id, a.code, o.kind, o.case_number, o.title, o.contact_name, o.contact_phone, o.starts_at, "
    "o.ends_at, o.area, o.radius_m, o.status, o.created_at, o.created_by, o.updated_at, "
    "o.updated_by FROM operations o JOIN agencies a ON a.id = o.agency_id ";

Operation FromRow(const catalog::Statement& r) {
  Operation o;
  o.id = r.Int(0);
  o.agency = r.Text(1);
  o.kind = r.Text(2);
  o.case_number = r.Text(3);
  o.title = r.Text(4);
  o.contact_name = r.Text(5);
  o.contact_phone = r.Text(6);
  o.starts_at = r.Int(7);
  o.ends_at = r.Int(8);
  o.area = r.Text(9);
  if (!r.IsNull(10)) o.radius_m = r.Real(10);
  o.status = r.Text(11);
  o.created_at = r.Int(12);
  o.created_by = r.Text(13);
  o.updated_at = r.Int(14);
  o.updated_by = r.Text(15);
  return o;
}

bool IsKind(std::string_view k) {
  for (std::string_view known :
       {"raid", "search_warrant", "surveillance", "controlled_buy", "undercover_meeting", "other"})
    if (k == known) return true;
  return false;
}

// A request made ready to store: every field checked, the phone in E.164,
// the area parsed.
struct Checked {
  OperationRequest r;
  Area area;
};

Result<Checked> Check(const OperationRequest& in, std::int64_t now) {
  Checked c{in, {}};
  if (!IsKind(in.kind))
    return Status::InvalidArgument(
        "kind: raid, search_warrant, surveillance, controlled_buy, undercover_meeting or other");
  INTERDICT_RETURN_IF_ERROR(CheckTextField("case_number", in.case_number, 1, 64));
  INTERDICT_RETURN_IF_ERROR(CheckTextField("title", in.title, 1, 200));
  INTERDICT_RETURN_IF_ERROR(CheckTextField("contact_name", in.contact_name, 1, 100));
  Result<Keyed> phone = KeyPhone(in.contact_phone);
  if (!phone.ok()) return Status::InvalidArgument("contact_" + phone.status().message());
  c.r.contact_phone = phone->normalized;
  if (Status w = CheckWindow({in.starts_at, in.ends_at}); !w.ok()) return w;
  if (in.ends_at < now) return Status::InvalidArgument("ends_at: in the past");
  Result<Area> area = ParseArea(in.area, in.radius_m);
  if (!area.ok()) return area.status();
  c.area = std::move(*area);
  return c;
}

// The conflicts of operation `id` (just stored as `c`) with every other
// operation of the agencies it deconflicts with, recorded.
Result<std::vector<ConflictNotice>> FindConflicts(catalog::Database& db,
                                                  const identity::Principal& p, std::int64_t id,
                                                  const Checked& c, std::int64_t now) {
  Result<std::vector<std::int64_t>> agencies = DeconflictingAgencies(db, p.agency_id, now);
  if (!agencies.ok()) return agencies.status();
  Result<catalog::Statement> q = db.Prepare(
      "SELECT o.id, o.agency_id, o.area, o.radius_m, o.starts_at, o.ends_at, a.code, a.name, "
      "o.contact_name, o.contact_phone, o.kind FROM operations o JOIN agencies a ON a.id = "
      "o.agency_id WHERE o.id <> ?1 AND o.status IN ('planned', 'active') AND o.ends_at >= ?2 "
      "AND o.starts_at <= ?3");
  if (!q.ok()) return q.status();
  q->Bind(1, id).Bind(2, c.r.starts_at).Bind(3, c.r.ends_at);
  std::vector<Placed> others;
  std::vector<Side> sides;
  for (;;) {
    Result<bool> row = q->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    const std::int64_t agency = q->Int(1);
    if (std::find(agencies->begin(), agencies->end(), agency) == agencies->end()) continue;
    std::optional<double> radius;
    if (!q->IsNull(3)) radius = q->Real(3);
    Result<Area> area = ParseArea(q->Text(2), radius);
    if (!area.ok()) continue;  // checked when entered; a bad row must not hide the others
    others.push_back({q->Int(0), std::move(*area), {q->Int(4), q->Int(5)}});
    sides.push_back(
        {q->Int(0), agency, {q->Text(6), q->Text(7), q->Text(8), q->Text(9), q->Text(10)}});
  }
  const std::vector<Overlap> overlaps =
      FindOverlaps({id, c.area, {c.r.starts_at, c.r.ends_at}}, others);
  Result<catalog::Statement> me =
      db.Query("SELECT code, name FROM agencies WHERE id = ?1", p.agency_id);
  if (!me.ok()) return me.status();
  const Side self{
      id, p.agency_id, {me->Text(0), me->Text(1), c.r.contact_name, c.r.contact_phone, c.r.kind}};
  std::vector<ConflictNotice> notices;
  for (const Overlap& o : overlaps) {
    const auto it =
        std::find_if(sides.begin(), sides.end(), [&](const Side& s) { return s.item == o.other; });
    Result<std::vector<ConflictNotice>> made =
        RecordConflict(db, p, "operation", self, *it, o.from, now);
    if (!made.ok()) return made.status();
    notices.insert(notices.end(), made->begin(), made->end());
  }
  return notices;
}

std::string AuditDetails(std::int64_t id, const OperationRequest& r, std::size_t conflicts) {
  return json::Object("operation", id, "kind", r.kind, "case", r.case_number, "starts_at",
                      r.starts_at, "ends_at", r.ends_at, "conflicts",
                      static_cast<std::int64_t>(conflicts));
}

}  // namespace

Result<std::vector<std::int64_t>> DeconflictingAgencies(catalog::Database& db, std::int64_t agency,
                                                        std::int64_t now) {
  Result<catalog::Statement> q = db.Prepare(
      "SELECT DISTINCT g.owner_id FROM agreements g WHERE g.partner_id = ?1 AND g.data_class = "
      "'deconfliction' AND " +
      policy::AgreementInForceSql("g", 2) +
      " AND EXISTS (SELECT 1 FROM agreements h WHERE h.owner_id = ?1 AND h.partner_id = "
      "g.owner_id AND h.data_class = 'deconfliction' AND " +
      policy::AgreementInForceSql("h", 2) + ")");
  if (!q.ok()) return q.status();
  q->Bind(1, agency).Bind(2, now);
  std::vector<std::int64_t> out = {agency};
  for (;;) {
    Result<bool> row = q->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out.push_back(q->Int(0));
  }
  return out;
}

Result<std::int64_t> AdvanceOperations(catalog::Database& db, std::int64_t now) {
  std::int64_t n = 0;
  Status st = db.Transaction([&]() -> Status {
    for (std::string_view sql :
         {"UPDATE operations SET status = 'ended', updated_at = ?1, updated_by = 'system' WHERE "
          "status IN ('planned', 'active') AND ends_at < ?1",
          "UPDATE operations SET status = 'active', updated_at = ?1, updated_by = 'system' WHERE "
          "status = 'planned' AND starts_at <= ?1"}) {
      Result<catalog::Statement> up = db.Prepare(sql);
      if (!up.ok()) return up.status();
      up->Bind(1, now);
      INTERDICT_RETURN_IF_ERROR(up->Run());
      n += db.Changes();
    }
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return n;
}

namespace {

// The nine fields of a checked request as parameters ?1 to ?9 (kind, case,
// title, contact, phone, start, end, area, radius), one order for both writes.
void BindFields(catalog::Statement& s, const Checked& c) {
  s.Bind(1, c.r.kind).Bind(2, c.r.case_number).Bind(3, c.r.title).Bind(4, c.r.contact_name);
  s.Bind(5, c.r.contact_phone).Bind(6, c.r.starts_at).Bind(7, c.r.ends_at).Bind(8, c.r.area);
  if (c.area.center)
    s.BindReal(9, c.area.radius_m);
  else
    s.BindNull(9);
}

// Stores a new operation (no `id`) or changes one, finds its conflicts and
// audits `event`, in one transaction; then reads it back.
Result<OperationResult> Save(catalog::Database& db, const identity::Principal& p,
                             std::optional<std::int64_t> id, const Checked& c,
                             std::string_view event, std::int64_t now) {
  OperationResult out;
  Status st = db.Transaction([&]() -> Status {
    out.notices.clear();
    if (!id) {
      Result<catalog::Statement> ins = db.Prepare(
          "INSERT INTO operations (kind, case_number, title, contact_name, contact_phone, "
          "starts_at, ends_at, area, radius_m, agency_id, status, created_at, created_by, "
          "updated_at, updated_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
          "?13, ?12, ?13) RETURNING id");
      if (!ins.ok()) return ins.status();
      BindFields(*ins, c);
      ins->Bind(10, p.agency_id).Bind(11, c.r.starts_at <= now ? "active" : "planned");
      ins->Bind(12, now).Bind(13, p.Actor());
      Result<std::int64_t> made = ins->RunReturningId();
      if (!made.ok()) return made.status();
      out.operation.id = *made;
    } else {
      Result<catalog::Statement> up = db.Prepare(
          "UPDATE operations SET kind = ?1, case_number = ?2, title = ?3, contact_name = ?4, "
          "contact_phone = ?5, starts_at = ?6, ends_at = ?7, area = ?8, radius_m = ?9, "
          "updated_at = ?10, updated_by = ?11 WHERE id = ?12 AND agency_id = ?13 AND status IN "
          "('planned', 'active')");
      if (!up.ok()) return up.status();
      BindFields(*up, c);
      up->Bind(10, now).Bind(11, p.Actor()).Bind(12, *id).Bind(13, p.agency_id);
      INTERDICT_RETURN_IF_ERROR(up->Run());
      if (db.Changes() == 0)
        return Status::NotFound(
            fmt::format("no planned or active operation {} of {}", *id, p.agency_code));
      out.operation.id = *id;
    }
    Result<std::vector<ConflictNotice>> notices = FindConflicts(db, p, out.operation.id, c, now);
    if (!notices.ok()) return notices.status();
    out.notices = std::move(*notices);
    return AuditAct(db, p, event, true, AuditDetails(out.operation.id, c.r, out.notices.size() / 2),
                    now);
  });
  if (!st.ok()) return st;
  Result<Operation> stored = GetOperation(db, p, out.operation.id);
  if (!stored.ok()) return stored.status();
  out.operation = std::move(*stored);
  return out;
}

}  // namespace

Result<OperationResult> EnterOperation(catalog::Database& db, const identity::Principal& p,
                                       const OperationRequest& r, std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "operations.manage"));
  Result<Checked> c = Check(r, now);
  if (!c.ok()) return c.status();
  return Save(db, p, std::nullopt, *c, "operation.enter", now);
}

Result<OperationResult> UpdateOperation(catalog::Database& db, const identity::Principal& p,
                                        std::int64_t id, const OperationRequest& r,
                                        std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "operations.manage"));
  Result<Checked> c = Check(r, now);
  if (!c.ok()) return c.status();
  return Save(db, p, id, *c, "operation.update", now);
}

Status SetOperationStatus(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                          std::string_view status, std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "operations.manage"));
  if (status != "active" && status != "ended" && status != "cancelled")
    return Status::InvalidArgument("status: active, ended or cancelled");
  return db.Transaction([&]() -> Status {
    Result<catalog::Statement> up = db.Prepare(
        "UPDATE operations SET status = ?3, updated_at = ?4, updated_by = ?5 WHERE id = ?1 AND "
        "agency_id = ?2 AND status IN ('planned', 'active')");
    if (!up.ok()) return up.status();
    up->Bind(1, id).Bind(2, p.agency_id).Bind(3, status).Bind(4, now).Bind(5, p.Actor());
    INTERDICT_RETURN_IF_ERROR(up->Run());
    if (db.Changes() == 0)
      return Status::NotFound(
          fmt::format("no planned or active operation {} of {}", id, p.agency_code));
    if (status == "cancelled") {
      // Its open conflicts are answered on its side: it will not happen.
      for (std::string_view side : {"a", "b"}) {
        Result<catalog::Statement> answer = db.Prepare(fmt::format(
            "UPDATE conflicts SET {0}_resolution = 'cancel', {0}_resolved_at = ?2, "
            "{0}_resolved_by = ?3, {0}_note = 'operation cancelled' WHERE kind = 'operation' AND "
            "{0}_id = ?1 AND {0}_resolution IS NULL",
            side));
        if (!answer.ok()) return answer.status();
        answer->Bind(1, id).Bind(2, now).Bind(3, p.Actor());
        INTERDICT_RETURN_IF_ERROR(answer->Run());
      }
      Result<catalog::Statement> close = db.Prepare(
          "UPDATE conflicts SET closed_at = ?2 WHERE kind = 'operation' AND (a_id = ?1 OR b_id "
          "= ?1) AND closed_at IS NULL AND a_resolution IS NOT NULL AND b_resolution IS NOT "
          "NULL");
      if (!close.ok()) return close.status();
      close->Bind(1, id).Bind(2, now);
      INTERDICT_RETURN_IF_ERROR(close->Run());
    }
    return AuditAct(db, p, "operation.status", true,
                    json::Object("operation", id, "status", status), now);
  });
}

Result<std::vector<Operation>> ListOperations(catalog::Database& db, const identity::Principal& p,
                                              std::int64_t since) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "operations.read"));
  Result<catalog::Statement> q = db.Prepare(
      fmt::format("SELECT {}WHERE o.agency_id = ?1 AND o.ends_at >= ?2 ORDER BY o.starts_at, "
                  "o.id LIMIT {}",
                  kColumns, kListLimit));
  if (!q.ok()) return q.status();
  q->Bind(1, p.agency_id).Bind(2, since);
  std::vector<Operation> out;
  for (;;) {
    Result<bool> row = q->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out.push_back(FromRow(*q));
  }
  return out;
}

Result<Operation> GetOperation(catalog::Database& db, const identity::Principal& p,
                               std::int64_t id) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "operations.read"));
  Result<catalog::Statement> q = db.Query(
      fmt::format("SELECT {}WHERE o.id = ?1 AND o.agency_id = ?2", kColumns), id, p.agency_id);
  if (!q.ok()) return q.status();
  if (!q->has_row())
    return Status::NotFound(fmt::format("no operation {} of {}", id, p.agency_code));
  return FromRow(*q);
}

}  // namespace interdict::intel
