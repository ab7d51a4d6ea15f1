#include "bench/peers_bench.h"

#include <algorithm>
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
#include "bench/questions.h"
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
      "peers", name, g, planted, kBatch,
      [&](const std::vector<read::Read>& b) { return (*peer)->Load(b); }, &m.load_s));
  if (StopRequested()) return Status::Ok();
  std::cerr << fmt::format("bench peers: {}: settling\n", name);
  const auto t0 = Steady::now();
  INTERDICT_RETURN_IF_ERROR((*peer)->Settle());
  m.settle_s = Ms(t0, Steady::now()) / 1000;
  Result<std::uint64_t> bytes = (*peer)->DataBytes();
  if (!bytes.ok()) return bytes.status();
  m.bytes = *bytes;
  return RunQuestions(
      "peers", name, warm, questions,
      [&](const Question& q) { return AskPeer(**peer, q.req, q.plan); }, &expected, false, m);
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
  Questions warm, questions;
  auto build = [&](std::uint64_t variant, Questions& out) {
    return BuildQuestions(gen, planted, *region, now, options.days, options.queries, variant, false,
                          &out);
  };
  if (Status st = build(1, warm); !st.ok() || !(st = build(0, questions)).ok()) {
    std::cerr << "bench peers: " << st.message() << "\n";
    return 1;
  }

  std::map<std::string, Measured> measured;
  std::map<std::string, std::vector<Canonical>> expected;
  {
    Measured& m = measured["interdict"];
    m.version = "this build";
    // The store's heap: the process's, less what the benchmark held before
    // the store opened (its read generator: ~40 bytes a simulated vehicle)
    // and, while loading, less LoadAll's own generator (measured at the first
    // batch, before the store holds anything; ~2 GiB at a billion reads, and
    // not the store's).
    const double heap_before = HeapInUseMib();
    double loader_mib = -1;
    Logger log(StderrSink(), Clock::System(), LogLevel::kWarn);
    store::StoreOptions so;
    so.dir = dir + "/interdict";
    Result<std::unique_ptr<store::Store>> opened =
        store::Store::Open(so, store::Env::Posix(), Clock::System(), log);
    Status st = opened.status();
    if (st.ok()) {
      store::Store& store = **opened;
      std::uint64_t batches = 0;
      st = LoadAll(
          "peers", "interdict", g, planted, kBatch,
          [&](const std::vector<read::Read>& b) {
            if (loader_mib < 0) {
              loader_mib = HeapInUseMib() - heap_before;
              std::cerr << fmt::format(
                  "bench peers: interdict: the benchmark's read generator holds {:.0f} MiB "
                  "(not counted as the store's)\n",
                  loader_mib);
            }
            if (++batches % 16 == 0)
              m.peak_heap_mib =
                  std::max(m.peak_heap_mib, HeapInUseMib() - heap_before - loader_mib);
            return store.Append(b).status();
          },
          &m.load_s);
      if (st.ok() && !StopRequested()) {
        std::cerr << "bench peers: interdict: settling\n";
        const auto t0 = Steady::now();
        st = store.Flush();
        if (st.ok()) st = store.Merge();
        m.settle_s = Ms(t0, Steady::now()) / 1000;
        m.bytes = DirBytes(so.dir);
      }
      if (st.ok() && !StopRequested()) {
        st = RunQuestions("peers", "interdict", warm, questions, AskStore(store), &expected, true,
                          m);
        m.heap_after_mib = HeapInUseMib() - heap_before;
        m.peak_heap_mib = std::max(m.peak_heap_mib, m.heap_after_mib);
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
    stores += fmt::format(R"({}"{}":{})", stores.empty() ? "" : ",", name, MeasuredJson(m, reads));
    for (const auto& [type, n] : m.differ) differ += n;
    if (name != "interdict")
      ratios += fmt::format(R"({}"{}":{})", ratios.empty() ? "" : ",", name,
                            RatiosJson(measured["interdict"], m));
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
