#include "policy/confidential.h"

#include <fmt/core.h>

#include "base/json_writer.h"
#include "catalog/changes.h"
#include "crypto/crypto.h"
#include "plate/plate.h"

namespace interdict::policy {

std::string ConfidentialDigest(std::string_view key, std::string_view plate_text) {
  return crypto::HmacSha256(key, plate_text);
}

void ConfidentialPlates::Replace(std::set<std::string> digests) {
  std::lock_guard lock(mu_);
  digests_ = std::move(digests);
}

bool ConfidentialPlates::Empty() const {
  std::lock_guard lock(mu_);
  return digests_.empty();
}

bool ConfidentialPlates::Contains(std::string_view plate_text) const {
  if (Empty()) return false;
  // The HMAC outside the lock: ingest and every search call this per read.
  const std::string digest = ConfidentialDigest(key_, plate_text);
  std::lock_guard lock(mu_);
  return digests_.count(digest) > 0;
}

void ConfidentialPlates::ReplaceMatchable(std::set<std::string> digests) {
  std::lock_guard lock(mu_);
  matchable_ = std::move(digests);
}

bool ConfidentialPlates::Matchable(std::string_view plate_text) const {
  {
    std::lock_guard lock(mu_);
    if (matchable_.empty()) return false;
  }
  const std::string digest = ConfidentialDigest(key_, plate_text);
  std::lock_guard lock(mu_);
  return matchable_.count(digest) > 0;
}

Result<std::set<std::string>> LoadMatchableDigests(catalog::Database& db) {
  Result<catalog::Statement> q = db.Prepare(
      "SELECT digest FROM confidential_matching WHERE approved_at IS NOT NULL AND ended_at IS "
      "NULL");
  if (!q.ok()) return q.status();
  std::set<std::string> out;
  INTERDICT_RETURN_IF_ERROR(
      q->ForEach([&](const catalog::Statement& row) { out.insert(row.Blob(0)); }));
  return out;
}

Result<std::int64_t> ProposeConfidentialMatching(catalog::Database& db,
                                                 const identity::Principal& p, std::string_view key,
                                                 std::string_view plate, std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(identity::Require(p, "hotlists.approve"));
  Result<std::string> text = plate::NormalizePlateText(plate);
  if (!text.ok()) return Status::InvalidArgument("plate: " + text.status().message());
  const std::string digest = ConfidentialDigest(key, *text);
  std::int64_t id = 0;
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
    Result<catalog::Statement> ins = db.Prepare(
        "INSERT INTO confidential_matching (digest, agency_id, proposed_by, proposed_at) VALUES "
        "(?1, ?2, ?3, ?4) RETURNING id");
    if (!ins.ok()) return ins.status();
    ins->BindBlob(1, digest).Bind(2, p.agency_id).Bind(3, p.id).Bind(4, now);
    Result<std::int64_t> inserted = ins->RunReturningId();
    if (!inserted.ok()) return inserted.status();
    id = *inserted;
    return identity::AuditAct(
        db, p, "confidential.matching.propose", true,
        json::Object("request", id, "digest", crypto::HexEncode(digest).substr(0, 8)), now);
  }));
  return id;
}

Status ApproveConfidentialMatching(catalog::Database& db, const identity::Principal& p,
                                   std::int64_t id, std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(identity::Require(p, "hotlists.approve"));
  return db.Transaction([&]() -> Status {
    Result<catalog::Statement> q = db.Query(
        "SELECT m.proposed_by, u.role, m.digest FROM confidential_matching m JOIN users u ON "
        "u.id = m.proposed_by WHERE m.id = ?1 AND m.agency_id = ?2 AND m.approved_at IS NULL",
        id, p.agency_id);
    if (!q.ok()) return q.status();
    if (!q->has_row())
      return Status::NotFound(fmt::format("no request {} waiting in {}", id, p.agency_code));
    if (q->Int(0) == p.id || !identity::AreSupervisorAndAdministrator(q->Text(1), p.role)) {
      return Status::PermissionDenied(
          "matching a confidential plate takes a supervisor and an administrator: the other "
          "role approves, never the asker");
    }
    const std::string digest = q->Blob(2);
    Result<catalog::Statement> up = db.Prepare(
        "UPDATE confidential_matching SET approved_by = ?1, approved_at = ?2 WHERE id = ?3");
    if (!up.ok()) return up.status();
    up->Bind(1, p.id).Bind(2, now).Bind(3, id);
    INTERDICT_RETURN_IF_ERROR(up->Run());
    INTERDICT_RETURN_IF_ERROR(catalog::NoteChange(db, catalog::kConfidentialTopic, now).status());
    return identity::AuditAct(
        db, p, "confidential.matching.approve", true,
        json::Object("request", id, "digest", crypto::HexEncode(digest).substr(0, 8)), now);
  });
}

