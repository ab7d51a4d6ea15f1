#include "bench/ingest_bench.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <map>
#include <random>
#include <thread>

#include <fmt/core.h>

#include "alerting/cameras.h"
#include "base/clock.h"
#include "base/json_escape.h"
#include "base/log.h"
#include "bench/harness.h"
#include "bench/stolen_list.h"
#include "bench/stream_timer.h"
#include "catalog/database.h"
#include "catalog/migrations.h"
#include "http/client.h"
#include "identity/accounts.h"
#include "identity/admin.h"
#include "identity/keys.h"
#include "identity/users.h"
#include "read/native_format.h"
#include "server/data_dir.h"
#include "server/service.h"

namespace interdict::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr int kCameras = 100;

std::string Plate(std::mt19937_64& rng) {
  static constexpr std::string_view kLetters = "ABCDEFGHJKLMNPRSTUVWXYZ";
  std::string s;
  for (char c : std::string_view("LLL9999")) {
    s.push_back(c == 'L' ? kLetters[rng() % kLetters.size()] : static_cast<char>('0' + rng() % 10));
  }
  return s;
}

}  // namespace

int RunIngestBench(const IngestBenchOptions& o) {
  CatchStopSignals();
  Result<WorkDir> work = WorkDir::Make(o.dir, "ingest", o.keep);
  if (!work.ok()) {
    std::cerr << "bench ingest: " << work.status().message() << "\n";
    return 1;
  }
  const std::string& dir = work->path();
  Clock& clock = Clock::System();
  const std::int64_t now = clock.NowMillis();
  std::mt19937_64 rng(20261129);

  // The agency, its cameras, a key, and an NCIC list of `entries` stolen vehicles.
  std::string key;
  std::vector<std::string> listed;
  {
    Result<std::unique_ptr<catalog::Database>> db =
        catalog::Database::Open(server::DataPaths(dir).catalog());
    if (!db.ok() || !catalog::Migrate(**db).ok()) {
      std::cerr << "bench ingest: cannot create the catalog\n";
      return 1;
    }
    Result<identity::InitResult> init = identity::InitCatalog(
        **db, {"BENCH", "Benchmark PD", "MO0000001", "MO", "local", "admin", "Admin"}, now);
    identity::Accounts accounts(**db, {});
    Result<identity::Principal> admin =
        init.ok() ? accounts.UserPrincipal(init->user_id) : init.status();
    if (!admin.ok()) {
      std::cerr << "bench ingest: " << admin.status().message() << "\n";
      return 1;
    }
    for (int c = 0; c < kCameras; ++c) {
      alerting::CameraSpec spec;
      spec.code = fmt::format("cam{}", c);
      if (!alerting::CreateCamera(**db, *admin, spec, now).ok()) return 1;
    }
    Result<identity::NewKey> k = identity::CreateKey(
        **db, *admin, {"bench feed", {"reads.ingest", "hits.read", "hotlists.load"}, std::nullopt},
        now);
    if (!k.ok()) return 1;
    key = k->key;
    for (std::uint64_t i = 0; i < o.entries; ++i) listed.push_back(Plate(rng));
    Result<identity::NewUser> sup =
        identity::CreateUser(**db, *admin, "supervisor", "Supervisor", "supervisor", now);
    Result<identity::Principal> supervisor =
        sup.ok() ? accounts.UserPrincipal(sup->id) : sup.status();
    Result<std::int64_t> list =
        supervisor.ok() ? LoadStolenList(**db, *admin, *supervisor, "MO0000001", listed, now)
                        : supervisor.status();
    if (!list.ok()) {
      std::cerr << "bench ingest: loading the hotlist failed: " << list.status().message() << "\n";
      return 1;
    }
  }

  // The extract a reload brings: the listed plates and new ones.
  std::string reload_text;
  if (o.reload > 0) {
    std::vector<std::string> plates;
    plates.reserve(o.reload);
    for (std::uint64_t i = 0; i < o.reload; ++i)
      plates.push_back(i < listed.size() ? listed[i] : Plate(rng));
    reload_text = NcicExtract("MO0000001", plates);
  }

  config::Config c;
  // The benchmark measures ingest, not the per-key throttle (which would cap
  // one key at rate_limit.integration_per_minute requests).
  c.rate_limit.integration_per_minute = 0;
  // Every client is on 127.0.0.1: give the one address the whole body budget.
  c.server.max_inflight_body_bytes_per_address = c.server.max_inflight_body_bytes;
  c.data_dir = dir;
  c.server.max_body_bytes =
      std::max<std::uint64_t>(c.server.max_body_bytes, reload_text.size() + 4096);
  c.server.listen.port = 0;
  c.server.worker_threads = 2;
  c.server.io_threads = 2;
  c.store.sync = "always";
  Logger log(StderrSink(), clock, LogLevel::kWarn);
  server::Service service(c, log, clock);
  if (Status st = service.Start(); !st.ok()) {
    std::cerr << "bench ingest: " << st.message() << "\n";
    return 1;
  }
  std::thread server_thread([&] { service.Run(); });
  const std::string url = service.url();
  const auto port = static_cast<std::uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
  StreamTimer stream(port, key);
  if (!stream.connected()) {
    std::cerr << "bench ingest: the alert stream did not open\n";
    service.Shutdown();
    server_thread.join();
    return 1;
  }

  // Batches: NDJSON, one listed plate each (its read id names the batch).
  const std::uint64_t batches = (o.reads + o.batch - 1) / o.batch;
  std::vector<SteadyClock::time_point> sent(batches), answered(batches);
  std::atomic<bool> reload_started{false};
  SteadyClock::time_point reload_begin{}, reload_end{};
  std::string reload_result;
  std::thread reloader;
  std::atomic<std::uint64_t> next{0}, accepted{0}, errors{0}, hits{0};
  const auto t0 = SteadyClock::now();
  auto client_loop = [&](int client) {
    http::Client http(http::ClientOptions::To("127.0.0.1", port));
    std::mt19937_64 r(static_cast<std::uint64_t>(client) * 7919 + 1);
    std::string body;
    for (std::uint64_t b = next++; b < batches && !StopRequested(); b = next++) {
      body.clear();
      const std::int64_t t = clock.NowMillis();
      const std::uint64_t n = std::min(o.batch, o.reads - b * o.batch);
      for (std::uint64_t i = 0; i < n; ++i) {
        const bool hit = i == 0 && !listed.empty();
        read::Read rd;
        rd.id = hit ? fmt::format("hit-{}", b) : fmt::format("r-{}-{}", b, i);
        rd.agency = "BENCH";
        rd.camera = fmt::format("cam{}", r() % kCameras);
        rd.time = t;
        rd.plate = *plate::Plate::FromNormalized(hit ? listed[r() % listed.size()] : Plate(r));
        rd.state = *plate::Jurisdiction::Parse("MO");
        rd.plate_confidence = read::Confidence::FromPercent(90);
        body += read::FormatNativeRead(rd);
        body += '\n';
      }
      sent[b] = SteadyClock::now();
      Result<http::ClientResponse> res =
          http.Send("POST", "/api/v1/reads", body,
                    {{"Authorization", "Bearer " + key}, {"Content-Type", "application/x-ndjson"}});
      if (!res.ok() || res->status != 200) {
        ++errors;
        continue;
      }
      answered[b] = SteadyClock::now();
      accepted += n;
      if (o.reload > 0 && b >= batches / 10 && !reload_started.exchange(true)) {
        reloader = std::thread([&] {
          http::ClientOptions ro = http::ClientOptions::To("127.0.0.1", port);
          ro.timeout = std::chrono::minutes(30);
          http::Client loader(ro);
          reload_begin = SteadyClock::now();
          Result<http::ClientResponse> lr =
              loader.Send("PUT", "/api/v1/hotlists/1/entries?format=ncic", reload_text,
                          {{"Authorization", "Bearer " + key}, {"Content-Type", "text/plain"}});
          reload_end = SteadyClock::now();
          reload_result = lr.ok() ? lr->body.substr(0, 200) : lr.status().message();
        });
      }
      if (const std::size_t at = res->body.find(R"("hits":)"); at != std::string::npos) {
        hits += std::strtoull(res->body.c_str() + at + 7, nullptr, 10);
      }
      if (b % 100 == 0) {
        const double s = std::chrono::duration<double>(SteadyClock::now() - t0).count();
        std::cerr << fmt::format("bench ingest: {}/{} batches, {:.0f} reads/s\r", b, batches,
                                 static_cast<double>(accepted.load()) / s);
      }
    }
  };
  std::vector<std::thread> clients;
  for (int i = 0; i < o.clients; ++i) clients.emplace_back(client_loop, i);
  for (auto& t : clients) t.join();
  if (reloader.joinable()) {
    std::cerr << "\nbench ingest: waiting for the reload to finish\n";
    reloader.join();
  }
  const double secs = std::chrono::duration<double>(SteadyClock::now() - t0).count();
  std::cerr << "\n";
  // Let the last alerts arrive (at most 5 s).
  std::map<std::string, SteadyClock::time_point> arrivals;
  for (int i = 0; i < 50; ++i) {
    arrivals = stream.arrivals();
    const auto batch_hits = std::count_if(arrivals.begin(), arrivals.end(), [](const auto& a) {
      return a.first.rfind("hit-", 0) == 0;
    });
    if (static_cast<std::uint64_t>(batch_hits) >= batches) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::vector<double> latency_ms;
  for (std::uint64_t b = 0; b < batches; ++b) {
    auto it = arrivals.find(fmt::format("hit-{}", b));
    if (it != arrivals.end()) {
      latency_ms.push_back(std::chrono::duration<double, std::milli>(it->second - sent[b]).count());
    }
  }
  // Request latency of the batches that overlapped the reload, and of the rest.
  std::vector<double> during, outside;
  for (std::uint64_t b = 0; b < batches; ++b) {
    if (answered[b] == SteadyClock::time_point{}) continue;
    const double ms = std::chrono::duration<double, std::milli>(answered[b] - sent[b]).count();
    const bool overlaps = o.reload > 0 && sent[b] < reload_end && answered[b] > reload_begin;
    (overlaps ? during : outside).push_back(ms);
  }
  std::string reload_json;
  if (o.reload > 0) {
    reload_json = fmt::format(
        R"(, "reload_entries": {}, "reload_s": {:.1f}, "batches_during_reload": {}, )"
        R"("request_p50_ms_during_reload": {:.2f}, "request_p99_ms_during_reload": {:.2f}, )"
        R"("request_max_ms_during_reload": {:.2f}, "reload_answer": {})",
        o.reload, std::chrono::duration<double>(reload_end - reload_begin).count(), during.size(),
        Percentile(during, 0.5), Percentile(during, 0.99),
        during.empty() ? 0.0 : *std::max_element(during.begin(), during.end()),
        JsonQuote(reload_result));
  }
  service.Shutdown();
  server_thread.join();
  if (StopRequested()) {
    std::cerr << "bench ingest: interrupted\n";
    return 130;
  }
  std::cout
      << fmt::format(
             R"({{"reads": {}, "batch": {}, "clients": {}, "entries": {}, "sync": "always", )"
             R"("reads_per_s": {:.0f}, "seconds": {:.2f}, "errors": {}, "hits": {}, "alerts": {}, )"
             R"("alert_latency_p50_ms": {:.2f}, "alert_latency_p99_ms": {:.2f}, )"
             R"("alert_latency_max_ms": {:.2f}, "request_p50_ms": {:.2f}, "request_p99_ms": {:.2f}{}}})",
             accepted.load(), o.batch, o.clients, o.entries,
             static_cast<double>(accepted.load()) / secs, secs, errors.load(), hits.load(),
             latency_ms.size(), Percentile(latency_ms, 0.50), Percentile(latency_ms, 0.99),
             latency_ms.empty() ? 0.0 : *std::max_element(latency_ms.begin(), latency_ms.end()),
             Percentile(outside, 0.5), Percentile(outside, 0.99), reload_json)
      << "\n";
  return errors.load() == 0 ? 0 : 1;
}

}  // namespace interdict::bench
