#include "bench/peers_bench.h"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include <fmt/core.h>

#include "base/clock.h"
#include "base/log.h"
#include "bench/clickhouse_peer.h"
#include "bench/clickhouse_server.h"
#include "bench/harness.h"
#include "bench/peer_answers.h"
#include "bench/postgres_peer.h"
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
constexpr std::size_t kBatch = 10'000;
constexpr auto kServerStart = std::chrono::seconds(120);

// One question: the request and what the policy layer planned for it (the
// cameras in an area are the registry's, found once for all three stores).
struct Question {
  search::Request req;
  search::Plan plan;
};

struct Measured {
  std::string version;
  double load_s = 0, settle_s = 0;
  std::uint64_t bytes = 0;
  std::map<std::string, std::vector<double>> ms;  // per type
  std::map<std::string, int> differ;              // per type: answers unlike Interdict's
};

// How one store answers: Interdict through its search layer, a peer through
// its SQL and the same rules.
using Ask = std::function<Result<Canonical>(const Question&)>;

using Questions = std::vector<std::pair<std::string, std::vector<Question>>>;

// Warms the store with other questions of the same kinds (index pages,
// dictionaries and code paths, but not these answers' own pages), then asks
// each question once, timed, and checks its answer against Interdict's
// (`expected`; Interdict fills it when `fill`).
Status RunQuestions(const std::string& store, const Questions& warm, const Questions& questions,
                    const Ask& ask, std::map<std::string, std::vector<Canonical>>* expected,
                    bool fill, Measured& m) {
  std::cerr << fmt::format("bench peers: {}: warming up\n", store);
  for (const auto& [type, qs] : warm) {
    for (std::size_t i = 0; i < qs.size() && !StopRequested(); ++i) {
      Result<Canonical> a = ask(qs[i]);
      if (!a.ok())
        return Status::Internal(
            fmt::format("{} {} warm-up question {}: {}", store, type, i, a.status().message()));
    }
  }
  for (const auto& [type, qs] : questions) {
    std::cerr << fmt::format("bench peers: {}: {} {} questions\n", store, qs.size(), type);
    for (std::size_t i = 0; i < qs.size() && !StopRequested(); ++i) {
      const auto t0 = Steady::now();
      Result<Canonical> a = ask(qs[i]);
      m.ms[type].push_back(Ms(t0, Steady::now()));
      if (!a.ok())
        return Status::Internal(
            fmt::format("{} {} question {}: {}", store, type, i, a.status().message()));
      if (fill) {
        (*expected)[type].push_back(std::move(a).value());
        continue;
      }
      const std::string why = Differ(qs[i].req, (*expected)[type][i], *a);
      if (!why.empty() && m.differ[type]++ == 0)
        std::cerr << fmt::format("bench peers: {} answers {} question {} unlike Interdict: {}\n",
                                 store, type, i, why);
    }
  }
  return Status::Ok();
}

// Loads the generated reads and the planted ones in batches, timing only the
// loads (generation is the same for all), with progress every 5 s.
Status LoadAll(const std::string& store, const GeneratorOptions& g, const Planted& planted,
               const std::function<Status(const std::vector<read::Read>&)>& load, double* seconds) {
  ReadGenerator gen(g);
  std::vector<read::Read> batch;
  std::uint64_t loaded = 0;
  double spent_ms = 0;
  auto last = Steady::now();
  while (!StopRequested() && gen.Next(kBatch, &batch)) {
    const auto t0 = Steady::now();
    INTERDICT_RETURN_IF_ERROR(load(batch));
    spent_ms += Ms(t0, Steady::now());
    loaded += batch.size();
    if (Ms(last, Steady::now()) > 5000) {
      last = Steady::now();
      std::cerr << fmt::format("bench peers: {}: loaded {:.2f} M of {:.2f} M reads ({:.0f} k/s)\n",
                               store, static_cast<double>(loaded) / 1e6,
                               static_cast<double>(g.reads) / 1e6,
                               static_cast<double>(loaded) / spent_ms);
    }
  }
  if (!StopRequested()) {
    const auto t0 = Steady::now();
    INTERDICT_RETURN_IF_ERROR(load(planted.reads));
    spent_ms += Ms(t0, Steady::now());
  }
  *seconds = spent_ms / 1000;
  return Status::Ok();
}

