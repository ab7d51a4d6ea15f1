#include "bench/search_bench.h"

#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>

#include <fmt/core.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/time_format.h"
#include "bench/harness.h"
#include "bench/postgres_server.h"
#include "bench/read_generator.h"
#include "bench/search_workload.h"
#include "search/search.h"
#include "server/data_dir.h"
#include "store/store.h"

namespace interdict::bench {
namespace {

constexpr std::int64_t kHour = 3'600'000;
constexpr std::int64_t kDay = 86'400'000;

struct TypeStats {
  std::vector<double> total_ms;
  double parse = 0, policy = 0, store = 0, audit = 0, render = 0;
  std::uint64_t results = 0;
  std::int64_t target_reads = 0;  // convoy, locate, route: the target plate's reads
  int errors = 0;
  std::string first_error;
};

}  // namespace

int RunSearchBench(const SearchBenchOptions& options) {
  CatchStopSignals();

  Result<WorkDir> work = WorkDir::Make(options.dir, "search", options.keep);
  if (!work.ok()) {
    std::cerr << "bench search: " << work.status().message() << "\n";
    return 1;
  }
  const std::string& dir = work->path();

  const std::int64_t now = Clock::System().NowMillis() / kHour * kHour;
  GeneratorOptions g;
  g.reads = options.reads;
  g.days = options.days;
  g.start_ms = now - options.days * kDay;
  ReadGenerator gen(g);
  std::cerr << fmt::format("bench search: {} reads, {} cameras, {} agencies, {} days, in {}\n",
                           g.reads, g.cameras, g.agencies, g.days, dir);

  // The catalog on the engine asked for; the policy and audit shares of each
  // search are the catalog's cost on it.
  std::unique_ptr<PostgresServer> postgres;
  catalog::Location where = catalog::Location::Sqlite(server::DataPaths(dir).catalog());
  if (options.catalog == "postgresql") {
    Result<std::unique_ptr<PostgresServer>> started =
        PostgresServer::Start(dir, std::chrono::seconds(60));
    if (!started.ok()) {
      std::cerr << "bench search: " << started.status().message() << "\n";
      return 1;
    }
    postgres = std::move(started).value();
    where = catalog::Location::Postgres(postgres->conninfo());
  }
  Result<Region> region = MakeRegion(where, gen, now);
  if (!region.ok()) {
    std::cerr << "bench search: setting up the catalog: " << region.status().message() << "\n";
    return 1;
  }
  Logger log(StderrSink(), Clock::System(), LogLevel::kWarn);
  store::StoreOptions so;
  so.dir = server::DataPaths(dir).store();
  Result<std::unique_ptr<store::Store>> opened =
      store::Store::Open(so, store::Env::Posix(), Clock::System(), log);
  if (!opened.ok()) {
    std::cerr << "bench search: opening the store: " << opened.status().message() << "\n";
    return 1;
  }
  store::Store& store = **opened;

  // Load: the simulated year, then the planted vehicles.
  const auto load_start = Steady::now();
  auto last = load_start;
  std::vector<read::Read> batch;
  std::uint64_t loaded = 0;
  while (!StopRequested() && gen.Next(10'000, &batch)) {
    loaded += batch.size();
    Result<store::AppendResult> r = store.Append(std::move(batch));
    if (!r.ok()) {
      std::cerr << "bench search: loading: " << r.status().message() << "\n";
      return 1;
    }
    if (Ms(last, Steady::now()) > 5000) {
      last = Steady::now();
      const double s = Ms(load_start, last) / 1000;
      std::cerr << fmt::format("bench search: loaded {:.1f} M of {:.1f} M reads ({:.0f} k/s)\n",
                               static_cast<double>(loaded) / 1e6,
                               static_cast<double>(g.reads) / 1e6,
                               static_cast<double>(loaded) / s / 1000);
    }
  }
  const Planted planted = Plant(gen, now);
  if (!StopRequested()) {
    Result<store::AppendResult> r = store.Append(planted.reads);
    if (!r.ok()) {
      std::cerr << "bench search: planting: " << r.status().message() << "\n";
      return 1;
    }
  }
  const double load_s = Ms(load_start, Steady::now()) / 1000;
  std::cerr << "bench search: flushing and merging\n";
  const auto settle_start = Steady::now();
  Status settled = store.Flush();
  if (settled.ok()) settled = store.Merge();
  if (!settled.ok()) {
    std::cerr << "bench search: settling: " << settled.message() << "\n";
    return 1;
  }
  const double settle_s = Ms(settle_start, Steady::now()) / 1000;
  if (StopRequested()) {
    std::cerr << "bench search: interrupted\n";
    return 130;
  }

  const QuerySet types = MakeQueries(gen, planted, now, options.days, options.queries);

  const identity::Principal& analyst = region->analyst();
  const std::string purpose = PurposeJson(region->approval);
  std::map<std::string, TypeStats> stats;
  std::string convoy_top, scenes_top;
  for (const auto& [type, queries] : types) {
    TypeStats& st = stats[type];
    std::cerr << fmt::format("bench search: {} queries of type {}\n", queries.size(), type);
    for (std::size_t i = 0; i < queries.size() && !StopRequested(); ++i) {
      const std::string body = "{" + queries[i] + "," + purpose + "}";
      const auto t0 = Steady::now();
      Result<search::Request> req = search::ParseRequest(body, now);
      const auto t1 = Steady::now();
      Result<search::Plan> plan =
          req.ok() ? search::Prepare(*region->db, analyst, *req, now, region->limits)
                   : req.status();
      const auto t2 = Steady::now();
      Result<search::Answer> answer =
          plan.ok() ? search::Execute(store, *req, *plan) : plan.status();
      const auto t3 = Steady::now();
      Result<std::int64_t> seq =
          answer.ok() ? search::Record(*region->db, analyst, *req, *plan, *answer, now)
                      : answer.status();
      const auto t4 = Steady::now();
      if (!seq.ok()) {
        if (st.errors++ == 0) st.first_error = seq.status().message();
        continue;
      }
      const search::Rendered out = search::Render(*req, *plan, *answer, *seq);
      const auto t5 = Steady::now();
      st.total_ms.push_back(Ms(t0, t5));
      st.parse += Ms(t0, t1);
      st.policy += Ms(t1, t2);
      st.store += Ms(t2, t3);
      st.audit += Ms(t3, t4);
      st.render += Ms(t4, t5);
      st.results += search::ResultCount(*req, *answer);
      st.target_reads += answer->target_reads;
      if (i == 0 && type == "convoy" && !answer->groups.empty())
        convoy_top = answer->groups[0].plate;
      if (i == 0 && type == "scenes" && !answer->groups.empty())
        scenes_top = answer->groups[0].plate +
                     (answer->groups.size() > 1 ? "," + answer->groups[1].plate : std::string());
      if (out.body.empty()) ++st.errors;
    }
  }
  if (StopRequested()) {
    std::cerr << "bench search: interrupted\n";
    return 130;
  }

  std::string per_type;
  for (const auto& [type, queries] : types) {
    const TypeStats& st = stats[type];
    const double sum = st.parse + st.policy + st.store + st.audit + st.render;
    const double n = static_cast<double>(std::max<std::size_t>(1, st.total_ms.size()));
    auto share = [&](double part) { return sum > 0 ? part / sum : 0.0; };
    per_type += fmt::format(
        R"({}"{}":{{"queries":{},"p50_ms":{:.3f},"p99_ms":{:.3f},"mean_results":{:.1f},"mean_target_reads":{:.1f},"policy_ms":{:.3f},"store_ms":{:.3f},"audit_ms":{:.3f},"render_ms":{:.3f},"policy_and_audit_share":{:.3f},"errors":{}}})",
        per_type.empty() ? "" : ",", type, st.total_ms.size(), Percentile(st.total_ms, 0.5),
        Percentile(st.total_ms, 0.99), static_cast<double>(st.results) / n,
        static_cast<double>(st.target_reads) / n, st.policy / n, st.store / n, st.audit / n,
        st.render / n, share(st.policy + st.audit), st.errors);
    if (st.errors > 0) {
      std::cerr << fmt::format("bench search: {} {} queries failed; the first: {}\n", st.errors,
                               type, st.first_error);
    }
  }
  const std::uint64_t stored = loaded + planted.reads.size();
  std::cout
      << fmt::format(
             R"({{"catalog":"{}","reads":{},"days":{},"cameras":{},"agencies":{},"queries_per_type":{},"load_reads_per_s":{:.0f},"settle_s":{:.1f},"bytes_per_read":{:.2f},"types":{{{}}},"planted":{{"convoy_top":"{}","convoy_found":{},"scenes_top":"{}"}}}})",
             options.catalog, stored, g.days, g.cameras, g.agencies, options.queries,
             static_cast<double>(loaded) / load_s, settle_s,
             static_cast<double>(DirBytes(server::DataPaths(dir).store())) /
                 static_cast<double>(stored),
             per_type, convoy_top, convoy_top == kCompanion ? "true" : "false", scenes_top)
      << std::endl;
  return 0;
}

}  // namespace interdict::bench
