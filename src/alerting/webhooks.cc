#include "alerting/webhooks.h"

#include <algorithm>

#include <fmt/core.h>

#include "base/json_writer.h"
#include "crypto/crypto.h"

namespace interdict::alerting {
namespace {

Status CheckUrl(const std::string& url) {
  const bool http = url.rfind("http://", 0) == 0, https = url.rfind("https://", 0) == 0;
  if (!http && !https) return Status::InvalidArgument("url: must start with http:// or https://");
  if (url.size() > 2000) return Status::InvalidArgument("url: at most 2000 bytes");
  const std::size_t host_start = https ? 8 : 7;
  if (host_start >= url.size() || url[host_start] == '/' || url[host_start] == ':') {
    return Status::InvalidArgument("url: names no host");
  }
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return Status::InvalidArgument("url: no spaces or control characters");
    }
  }
  return Status::Ok();
}

}  // namespace

std::string SignatureHeader(const std::string& secret, const std::string& body,
                            std::int64_t unix_seconds) {
  const std::string t = std::to_string(unix_seconds);
  return fmt::format("t={},v1={}", t,
                     crypto::HexEncode(crypto::HmacSha256(secret, t + "." + body)));
}

Result<NewWebhook> CreateWebhook(catalog::Database& db, const identity::Principal& p,
                                 const std::string& url, std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(identity::Require(p, "webhooks.manage"));
  INTERDICT_RETURN_IF_ERROR(CheckUrl(url));
  NewWebhook out;
  out.secret = "whsec_" + crypto::HexEncode(crypto::RandomBytes(32));
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
    Result<catalog::Statement> ins = db.Prepare(
        "INSERT INTO webhooks (agency_id, url, secret, created_at, created_by) VALUES (?1, ?2, "
        "?3, ?4, ?5) RETURNING id");
    if (!ins.ok()) return ins.status();
    ins->Bind(1, p.agency_id).Bind(2, url).BindBlob(3, out.secret).Bind(4, now).Bind(5, p.Actor());
    Result<std::int64_t> inserted = ins->RunReturningId();
    if (!inserted.ok()) return inserted.status();
    out.id = *inserted;
    return identity::AuditAct(db, p, "webhook.create", true,
                              json::Object("webhook", out.id, "url", url), now);
  }));
  return out;
}

Status DisableWebhook(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                      std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(identity::Require(p, "webhooks.manage"));
  return db.Transaction([&]() -> Status {
    Result<catalog::Statement> up = db.Prepare(
        "UPDATE webhooks SET disabled_at = ?3 WHERE id = ?1 AND agency_id = ?2 AND disabled_at "
        "IS NULL");
    if (!up.ok()) return up.status();
    up->Bind(1, id).Bind(2, p.agency_id).Bind(3, now);
    INTERDICT_RETURN_IF_ERROR(up->Run());
    if (db.Changes() == 0) {
      return Status::NotFound(fmt::format("no active webhook {} in {}", id, p.agency_code));
    }
    // What was still queued for it will not be sent.
    Result<catalog::Statement> dead = db.Prepare(
        "UPDATE webhook_deliveries SET dead_at = ?2, last_error = 'webhook disabled' WHERE "
        "webhook_id = ?1 AND delivered_at IS NULL AND dead_at IS NULL");
    if (!dead.ok()) return dead.status();
    dead->Bind(1, id).Bind(2, now);
    INTERDICT_RETURN_IF_ERROR(dead->Run());
    return identity::AuditAct(db, p, "webhook.disable", true, json::Object("webhook", id), now);
  });
}

Result<std::vector<WebhookInfo>> ListWebhooks(catalog::Database& db, const identity::Principal& p) {
  INTERDICT_RETURN_IF_ERROR(identity::Require(p, "webhooks.manage"));
  Result<catalog::Statement> q = db.Prepare(
      "SELECT w.id, w.url, w.created_at, w.disabled_at, "
      "(SELECT count(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.delivered_at "
      "IS NOT NULL), "
      "(SELECT count(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.delivered_at "
      "IS NULL AND d.dead_at IS NULL), "
      "(SELECT count(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.dead_at IS "
      "NOT NULL) FROM webhooks w WHERE w.agency_id = ?1 ORDER BY w.id");
  if (!q.ok()) return q.status();
  q->Bind(1, p.agency_id);
  std::vector<WebhookInfo> out;
  for (;;) {
    Result<bool> row = q->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out.push_back(
        {q->Int(0), q->Text(1), q->Int(2), q->OptionalInt(3), q->Int(4), q->Int(5), q->Int(6)});
  }
  return out;
}

namespace {

// A sealed hit's deliveries are sealed under its key, and go with it.
Result<std::string> SealedBody(catalog::Database& db, const std::string& key_id, std::string body) {
  if (key_id.empty()) return body;
  if (db.sealer() == nullptr)
    return Status::FailedPrecondition("a sealed hit, and no keys to seal its deliveries");
  return db.sealer()->Seal(key_id, "webhook_deliveries.body", body);
}

}  // namespace

Result<std::int64_t> EnqueueAgencyEvent(catalog::Database& db, std::int64_t agency,
                                        std::optional<std::int64_t> hit, const std::string& key_id,
                                        std::string body, std::int64_t now) {
  Result<std::string> sealed = SealedBody(db, key_id, std::move(body));
  if (!sealed.ok()) return sealed.status();
  Result<catalog::Statement> ins = db.Prepare(
      "INSERT INTO webhook_deliveries (webhook_id, hit_id, body, next_attempt_at) "
      "SELECT id, ?2, ?3, ?4 FROM webhooks WHERE agency_id = ?1 AND disabled_at IS NULL");
  if (!ins.ok()) return ins.status();
  ins->Bind(1, agency).Bind(2, hit).Bind(3, *sealed).Bind(4, now);
  INTERDICT_RETURN_IF_ERROR(ins->Run());
  return db.Changes();
}

