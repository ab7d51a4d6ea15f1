#include "server/service.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <optional>

#include <fmt/core.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "alerting/sealing.h"
#include "audit/audit.h"
#include "base/build_info.h"
#include "base/json.h"
#include "cluster/purger.h"
#include "cluster/streamed_reads.h"
#include "crypto/crypto.h"
#include "crypto/keyring.h"
#include "http/server.h"
#include "identity/users.h"
#include "metrics/process.h"
#include "metrics/registry.h"
#include "server/adsb_poller.h"
#include "server/alert_bus.h"
#include "server/alert_hub.h"
#include "server/api.h"
#include "server/background.h"
#include "server/changes.h"
#include "server/console.h"
#include "server/data_dir.h"
#include "sso/oidc.h"
#include "store/store.h"

namespace interdict::server {
namespace {

// How often a server on a PostgreSQL catalog looks for changes made by the
// others (docs/cluster.md): one small query; the time a change takes to
// reach every server is at most this and the reload.
constexpr std::chrono::milliseconds kChangeWatchInterval{200};

}  // namespace

struct Service::Impl {
  Impl(config::Config c, Logger& l, const Clock& clk)
      : config(std::move(c)), log(l), clock(clk), api(clk, l), hub(metrics) {
    api.hub = &hub;
  }

  void AddRoutes();
  // store.backend = "cluster": the tables, the stream, the loader and the purge.
  Status OpenClusterStore(const DataPaths& paths);
  // Publishes the audit chain's head in the log (decision 0017).
  void LogAuditHead(std::string_view what);

