#include "intel/targets.h"

#include <fmt/core.h>

#include <algorithm>

#include "audit/audit.h"
#include "base/hash.h"
#include "base/json_writer.h"
#include "base/utf8.h"
#include "catalog/changes.h"
#include "intel/expiry.h"
#include "intel/operations.h"

namespace interdict::intel {
namespace {

using identity::AuditAct;
using identity::Require;

constexpr int kListLimit = 500;

constexpr std::string_view kColumns =
    "t.id, a.code, t.kind, t.value, t.case_number, t.operation_id, t.contact_name, "
    "t.contact_phone, t.created_at, t.created_by, t.expires_at, t.removed_at FROM targets t JOIN "
    "agencies a ON a.id = t.agency_id ";

Target FromRow(const catalog::Statement& r) {
  Target t;
  t.id = r.Int(0);
  t.agency = r.Text(1);
  t.kind = r.Text(2);
  t.value = r.Text(3);
  t.case_number = r.Text(4);
  t.operation = r.OptionalInt(5);
  t.contact_name = r.Text(6);
  t.contact_phone = r.Text(7);
  t.created_at = r.Int(8);
  t.created_by = r.Text(9);
  t.expires_at = r.Int(10);
  t.removed_at = r.OptionalInt(11);
  return t;
}

// The other agencies' targets in force sharing a key with `keys`, of the
// agencies in `agencies`: id and agency of each, once.
Result<std::vector<Side>> Matches(catalog::Database& db, const std::vector<std::string>& keys,
                                  std::int64_t own, const std::vector<std::int64_t>& agencies,
                                  std::int64_t now) {
  std::vector<Side> out;
  Result<catalog::Statement> q = db.Prepare(
      "SELECT t.id, t.agency_id, a.code, a.name, t.contact_name, t.contact_phone, t.kind FROM "
      "target_keys k JOIN targets t ON t.id = k.target_id JOIN agencies a ON a.id = t.agency_id "
      "WHERE k.key_hash = ?1 AND t.agency_id <> ?2 AND t.removed_at IS NULL AND t.expires_at > "
      "?3");
  if (!q.ok()) return q.status();
  for (const std::string& key : keys) {
    q->Reset();
    q->Bind(1, TargetKeyHash(key)).Bind(2, own).Bind(3, now);
    INTERDICT_RETURN_IF_ERROR(q->ForEach([&](const catalog::Statement& r) {
      const std::int64_t id = r.Int(0), agency = r.Int(1);
      if (std::find(agencies.begin(), agencies.end(), agency) == agencies.end()) return;
      if (std::any_of(out.begin(), out.end(), [&](const Side& s) { return s.item == id; })) return;
      out.push_back({id, agency, {r.Text(2), r.Text(3), r.Text(4), r.Text(5), r.Text(6)}});
    }));
  }
  return out;
}

}  // namespace

std::int64_t TargetKeyHash(const std::string& key) {
  return static_cast<std::int64_t>(Hash64(key));
}

Result<Keyed> KeyTarget(const TargetRequest& r) {
  Result<TargetKind> kind = ParseTargetKind(r.kind);
  if (!kind.ok()) return kind.status();
  switch (*kind) {
    case TargetKind::kPlate: return KeyPlate(r.value);
    case TargetKind::kPhone: return KeyPhone(r.value);
    case TargetKind::kAddress: return KeyAddress(r.value);
    case TargetKind::kPerson: {
      Result<Keyed> k = KeyPerson(r.value, r.dob);
      if (!k.ok() && k.status().message().rfind("name: ", 0) == 0)
        return Status::InvalidArgument("value" + k.status().message().substr(4));
      return k;
    }
  }
  return Status::InvalidArgument("kind: plate, person, phone or address");
}

Result<TargetResult> EnterTarget(catalog::Database& db, const identity::Principal& p,
                                 const TargetRequest& r, std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "operations.manage"));
  Result<Keyed> keyed = KeyTarget(r);
  if (!keyed.ok()) return keyed.status();
  INTERDICT_RETURN_IF_ERROR(CheckTextField("case_number", r.case_number, 1, 64));
  INTERDICT_RETURN_IF_ERROR(CheckTextField("contact_name", r.contact_name, 1, 100));
  Result<Keyed> phone = KeyPhone(r.contact_phone);
  if (!phone.ok()) return Status::InvalidArgument("contact_" + phone.status().message());
  const std::int64_t expires = r.expires_at.value_or(now + kDefaultTargetLifeMs);
  if (expires <= now || expires > now + kMaxTargetLifeMs)
    return Status::InvalidArgument("expires_at: after now and within a year");
  TargetResult out;
  Status st = db.Transaction([&]() -> Status {
    out.notices.clear();
    if (r.operation) {
      Result<catalog::Statement> op = db.Query(
          "SELECT 1 FROM operations WHERE id = ?1 AND agency_id = ?2", *r.operation, p.agency_id);
      if (!op.ok()) return op.status();
      if (!op->has_row())
        return Status::InvalidArgument(
            fmt::format("operation: no operation {} of {}", *r.operation, p.agency_code));
    }
    Result<std::vector<std::int64_t>> agencies = DeconflictingAgencies(db, p.agency_id, now);
    if (!agencies.ok()) return agencies.status();
    Result<std::vector<Side>> matches = Matches(db, keyed->keys, p.agency_id, *agencies, now);
    if (!matches.ok()) return matches.status();
    Result<catalog::Statement> ins = db.Prepare(
        "INSERT INTO targets (agency_id, operation_id, case_number, kind, value, contact_name, "
        "contact_phone, created_at, created_by, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
        "?8, ?9, ?10) RETURNING id");
    if (!ins.ok()) return ins.status();
    ins->Bind(1, p.agency_id).Bind(2, r.operation).Bind(3, r.case_number).Bind(4, r.kind);
    ins->Bind(5, keyed->normalized).Bind(6, r.contact_name).Bind(7, phone->normalized);
    ins->Bind(8, now).Bind(9, p.Actor()).Bind(10, expires);
    Result<std::int64_t> id = ins->RunReturningId();
    if (!id.ok()) return id.status();
    out.target.id = *id;
    Result<catalog::Statement> key = db.Prepare(
        "INSERT INTO target_keys (key_hash, target_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING");
    if (!key.ok()) return key.status();
    for (const std::string& k : keyed->keys) {
      key->Reset();
      key->Bind(1, TargetKeyHash(k)).Bind(2, *id);
      INTERDICT_RETURN_IF_ERROR(key->Run());
    }
    Result<catalog::Statement> me =
        db.Query("SELECT code, name FROM agencies WHERE id = ?1", p.agency_id);
    if (!me.ok()) return me.status();
    const Side self{
        *id, p.agency_id, {me->Text(0), me->Text(1), r.contact_name, phone->normalized, r.kind}};
    for (const Side& other : *matches) {
      Result<std::vector<ConflictNotice>> made =
          RecordConflict(db, p, "target", self, other, now, now);
      if (!made.ok()) return made.status();
      out.notices.insert(out.notices.end(), made->begin(), made->end());
    }
    if (r.kind == "plate") {
      Result<std::int64_t> gen = catalog::NoteChange(db, catalog::kTargetsTopic, now);
      if (!gen.ok()) return gen.status();
    }
    return AuditAct(db, p, "target.enter", true,
                    json::Object("target", *id, "kind", r.kind, "case", r.case_number, "matches",
                                 static_cast<std::int64_t>(matches->size())),
                    now);
  });
  if (!st.ok()) return st;
  Result<catalog::Statement> q =
      db.Query(fmt::format("SELECT {}WHERE t.id = ?1", kColumns), out.target.id);
  if (!q.ok()) return q.status();
  if (!q->has_row()) return Status::Internal("the target just entered is gone");
  out.target = FromRow(*q);
  return out;
}