Result<std::int64_t> PurgeEventDeliveries(catalog::Database& db, std::int64_t before) {
  Result<catalog::Statement> del = db.Prepare(
      "DELETE FROM webhook_deliveries WHERE hit_id IS NULL AND (delivered_at < ?1 OR dead_at < "
      "?1)");
  if (!del.ok()) return del.status();
  del->Bind(1, before);
  INTERDICT_RETURN_IF_ERROR(del->Run());
  return db.Changes();
}

Result<std::int64_t> EnqueueDeliveries(catalog::Database& db, const RecordedHit& hit,
                                       std::int64_t now) {
  std::int64_t n = 0;
  Result<std::string> sealed = SealedBody(db, hit.key_id, hit.json);
  if (!sealed.ok()) return sealed.status();
  const std::string& body = *sealed;
  for (std::int64_t agency : hit.recipients) {
    Result<catalog::Statement> ins = db.Prepare(
        "INSERT INTO webhook_deliveries (webhook_id, hit_id, body, next_attempt_at) "
        "SELECT id, ?2, ?3, ?4 FROM webhooks WHERE agency_id = ?1 AND disabled_at IS NULL");
    if (!ins.ok()) return ins.status();
    ins->Bind(1, agency).Bind(2, hit.id).Bind(3, body).Bind(4, now);
    INTERDICT_RETURN_IF_ERROR(ins->Run());
    n += db.Changes();
  }
  return n;
}

Result<std::optional<Delivery>> ClaimDelivery(catalog::Database& db, std::string_view server,
                                              std::int64_t now, std::int64_t lease_until) {
  // No transaction (the catalog's one writer lock, every second on every
  // server, for a queue that is usually empty): the oldest due delivery is
  // read, then claimed by an update that holds only if no server claimed it
  // meanwhile. A server that loses the race tries the next one.
  constexpr int kTries = 3;
  for (int attempt = 0; attempt < kTries; ++attempt) {
    Result<catalog::Statement> q = db.Query(
        "SELECT d.id, d.webhook_id, d.hit_id, w.url, w.secret, d.body, d.attempts FROM "
        "webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE d.delivered_at IS "
        "NULL AND d.dead_at IS NULL AND d.next_attempt_at <= ?1 AND (d.leased_until IS NULL OR "
        "d.leased_until <= ?1) ORDER BY d.next_attempt_at, d.id LIMIT 1",
        now);
    if (!q.ok()) return q.status();
    if (!q->has_row()) return std::optional<Delivery>();
    Result<std::string> body = db.OpenValue("webhook_deliveries.body", q->Text(5));
    if (!body.ok()) return body.status();
    Delivery d{q->Int(0),  q->Int(1),        q->Int(2), q->Text(3),
               q->Blob(4), std::move(*body), q->Int(6), std::string(server)};
    Result<catalog::Statement> claim = db.Query(
        "UPDATE webhook_deliveries SET leased_by = ?2, leased_until = ?3 WHERE id = ?1 AND "
        "delivered_at IS NULL AND dead_at IS NULL AND (leased_until IS NULL OR leased_until <= "
        "?4)",
        d.id, server, lease_until, now);
    if (!claim.ok()) return claim.status();
    if (db.Changes() == 1) return std::optional<Delivery>(std::move(d));
  }
  return std::optional<Delivery>();  // others are claiming as fast: next round
}

Result<bool> RecordAttempt(catalog::Database& db, const Delivery& d, bool delivered,
                           const std::string& error, std::int64_t now,
                           const DeliveryPolicy& policy) {
  const std::int64_t attempts = d.attempts + 1;
  bool dead = false;
  Result<catalog::Statement> up = [&] {
    if (delivered) {
      return db.Prepare(
          "UPDATE webhook_deliveries SET attempts = ?2, delivered_at = ?3, last_error = NULL, "
          "leased_by = NULL, leased_until = NULL WHERE id = ?1 AND leased_by = ?6");
    }
    return db.Prepare(
        "UPDATE webhook_deliveries SET attempts = ?2, next_attempt_at = ?3, last_error = ?4, "
        "dead_at = ?5, leased_by = NULL, leased_until = NULL WHERE id = ?1 AND leased_by = ?6");
  }();
  if (!up.ok()) return up.status();
  up->Bind(1, d.id).Bind(2, attempts).Bind(6, d.leased_by);
  if (delivered) {
    up->Bind(3, now);
  } else {
    const int shift = static_cast<int>(std::min<std::int64_t>(attempts - 1, 30));
    const std::int64_t backoff = std::min(policy.max_backoff_ms, policy.first_backoff_ms << shift);
    dead = attempts >= policy.max_attempts;
    up->Bind(3, now + backoff).Bind(4, error.substr(0, 500));
    if (dead) {
      up->Bind(5, now);
    } else {
      up->BindNull(5);
    }
  }
  INTERDICT_RETURN_IF_ERROR(up->Run());
  if (db.Changes() == 0)
    return Status::FailedPrecondition(
        fmt::format("delivery {}: its lease ran out and another server took it over", d.id));
  return dead;
}

Result<QueueDepth> DeliveryQueueDepth(catalog::Database& db) {
  Result<catalog::Statement> q = db.Query(
      "SELECT (SELECT count(*) FROM webhook_deliveries WHERE delivered_at IS NULL AND dead_at IS "
      "NULL), (SELECT count(*) FROM webhook_deliveries WHERE dead_at IS NOT NULL)");
  if (!q.ok()) return q.status();
  return QueueDepth{q->Int(0), q->Int(1)};
}

}  // namespace interdict::alerting