  config::Config config;
  Logger& log;
  const Clock& clock;
  UnixMillis started_at = 0;
  metrics::Registry metrics;
  http::Router router;
  std::optional<DataDir> data_dir;
  ApiContext api;  // holds the catalog; declared after data_dir: closed before the lock goes
  // Encryption at rest (decision 0036): declared before the store, which uses them.
  std::unique_ptr<crypto::FileMasterKey> master_key;
  std::unique_ptr<crypto::KeyRing> keys;
  std::unique_ptr<store::Store>
      store;  // declared after data_dir: closed before the lock is released
  // store.backend = "cluster" (decision 0035): reads through JetStream into ClickHouse.
  std::unique_ptr<cluster::ClickHouseReads> cluster_tables;
  std::unique_ptr<cluster::ReadStream> read_stream;
  std::unique_ptr<cluster::StreamedReads> cluster_store;
  std::unique_ptr<cluster::Loader> loader;
  std::unique_ptr<cluster::Purger> purger;
  AlertHub hub;
  std::unique_ptr<media::ImageStore> images;
  std::unique_ptr<http::Server> http;
  std::unique_ptr<AdsbPoller> adsb;        // units.adsb_url: polls a receiver
  std::unique_ptr<Background> background;  // uses the catalog: declared after it, stops first
  // Several servers on a PostgreSQL catalog: reloads what another server changed.
  std::unique_ptr<ChangeWatcher> watcher;
  // Several servers: hits cross to the other servers' streams (cluster.nats.url).
  std::unique_ptr<AlertBus> bus;
};

Status Service::Impl::OpenClusterStore(const DataPaths& paths) {
  const config::ClusterConfig& c = config.cluster;
  Result<cluster::ClickHouseReadsOptions> co = ClusterTables(config);
  if (!co.ok()) return co.status();
  Result<std::unique_ptr<cluster::ClickHouseReads>> tables =
      cluster::ClickHouseReads::Open(std::move(co).value(), clock, log);
  if (!tables.ok()) return tables.status();
  cluster_tables = std::move(tables).value();
  cluster::ReadStreamOptions so;
  so.urls = c.nats_url;
  if (!c.nats_token_file.empty()) {
    Result<std::string> token =
        config::ReadSecretFile(c.nats_token_file, "cluster.nats.token_file");
    if (!token.ok()) return token.status();
    so.token = *token;
  }
  so.replicas = c.stream_replicas;
  so.max_bytes = c.stream_max_bytes;
  so.max_messages = c.stream_max_messages;
  Result<std::unique_ptr<cluster::ReadStream>> stream = cluster::ReadStream::Connect(so, log);
  if (!stream.ok()) return stream.status();
  read_stream = std::move(stream).value();
  cluster_store = std::make_unique<cluster::StreamedReads>(*read_stream, *cluster_tables, clock);
  loader = std::make_unique<cluster::Loader>(*read_stream, *cluster_tables, clock, log, metrics);
  purger = std::make_unique<cluster::Purger>(*read_stream, *cluster_tables, clock, log, metrics,
                                             paths.cluster_purge_log(), api.server_id);
  api.store = cluster_store.get();
  log.Info("reads are in the cluster", {{"clickhouse", c.clickhouse_nodes}, {"nats", c.nats_url}});
  return Status::Ok();
}

void Service::Impl::AddRoutes() {
  router.Add({"GET", "/healthz",
              http::AccessRule::Public("liveness probe for load balancers; reveals no data"),
              [this](const http::Request&, const http::PathParams&) {
                rapidjson::StringBuffer buf;
                rapidjson::Writer<rapidjson::StringBuffer> w(buf);
                w.StartObject();
                w.Key("status");
                w.String("ok");
                w.Key("version");
                w.String(build_info::kVersion);
                w.Key("uptime_s");
                w.Int64((clock.NowMillis() - started_at) / 1000);
                w.EndObject();
                return http::Response::Json(200, std::string(buf.GetString(), buf.GetSize()));
              }});
  router.Add({"GET", "/metrics",
              http::AccessRule::Public(
                  "operational counters for Prometheus; holds no plate, user or case data"),
              [this](const http::Request&, const http::PathParams&) {
                return http::Response::Text(200, metrics.Render(),
                                            "text/plain; version=0.0.4; charset=utf-8");
              }});
  AddAccountRoutes(router, api);
  AddSsoRoutes(router, api);
  AddAgreementRoutes(router, api);
  AddAuditRoutes(router, api);
  AddIntegrationRoutes(router, api);
  AddUserRoutes(router, api);
  AddRetentionRoutes(router, api);
  AddPurposeRoutes(router, api);
  AddNoticeRoutes(router, api);
  AddVisibilityRoutes(router, api);
  AddCameraRoutes(router, api);
  AddUnitRoutes(router, api);
  AddHotlistRoutes(router, api);
  AddIngestRoutes(router, api);
  AddHitRoutes(router, api);
  AddAlertRoutes(router, api);
  AddSearchRoutes(router, api);
  AddTransparencyRoutes(router, api);
  AddPlaceRoutes(router, api);
  AddConfidentialRoutes(router, api);
  AddReviewRoutes(router, api);
  AddIntelRoutes(router, api);
  AddOutcomesRoutes(router, api);
  AddResidentRoutes(router, api);
  std::shared_ptr<const Console> console = Console::Load(config.console);
  if (console->built()) {
    log.Info("web console", {{"dir", console->dir()}});
  } else {
    log.Warn("web console not built; its pages answer 404 (scripts/build console)",
             {{"dir", console->dir()}});
  }
  AddConsoleRoutes(router, std::move(console));
}

void Service::Impl::LogAuditHead(std::string_view what) {
  if (!api.catalog) return;
  Result<audit::Head> head = api.catalog->With(
      [](catalog::Database& db, identity::Accounts&) { return audit::CurrentHead(db); });
  if (!head.ok()) {
    log.Error("cannot read the audit trail head", {{"error", head.status().message()}});
    return;
  }
  log.Info(what, {{"seq", head->seq}, {"hash", head->hash}});
}

Service::Service(config::Config config, Logger& log, const Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(config), log, clock)) {
  impl_->AddRoutes();
}

Service::~Service() = default;