Status RemoveTarget(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                    std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "operations.manage"));
  return db.Transaction([&]() -> Status {
    Result<catalog::Statement> q =
        db.Query("SELECT kind FROM targets WHERE id = ?1 AND agency_id = ?2 AND removed_at IS NULL",
                 id, p.agency_id);
    if (!q.ok()) return q.status();
    if (!q->has_row())
      return Status::NotFound(fmt::format("no target {} of {}", id, p.agency_code));
    const std::string kind = q->Text(0);
    Result<catalog::Statement> up =
        db.Prepare("UPDATE targets SET removed_at = ?2, removed_by = ?3 WHERE id = ?1");
    if (!up.ok()) return up.status();
    up->Bind(1, id).Bind(2, now).Bind(3, p.Actor());
    INTERDICT_RETURN_IF_ERROR(up->Run());
    Result<catalog::Statement> keys = db.Prepare("DELETE FROM target_keys WHERE target_id = ?1");
    if (!keys.ok()) return keys.status();
    keys->Bind(1, id);
    INTERDICT_RETURN_IF_ERROR(keys->Run());
    if (kind == "plate") {
      Result<std::int64_t> gen = catalog::NoteChange(db, catalog::kTargetsTopic, now);
      if (!gen.ok()) return gen.status();
    }
    return AuditAct(db, p, "target.remove", true, json::Object("target", id, "kind", kind), now);
  });
}

