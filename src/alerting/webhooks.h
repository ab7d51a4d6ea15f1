// CAD webhooks: endpoints an agency registers, and a delivery queue kept in
// the catalog (an outbox: a hit and its deliveries commit together, so no
// alert is lost to a crash between them). Each delivery is a POST of the
// hit's JSON signed with the endpoint's secret:
//   X-Interdict-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
// retried with exponential backoff and dead-lettered after a number of tries
// (docs/format/ingest.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "alerting/hits.h"
#include "base/status.h"
#include "catalog/database.h"
#include "identity/accounts.h"

namespace interdict::alerting {

struct NewWebhook {
  std::int64_t id = 0;
  std::string secret;  // shown once; the receiver verifies signatures with it
};

struct WebhookInfo {
  std::int64_t id = 0;
  std::string url;
  std::int64_t created_at = 0;
  std::optional<std::int64_t> disabled_at;
  std::int64_t delivered = 0, pending = 0, dead = 0;
};

// webhooks.manage, the caller's agency; http:// or https:// URLs only. Audited.
Result<NewWebhook> CreateWebhook(catalog::Database& db, const identity::Principal& p,
                                 const std::string& url, std::int64_t now);
Status DisableWebhook(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                      std::int64_t now);
Result<std::vector<WebhookInfo>> ListWebhooks(catalog::Database& db, const identity::Principal& p);

// Queues the hit for every active webhook of its recipient agencies, inside
// the caller's transaction. Returns how many deliveries were queued.
Result<std::int64_t> EnqueueDeliveries(catalog::Database& db, const RecordedHit& hit,
                                       std::int64_t now);

// Queues `body`, an event for `agency` alone (a request to confirm its entry
// about hit `hit`; a deconfliction notice, about no hit), for every active
// webhook of that agency, inside the caller's transaction; sealed under
// `key_id` as the hit is, when it is sealed ("" for a plain body). Returns
// how many deliveries were queued.
Result<std::int64_t> EnqueueAgencyEvent(catalog::Database& db, std::int64_t agency,
                                        std::optional<std::int64_t> hit, const std::string& key_id,
                                        std::string body, std::int64_t now);

// Deletes deliveries about no hit (deconfliction notices) delivered or given
// up before `before`; a hit's go with the hit. Returns how many.
Result<std::int64_t> PurgeEventDeliveries(catalog::Database& db, std::int64_t before);

struct Delivery {
  std::int64_t id = 0, webhook_id = 0, hit_id = 0;
  std::string url, secret, body;
  std::int64_t attempts = 0;
  std::string leased_by;  // the server sending it
};

// The oldest delivery due at `now` that no server holds, leased to `server`
// until `lease_until` (docs/cluster.md): one server sends it; if that server
// dies before recording the attempt, another takes it over once the lease has
// run out (the receiver may then see it twice, with the same
// X-Interdict-Delivery id). Nothing when none is due.
Result<std::optional<Delivery>> ClaimDelivery(catalog::Database& db, std::string_view server,
                                              std::int64_t now, std::int64_t lease_until);

struct DeliveryPolicy {
  int max_attempts = 8;
  std::int64_t first_backoff_ms = 1'000;  // doubles after each failure
  std::int64_t max_backoff_ms = 600'000;
};

// Records the outcome of one attempt started at `now`, and ends the lease. On
// failure the next attempt is set by the backoff, or the delivery is
// dead-lettered after the last attempt (the return value is then true). An
// attempt whose lease another server has taken over since is not recorded
// (FailedPrecondition): that server's attempt counts.
Result<bool> RecordAttempt(catalog::Database& db, const Delivery& d, bool delivered,
                           const std::string& error, std::int64_t now,
                           const DeliveryPolicy& policy);

struct QueueDepth {
  std::int64_t pending = 0, dead = 0;
};
Result<QueueDepth> DeliveryQueueDepth(catalog::Database& db);

// The signature header's value for `body` sent at `unix_seconds`.
std::string SignatureHeader(const std::string& secret, const std::string& body,
                            std::int64_t unix_seconds);

}  // namespace interdict::alerting
