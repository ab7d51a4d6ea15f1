#include "alerting/confirmations.h"

#include <fmt/core.h>

#include "alerting/hits.h"
#include "alerting/webhooks.h"
#include "audit/audit.h"
#include "base/json_writer.h"
#include "base/time_format.h"
#include "policy/sharing.h"

namespace interdict::alerting {
namespace {

constexpr std::string_view kColumns =
    "c.id, c.hit_id, o.code, r.code, c.priority, h.plate, h.entry_id, c.requested_by, "
    "c.requested_at, c.due_at, c.escalated_at, c.answer, c.answered_at, c.answered_by, c.note, "
    "c.owner_agency_id FROM confirmation_requests c JOIN hits h ON h.id = c.hit_id JOIN agencies o "
    "ON o.id = "
    "c.owner_agency_id JOIN agencies r ON r.id = c.requester_agency_id ";

ConfirmationRequest FromRow(const catalog::Statement& q) {
  ConfirmationRequest c;
  c.id = q.Int(0);
  c.hit_id = q.Int(1);
  c.owner = q.Text(2);
  c.requester = q.Text(3);
  c.priority = q.Text(4);
  c.plate = q.Text(5);
  c.entry_id = q.Int(6);
  c.requested_by = q.Text(7);
  c.requested_at = q.Int(8);
  c.due_at = q.Int(9);
  c.escalated_at = q.OptionalInt(10);
  c.answer = q.OptionalText(11).value_or("");
  c.answered_at = q.OptionalInt(12);
  c.answered_by = q.OptionalText(13).value_or("");
  c.note = q.OptionalText(14).value_or("");
  c.owner_id = q.Int(15);
  return c;
}

Result<ConfirmationRequest> Load(catalog::Database& db, std::int64_t id) {
  Result<catalog::Statement> q = db.Query(fmt::format("SELECT {}WHERE c.id = ?1", kColumns), id);
  if (!q.ok()) return q.status();
  if (!q->has_row()) return Status::NotFound(fmt::format("no confirmation request {}", id));
  return FromRow(*q);
}

Status Notify(catalog::Database& db, std::int64_t agency, std::string_view addressee,
              const std::string& message, std::int64_t now) {
  return policy::AddNotice(db, agency, "confirmation", message, addressee, now);
}

}  // namespace

Result<ConfirmationRequest> RequestConfirmation(catalog::Database& db, const identity::Principal& p,
                                                std::int64_t hit, std::string_view priority,
                                                std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(identity::Require(p, "hits.work"));
  if (!priority.empty() && priority != "urgent" && priority != "routine")
    return Status::InvalidArgument("priority: urgent or routine (or leave it out)");
  std::int64_t id = 0;
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
    Result<bool> may = MaySee(db, p, hit, now);
    if (!may.ok()) return may.status();
    if (!*may)
      return Status::NotFound(fmt::format("no hit {} that {} may see", hit, p.agency_code));
    Result<catalog::Statement> open =
        db.Query("SELECT id FROM confirmation_requests WHERE hit_id = ?1 AND answer IS NULL", hit);
    if (!open.ok()) return open.status();
    if (open->has_row())
      return Status::AlreadyExists(
          fmt::format("hit {} has an open confirmation request ({})", hit, open->Int(0)));
    Result<catalog::Statement> list = db.Query(
        "SELECT l.agency_id, l.priority, h.plate, l.name, coalesce(h.key_id, ''), h.entry_id FROM "
        "hits h JOIN hotlists l ON l.id = h.hotlist_id WHERE h.id = ?1",
        hit);
    if (!list.ok()) return list.status();
    if (!list->has_row()) return Status::NotFound(fmt::format("no hit {}", hit));
    const std::int64_t owner = list->Int(0);
    const std::string level = !priority.empty()   ? std::string(priority)
                              : list->Int(1) == 1 ? "urgent"
                                                  : "routine";
    const std::int64_t due =
        now + (level == "urgent" ? kUrgentConfirmationMs : kRoutineConfirmationMs);
    Result<catalog::Statement> ins = db.Prepare(
        "INSERT INTO confirmation_requests (hit_id, owner_agency_id, requester_agency_id, "
        "priority, requested_at, requested_by, due_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
        "RETURNING id");
    if (!ins.ok()) return ins.status();
    ins->Bind(1, hit).Bind(2, owner).Bind(3, p.agency_id).Bind(4, level).Bind(5, now);
    ins->Bind(6, p.Actor()).Bind(7, due);
    Result<std::int64_t> made = ins->RunReturningId();
    if (!made.ok()) return made.status();
    id = *made;
    const std::string message = fmt::format(
        "{} asks you to confirm that your entry for plate {} on list '{}' is still valid ({}; "
        "answer by {}).",
        p.agency_code, list->Text(2), list->Text(3), level, FormatRfc3339(due));
    INTERDICT_RETURN_IF_ERROR(Notify(db, owner, "", message, now));
    // The owner's CAD hears it too (its webhooks), sealed as the hit is.
    Result<std::int64_t> queued = EnqueueAgencyEvent(
        db, owner, hit, list->Text(4),
        json::Object("event", "confirmation_request", "request", id, "hit", hit, "requester",
                     p.agency_code, "plate", list->Text(2), "list", list->Text(3), "entry",
                     list->Int(5), "priority", level, "due_at", FormatRfc3339(due)),
        now);
    if (!queued.ok()) return queued.status();
    return identity::AuditAct(db, p, "confirmation.request", true,
                              json::Object("request", id, "hit", hit, "priority", level), now,
                              {p.agency_id, owner});
  }));
  return Load(db, id);
}

