#include "intel/conflicts.h"

#include <fmt/core.h>

#include "alerting/webhooks.h"
#include "base/json_writer.h"
#include "base/time_format.h"
#include "base/utf8.h"
#include "policy/sharing.h"

namespace interdict::intel {
namespace {

using identity::AuditAct;
using identity::Require;

constexpr int kListLimit = 500;

void PutCounterpart(json::Writer& w, const Counterpart& c) {
  w.StartObject();
  json::Members(w, "agency", c.agency_code, "agency_name", c.agency_name, "contact_name",
                c.contact_name, "contact_phone", c.contact_phone, "kind", c.kind);
  w.EndObject();
}

// The table an item of a conflict of `kind` lives in.
std::string_view ItemTable(std::string_view kind) {
  return kind == "operation" ? "operations" : "targets";
}

// What the other side may learn of item `item`.
Result<Counterpart> LoadCounterpart(catalog::Database& db, std::string_view kind,
                                    std::int64_t item) {
  Result<catalog::Statement> q = db.Query(
      fmt::format("SELECT a.code, a.name, x.contact_name, x.contact_phone, x.kind FROM {} x "
                  "JOIN agencies a ON a.id = x.agency_id WHERE x.id = ?1",
                  ItemTable(kind)),
      item);
  if (!q.ok()) return q.status();
  if (!q->has_row())
    return Status::Internal(fmt::format("conflict names a missing {} {}", kind, item));
  return Counterpart{q->Text(0), q->Text(1), q->Text(2), q->Text(3), q->Text(4)};
}

std::string NoticeMessage(const ConflictNotice& n) {
  if (n.kind == "operation")
    return fmt::format(
        "Deconfliction: your operation {} overlaps in place and time with a {} of {} from {}. "
        "Call {} at {} before you go.",
        n.own_item, n.other.kind, n.other.agency_name, FormatRfc3339(n.from), n.other.contact_name,
        n.other.contact_phone);
  return fmt::format(
      "Deconfliction: your target {} ({}) matches a target of {}. Call {} at {} before you act.",
      n.own_item, n.other.kind, n.other.agency_name, n.other.contact_name, n.other.contact_phone);
}

constexpr std::string_view kColumns =
    "id, kind, a_id, b_id, a_agency_id, b_agency_id, found_at, urgency_at, a_resolution, "
    "b_resolution, closed_at FROM conflicts ";

// The conflict in the current row, seen from `agency`'s side.
Result<Conflict> FromRow(catalog::Database& db, const catalog::Statement& r, std::int64_t agency) {
  Conflict c;
  c.id = r.Int(0);
  c.kind = r.Text(1);
  const bool side_a = r.Int(4) == agency;
  c.own_item = side_a ? r.Int(2) : r.Int(3);
  const std::int64_t other_item = side_a ? r.Int(3) : r.Int(2);
  c.found_at = r.Int(6);
  c.urgency_at = r.Int(7);
  c.own_resolution = r.OptionalText(side_a ? 8 : 9);
  c.other_resolution = r.OptionalText(side_a ? 9 : 8);
  c.closed_at = r.OptionalInt(10);
  Result<Counterpart> other = LoadCounterpart(db, c.kind, other_item);
  if (!other.ok()) return other.status();
  c.other = std::move(*other);
  return c;
}

Result<std::vector<Conflict>> Select(catalog::Database& db, const identity::Principal& p,
                                     std::string_view where_order) {
  Result<catalog::Statement> q =
      db.Prepare(fmt::format("SELECT {}WHERE (a_agency_id = ?1 OR b_agency_id = ?1) {} LIMIT {}",
                             kColumns, where_order, kListLimit));
  if (!q.ok()) return q.status();
  q->Bind(1, p.agency_id);
  std::vector<Conflict> out;
  for (;;) {
    Result<bool> row = q->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    Result<Conflict> c = FromRow(db, *q, p.agency_id);
    if (!c.ok()) return c.status();
    out.push_back(std::move(*c));
  }
  return out;
}

}  // namespace

std::string ConflictNotice::Json() const {
  return json::Write([&](json::Writer& w) {
    w.StartObject();
    json::Members(w, "conflict", conflict, "kind", kind, "own", own_item);
    json::Key(w, "other");
    PutCounterpart(w, other);
    json::Members(w, "from", FormatRfc3339(from));
    w.EndObject();
  });
}

Result<std::vector<ConflictNotice>> RecordConflict(catalog::Database& db,
                                                   const identity::Principal& by,
                                                   std::string_view kind, const Side& x,
                                                   const Side& y, std::int64_t from,
                                                   std::int64_t now) {
  const Side& a = x.item < y.item ? x : y;
  const Side& b = x.item < y.item ? y : x;
  Result<catalog::Statement> seen =
      db.Query("SELECT 1 FROM conflicts WHERE kind = ?1 AND a_id = ?2 AND b_id = ?3",
               std::string(kind), a.item, b.item);
  if (!seen.ok()) return seen.status();
  if (seen->has_row()) return std::vector<ConflictNotice>{};
  Result<catalog::Statement> ins = db.Prepare(
      "INSERT INTO conflicts (kind, a_id, b_id, a_agency_id, b_agency_id, found_at, urgency_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id");
  if (!ins.ok()) return ins.status();
  ins->Bind(1, kind).Bind(2, a.item).Bind(3, b.item).Bind(4, a.agency).Bind(5, b.agency);
  ins->Bind(6, now).Bind(7, from);
  Result<std::int64_t> id = ins->RunReturningId();
  if (!id.ok()) return id.status();
  std::vector<ConflictNotice> notices;
  for (const auto& [own, other] : {std::pair{&a, &b}, std::pair{&b, &a}}) {
    ConflictNotice n{*id, own->agency, std::string(kind), own->item, other->shown, from};
    INTERDICT_RETURN_IF_ERROR(
        policy::AddNotice(db, own->agency, "deconfliction", NoticeMessage(n), "", now));
    std::string body = n.Json();
    body.insert(1, "\"event\":\"deconfliction\",");
    Result<std::int64_t> queued =
        alerting::EnqueueAgencyEvent(db, own->agency, std::nullopt, "", std::move(body), now);
    if (!queued.ok()) return queued.status();
    notices.push_back(std::move(n));
  }
  INTERDICT_RETURN_IF_ERROR(
      AuditAct(db, by, "conflict.found", true,
               json::Object("conflict", *id, "kind", kind, "a", a.item, "b", b.item), now,
               {a.agency, b.agency}));
  return notices;
}

Result<std::vector<Conflict>> ListConflicts(catalog::Database& db, const identity::Principal& p,
                                            bool open_only) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "operations.read"));
  return Select(db, p, open_only ? "AND closed_at IS NULL ORDER BY id DESC" : "ORDER BY id DESC");
}

