// The identity and policy API: sign-in, enrolment, the caller's own account,
// sharing agreements and the audit trail. The access gate authenticates every
// non-public request (a session token) and checks the route's permission; a
// refusal for a missing permission is audited. Integrations authenticate with
// API keys ("Bearer idk_…") the same way.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "alerting/cameras.h"
#include "alerting/hits.h"
#include "base/clock.h"
#include "base/log.h"
#include "http/rate_limiter.h"
#include "http/router.h"
#include "http/server.h"
#include "identity/accounts.h"
#include "intel/bolos.h"
#include "intel/target_index.h"
#include "media/image_store.h"
#include "ops/movement.h"
#include "oversight/read_counts.h"
#include "oversight/review.h"
#include "search/search.h"
#include "server/catalog_handle.h"
#include "sso/oidc.h"
#include "store/read_store.h"

namespace interdict::server {

class AlertHub;

// The request limit of one kind of principal (config rate_limit.*), set by
// Service::Start; without a limiter it limits nothing.
struct Throttle {
  std::unique_ptr<http::RateLimiter> limiter;
  metrics::Counter* refused = nullptr;  // interdict_rate_limited_total{principal=...}
  std::string_view who;                 // "address", in the 429's message
  // Spends one of `key`'s tokens; the 429 to answer when it had none.
  std::optional<http::Response> Take(const std::string& key) const;
};
struct Throttles {
  Throttle address, person, integration;
};

struct ApiContext {
  ApiContext(const Clock& c, Logger& l) : clock(c), log(l) {}
  std::unique_ptr<CatalogHandle> catalog;  // opened by Service::Start, before any request
  store::ReadStore* store = nullptr;       // likewise
  const Clock& clock;
  Logger& log;
  std::string login_banner;  // auth.login_banner
  // Single sign-on (sso.public_url set): the providers' documents and keys,
  // where they send people back to, and where client secrets are.
  std::unique_ptr<sso::Providers> sso;
  std::string sso_redirect_uri;
  std::string sso_secrets_dir;
  // Password checks running at once (each holds 64 MiB for ~0.1 s); auth.max_password_checks.
  int max_password_checks = 2;
  std::mutex password_checks_mu;
  std::condition_variable password_checks_cv;
  int password_checks_running = 0;
  Throttles throttles;
  // Ingest and hits.
  alerting::CameraDirectory cameras;
  alerting::HotlistIndex hotlists;
  std::unique_ptr<catalog::Database> index_db;  // read-only, for index rebuilds
  std::mutex rebuild_mu;
  AlertHub* hub = nullptr;              // live alert streams; set by Service
  media::ImageStore* images = nullptr;  // DATA/images; set by Service
  // Data keys when encryption at rest is on (images are sealed); set by Service.
  crypto::KeyRing* keys = nullptr;
  // Where vehicles go next, learned from the reads ingest accepts (decision
  // 0039); set by Service.
  std::unique_ptr<ops::MovementModel> movement;
  std::string movement_path;            // saved hourly and at stop; empty: not saved
  std::function<void()> hits_recorded;  // wakes the webhook sender; set by Service
  // Oversight: reads accepted, counted per agency and day (written by Background).
  oversight::ReadCounter read_counts;
  std::int64_t report_min_count = 5;  // oversight.min_count
  std::string report_default_shift;   // oversight.default_shift
  // oversight.*: the review queue's rules, and the protected places every
  // search is checked against before it runs (the same as search_limits').
  oversight::ReviewRules review_rules;
  search::Limits search_limits;  // the places, search.daily_results_cap, confidential plates
  // Address-confidentiality plates (GOVERNANCE 5): set by Service from
  // DATA/keys and the catalog, reloaded on every approved change; ingest drops
  // their reads, search never returns them. search_limits.confidential is the
  // same object.
  std::shared_ptr<policy::ConfidentialPlates> confidential;
  std::atomic<std::uint64_t> confidential_dropped{0};
  // Several servers (docs/cluster.md): the generation of each topic of the
  // catalog's `changes` this server's memory holds (server/changes.h).
  // This server's name among several: host, process and a random part, set by
  // Service at start (webhook deliveries are leased to it).
  std::string server_id = "interdict";
  std::mutex generations_mu;
  std::map<std::string, std::int64_t, std::less<>> generations;
  // Plates of deconfliction targets in force, which live reads are checked
  // against (docs/format/intel.md); reloaded with the topic 'targets'.
  intel::TargetIndex target_plates;
  // Active BOLOs without a plate, which reads with vehicle attributes are
  // compared with; reloaded with the topic 'bolos'. Replaced whole.
  std::mutex vehicle_bolos_mu;
  std::shared_ptr<const std::vector<intel::VehicleBolo>> vehicle_bolos;  // guarded by the mutex
};

// The principal the gate attached to a request that passed it.
const identity::Principal& Caller(const http::Request& req);

http::AccessGate MakeGate(ApiContext& ctx);
void AddAccountRoutes(http::Router& router, ApiContext& ctx);
void AddSsoRoutes(http::Router& router, ApiContext& ctx);
void AddAgreementRoutes(http::Router& router, ApiContext& ctx);
void AddAuditRoutes(http::Router& router, ApiContext& ctx);
void AddIntegrationRoutes(http::Router& router, ApiContext& ctx);
void AddUserRoutes(http::Router& router, ApiContext& ctx);
void AddRetentionRoutes(http::Router& router, ApiContext& ctx);
void AddPurposeRoutes(http::Router& router, ApiContext& ctx);
void AddNoticeRoutes(http::Router& router, ApiContext& ctx);
void AddVisibilityRoutes(http::Router& router, ApiContext& ctx);
void AddCameraRoutes(http::Router& router, ApiContext& ctx);
void AddUnitRoutes(http::Router& router, ApiContext& ctx);
void AddHotlistRoutes(http::Router& router, ApiContext& ctx);
void AddIngestRoutes(http::Router& router, ApiContext& ctx);
void AddHitRoutes(http::Router& router, ApiContext& ctx);
void AddAlertRoutes(http::Router& router, ApiContext& ctx);
void AddSearchRoutes(http::Router& router, ApiContext& ctx);
void AddTransparencyRoutes(http::Router& router, ApiContext& ctx);
void AddPlaceRoutes(http::Router& router, ApiContext& ctx);
void AddConfidentialRoutes(http::Router& router, ApiContext& ctx);
// Loads the confidential plates' digests from the catalog into ctx.confidential.
Status ReloadConfidentialPlates(ApiContext& ctx);
void AddReviewRoutes(http::Router& router, ApiContext& ctx);
void AddIntelRoutes(http::Router& router, ApiContext& ctx);
void AddOutcomesRoutes(http::Router& router, ApiContext& ctx);
// Loads the plates of targets in force into ctx.target_plates (at start and
// when the topic 'targets' moves).
Status ReloadTargetPlates(ApiContext& ctx);
// Loads the active BOLOs without a plate into ctx.vehicle_bolos (at start
// and when the topic 'bolos' moves).
Status ReloadVehicleBolos(ApiContext& ctx);
// The reads ingest kept (`kept[i]`) against intelligence: a read of a
// target's plate is a notice to the case owner (intel/target_reads.h), a
// read whose vehicle matches a BOLO without a plate a weak match listed on it
// (intel/bolos.h).
void CheckReadsForIntel(ApiContext& ctx, const std::vector<read::Read>& reads,
                        const std::vector<bool>& kept);
void AddResidentRoutes(http::Router& router, ApiContext& ctx);

// Rebuilds the hotlist index from the catalog (at start and after a list changes).
Status RebuildHotlistIndex(ApiContext& ctx);

// Hands the catalog's retention rules and active holds to the read store,
// which enforces them on disk: at start and after every change.
Status ApplyRetentionToStore(ApiContext& ctx);

}  // namespace interdict::server