Result<ConfirmationRequest> AnswerConfirmation(catalog::Database& db, const identity::Principal& p,
                                               std::int64_t id, std::string_view answer,
                                               std::string_view note, std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(identity::Require(p, "hotlists.confirm"));
  if (answer != "confirmed" && answer != "denied" && answer != "no_record")
    return Status::InvalidArgument("answer: confirmed, denied or no_record");
  if (note.size() > 2000) return Status::InvalidArgument("note: at most 2000 bytes");
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
    Result<catalog::Statement> q = db.Query(
        "SELECT owner_agency_id, requester_agency_id, hit_id, answer FROM confirmation_requests "
        "WHERE id = ?1",
        id);
    if (!q.ok()) return q.status();
    if (!q->has_row() || q->Int(0) != p.agency_id)
      return Status::NotFound(
          fmt::format("no confirmation request {} for {} to answer", id, p.agency_code));
    if (!q->IsNull(3))
      return Status::FailedPrecondition(
          fmt::format("request {} was answered already ({})", id, q->Text(3)));
    const std::int64_t requester = q->Int(1), hit = q->Int(2);
    Result<catalog::Statement> up = db.Prepare(
        "UPDATE confirmation_requests SET answer = ?2, answered_at = ?3, answered_by = ?4, note "
        "= ?5 WHERE id = ?1 AND answer IS NULL");
    if (!up.ok()) return up.status();
    up->Bind(1, id).Bind(2, answer).Bind(3, now).Bind(4, p.Actor()).Bind(5, note);
    INTERDICT_RETURN_IF_ERROR(up->Run());
    Result<catalog::Statement> ev = db.Prepare(
        "INSERT INTO hit_events (hit_id, step, detail, user_id, at) VALUES (?1, "
        "'confirmation', ?2, ?3, ?4)");
    if (!ev.ok()) return ev.status();
    ev->Bind(1, hit).Bind(2, json::Object("request", id, "answer", answer, "by", p.agency_code));
    if (p.kind == identity::Principal::Kind::kUser) {
      ev->Bind(3, p.id);
    } else {
      ev->BindNull(3);
    }
    ev->Bind(4, now);
    INTERDICT_RETURN_IF_ERROR(ev->Run());
    INTERDICT_RETURN_IF_ERROR(
        Notify(db, requester, "",
               fmt::format("{} answered confirmation request {} for hit {}: {}.", p.agency_code, id,
                           hit, answer),
               now));
    return identity::AuditAct(db, p, "confirmation.answer", true,
                              json::Object("request", id, "hit", hit, "answer", answer), now,
                              {p.agency_id, requester});
  }));
  return Load(db, id);
}