Status Service::Start() {
  Impl& s = *impl_;
  INTERDICT_RETURN_IF_ERROR(s.config.Validate());
  Result<DataDir> dir = DataDir::Open(s.config.data_dir);
  if (!dir.ok()) return dir.status();
  s.data_dir.emplace(std::move(dir).value());
  const DataPaths paths = s.data_dir->paths();
  s.started_at = s.clock.NowMillis();

  s.api.login_banner = s.config.auth.login_banner;
  s.api.max_password_checks = s.config.auth.max_password_checks;
  const config::RateLimitConfig& rl = s.config.rate_limit;
  auto throttle = [&](int per_minute, int burst, const char* principal, std::string_view who) {
    return Throttle{
        std::make_unique<http::RateLimiter>(
            http::RateLimiter::Rate{per_minute / 60.0, static_cast<double>(burst)}, s.clock),
        &s.metrics.GetCounter("interdict_rate_limited_total",
                              "Requests refused with 429 by rate_limit.*, by principal.",
                              {{"principal", principal}}),
        who};
  };
  s.api.throttles.address = throttle(rl.address_per_minute, rl.address_burst, "address", "address");
  s.api.throttles.person = throttle(rl.person_per_minute, rl.person_burst, "person", "person");
  s.api.throttles.integration =
      throttle(rl.integration_per_minute, rl.integration_burst, "integration", "integration key");
  s.api.report_min_count = s.config.oversight.min_count;
  s.api.review_rules.time_zone = s.config.oversight.time_zone;
  {
    // The region's local day sets the movement model's bands.
    Result<TimeZone> zone = TimeZone::Parse(s.config.oversight.time_zone);
    if (!zone.ok()) return zone.status().WithContext("oversight.time_zone: ");
    s.api.movement = std::make_unique<ops::MovementModel>(ops::MovementOptions{}, *zone);
    s.api.movement_path = paths.movement();
    // A saved model that fails its checks is set aside, never a reason not to start.
    if (Status st = s.api.movement->Load(s.api.movement_path); st.ok()) {
      const ops::MovementModel::Stats m = s.api.movement->stats();
      s.log.Info("movement model loaded", {{"cameras", std::to_string(m.cameras)},
                                           {"transitions", std::to_string(m.transitions)}});
    } else if (st.code() != StatusCode::kNotFound) {
      s.log.Warn("the saved movement model is unusable; set aside, learning afresh",
                 {{"error", st.message()}, {"moved_to", s.api.movement_path + ".bad"}});
      std::rename(s.api.movement_path.c_str(), (s.api.movement_path + ".bad").c_str());
    }
  }
  if (!s.config.oversight.default_shift.empty() &&
      !identity::ParseShift(s.config.oversight.default_shift)) {
    return Status::InvalidArgument(
        "oversight.default_shift: \"HH:MM-HH:MM\" in local time (may pass midnight), or \"\"");
  }
  s.api.review_rules.default_shift = s.config.oversight.default_shift;
  s.api.report_default_shift = s.config.oversight.default_shift;
  const config::OversightConfig& ov = s.config.oversight;
  s.api.review_rules.min_justification_words = static_cast<int>(ov.min_justification_words);
  s.api.review_rules.repeat_count = static_cast<int>(ov.repeat_count);
  s.api.review_rules.repeat_days = ov.repeat_days;
  s.api.review_rules.wide_days = ov.wide_days;
  s.api.review_rules.wide_agencies = static_cast<std::size_t>(ov.wide_agencies);
  s.api.review_rules.wide_radius_m = static_cast<double>(ov.wide_radius_m);
  s.api.review_rules.places.margin_m = static_cast<double>(ov.protected_radius_m);
  if (!s.config.oversight.protected_places.empty()) {
    std::ifstream in(s.config.oversight.protected_places, std::ios::binary);
    if (!in) {
      return Status::InvalidArgument(fmt::format("oversight.protected_places: cannot read {}",
                                                 s.config.oversight.protected_places));
    }
    const std::string text((std::istreambuf_iterator<char>(in)), {});
    Result<std::vector<policy::ProtectedPlace>> places = policy::ParseProtectedPlaces(text);
    if (!places.ok())
      return places.status().WithContext(s.config.oversight.protected_places + ": ");
    // The deployment's own list, beside the shipped examples.
    std::vector<policy::ProtectedPlace>& fixed = s.api.review_rules.places.fixed;
    fixed.insert(fixed.end(), places->begin(), places->end());
  }
  s.api.search_limits.places = s.api.review_rules.places;
  s.api.search_limits.daily_results_cap = s.config.search.daily_results_cap;
  Result<catalog::Location> catalog_at = CatalogLocation(s.config);
  if (!catalog_at.ok()) return catalog_at.status();
  Result<std::unique_ptr<CatalogHandle>> catalog = CatalogHandle::Open(
      *catalog_at, identity::AccountPolicy{}, s.config.catalog.postgresql_connections);
  if (!catalog.ok()) return catalog.status();
  s.api.catalog = std::move(catalog).value();
  s.LogAuditHead("audit trail head at start");
  {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    s.api.server_id =
        fmt::format("{}:{}:{}", host, ::getpid(), crypto::HexEncode(crypto::RandomBytes(4)));
  }
  // What the loads below hold is at least this generation of each topic.
  INTERDICT_RETURN_IF_ERROR(TakeCurrentGenerations(s.api));
  // Address-confidentiality plates: the key outside the catalog, the digests in it.
  Result<std::string> plate_key = LoadOrCreateConfidentialKey(paths);
  if (!plate_key.ok()) return plate_key.status();
  s.api.confidential = std::make_shared<policy::ConfidentialPlates>(*plate_key);
  INTERDICT_RETURN_IF_ERROR(ReloadConfidentialPlates(s.api));
  INTERDICT_RETURN_IF_ERROR(ReloadTargetPlates(s.api));
  INTERDICT_RETURN_IF_ERROR(ReloadVehicleBolos(s.api));
  s.api.search_limits.confidential = s.api.confidential;

  if (!s.config.sso.public_url.empty()) {
    std::string base = s.config.sso.public_url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    s.api.sso = std::make_unique<sso::Providers>(s.clock, s.log);
    s.api.sso_redirect_uri = base + "/api/v1/auth/sso/callback";
    s.api.sso_secrets_dir = s.config.sso.client_secrets_dir;
  }
  if (s.config.store.backend == "cluster") {
    INTERDICT_RETURN_IF_ERROR(s.OpenClusterStore(paths));
  } else {
    store::StoreOptions so;
    so.dir = paths.store();
    Result<store::SyncPolicy> sync = store::ParseSyncPolicy(s.config.store.sync);
    if (!sync.ok()) return sync.status();
    so.sync = *sync;
    so.sync_interval_ms = s.config.store.sync_interval_ms;
    so.flush_reads = static_cast<std::uint64_t>(s.config.store.flush_reads);
    if (s.config.encryption.enabled()) {
      Result<std::unique_ptr<crypto::FileMasterKey>> master =
          crypto::FileMasterKey::Load(s.config.encryption.master_key_file);
      if (!master.ok()) return master.status().WithContext("encryption.master_key_file: ");
      s.master_key = std::move(master).value();
      Result<std::unique_ptr<crypto::KeyRing>> ring =
          crypto::KeyRing::Open(s.config.encryption.keys_dir, *s.master_key);
      if (!ring.ok()) return ring.status().WithContext("encryption.keys_dir: ");
      s.keys = std::move(ring).value();
      so.keys = s.keys.get();
      // Hits and their webhook deliveries are sealed in the catalog too.
      s.api.catalog->SetSealer(std::make_shared<alerting::KeyRingSealer>(*s.keys));
      s.log.Info("encryption at rest is on", {{"master_key", s.master_key->id()},
                                              {"keys_dir", s.config.encryption.keys_dir},
                                              {"live_keys", s.keys->List().size()}});
    }
    Result<std::unique_ptr<store::Store>> opened =
        store::Store::Open(so, store::Env::Posix(), s.clock, s.log);
    if (!opened.ok()) return opened.status();
    s.store = std::move(opened).value();
    s.api.store = s.store.get();
  }
  // The store enforces the catalog's retention and holds from the start.
  INTERDICT_RETURN_IF_ERROR(ApplyRetentionToStore(s.api));
  if (s.loader) s.loader->Start();
  if (s.purger) s.purger->Start();
  Result<std::unique_ptr<media::ImageStore>> images = media::ImageStore::Open(
      s.config.images_dir.empty() ? paths.images() : s.config.images_dir, store::Env::Posix());
  if (!images.ok()) return images.status();
  s.images = std::move(images).value();
  s.api.images = s.images.get();
  s.api.keys = s.keys.get();
  // The hotlist index is rebuilt through a read-only connection of its own.
  Result<std::unique_ptr<catalog::Database>> index_db =
      catalog::Database::OpenReadOnly(*catalog_at);
  if (!index_db.ok()) return index_db.status();
  s.api.index_db = std::move(index_db).value();
  INTERDICT_RETURN_IF_ERROR(RebuildHotlistIndex(s.api));

  s.metrics
      .GetGauge("interdict_build_info", "Build of the running binary.",
                {{"version", build_info::kVersion}, {"build_type", build_info::kBuildType}})
      .Set(1);
  s.metrics.GetGauge("interdict_start_time_seconds", "When the service started, Unix seconds.")
      .Set(static_cast<double>(s.started_at) / 1000.0);
  metrics::RegisterProcessMetrics(s.metrics);
  for (int i = 0; i < json::kRefusalKinds; ++i) {
    const auto why = static_cast<json::Refusal>(i);
    s.metrics.AddCounterFunction(
        "interdict_json_refused_total",
        "JSON documents from outside refused by the hardened parser, by reason (docs/security.md).",
        {{"reason", std::string(json::RefusalName(why))}},
        [why] { return json::RefusedCount(why); });
  }
  s.metrics.AddCounterFunction(
      "interdict_reads_confidential_dropped_total",
      "Reads of address-confidentiality plates dropped at ingest, never stored (GOVERNANCE 5).", {},
      [&api = s.api] { return api.confidential_dropped.load(std::memory_order_relaxed); });
  if (s.store) {
    const store::Store* st = s.store.get();
    for (const char* task : {"flush", "purge", "merge"}) {
      s.metrics.AddCounterFunction(
          "interdict_store_maintenance_failures_total",
          "Failed flushes, purges and merges of the embedded store; a failing purge means expired "
          "reads stay on disk past their deadline (docs/operations.md).",
          {{"task", task}}, [st, t = std::string(task)] {
            const store::StoreStats x = st->stats();
            return t == "flush"   ? x.flush_failures
                   : t == "purge" ? x.purge_failures
                                  : x.merge_failures;
          });
    }
    s.metrics.AddGaugeFunction(
        "interdict_store_reads",
        "Reads the embedded store holds (in memory and in segments), expired ones not yet purged "
        "included.",
        {}, [st] { return static_cast<double>(st->Count()); });
    s.metrics.AddCounterFunction("interdict_store_reads_purged_total",
                                 "Reads the embedded store destroyed by retention.", {},
                                 [st] { return st->stats().reads_purged; });
    s.metrics.AddCounterFunction(
        "interdict_store_keys_destroyed_total",
        "Data keys of expired buckets destroyed (encryption at rest, decision 0036).", {},
        [st] { return st->stats().keys_destroyed; });
  }
  s.metrics.AddCounterFunction(
      "interdict_audit_write_failures_total",
      "Audit entries that could not be written; each refused the act it recorded (GOVERNANCE "
      "33: alert on any).",
      {}, [] { return static_cast<std::uint64_t>(audit::WriteFailures()); });

  const config::ServerConfig& c = s.config.server;
  http::ServerOptions o;
  o.host = c.listen.host;
  o.port = c.listen.port;
  o.io_threads = c.io_threads;
  o.worker_threads = c.worker_threads;
  o.max_body_bytes = c.max_body_bytes;
  o.max_header_bytes = c.max_header_bytes;
  o.max_connections = c.max_connections;
  o.max_connections_per_address = c.max_connections_per_address;
  o.max_inflight_body_bytes = c.max_inflight_body_bytes;
  o.max_inflight_body_bytes_per_address = c.max_inflight_body_bytes_per_address;
  o.idle_timeout = std::chrono::seconds(c.idle_timeout_s);
  o.request_timeout = std::chrono::seconds(c.request_timeout_s);
  o.shutdown_timeout = std::chrono::seconds(c.shutdown_timeout_s);
  o.tls_cert_file = c.tls_cert;
  o.tls_key_file = c.tls_key;
  s.http =
      std::make_unique<http::Server>(std::move(o), s.router, MakeGate(s.api), s.log, s.metrics);
  INTERDICT_RETURN_IF_ERROR(s.http->Start());
  alerting::DeliveryPolicy policy;
  policy.max_attempts = s.config.alerts.webhook_max_attempts;
  // Requests never checkpoint the catalog's WAL; the background thread does.
  Result<std::unique_ptr<catalog::Database>> checkpointer = catalog::Database::Open(*catalog_at);
  if (!checkpointer.ok()) return checkpointer.status();
  INTERDICT_RETURN_IF_ERROR(s.api.catalog->With(
      [](catalog::Database& db, identity::Accounts&) { return db.LeaveCheckpointsToAnother(); }));
  s.background =
      std::make_unique<Background>(s.api, s.hub, s.metrics, policy,
                                   std::chrono::milliseconds(s.config.alerts.webhook_timeout_ms),
                                   std::move(checkpointer).value());
  s.api.hits_recorded = [bg = s.background.get()] { bg->Wake(); };
  if (!s.config.cluster.nats_url.empty()) {
    std::string token;
    if (const std::string& file = s.config.cluster.nats_token_file; !file.empty()) {
      Result<std::string> read = config::ReadSecretFile(file, "cluster.nats.token_file");
      if (!read.ok()) return read.status();
      token = std::move(read).value();
    }
    ApiContext& api = s.api;
    Result<std::unique_ptr<AlertBus>> bus = AlertBus::Connect(
        s.config.cluster.nats_url, token, s.hub,
        [&api](std::int64_t id) {
          return api.catalog->With([&](catalog::Database& db, identity::Accounts&) {
            return alerting::LoadRecordedHit(db, id);
          });
        },
        s.clock, s.log, s.metrics);
    if (!bus.ok()) return bus.status();
    s.bus = std::move(bus).value();
    s.hub.SetRelay([bus = s.bus.get()](const alerting::RecordedHit& hit) { bus->Send(hit); });
    // Streams take hits in the catalog's order, whichever server raised them.
    Result<std::int64_t> newest = s.api.catalog->With(
        [](catalog::Database& db, identity::Accounts&) { return alerting::NewestHitId(db); });
    if (!newest.ok()) return newest.status();
    s.hub.SetOrderedSource(
        [&api](std::int64_t after) {
          return api.catalog->With([&](catalog::Database& db, identity::Accounts&) {
            return alerting::LiveHitsAfter(db, after, 500);
          });
        },
        *newest);
  }
  // The clock at start (GOVERNANCE 33): a warning now, not a minute later.
  s.background->CheckClock();
  s.background->Start();
  if (!s.config.units.adsb_url.empty()) {
    s.adsb = std::make_unique<AdsbPoller>(s.api, s.config.units, s.metrics);
    INTERDICT_RETURN_IF_ERROR(s.adsb->Start());
  }
  if (catalog_at->engine == catalog::Engine::kPostgres) {
    Result<std::unique_ptr<catalog::Database>> watching =
        catalog::Database::OpenReadOnly(*catalog_at);
    if (!watching.ok()) return watching.status();
    s.watcher = std::make_unique<ChangeWatcher>(s.api, std::move(watching).value(), s.metrics,
                                                kChangeWatchInterval);
    s.watcher->Start();
  }
  s.log.Info("listening", {{"url", s.http->url()}, {"data", s.config.data_dir}});
  return Status::Ok();
}