std::string Json(const Measured& m, std::uint64_t reads) {
  std::string types;
  for (const auto& [type, ms] : m.ms) {
    auto it = m.differ.find(type);
    types += fmt::format(R"({}"{}":{{"p50_ms":{:.3f},"p99_ms":{:.3f},"differ":{}}})",
                         types.empty() ? "" : ",", type, Percentile(ms, 0.5), Percentile(ms, 0.99),
                         it == m.differ.end() ? 0 : it->second);
  }
  return fmt::format(
      R"({{"version":"{}","load_reads_per_s":{:.0f},"settle_s":{:.1f},"bytes":{},"bytes_per_read":{:.2f},"types":{{{}}}}})",
      m.version, static_cast<double>(reads) / m.load_s, m.settle_s, m.bytes,
      static_cast<double>(m.bytes) / static_cast<double>(reads), types);
}

// Interdict ÷ peer, as "times faster" (peer time ÷ Interdict time; peer
// bytes ÷ Interdict bytes; Interdict rate ÷ peer rate).
std::string Ratios(const Measured& us, const Measured& them) {
  std::string types;
  for (const auto& [type, ms] : us.ms) {
    auto it = them.ms.find(type);
    if (it == them.ms.end()) continue;
    auto ratio = [](double peer, double ours) { return ours > 0 ? peer / ours : 0.0; };
    types += fmt::format(R"({}"{}":{{"p50":{:.1f},"p99":{:.1f}}})", types.empty() ? "" : ",", type,
                         ratio(Percentile(it->second, 0.5), Percentile(ms, 0.5)),
                         ratio(Percentile(it->second, 0.99), Percentile(ms, 0.99)));
  }
  return fmt::format(
      R"({{"ingest":{:.2f},"bytes":{:.2f},"types":{{{}}}}})", them.load_s / us.load_s,
      static_cast<double>(them.bytes) / static_cast<double>(std::max<std::uint64_t>(1, us.bytes)),
      types);
}

// While it lives, a thread that cancels the peer's running statement as soon
// as the user interrupts (the loops check between statements; this is for a
// statement that takes minutes).
class CancelOnStop {
 public:
  explicit CancelOnStop(Peer& peer)
      : watcher_([this, &peer] {
          std::unique_lock l(mu_);
          while (!done_) {
            if (StopRequested()) {
              peer.Cancel();
              return;
            }
            cv_.wait_for(l, std::chrono::milliseconds(100));  // polls the signal flag
          }
        }) {}
  ~CancelOnStop() {
    {
      std::lock_guard l(mu_);
      done_ = true;
    }
    cv_.notify_all();
    watcher_.join();
  }
  CancelOnStop(const CancelOnStop&) = delete;
  CancelOnStop& operator=(const CancelOnStop&) = delete;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread watcher_;
};

// A peer's whole run: its server, schema, load, settle, size, questions.
template <typename Server, typename MakePeer>
Status RunPeer(const std::string& name, const std::string& dir, const GeneratorOptions& g,
               const Planted& planted, const Questions& warm, const Questions& questions,
               std::map<std::string, std::vector<Canonical>>& expected, const MakePeer& make_peer,
               Measured& m) {
  std::cerr << fmt::format("bench peers: {}: starting the server\n", name);
  Result<std::unique_ptr<Server>> server = Server::Start(dir, kServerStart);
  if (!server.ok()) return server.status();
  Result<std::unique_ptr<Peer>> peer = make_peer(**server);
  if (!peer.ok()) return peer.status();
  const CancelOnStop cancel_on_stop(**peer);
  Result<std::string> version = (*peer)->Version();
  if (!version.ok()) return version.status();
  m.version = *version;
  INTERDICT_RETURN_IF_ERROR((*peer)->CreateSchema());
  INTERDICT_RETURN_IF_ERROR(LoadAll(
      name, g, planted, [&](const std::vector<read::Read>& b) { return (*peer)->Load(b); },
      &m.load_s));
  if (StopRequested()) return Status::Ok();
  std::cerr << fmt::format("bench peers: {}: settling\n", name);
  const auto t0 = Steady::now();
  INTERDICT_RETURN_IF_ERROR((*peer)->Settle());
  m.settle_s = Ms(t0, Steady::now()) / 1000;
  Result<std::uint64_t> bytes = (*peer)->DataBytes();
  if (!bytes.ok()) return bytes.status();
  m.bytes = *bytes;
  return RunQuestions(
      name, warm, questions, [&](const Question& q) { return AskPeer(**peer, q.req, q.plan); },
      &expected, false, m);
}

}  // namespace

