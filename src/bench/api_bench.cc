#include "bench/api_bench.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <thread>

#include <fmt/core.h>

#include "base/clock.h"
#include "base/json_escape.h"
#include "base/log.h"
#include "bench/child_process.h"
#include "bench/harness.h"
#include "bench/postgres_server.h"
#include "bench/read_generator.h"
#include "bench/search_workload.h"
#include "bench/stolen_list.h"
#include "bench/stream_timer.h"
#include "config/config.h"
#include "http/client.h"
#include "identity/keys.h"
#include "read/native_format.h"
#include "server/data_dir.h"
#include "server/service.h"
#include "store/store.h"

namespace interdict::bench {
namespace {

constexpr std::int64_t kHour = 3'600'000;
constexpr std::int64_t kDay = 86'400'000;
constexpr int kDays = 60;
constexpr int kListed = 1000;  // plates on the stolen list: "QH0000" … (no simulated plate has a Q)

// Whether something accepts connections on 127.0.0.1:port.
bool Accepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// A nats-server of the benchmark's own on a free loopback port; stopped with
// the object.
class NatsChild {
 public:
  static Result<std::unique_ptr<NatsChild>> Start(const std::string& dir) {
    Result<int> port = FreeLoopbackPort();
    if (!port.ok()) return port.status();
    if (!std::filesystem::exists("/usr/sbin/nats-server"))
      return Status::FailedPrecondition(
          "nats-server is not installed: run scripts/setup --cluster (Debian's nats-server)");
    Result<pid_t> pid =
        Spawn({"/usr/sbin/nats-server", "-a", "127.0.0.1", "-p", std::to_string(*port)},
              dir + "/nats.log");
    if (!pid.ok()) return pid.status();
    auto n = std::unique_ptr<NatsChild>(new NatsChild(*pid, *port));
    for (int i = 0; i < 500; ++i) {
      if (Accepts(*port)) return n;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return Status::Unavailable("nats-server did not start; see " + dir + "/nats.log");
  }
  ~NatsChild() { Stop(pid_, SIGTERM, std::chrono::seconds(5)); }
  std::string url() const { return fmt::format("nats://127.0.0.1:{}", port_); }

 private:
  NatsChild(pid_t pid, int port) : pid_(pid), port_(port) {}
  pid_t pid_;
  int port_;
};

struct Samples {
  std::vector<double> ms;
  std::uint64_t errors = 0;
  std::string first_error;
};

std::string Summary(const std::vector<double>& ms) {
  return fmt::format(R"("n":{},"p50_ms":{:.2f},"p99_ms":{:.2f})", ms.size(), Percentile(ms, 0.5),
                     Percentile(ms, 0.99));
}

std::uint16_t PortOf(const std::string& url) {
  return static_cast<std::uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
}

}  // namespace

int RunApiBench(const ApiBenchOptions& o) {
  CatchStopSignals();
  auto fail = [](std::string_view what) {
    std::cerr << "bench api: " << what << "\n";
    return 1;
  };
  if (o.servers < 1 || o.clients < 1 || o.seconds < 1 || o.alerts_per_s < 1)
    return fail("--servers, --clients, --seconds and --alerts-per-s must be at least 1");
  if (o.servers > 1 && o.catalog != "postgresql")
    return fail("several servers share one PostgreSQL catalog: add --catalog postgresql");
  Result<WorkDir> work = WorkDir::Make(o.dir, "api", o.keep);
  if (!work.ok()) return fail(work.status().message());
  const std::string& dir = work->path();
  std::vector<std::string> data_dirs;
  for (int i = 0; i < o.servers; ++i) {
    data_dirs.push_back(fmt::format("{}/server{}", dir, i + 1));
    std::filesystem::create_directories(data_dirs.back());
  }

  std::unique_ptr<PostgresServer> postgres;
  std::unique_ptr<NatsChild> nats;
  catalog::Location where = catalog::Location::Sqlite(server::DataPaths(data_dirs[0]).catalog());
  if (o.catalog == "postgresql") {
    Result<std::unique_ptr<PostgresServer>> started =
        PostgresServer::Start(dir, std::chrono::seconds(60));
    if (!started.ok()) return fail(started.status().message());
    postgres = std::move(started).value();
    where = catalog::Location::Postgres(postgres->conninfo());
  }
  if (o.servers > 1) {
    Result<std::unique_ptr<NatsChild>> started = NatsChild::Start(dir);
    if (!started.ok()) return fail(started.status().message());
    nats = std::move(started).value();
  }

  // The region's catalog, an analyst for each client (signed in), the
  // stolen list, and a camera key of the home agency.
  Clock& clock = Clock::System();
  const std::int64_t now = clock.NowMillis() / kHour * kHour;
  GeneratorOptions g;
  g.reads = o.reads;
  g.days = kDays;
  g.start_ms = now - kDays * kDay;
  std::cerr << fmt::format(
      "bench api: {} server(s), {} catalog, {} clients, {} reads each, in {}\n", o.servers,
      o.catalog, o.clients, o.reads, dir);
  std::vector<std::string> tokens;
  std::vector<std::int64_t> approvals;
  std::vector<std::string> listed;
  std::string key;
  std::string camera;
  QuerySet queries;
  {
    ReadGenerator gen(g);
    Result<Region> region = MakeRegion(where, gen, now, o.clients);
    if (!region.ok()) return fail("setting up the catalog: " + region.status().message());
    for (int i = 0; i < kListed; ++i) listed.push_back(fmt::format("QH{:04}", i));
    const identity::Principal& admin = region->people.at(region->home + "-administrator");
    Result<std::int64_t> list =
        LoadStolenList(*region->db, admin, region->people.at(region->home + "-supervisor"),
                       "MO0000000", listed, now);
    if (!list.ok()) return fail("loading the stolen list: " + list.status().message());
    Result<identity::NewKey> k = identity::CreateKey(
        *region->db, admin, {"bench camera", {"reads.ingest", "hits.read"}, std::nullopt}, now);
    if (!k.ok()) return fail(k.status().message());
    key = k->key;
    for (const Camera& c : gen.cameras()) {
      if (c.agency == region->home) {
        camera = c.name;
        break;
      }
    }
    Result<SignedIn> signed_in = SignInAnalysts(*region, clock);
    if (!signed_in.ok()) return fail(signed_in.status().message());
    tokens = std::move(signed_in->tokens);
    approvals = std::move(signed_in->approvals);
    queries = MakeQueries(gen, Plant(gen, now), now, kDays, 200);
  }

  // Each server's store: the same simulated reads.
  Logger log(StderrSink(), clock, LogLevel::kWarn);
  for (const std::string& d : data_dirs) {
    store::StoreOptions so;
    so.dir = server::DataPaths(d).store();
    Result<std::unique_ptr<store::Store>> s =
        store::Store::Open(so, store::Env::Posix(), clock, log);
    if (!s.ok()) return fail("opening the store: " + s.status().message());
    ReadGenerator gen(g);
    std::vector<read::Read> batch;
    while (!StopRequested() && gen.Next(10'000, &batch)) {
      Result<store::AppendResult> r = (*s)->Append(std::move(batch));
      if (!r.ok()) return fail("loading reads: " + r.status().message());
    }
    Status settled = (*s)->Flush();
    if (settled.ok()) settled = (*s)->Merge();
    if (!settled.ok()) return fail("settling the store: " + settled.message());
    std::cerr << "bench api: loaded " << d << "\n";
  }
  if (StopRequested()) return 130;

  // The servers.
  std::vector<std::unique_ptr<server::Service>> services;
  std::vector<std::thread> running;
  auto stop_servers = [&] {
    for (auto& s : services) s->Shutdown();
    for (auto& t : running) t.join();
    running.clear();
  };
  for (const std::string& d : data_dirs) {
    config::Config c;
    c.data_dir = d;
    c.server.listen.port = 0;
    if (o.catalog == "postgresql") {
      c.catalog.backend = "postgresql";
      c.catalog.postgresql_url = postgres->conninfo();
      c.catalog.postgresql_connections = o.connections;
    }
    if (nats) c.cluster.nats_url = nats->url();
    // The benchmark measures the servers, not the throttles that would cap
    // each analyst at rate_limit.person_per_minute.
    c.rate_limit.person_per_minute = 0;
    c.rate_limit.integration_per_minute = 0;
    services.push_back(std::make_unique<server::Service>(c, log, clock));
    if (Status st = services.back()->Start(); !st.ok()) {
      services.pop_back();
      stop_servers();
      return fail("starting a server: " + st.message());
    }
    running.emplace_back([s = services.back().get()] { s->Run(); });
  }
  std::vector<std::uint16_t> ports;
  for (const auto& s : services) ports.push_back(PortOf(s->url()));

  // The subscriber on the last server; hits are raised on the first.
  StreamTimer stream(ports.back(), key);
  if (!stream.connected()) {
    stop_servers();
    return fail("the alert stream did not open");
  }

  const auto& plate_queries = queries[0].second;  // "plate"
  const auto& area_queries = queries[3].second;   // "area"
  static constexpr const char* kKinds[] = {"search_plate", "search_area", "hits", "hotlists", "me"};
  std::atomic<bool> measuring{false}, done{false};
  std::vector<std::map<std::string, Samples>> per_client(static_cast<std::size_t>(o.clients));
  auto client_loop = [&](int i) {
    http::Client http(
        http::ClientOptions::To("127.0.0.1", ports[static_cast<std::size_t>(i) % ports.size()]));
    const std::string auth = "Bearer " + tokens[static_cast<std::size_t>(i)];
    const std::string purpose = PurposeJson(approvals[static_cast<std::size_t>(i)]);
    auto& mine = per_client[static_cast<std::size_t>(i)];
    for (std::uint64_t j = static_cast<std::uint64_t>(i); !done && !StopRequested(); ++j) {
      const int pick = static_cast<int>(j % 10);
      const char* kind = pick < 5    ? kKinds[0]
                         : pick == 5 ? kKinds[1]
                         : pick < 8  ? kKinds[2]
                         : pick == 8 ? kKinds[3]
                                     : kKinds[4];
      std::string method = "GET", target, body;
      if (pick < 6) {
        const auto& qs = pick < 5 ? plate_queries : area_queries;
        method = "POST";
        target = "/api/v1/search";
        body = "{" + qs[j % qs.size()] + "," + purpose + "}";
      } else {
        target = pick < 8 ? "/api/v1/hits?limit=50" : pick == 8 ? "/api/v1/hotlists" : "/api/v1/me";
      }
      const auto t0 = Steady::now();
      Result<http::ClientResponse> r = http.Send(
          method, target, body, {{"Authorization", auth}, {"Content-Type", "application/json"}});
      const double ms = Ms(t0, Steady::now());
      if (!measuring) continue;
      Samples& s = mine[kind];
      if (!r.ok() || r->status / 100 != 2) {
        if (s.errors++ == 0)
          s.first_error = r.ok() ? fmt::format("{} {}", r->status, r->body.substr(0, 200))
                                 : r.status().message();
        continue;
      }
      s.ms.push_back(ms);
    }
  };
  // The camera: a batch of ten reads, the first a listed plate, every
  // 1/alerts_per_s seconds, to the first server.
  std::map<std::string, Steady::time_point> sent;
  Samples batches;
  auto camera_loop = [&] {
    http::Client http(http::ClientOptions::To("127.0.0.1", ports.front()));
    const auto period = std::chrono::microseconds(1'000'000 / o.alerts_per_s);
    auto next = Steady::now();
    for (std::uint64_t b = 0; !done && !StopRequested(); ++b) {
      std::this_thread::sleep_until(next);
      next += period;
      std::string body;
      const std::int64_t t = clock.NowMillis();
      std::string hit_id;
      for (int i = 0; i < 10; ++i) {
        read::Read rd;
        rd.id = i == 0 ? fmt::format("hit-{}", b) : fmt::format("cam-{}-{}", b, i);
        rd.agency = "AG00";
        rd.camera = camera;
        rd.time = t;
        rd.plate = *plate::Plate::FromNormalized(
            i == 0 ? listed[b % listed.size()]
                   : fmt::format("ZZ{:05}", (b * 10 + static_cast<std::uint64_t>(i)) % 100'000));
        rd.state = *plate::Jurisdiction::Parse("MO");
        rd.plate_confidence = read::Confidence::FromPercent(90);
        body += read::FormatNativeRead(rd);
        body += '\n';
        if (i == 0) hit_id = rd.id;
      }
      const auto t0 = Steady::now();
      Result<http::ClientResponse> r =
          http.Send("POST", "/api/v1/reads", body,
                    {{"Authorization", "Bearer " + key}, {"Content-Type", "application/x-ndjson"}});
      if (!measuring) continue;
      sent.emplace(hit_id, t0);
      if (!r.ok() || r->status != 200) {
        if (batches.errors++ == 0)
          batches.first_error = r.ok() ? fmt::format("{} {}", r->status, r->body.substr(0, 200))
                                       : r.status().message();
        continue;
      }
      batches.ms.push_back(Ms(t0, Steady::now()));
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < o.clients; ++i) threads.emplace_back(client_loop, i);
  threads.emplace_back(camera_loop);
  std::this_thread::sleep_for(std::chrono::seconds(2));  // warm-up
  measuring = true;
  const auto t0 = Steady::now();
  for (int s = 0; s < o.seconds && !StopRequested(); ++s) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    std::cerr << fmt::format("bench api: {} of {} s\r", s + 1, o.seconds);
  }
  measuring = false;
  const double secs = Ms(t0, Steady::now()) / 1000;
  done = true;
  for (auto& t : threads) t.join();
  std::cerr << "\n";
  // The last alerts: at most 3 s more.
  std::map<std::string, Steady::time_point> arrivals;
  for (int i = 0; i < 30; ++i) {
    arrivals = stream.arrivals();
    if (std::all_of(sent.begin(), sent.end(),
                    [&](const auto& s) { return arrivals.count(s.first) > 0; }))
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  stop_servers();
  if (StopRequested()) {
    std::cerr << "bench api: interrupted\n";
    return 130;
  }

  std::vector<double> alert_ms;
  for (const auto& [id, at] : sent) {
    auto it = arrivals.find(id);
    if (it != arrivals.end()) alert_ms.push_back(Ms(at, it->second));
  }
  std::map<std::string, Samples> kinds;
  std::vector<double> all;
  std::uint64_t errors = 0;
  for (const auto& mine : per_client) {
    for (const auto& [kind, s] : mine) {
      Samples& k = kinds[kind];
      k.ms.insert(k.ms.end(), s.ms.begin(), s.ms.end());
      all.insert(all.end(), s.ms.begin(), s.ms.end());
      if (k.errors == 0 && s.errors > 0) k.first_error = s.first_error;
      k.errors += s.errors;
      errors += s.errors;
    }
  }
  std::string per_kind;
  for (const auto& [kind, s] : kinds) {
    per_kind += fmt::format(R"({}"{}":{{{},"errors":{}}})", per_kind.empty() ? "" : ",", kind,
                            Summary(s.ms), s.errors);
    if (s.errors > 0)
      std::cerr << fmt::format("bench api: {} {} requests failed; the first: {}\n", s.errors, kind,
                               s.first_error);
  }
  if (batches.errors > 0)
    std::cerr << fmt::format("bench api: {} camera batches failed; the first: {}\n", batches.errors,
                             batches.first_error);
  std::cout
      << fmt::format(
             R"({{"catalog":"{}","connections":{},"servers":{},"clients":{},"seconds":{:.1f},"reads_per_server":{},)"
             R"("requests":{},"requests_per_s":{:.0f},"p50_ms":{:.2f},"p99_ms":{:.2f},"errors":{},)"
             R"("kinds":{{{}}},"camera_batches":{{{},"errors":{}}},)"
             R"("alerts":{{"sent":{},"received":{},"across_servers":{},"p50_ms":{:.2f},"p99_ms":{:.2f},"max_ms":{:.2f}}}}})",
             o.catalog, o.catalog == "postgresql" ? o.connections : 1, o.servers, o.clients, secs,
             o.reads, all.size(), static_cast<double>(all.size()) / secs, Percentile(all, 0.5),
             Percentile(all, 0.99), errors, per_kind, Summary(batches.ms), batches.errors,
             sent.size(), alert_ms.size(), o.servers > 1 ? "true" : "false",
             Percentile(alert_ms, 0.5), Percentile(alert_ms, 0.99),
             alert_ms.empty() ? 0.0 : *std::max_element(alert_ms.begin(), alert_ms.end()))
      << std::endl;
  return errors == 0 && batches.errors == 0 && alert_ms.size() == sent.size() ? 0 : 1;
}

}  // namespace interdict::bench