std::string Service::url() const {
  return impl_->http ? impl_->http->url() : std::string();
}

void Service::Run() {
  if (impl_->http) impl_->http->Run();
  impl_->hub.SetRelay({});  // no request raises a hit now; the bus may go
  if (impl_->watcher) impl_->watcher->Stop();
  if (impl_->adsb) impl_->adsb->Stop();
  if (impl_->background) {
    impl_->background->Stop();
    impl_->background->SaveMovementModel();
  }
  impl_->hub.CloseAll();
  // The last second's read counts (Background writes them as it goes).
  if (impl_->api.catalog) {
    Status st = impl_->api.catalog->With([&](catalog::Database& db, identity::Accounts&) {
      return impl_->api.read_counts.Flush(db);
    });
    if (!st.ok()) impl_->log.Error("writing read counts failed", {{"error", st.message()}});
  }
  // In-flight requests are done; flush what is in memory so a restart replays little.
  if (impl_->store) {
    if (Status s = impl_->store->Flush(); !s.ok())
      impl_->log.Error("final flush failed", {{"error", s.message()}});
  }
  impl_->LogAuditHead("audit trail head at shutdown");
  impl_->log.Info("stopped");
}

void Service::Shutdown() {
  if (impl_->http) impl_->http->Shutdown();
}

const http::Router& Service::router() const {
  return impl_->router;
}

http::Response Service::Handle(http::Request& req) {
  return impl_->http->Handle(req);
}

}  // namespace interdict::server
