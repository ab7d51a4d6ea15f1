#include "identity/keys.h"

#include <fmt/core.h>
#include <rapidjson/document.h>

#include <algorithm>

#include "audit/audit.h"
#include "base/json.h"
#include "base/json_writer.h"
#include "crypto/crypto.h"

namespace interdict::identity {
namespace {

constexpr std::string_view kPrefix = "idk_";
constexpr std::size_t kKeyIdHex = 16, kSecretHex = 64;

std::optional<std::vector<std::string>> ParseArray(std::string_view json) {
  rapidjson::Document d;
  if (!json::Parse(json, &d).ok() || !d.IsArray()) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& v : d.GetArray()) {
    if (!v.IsString()) return std::nullopt;
    out.emplace_back(v.GetString(), v.GetStringLength());
  }
  return out;
}

NewKey Fresh(std::int64_t id, std::string* key_id, std::string* secret_hash) {
  *key_id = crypto::HexEncode(crypto::RandomBytes(kKeyIdHex / 2));
  const std::string secret = crypto::HexEncode(crypto::RandomBytes(kSecretHex / 2));
  *secret_hash = std::string(crypto::AsBytes(crypto::Sha256(secret)));
  return {id, fmt::format("{}{}_{}", kPrefix, *key_id, secret)};
}

// The integration of `p`'s agency with `id`, not yet revoked.
Status CheckOwnLiveKey(catalog::Database& db, const Principal& p, std::int64_t id) {
  Result<catalog::Statement> q =
      db.Query("SELECT revoked_at IS NOT NULL FROM integrations WHERE id = ?1 AND agency_id = ?2",
               id, p.agency_id);
  if (!q.ok()) return q.status();
  if (!q->has_row())
    return Status::NotFound(fmt::format("no integration {} of {}", id, p.agency_code));
  if (q->Int(0) != 0)
    return Status::FailedPrecondition(fmt::format("integration {} is revoked", id));
  return Status::Ok();
}

}  // namespace

bool IsApiKey(std::string_view token) {
  return token.substr(0, kPrefix.size()) == kPrefix;
}

Result<NewKey> CreateKey(catalog::Database& db, const Principal& p, const KeyRequest& req,
                         std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "integrations.manage"));
  if (req.name.empty() || req.name.size() > 200)
    return Status::InvalidArgument("name: what the integration is, 1 to 200 bytes");
  if (req.permissions.empty())
    return Status::InvalidArgument("permissions: at least one, e.g. [\"reads.ingest\"]");
  if (req.units) {
    // A unit's own key: it reports its call signs and does nothing else.
    if (req.units->empty() || req.units->size() > 100)
      return Status::InvalidArgument("units: 1 to 100 call signs (or leave it out: all)");
    for (const std::string& u : *req.units)
      if (u.empty() || u.size() > 32)
        return Status::InvalidArgument(fmt::format("units: '{}' is not a call sign", u));
    if (req.permissions != std::vector<std::string>{"units.report"})
      return Status::InvalidArgument(
          "units: a key scoped to units holds units.report alone (a unit reports itself)");
  }
  NewKey out;
  Status st = db.Transaction([&]() -> Status {
    // Only what the integration role may hold.
    for (const std::string& perm : req.permissions) {
      Result<catalog::Statement> q = db.Query(
          "SELECT 1 FROM role_permissions WHERE role = 'integration' AND permission = ?1", perm);
      if (!q.ok()) return q.status();
      if (!q->has_row()) {
        return Status::InvalidArgument(
            fmt::format("permissions: {} is not one an integration may hold", perm));
      }
    }
    std::string key_id, secret_hash;
    out = Fresh(0, &key_id, &secret_hash);
    std::vector<std::string> perms = req.permissions;
    std::sort(perms.begin(), perms.end());
    perms.erase(std::unique(perms.begin(), perms.end()), perms.end());
    Result<catalog::Statement> ins = db.Prepare(
        "INSERT INTO integrations (agency_id, name, key_id, secret_hash, permissions, cameras, "
        "created_at, created_by, units) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING "
        "id");
    if (!ins.ok()) return ins.status();
    ins->Bind(1, p.agency_id).Bind(2, req.name).Bind(3, key_id).BindBlob(4, secret_hash);
    ins->Bind(5, json::Array(perms));
    if (req.cameras) {
      ins->Bind(6, json::Array(*req.cameras));
    } else {
      ins->BindNull(6);
    }
    ins->Bind(7, now).Bind(8, p.Actor());
    if (req.units) {
      ins->Bind(9, json::Array(*req.units));
    } else {
      ins->BindNull(9);
    }
    Result<std::int64_t> inserted = ins->RunReturningId();
    if (!inserted.ok()) return inserted.status();
    out.id = *inserted;
    return AuditAct(db, p, "integration.create", true,
                    json::Object("integration", out.id, "name", req.name, "key_id", key_id,
                                 "permissions", perms),
                    now);
  });
  if (!st.ok()) return st;
  return out;
}