Result<std::vector<ConfirmationRequest>> ConfirmationsToAnswer(catalog::Database& db,
                                                               const identity::Principal& p) {
  INTERDICT_RETURN_IF_ERROR(identity::Require(p, "hotlists.confirm"));
  Result<std::vector<ConfirmationRequest>> open = db.List<ConfirmationRequest>(
      fmt::format("SELECT {}WHERE c.owner_agency_id = ?1 AND c.answer IS NULL ORDER BY c.due_at, "
                  "c.id",
                  kColumns),
      FromRow, p.agency_id);
  if (!open.ok()) return open.status();
  Result<std::vector<ConfirmationRequest>> done = db.List<ConfirmationRequest>(
      fmt::format("SELECT {}WHERE c.owner_agency_id = ?1 AND c.answer IS NOT NULL ORDER BY "
                  "c.answered_at DESC, c.id DESC LIMIT 100",
                  kColumns),
      FromRow, p.agency_id);
  if (!done.ok()) return done.status();
  open->insert(open->end(), done->begin(), done->end());
  return open;
}

Result<std::optional<ConfirmationRequest>> LatestConfirmation(catalog::Database& db,
                                                              std::int64_t hit) {
  Result<catalog::Statement> q = db.Query(
      fmt::format("SELECT {}WHERE c.hit_id = ?1 ORDER BY c.id DESC LIMIT 1", kColumns), hit);
  if (!q.ok()) return q.status();
  if (!q->has_row()) return std::optional<ConfirmationRequest>();
  return std::optional<ConfirmationRequest>(FromRow(*q));
}

Result<std::int64_t> EscalateOverdueConfirmations(catalog::Database& db, std::int64_t now) {
  // Read first, outside a transaction: the background asks every round, and
  // most rounds nothing is due, so the catalog's writer lock is not taken.
  Result<std::vector<ConfirmationRequest>> due = db.List<ConfirmationRequest>(
      fmt::format("SELECT {}WHERE c.answer IS NULL AND c.escalated_at IS NULL AND c.due_at <= ?1 "
                  "ORDER BY c.id LIMIT 100",
                  kColumns),
      FromRow, now);
  if (!due.ok()) return due.status();
  if (due->empty()) return std::int64_t{0};
  std::int64_t n = 0;
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
    Result<catalog::Statement> up = db.Prepare(
        "UPDATE confirmation_requests SET escalated_at = ?2 WHERE id = ?1 AND answer IS NULL AND "
        "escalated_at IS NULL");
    if (!up.ok()) return up.status();
    for (const ConfirmationRequest& c : *due) {
      up->Bind(1, c.id).Bind(2, now);
      INTERDICT_RETURN_IF_ERROR(up->Run());
      up->Reset();
      if (db.Changes() == 0) continue;  // answered or escalated meanwhile (another server)
      INTERDICT_RETURN_IF_ERROR(Notify(
          db, c.owner_id, "supervisors",
          fmt::format("To the supervisors of {}: confirmation request {} from {} (plate {}) was "
                      "due at {} and is not answered.",
                      c.owner, c.id, c.requester, c.plate, FormatRfc3339(c.due_at)),
          now));
      audit::Entry e;
      e.time = now;
      e.actor = "system";
      e.agency = c.owner_id;
      e.event = "confirmation.escalate";
      e.details = json::Object("request", c.id, "hit", c.hit_id, "due_at", FormatRfc3339(c.due_at));
      e.touched = {c.owner_id};
      INTERDICT_RETURN_IF_ERROR(audit::Append(db, e));
      ++n;
    }
    return Status::Ok();
  }));
  return n;
}

}  // namespace interdict::alerting