Result<std::set<std::string>> LoadConfidentialDigests(catalog::Database& db) {
  Result<catalog::Statement> q = db.Prepare("SELECT digest FROM confidential_plates");
  if (!q.ok()) return q.status();
  std::set<std::string> out;
  INTERDICT_RETURN_IF_ERROR(
      q->ForEach([&](const catalog::Statement& row) { out.insert(row.Blob(0)); }));
  return out;
}

Result<std::int64_t> ProposeConfidentialChange(catalog::Database& db, const identity::Principal& p,
                                               std::string_view key, std::string_view plate,
                                               std::string_view action, std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(identity::Require(p, "confidential.manage"));
  if (action != "add" && action != "remove")
    return Status::InvalidArgument("action: add or remove");
  if (key.empty())
    return Status::FailedPrecondition("no key for confidential plates (DATA/keys): restart");
  Result<std::string> text = plate::NormalizePlateText(plate);
  if (!text.ok()) return Status::InvalidArgument("plate: " + text.status().message());
  const std::string digest = ConfidentialDigest(key, *text);
  const std::string prefix = crypto::HexEncode(digest).substr(0, 8);
  std::int64_t id = 0;
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
    Result<catalog::Statement> ins = db.Prepare(
        "INSERT INTO confidential_changes (digest, action, proposed_by, proposed_at) VALUES (?1, "
        "?2, ?3, ?4) RETURNING id");
    if (!ins.ok()) return ins.status();
    ins->BindBlob(1, digest).Bind(2, action).Bind(3, p.id).Bind(4, now);
    Result<std::int64_t> inserted = ins->RunReturningId();
    if (!inserted.ok()) return inserted.status();
    id = *inserted;
    return identity::AuditAct(db, p, "confidential.propose", true,
                              json::Object("change", id, "action", action, "digest", prefix), now);
  }));
  return id;
}

Status ApproveConfidentialChange(catalog::Database& db, const identity::Principal& p,
                                 std::int64_t id, std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(identity::Require(p, "confidential.manage"));
  return db.Transaction([&]() -> Status {
    Result<catalog::Statement> q = db.Query(
        "SELECT digest, action, proposed_by FROM confidential_changes WHERE id = ?1 AND "
        "approved_at IS NULL",
        id);
    if (!q.ok()) return q.status();
    if (!q->has_row())
      return Status::NotFound(fmt::format("no change {} waiting for approval", id));
    const std::string digest = q->Blob(0), action = q->Text(1);
    if (q->Int(2) == p.id) {
      return Status::PermissionDenied(
          "a change to the confidential plates takes two people: another approves it");
    }
    Result<catalog::Statement> up = db.Prepare(
        "UPDATE confidential_changes SET approved_by = ?1, approved_at = ?2 WHERE id = ?3");
    if (!up.ok()) return up.status();
    up->Bind(1, p.id).Bind(2, now).Bind(3, id);
    INTERDICT_RETURN_IF_ERROR(up->Run());
    if (action == "add") {
      Result<catalog::Statement> ins = db.Prepare(
          "INSERT INTO confidential_plates (digest, added_at) VALUES (?1, ?2) ON CONFLICT DO "
          "NOTHING");
      if (!ins.ok()) return ins.status();
      ins->BindBlob(1, digest).Bind(2, now);
      INTERDICT_RETURN_IF_ERROR(ins->Run());
    } else {
      Result<catalog::Statement> del =
          db.Prepare("DELETE FROM confidential_plates WHERE digest = ?1");
      if (!del.ok()) return del.status();
      del->BindBlob(1, digest);
      INTERDICT_RETURN_IF_ERROR(del->Run());
    }
    INTERDICT_RETURN_IF_ERROR(catalog::NoteChange(db, catalog::kConfidentialTopic, now).status());
    return identity::AuditAct(db, p, "confidential.approve", true,
                              json::Object("change", id, "action", action, "digest",
                                           crypto::HexEncode(digest).substr(0, 8)),
                              now);
  });
}

Result<std::vector<ConfidentialChange>> ListConfidentialChanges(catalog::Database& db,
                                                                const identity::Principal& p) {
  INTERDICT_RETURN_IF_ERROR(identity::Require(p, "confidential.manage"));
  Result<catalog::Statement> q = db.Prepare(
      "SELECT c.id, c.action, c.digest, u.username, c.proposed_at FROM confidential_changes c "
      "JOIN users u ON u.id = c.proposed_by WHERE c.approved_at IS NULL ORDER BY c.id");
  if (!q.ok()) return q.status();
  std::vector<ConfidentialChange> out;
  INTERDICT_RETURN_IF_ERROR(q->ForEach([&](const catalog::Statement& row) {
    out.push_back({row.Int(0), row.Text(1), crypto::HexEncode(row.Blob(2)).substr(0, 8),
                   row.Text(3), row.Int(4)});
  }));
  return out;
}

}  // namespace interdict::policy