int RunPeersBench(const PeersBenchOptions& options) {
  CatchStopSignals();
  for (const std::string& p : options.peers) {
    if (p != "postgresql" && p != "clickhouse") {
      std::cerr << "bench peers: unknown peer '" << p << "' (postgresql, clickhouse)\n";
      return 2;
    }
  }
  Result<WorkDir> work = WorkDir::Make(options.dir, "peers", options.keep);
  if (!work.ok()) {
    std::cerr << "bench peers: " << work.status().message() << "\n";
    return 1;
  }
  const std::string& dir = work->path();
  const std::int64_t now = Clock::System().NowMillis() / kHour * kHour;
  GeneratorOptions g;
  g.reads = options.reads;
  g.days = options.days;
  g.cameras = options.cameras;
  g.start_ms = now - options.days * kDay;
  const ReadGenerator gen(g);
  std::cerr << fmt::format("bench peers: {} reads, {} cameras, {} agencies, {} days, in {}\n",
                           g.reads, g.cameras, g.agencies, g.days, dir);

  // The questions: the search benchmark's, but look-alikes (Interdict's own
  // matcher, which no peer has); a convoy's whole ranking in one page.
  Result<Region> region =
      MakeRegion(catalog::Location::Sqlite(server::DataPaths(dir).catalog()), gen, now);
  if (!region.ok()) {
    std::cerr << "bench peers: setting up the catalog: " << region.status().message() << "\n";
    return 1;
  }
  const Planted planted = Plant(gen, now);
  const std::string purpose = PurposeJson(region->approval);
  auto build = [&](std::uint64_t variant, Questions& out) -> Status {
    for (const auto& [type, terms] :
         MakeQueries(gen, planted, now, options.days, options.queries, variant)) {
      if (type == "lookalike") continue;
      auto& qs = out.emplace_back(type, std::vector<Question>{}).second;
      for (const std::string& t : terms) {
        const std::string page = type.starts_with("convoy") ? R"(,"page":{"limit":1000})" : "";
        Result<search::Request> req =
            search::ParseRequest("{" + t + "," + purpose + page + "}", now);
        Result<search::Plan> plan =
            req.ok() ? search::Prepare(*region->db, region->analyst(), *req, now, region->limits)
                     : req.status();
        if (!plan.ok())
          return Status::Internal(
              fmt::format("preparing a {} question: {}", type, plan.status().message()));
        qs.push_back({std::move(req).value(), std::move(plan).value()});
      }
    }
    return Status::Ok();
  };
  Questions warm, questions;
  if (Status st = build(1, warm); !st.ok() || !(st = build(0, questions)).ok()) {
    std::cerr << "bench peers: " << st.message() << "\n";
    return 1;
  }

  std::map<std::string, Measured> measured;
  std::map<std::string, std::vector<Canonical>> expected;
  {
    Measured& m = measured["interdict"];
    m.version = "this build";
    Logger log(StderrSink(), Clock::System(), LogLevel::kWarn);
    store::StoreOptions so;
    so.dir = dir + "/interdict";
    Result<std::unique_ptr<store::Store>> opened =
        store::Store::Open(so, store::Env::Posix(), Clock::System(), log);
    Status st = opened.status();
    if (st.ok()) {
      store::Store& store = **opened;
      st = LoadAll(
          "interdict", g, planted,
          [&](const std::vector<read::Read>& b) { return store.Append(b).status(); }, &m.load_s);
      if (st.ok() && !StopRequested()) {
        std::cerr << "bench peers: interdict: settling\n";
        const auto t0 = Steady::now();
        st = store.Flush();
        if (st.ok()) st = store.Merge();
        m.settle_s = Ms(t0, Steady::now()) / 1000;
        m.bytes = DirBytes(so.dir);
      }
      if (st.ok() && !StopRequested()) {
        st = RunQuestions(
            "interdict", warm, questions,
            [&](const Question& q) -> Result<Canonical> {
              Result<search::Answer> a = search::Execute(store, q.req, q.plan);
              if (!a.ok()) return a.status();
              return Reduce(q.req, *a);
            },
            &expected, true, m);
      }
    }
    if (!st.ok()) {
      std::cerr << "bench peers: interdict: " << st.message() << "\n";
      return 1;
    }
  }
  for (const std::string& name : options.peers) {
    if (StopRequested()) break;
    Measured& m = measured[name];
    Status st =
        name == "postgresql"
            ? RunPeer<PostgresServer>(
                  name, dir, g, planted, warm, questions, expected,
                  [](PostgresServer& s) -> Result<std::unique_ptr<Peer>> {
                    Result<std::unique_ptr<PostgresPeer>> p = PostgresPeer::Connect(s.conninfo());
                    if (!p.ok()) return p.status();
                    return std::unique_ptr<Peer>(std::move(p).value());
                  },
                  m)
            : RunPeer<ClickHouseServer>(
                  name, dir, g, planted, warm, questions, expected,
                  [](ClickHouseServer& s) -> Result<std::unique_ptr<Peer>> {
                    return std::unique_ptr<Peer>(std::make_unique<ClickHousePeer>(s.http_port()));
                  },
                  m);
    if (!st.ok()) {
      std::cerr << "bench peers: " << name << ": " << st.message() << "\n";
      return st.code() == StatusCode::kFailedPrecondition ? 2 : 1;
    }
  }
  if (StopRequested()) {
    std::cerr << "bench peers: interrupted; servers stopped and directories removed\n";
    return 130;
  }

  const std::uint64_t reads = g.reads + planted.reads.size();
  // How much each type's answers hold, so a reader sees the checks compared
  // something: mean rows on the page and mean results before paging.
  std::string sizes;
  for (const auto& [type, answers] : expected) {
    double rows = 0, total = 0;
    for (const Canonical& a : answers) {
      rows += static_cast<double>(a.rows.size());
      total += static_cast<double>(a.total);
    }
    const double n = static_cast<double>(std::max<std::size_t>(1, answers.size()));
    sizes += fmt::format(R"({}"{}":{{"mean_rows":{:.1f},"mean_total":{:.1f}}})",
                         sizes.empty() ? "" : ",", type, rows / n, total / n);
  }
  std::string stores, ratios;
  int differ = 0;
  for (const auto& [name, m] : measured) {
    stores += fmt::format(R"({}"{}":{})", stores.empty() ? "" : ",", name, Json(m, reads));
    for (const auto& [type, n] : m.differ) differ += n;
    if (name != "interdict")
      ratios += fmt::format(R"({}"{}":{})", ratios.empty() ? "" : ",", name,
                            Ratios(measured["interdict"], m));
  }
  std::cout
      << fmt::format(
             R"({{"reads":{},"days":{},"cameras":{},"agencies":{},"batch":{},"queries_per_type":{},"answers_equal":{},"answers":{{{}}},"stores":{{{}}},"interdict_vs":{{{}}}}})",
             reads, g.days, g.cameras, g.agencies, kBatch, options.queries,
             differ == 0 ? "true" : "false", sizes, stores, ratios)
      << std::endl;
  if (differ > 0) {
    std::cerr << fmt::format("bench peers: {} answers differ from Interdict's\n", differ);
    return 1;
  }
  return 0;
}

}  // namespace interdict::bench