Result<NewKey> RotateKey(catalog::Database& db, const Principal& p, std::int64_t id,
                         std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "integrations.manage"));
  NewKey out;
  Status st = db.Transaction([&]() -> Status {
    INTERDICT_RETURN_IF_ERROR(CheckOwnLiveKey(db, p, id));
    std::string key_id, secret_hash;
    out = Fresh(id, &key_id, &secret_hash);
    Result<catalog::Statement> up =
        db.Prepare("UPDATE integrations SET key_id = ?1, secret_hash = ?2 WHERE id = ?3");
    if (!up.ok()) return up.status();
    up->Bind(1, key_id).BindBlob(2, secret_hash).Bind(3, id);
    INTERDICT_RETURN_IF_ERROR(up->Run());
    return AuditAct(db, p, "integration.rotate", true,
                    json::Object("integration", id, "key_id", key_id), now);
  });
  if (!st.ok()) return st;
  return out;
}

Status RevokeKey(catalog::Database& db, const Principal& p, std::int64_t id, std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "integrations.manage"));
  return db.Transaction([&]() -> Status {
    INTERDICT_RETURN_IF_ERROR(CheckOwnLiveKey(db, p, id));
    Result<catalog::Statement> up =
        db.Prepare("UPDATE integrations SET revoked_at = ?1 WHERE id = ?2");
    if (!up.ok()) return up.status();
    up->Bind(1, now).Bind(2, id);
    INTERDICT_RETURN_IF_ERROR(up->Run());
    return AuditAct(db, p, "integration.revoke", true, json::Object("integration", id), now);
  });
}

Result<std::vector<KeyInfo>> ListKeys(catalog::Database& db, const Principal& p) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "integrations.manage"));
  return db.List<KeyInfo>(
      "SELECT id, name, key_id, permissions, cameras, created_at, revoked_at, units FROM "
      "integrations WHERE agency_id = ?1 ORDER BY id",
      [&](const catalog::Statement& r) {
        KeyInfo k;
        k.id = r.Int(0);
        k.name = r.Text(1);
        k.key_id = r.Text(2);
        k.permissions = ParseArray(r.Text(3)).value_or(std::vector<std::string>{});
        if (!r.IsNull(4)) k.cameras = ParseArray(r.Text(4));
        k.created_at = r.Int(5);
        k.revoked_at = r.OptionalInt(6);
        if (!r.IsNull(7)) k.units = ParseArray(r.Text(7));
        return k;
      },
      p.agency_id);
}

Result<Principal> AuthenticateKey(catalog::Database& db, std::string_view key) {
  const Status refused = Status::Unauthenticated("unknown or revoked API key");
  if (!IsApiKey(key) || key.size() != kPrefix.size() + kKeyIdHex + 1 + kSecretHex ||
      key[kPrefix.size() + kKeyIdHex] != '_') {
    return refused;
  }
  const std::string_view key_id = key.substr(kPrefix.size(), kKeyIdHex);
  const std::string_view secret = key.substr(kPrefix.size() + kKeyIdHex + 1);
  Result<catalog::Statement> q = db.Query(
      "SELECT i.id, i.name, i.secret_hash, i.permissions, i.cameras, a.id, a.code, a.state, "
      "a.kind, i.units FROM integrations i JOIN agencies a ON a.id = i.agency_id "
      "WHERE i.key_id = ?1 AND i.revoked_at IS NULL",
      key_id);
  if (!q.ok()) return q.status();
  if (!q->has_row() ||
      !crypto::ConstantTimeEqual(q->Blob(2), crypto::AsBytes(crypto::Sha256(secret)))) {
    return refused;
  }
  Principal p;
  p.kind = Principal::Kind::kIntegration;
  p.id = q->Int(0);
  p.name = q->Text(1);
  p.permissions = ParseArray(q->Text(3)).value_or(std::vector<std::string>{});
  std::sort(p.permissions.begin(), p.permissions.end());
  if (!q->IsNull(4)) p.cameras = ParseArray(q->Text(4));
  p.agency_id = q->Int(5);
  p.agency_code = q->Text(6);
  p.agency_state = q->Text(7);
  p.agency_kind = q->Text(8);
  if (!q->IsNull(9)) p.units = ParseArray(q->Text(9));
  p.role = RoleName(Role::kIntegration);
  return p;
}

}  // namespace interdict::identity