Result<std::vector<Conflict>> WatchConflicts(catalog::Database& db, const identity::Principal& p,
                                             std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "conflicts.watch"));
  Result<std::vector<Conflict>> out =
      Select(db, p, "AND closed_at IS NULL ORDER BY urgency_at, id");
  if (!out.ok()) return out.status();
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
    return AuditAct(db, p, "conflict.watch", true,
                    json::Object("open", static_cast<std::int64_t>(out->size())), now);
  }));
  return out;
}

Result<Conflict> ResolveConflict(catalog::Database& db, const identity::Principal& p,
                                 std::int64_t id, std::string_view resolution,
                                 std::string_view note, std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "operations.manage"));
  if (resolution != "proceed" && resolution != "joint" && resolution != "delay" &&
      resolution != "cancel")
    return Status::InvalidArgument("resolution: proceed, joint, delay or cancel");
  INTERDICT_RETURN_IF_ERROR(CheckTextField("note", note, 0, 500, true));
  Status st = db.Transaction([&]() -> Status {
    Result<catalog::Statement> q = db.Query(
        "SELECT a_agency_id, b_agency_id, a_resolution, b_resolution, closed_at FROM conflicts "
        "WHERE id = ?1 AND (a_agency_id = ?2 OR b_agency_id = ?2)",
        id, p.agency_id);
    if (!q.ok()) return q.status();
    if (!q->has_row())
      return Status::NotFound(fmt::format("no conflict {} of {}", id, p.agency_code));
    if (q->OptionalInt(4))
      return Status::FailedPrecondition(fmt::format("conflict {} is closed", id));
    const bool same_agency = q->Int(0) == q->Int(1);
    const bool side_a = q->Int(0) == p.agency_id;
    // Within one agency a single resolution answers for both sides.
    const bool other_done = same_agency || (side_a ? q->OptionalText(3) : q->OptionalText(2));
    const std::string sides = same_agency
                                  ? "a_resolution = ?2, a_resolved_at = ?3, a_resolved_by = "
                                    "?4, a_note = ?5, b_resolution = ?2, b_resolved_at = "
                                    "?3, b_resolved_by = ?4, b_note = ?5"
                              : side_a ? "a_resolution = ?2, a_resolved_at = ?3, a_resolved_by = "
                                         "?4, a_note = ?5"
                                       : "b_resolution = ?2, b_resolved_at = ?3, b_resolved_by = "
                                         "?4, b_note = ?5";
    Result<catalog::Statement> up =
        db.Prepare(fmt::format("UPDATE conflicts SET {}, closed_at = ?6 WHERE id = ?1", sides));
    if (!up.ok()) return up.status();
    up->Bind(1, id).Bind(2, resolution).Bind(3, now).Bind(4, p.Actor()).Bind(5, note);
    up->Bind(6, other_done ? std::optional<std::int64_t>(now) : std::nullopt);
    INTERDICT_RETURN_IF_ERROR(up->Run());
    return AuditAct(db, p, "conflict.resolve", true,
                    json::Object("conflict", id, "resolution", resolution, "closed", other_done),
                    now, {q->Int(0), q->Int(1)});
  });
  if (!st.ok()) return st;
  Result<catalog::Statement> q = db.Query(fmt::format("SELECT {}WHERE id = ?1", kColumns), id);
  if (!q.ok()) return q.status();
  if (!q->has_row()) return Status::Internal("the conflict just resolved is gone");
  return FromRow(db, *q, p.agency_id);
}

}  // namespace interdict::intel
