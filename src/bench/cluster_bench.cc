#include "bench/cluster_bench.h"

#include <atomic>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <fmt/core.h>

#include "alerting/cameras.h"
#include "base/clock.h"
#include "base/log.h"
#include "bench/harness.h"
#include "bench/questions.h"
#include "catalog/database.h"
#include "cluster/clickhouse_reads.h"
#include "http/client.h"
#include "identity/accounts.h"
#include "identity/keys.h"
#include "read/native_format.h"
#include "server/data_dir.h"
#include "store/store.h"

namespace interdict::bench {
namespace {

constexpr std::int64_t kHour = 3'600'000;
constexpr std::int64_t kDay = 86'400'000;
constexpr std::size_t kLoadBatch = 50'000;  // the loaders' batch
constexpr int kIngestCameras = 20;

std::map<std::string, std::string> ReadEnv(const std::string& file) {
  std::map<std::string, std::string> env;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    const std::size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string v = line.substr(eq + 1);
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    env[line.substr(0, eq)] = v;
  }
  return env;
}

struct Ingested {
  double seconds = 0;
  std::uint64_t reads = 0, requests = 0, refused = 0, failed = 0;
  std::vector<double> lag_ms;
  std::size_t probes_lost = 0;
};

// Camera clients post batches through HAProxy for `seconds`; the first read
// of each acknowledged batch is a probe, looked for in ClickHouse every
// 100 ms until it is there.
Result<Ingested> Ingest(const ClusterBenchOptions& o, std::uint16_t front, const std::string& key,
                        const std::string& agency, cluster::ClickHouseReads& reads) {
  Ingested out;
  std::mutex mu;
  std::map<std::string, Steady::time_point> probes;  // id → when its batch was acknowledged
  std::atomic<bool> sending{true};
  std::atomic<std::uint64_t> sent{0}, requests{0}, refused{0}, failed{0}, next_id{0};
  const std::string run = std::to_string(Clock::System().NowMillis());
  GeneratorOptions g;
  g.reads = 20'000'000;  // a population of a million vehicles; more than a run sends
  g.seed = 7;
  auto client = [&](int me) {
    GeneratorOptions mine = g;
    mine.seed += static_cast<std::uint64_t>(me);
    ReadGenerator gen(mine);
    http::ClientOptions co = http::ClientOptions::To("127.0.0.1", front);
    co.timeout = std::chrono::seconds(30);
    http::Client http(co);
    std::vector<read::Read> batch;
    while (sending && !StopRequested()) {
      batch.clear();
      gen.Next(static_cast<std::size_t>(o.batch), &batch);
      const std::int64_t now = Clock::System().NowMillis();
      std::string body = "[";
      std::string probe;
      for (std::size_t i = 0; i < batch.size(); ++i) {
        read::Read& r = batch[i];
        r.agency = agency;
        r.camera = fmt::format("bench-{:02}", (next_id + i) % kIngestCameras);
        r.id = fmt::format("b{}-{}", run, next_id.fetch_add(1));
        r.time = now - static_cast<std::int64_t>(i);
        if (i == 0) probe = r.id;
        body += (i ? "," : "") + read::FormatNativeRead(r);
      }
      body += "]";
      for (int attempt = 0; sending || attempt == 0; ++attempt) {
        ++requests;
        Result<http::ClientResponse> r =
            http.Send("POST", "/api/v1/reads", body,
                      {{"Authorization", "Bearer " + key}, {"Content-Type", "application/json"}});
        if (r.ok() && r->status == 200) {
          sent += batch.size();
          std::lock_guard l(mu);
          probes[probe] = Steady::now();
          break;
        }
        if (r.ok() && r->status == 503) {
          ++refused;  // as a camera does: the whole batch again after a while
          std::this_thread::sleep_for(std::chrono::seconds(1));
          continue;
        }
        ++failed;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        break;
      }
    }
  };
  std::atomic<bool> probing{true};
  std::thread prober([&] {
    while (probing) {
      std::vector<std::string> ids;
      {
        std::lock_guard l(mu);
        for (const auto& [id, at] : probes) ids.push_back(id);
      }
      if (!ids.empty()) {
        std::string list;
        for (const std::string& id : ids) list += (list.empty() ? "" : ",") + cluster::Quote(id);
        Result<std::vector<cluster::Row>> found = reads.clickhouse().SelectAny(
            fmt::format("SELECT DISTINCT id FROM interdict.reads WHERE agency = {} AND id IN ({})",
                        cluster::Quote(agency), list));
        const auto now = Steady::now();
        if (found.ok()) {
          std::lock_guard l(mu);
          for (const cluster::Row& row : *found) {
            auto it = probes.find(row.at(0));
            if (it == probes.end()) continue;
            out.lag_ms.push_back(Ms(it->second, now));
            probes.erase(it);
          }
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the probe's resolution
    }
  });
  const auto t0 = Steady::now();
  std::vector<std::thread> clients;
  for (int i = 0; i < o.clients; ++i) clients.emplace_back(client, i);
  while (!StopRequested() && Ms(t0, Steady::now()) < o.ingest_seconds * 1000.0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (Ms(t0, Steady::now()) > 0 && static_cast<int>(Ms(t0, Steady::now())) % 5000 < 200)
      std::cerr << fmt::format("bench cluster: ingest: {} reads acknowledged\n", sent.load());
  }
  sending = false;
  for (std::thread& t : clients) t.join();
  out.seconds = Ms(t0, Steady::now()) / 1000;
  // The last probes, for up to a minute.
  for (int i = 0; i < 600 && !StopRequested(); ++i) {
    {
      std::lock_guard l(mu);
      if (probes.empty()) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  probing = false;
  prober.join();
  out.reads = sent;
  out.requests = requests;
  out.refused = refused;
  out.failed = failed;
  out.probes_lost = probes.size();
  return out;
}

}  // namespace

int RunClusterBench(const ClusterBenchOptions& o) {
  CatchStopSignals();
  const std::map<std::string, std::string> env = ReadEnv(o.cluster + "/cluster.env");
  for (const char* k :
       {"FRONT", "CONNINFO", "CLICKHOUSE_1", "CLICKHOUSE_2", "CLICKHOUSE_3", "CLICKHOUSE_4"}) {
    if (!env.count(k)) {
      std::cerr << fmt::format(
          "bench cluster: no cluster runs at {} ({} not in its cluster.env): scripts/cluster up "
          "--dir {} first\n",
          o.cluster, k, o.cluster);
      return 2;
    }
  }
  Logger log(StderrSink(), Clock::System(), LogLevel::kWarn);
  const std::string nodes =
      fmt::format("127.0.0.1:{},127.0.0.1:{};127.0.0.1:{},127.0.0.1:{}", env.at("CLICKHOUSE_1"),
                  env.at("CLICKHOUSE_2"), env.at("CLICKHOUSE_3"), env.at("CLICKHOUSE_4"));
  Result<cluster::ClickHouseShards> shards = cluster::ParseShards(nodes);
  if (!shards.ok()) {
    std::cerr << "bench cluster: " << shards.status().message() << "\n";
    return 1;
  }
  // Empty read tables (the servers' loaders wait while they are made again).
  {
    cluster::ClickHouse admin(*shards, std::chrono::seconds(60));
    for (const auto& shard : *shards) {
      for (const cluster::ClickHouseNode& n : shard) {
        if (Status st = admin.Run(n, "DROP DATABASE IF EXISTS interdict"); !st.ok()) {
          std::cerr << "bench cluster: emptying the read tables: " << st.message() << "\n";
          return 1;
        }
      }
    }
  }
  cluster::ClickHouseReadsOptions co;
  co.shards = *shards;
  co.timeout = std::chrono::minutes(10);
  Result<std::unique_ptr<cluster::ClickHouseReads>> tables =
      cluster::ClickHouseReads::Open(co, Clock::System(), log);
  if (!tables.ok()) {
    std::cerr << "bench cluster: " << tables.status().message() << "\n";
    return 1;
  }
  std::string ch_version = "?";
  if (Result<std::vector<cluster::Row>> v = (*tables)->clickhouse().SelectAny("SELECT version()");
      v.ok() && !v->empty())
    ch_version = v->front().at(0);

  // 1. Ingest through the API, as cameras do: a key and cameras of the
  // cluster's first agency, made in its catalog.
  catalog::Location where = catalog::Location::Postgres(env.at("CONNINFO"));
  {
    std::ifstream pw(o.cluster + "/config/pgpassword");
    std::getline(pw, where.password);
  }
  std::string key, agency;
  {
    Result<std::unique_ptr<catalog::Database>> db = catalog::Database::Open(where);
    if (!db.ok()) {
      std::cerr << "bench cluster: the cluster's catalog: " << db.status().message() << "\n";
      return 1;
    }
    identity::Accounts accounts(**db, {});
    Result<identity::Principal> admin = accounts.UserPrincipal(1);
    const std::int64_t now = Clock::System().NowMillis();
    Result<identity::NewKey> k =
        admin.ok() ? identity::CreateKey(**db, *admin, {"bench cluster", {"reads.ingest"}, {}}, now)
                   : admin.status();
    if (!k.ok()) {
      std::cerr << "bench cluster: a camera key: " << k.status().message() << "\n";
      return 1;
    }
    key = k->key;
    agency = admin->agency_code;
    for (int i = 0; i < kIngestCameras; ++i) {
      alerting::CameraSpec c;
      c.code = fmt::format("bench-{:02}", i);
      c.name = c.code;
      Result<std::int64_t> made = alerting::CreateCamera(**db, *admin, c, now);
      if (!made.ok() && made.status().code() != StatusCode::kAlreadyExists) {
        std::cerr << "bench cluster: a camera: " << made.status().message() << "\n";
        return 1;
      }
    }
  }
  std::cerr << fmt::format("bench cluster: ingest through the API for {} s, {} clients\n",
                           o.ingest_seconds, o.clients);
  Result<Ingested> ingest =
      Ingest(o, static_cast<std::uint16_t>(std::stoi(env.at("FRONT"))), key, agency, **tables);
  if (!ingest.ok()) {
    std::cerr << "bench cluster: " << ingest.status().message() << "\n";
    return 1;
  }
  if (StopRequested()) return 130;

  // 2. The search benchmark's questions, on the cluster and the embedded store.
  Result<WorkDir> work = WorkDir::Make(o.dir, "cluster", o.keep);
  if (!work.ok()) {
    std::cerr << "bench cluster: " << work.status().message() << "\n";
    return 1;
  }
  const std::int64_t now = Clock::System().NowMillis() / kHour * kHour;
  GeneratorOptions g;
  g.reads = o.reads;
  g.days = o.days;
  g.cameras = o.cameras;
  g.start_ms = now - o.days * kDay;
  const ReadGenerator gen(g);
  Result<Region> region =
      MakeRegion(catalog::Location::Sqlite(server::DataPaths(work->path()).catalog()), gen, now);
  if (!region.ok()) {
    std::cerr << "bench cluster: the region's catalog: " << region.status().message() << "\n";
    return 1;
  }
  const Planted planted = Plant(gen, now);
  Questions warm, questions;
  if (Status st = BuildQuestions(gen, planted, *region, now, o.days, o.queries, 1, true, &warm);
      !st.ok() ||
      !(st = BuildQuestions(gen, planted, *region, now, o.days, o.queries, 0, true, &questions))
           .ok()) {
    std::cerr << "bench cluster: " << st.message() << "\n";
    return 1;
  }
  std::map<std::string, Measured> measured;
  std::map<std::string, std::vector<Canonical>> expected;
  {
    Measured& m = measured["embedded"];
    m.version = "this build";
    store::StoreOptions so;
    so.dir = work->path() + "/store";
    Result<std::unique_ptr<store::Store>> opened =
        store::Store::Open(so, store::Env::Posix(), Clock::System(), log);
    Status st = opened.status();
    if (st.ok()) {
      store::Store& s = **opened;
      st = LoadAll(
          "cluster", "embedded", g, planted, kLoadBatch,
          [&](const std::vector<read::Read>& b) { return s.Append(b).status(); }, &m.load_s);
      if (st.ok()) st = s.Flush();
      if (st.ok()) st = s.Merge();
      m.bytes = DirBytes(so.dir);
      if (st.ok() && !StopRequested())
        st = RunQuestions("cluster", "embedded", warm, questions, AskStore(s), &expected, true, m);
    }
    if (!st.ok()) {
      std::cerr << "bench cluster: embedded: " << st.message() << "\n";
      return 1;
    }
  }
  {
    Measured& m = measured["cluster"];
    m.version = "ClickHouse " + ch_version + ", 2 shards x 2 replicas";
    cluster::ClickHouseReads& s = **tables;
    Status st = LoadAll(
        "cluster", "cluster", g, planted, kLoadBatch,
        [&](const std::vector<read::Read>& b) {
          return s.Insert(b, {Clock::System().NowMillis()}).status();
        },
        &m.load_s);
    // Merged, as the tables end up (each shard's first replica merges; the
    // other fetches the merged part).
    const auto settle = Steady::now();
    for (const auto& shard : *shards) {
      for (const char* t : {"reads_local", "reads_by_camera_local"}) {
        if (st.ok())
          st = s.clickhouse().Run(shard.front(),
                                  fmt::format("OPTIMIZE TABLE interdict.{} FINAL", t));
      }
    }
    for (const auto& shard : *shards) {
      for (const cluster::ClickHouseNode& n : shard) {
        for (const char* t : {"reads_local", "reads_by_camera_local"}) {
          if (st.ok())
            st = s.clickhouse().Run(n, fmt::format("SYSTEM SYNC REPLICA interdict.{}", t));
        }
      }
    }
    m.settle_s = Ms(settle, Steady::now()) / 1000;
    // Every replica's parts: what the cluster keeps on disk for these reads.
    for (const auto& shard : *shards) {
      for (const cluster::ClickHouseNode& n : shard) {
        if (Result<std::vector<cluster::Row>> bytes = s.clickhouse().Select(
                n,
                "SELECT sum(bytes_on_disk) FROM system.parts WHERE active AND "
                "database = 'interdict'");
            bytes.ok() && !bytes->empty())
          m.bytes += std::strtoull(bytes->front().at(0).c_str(), nullptr, 10);
      }
    }
    if (st.ok() && !StopRequested())
      st = RunQuestions("cluster", "cluster", warm, questions, AskStore(s), &expected, false, m);
    if (!st.ok()) {
      std::cerr << "bench cluster: cluster: " << st.message() << "\n";
      return 1;
    }
  }
  if (StopRequested()) return 130;
  int differ = 0;
  for (const auto& [type, n] : measured["cluster"].differ) differ += n;
  const std::uint64_t reads = g.reads + planted.reads.size();
  const Ingested& in = *ingest;
  std::cout
      << fmt::format(
             R"({{"reads":{},"days":{},"cameras":{},"queries_per_type":{},"shards":2,"replicas":2,)"
             R"("ingest":{{"clients":{},"batch":{},"seconds":{:.1f},"reads":{},"reads_per_s":{:.0f},)"
             R"("requests":{},"answered_503":{},"failed":{},"lag_ms":{{"p50":{:.0f},"p99":{:.0f},)"
             R"("probes":{},"never_seen":{},"resolution_ms":100}}}},)"
             R"("answers_equal":{},"stores":{{"embedded":{},"cluster":{}}},"embedded_vs_cluster":{}}})",
             reads, g.days, g.cameras, o.queries, o.clients, o.batch, in.seconds, in.reads,
             static_cast<double>(in.reads) / in.seconds, in.requests, in.refused, in.failed,
             Percentile(in.lag_ms, 0.5), Percentile(in.lag_ms, 0.99), in.lag_ms.size(),
             in.probes_lost, differ == 0 ? "true" : "false",
             MeasuredJson(measured["embedded"], reads), MeasuredJson(measured["cluster"], reads),
             RatiosJson(measured["embedded"], measured["cluster"]))
      << std::endl;
  if (differ > 0) {
    std::cerr << fmt::format("bench cluster: {} answers differ from the embedded store's\n",
                             differ);
    return 1;
  }
  return 0;
}

}  // namespace interdict::bench