Result<std::vector<Target>> ListTargets(catalog::Database& db, const identity::Principal& p,
                                        std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "operations.read"));
  Result<catalog::Statement> q = db.Prepare(fmt::format(
      "SELECT {}WHERE t.agency_id = ?1 AND t.removed_at IS NULL AND t.expires_at > ?2 ORDER BY "
      "t.id DESC LIMIT {}",
      kColumns, kListLimit));
  if (!q.ok()) return q.status();
  q->Bind(1, p.agency_id).Bind(2, now);
  std::vector<Target> out;
  INTERDICT_RETURN_IF_ERROR(
      q->ForEach([&](const catalog::Statement& r) { out.push_back(FromRow(r)); }));
  return out;
}

Status LoadPlateTargets(catalog::Database& db, TargetIndex* index, std::int64_t now) {
  Result<catalog::Statement> q = db.Prepare(
      "SELECT id, agency_id, value, expires_at FROM targets WHERE kind = 'plate' AND removed_at "
      "IS NULL AND expires_at > ?1");
  if (!q.ok()) return q.status();
  q->Bind(1, now);
  TargetIndex fresh;
  INTERDICT_RETURN_IF_ERROR(q->ForEach([&](const catalog::Statement& r) {
    Result<Keyed> k = KeyPlate(r.Text(2));
    if (k.ok()) fresh.Put({r.Int(0), r.Int(1), TargetKind::kPlate, r.Int(3)}, k->keys);
  }));
  index->Swap(fresh);
  return Status::Ok();
}

Result<std::int64_t> ExpireTargets(catalog::Database& db, std::int64_t now) {
  return ExpireDue(db, catalog::kTargetsTopic, "target.expire", "targets", now,
                   [&]() -> Result<std::int64_t> {
                     Result<catalog::Statement> keys = db.Query(
                         "DELETE FROM target_keys WHERE target_id IN (SELECT id FROM targets "
                         "WHERE removed_at IS NULL AND expires_at <= ?1)",
                         now);
                     if (!keys.ok()) return keys.status();
                     Result<catalog::Statement> up = db.Query(
                         "UPDATE targets SET value = '', removed_at = ?1, removed_by = 'expiry' "
                         "WHERE removed_at IS NULL AND expires_at <= ?1",
                         now);
                     if (!up.ok()) return up.status();
                     return db.Changes();
                   });
}

}  // namespace interdict::intel
