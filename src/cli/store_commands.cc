// `interdict store load|count|verify|migrate`: the operator's tools for the
// read store, embedded or on a ClickHouse cluster (decision 0035). None of
// them prints plate data: searching belongs to the search API.
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>

#include <fmt/core.h>

#include "base/clock.h"
#include "base/line_reader.h"
#include "base/log.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "cli/keys_flag.h"
#include "cluster/clickhouse_reads.h"
#include "read/native_format.h"
#include "server/data_dir.h"
#include "store/store.h"

namespace interdict::cli {
namespace {

volatile sig_atomic_t g_interrupted = 0;
void OnInterrupt(int) {
  g_interrupted = 1;
}

const std::vector<FlagSpec> kLoadFlags = {
    {"data", true, "data directory (required)"},
    {"batch", true, "reads per durable batch (default 10000)"},
    {"sync", true, "always (default), interval or none; none is for benchmarks only"},
    {"flush-reads", true, "write segments once this many reads are in memory (default 250000)"},
    kMasterKeyFlag,
    kKeysFlag,
};
const std::vector<FlagSpec> kDataFlag = {
    {"data", true, "data directory (required)"}, kMasterKeyFlag, kKeysFlag};
// Where a cluster's reads are (as cluster.clickhouse.* in docs/configuration.md).
constexpr FlagSpec kClusterFlag = {
    "clickhouse-cluster", true,
    "the cluster's name in the nodes' <remote_servers> (default interdict; \"\" for one node)"};
constexpr FlagSpec kUnreplicatedFlag = {"unreplicated", false,
                                        "the tables are not replicated (one replica a shard)"};
constexpr FlagSpec kUserFlag = {
    "clickhouse-user", true,
    "the ClickHouse user (default \"default\"); its password from $CLICKHOUSE_PASSWORD"};
const std::vector<FlagSpec> kVerifyFlags = {
    {"data", true, "data directory (its embedded store)"},
    {"clickhouse", true, "or the cluster's ClickHouse nodes (as cluster.clickhouse.nodes)"},
    kMasterKeyFlag,
    kKeysFlag,
    kClusterFlag,
    kUnreplicatedFlag,
    kUserFlag};
const std::vector<FlagSpec> kMigrateFlags = {
    {"from", true, "data directory whose embedded store is copied (required)"},
    {"to", true, "clickhouse:NODES, the nodes as cluster.clickhouse.nodes (required)"},
    kClusterFlag,
    kUnreplicatedFlag,
    kUserFlag,
    kMasterKeyFlag,
    kKeysFlag,
    {"sample", true, "plates whose answers are compared after the copy (default 200)"}};

// The cluster's read tables named by the flags; prints the error and returns
// null on failure.
std::unique_ptr<cluster::ClickHouseReads> OpenCluster(std::string_view cmd,
                                                      const std::string& nodes, const Args& args,
                                                      Logger& log) {
  Result<cluster::ClickHouseShards> shards = cluster::ParseShards(nodes);
  if (!shards.ok()) {
    std::cerr << "interdict store " << cmd << ": " << shards.status().message() << "\n";
    return nullptr;
  }
  cluster::ClickHouseReadsOptions o;
  o.shards = std::move(shards).value();
  o.cluster = args.Get("clickhouse-cluster").value_or("interdict");
  o.replicated = !args.Has("unreplicated");
  o.user.name = args.Get("clickhouse-user").value_or("default");
  if (const char* password = std::getenv("CLICKHOUSE_PASSWORD")) o.user.password = password;
  Result<std::unique_ptr<cluster::ClickHouseReads>> r =
      cluster::ClickHouseReads::Open(std::move(o), Clock::System(), log);
  if (!r.ok()) {
    std::cerr << "interdict store " << cmd << ": " << r.status().message() << "\n";
    return nullptr;
  }
  return std::move(r).value();
}

struct OpenStore {
  std::optional<server::DataDir> dir;
  OpenKeys keys;  // --master-key, --keys: declared before the store, which uses them
  std::unique_ptr<store::Store> store;
};

// Locks the data directory and opens its store (with the key store the flags
// name); prints the error and returns nullopt on failure. Only a command that
// writes reads (`load`) may make the directory: one that reads a store
// refuses a mistyped path rather than count or copy an empty one.
enum class IfMissing { kCreate, kRefuse };
std::optional<OpenStore> Open(std::string_view cmd, const std::string& data, const Args& args,
                              Logger& log, store::SyncPolicy sync, IfMissing if_missing,
                              std::uint64_t flush_reads = 250'000) {
  if (std::error_code ec;
      if_missing == IfMissing::kRefuse && !std::filesystem::is_directory(data, ec)) {
    std::cerr << "interdict store " << cmd << ": no data directory " << data << "\n";
    return std::nullopt;
  }
  Result<server::DataDir> dir = server::DataDir::Open(data);
  if (!dir.ok()) {
    std::cerr << "interdict store " << cmd << ": " << dir.status().message() << "\n";
    return std::nullopt;
  }
  Result<OpenKeys> keys = OpenKeysFromFlags(args, /*read_only=*/false);
  if (!keys.ok()) {
    std::cerr << "interdict store " << cmd << ": " << keys.status().message() << "\n";
    return std::nullopt;
  }
  store::StoreOptions opts;
  opts.keys = keys->ring.get();
  opts.dir = server::DataPaths(data).store();
  opts.sync = sync;
  opts.flush_reads = flush_reads;
  Result<std::unique_ptr<store::Store>> s =
      store::Store::Open(opts, store::Env::Posix(), Clock::System(), log);
  if (!s.ok()) {
    std::cerr << "interdict store " << cmd << ": " << s.status().message() << "\n";
    return std::nullopt;
  }
  OpenStore out;
  out.dir.emplace(std::move(dir).value());
  out.keys = std::move(keys).value();
  out.store = std::move(s).value();
  return out;
}

int Load(const std::vector<std::string>& argv) {
  Result<Args> args = Args::Parse(argv, kLoadFlags);
  if (!args.ok()) return UsageError("store load", args.status().message(), kLoadFlags);
  if (!args->Get("data")) return UsageError("store load", "--data is required", kLoadFlags);
  if (args->positional().empty())
    return UsageError("store load", "name one or more NDJSON files (- for stdin)", kLoadFlags);
  Result<std::uint64_t> batch_size = args->GetCount("batch", 10'000, 1'000'000);
  if (!batch_size.ok()) return UsageError("store load", batch_size.status().message(), kLoadFlags);
  store::SyncPolicy sync = store::SyncPolicy::kAlways;
  if (auto s = args->Get("sync")) {
    Result<store::SyncPolicy> p = store::ParseSyncPolicy(*s);
    if (!p.ok()) return UsageError("store load", p.status().message(), kLoadFlags);
    sync = *p;
  }

  Result<std::uint64_t> flush_reads = args->GetCount("flush-reads", 250'000, 100'000'000);
  if (!flush_reads.ok())
    return UsageError("store load", flush_reads.status().message(), kLoadFlags);
  Logger log(StderrSink(), Clock::System(), LogLevel::kWarn);
  std::optional<OpenStore> st =
      Open("load", *args->Get("data"), *args, log, sync, IfMissing::kCreate, *flush_reads);
  if (!st) return kExitFailure;

  struct sigaction sa {};
  sa.sa_handler = OnInterrupt;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  std::uint64_t acknowledged = 0, accepted = 0, duplicates = 0, rejected = 0, lines_seen = 0;
  const auto start = std::chrono::steady_clock::now();
  auto last_progress = start;
  std::vector<read::Read> batch;
  batch.reserve(*batch_size);

  auto commit = [&]() -> bool {
    if (batch.empty()) return true;
    const std::size_t n = batch.size();
    Result<store::AppendResult> r = st->store->Append(std::move(batch));
    batch.clear();
    if (!r.ok()) {
      std::cerr << "interdict store load: " << r.status().message()
                << " (the batch was not stored; everything reported as committed is)\n";
      return false;
    }
    acknowledged += n;
    accepted += r->accepted;
    duplicates += r->duplicates;
    std::cout << "committed " << acknowledged << std::endl;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_progress >= std::chrono::seconds(2)) {
      const double secs = std::chrono::duration<double>(now - start).count();
      std::cerr << fmt::format(
          "store load: {} lines, {} new, {} duplicate, {} rejected, {:.0f} reads/s\n", lines_seen,
          accepted, duplicates, rejected, static_cast<double>(acknowledged) / secs);
      last_progress = now;
    }
    return true;
  };

  bool failed = false;
  for (const std::string& file : args->positional()) {
    std::ifstream in_file;
    std::istream* in = &std::cin;
    if (file != "-") {
      in_file.open(file, std::ios::binary);
      if (!in_file) {
        std::cerr << "interdict store load: cannot open '" << file << "'\n";
        failed = true;
        break;
      }
      in = &in_file;
    }
    std::string line;
    LineReader lines_in(*in, read::kMaxImportLineBytes);
    for (LineReader::Got got;
         !g_interrupted && (got = lines_in.Next(&line)) != LineReader::Got::kEnd;) {
      ++lines_seen;
      if (got == LineReader::Got::kTooLong) {
        ++rejected;
        std::cerr << fmt::format("{}:{}: {}\n", file, lines_in.number(), lines_in.TooLongMessage());
        continue;
      }
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.find_first_not_of(" \t") == std::string::npos) continue;
      read::Read r;
      read::ReadRejection why;
      if (!read::ParseNativeRead(line, &r, &why)) {
        ++rejected;
        std::cerr << fmt::format("{}:{}: {}{}{}\n", file, lines_in.number(), why.field,
                                 why.field.empty() ? "" : ": ", why.message);
        continue;
      }
      batch.push_back(std::move(r));
      if (batch.size() >= *batch_size && !commit()) {
        failed = true;
        break;
      }
    }
    if (failed) break;
  }
  if (!failed && !commit()) failed = true;
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cerr << fmt::format(
      "store load: done{}: {} new, {} duplicate, {} rejected in {:.1f} s; store holds {} reads\n",
      g_interrupted ? " (interrupted; run again to resume)" : "", accepted, duplicates, rejected,
      secs, st->store->Count());
  if (failed) return kExitFailure;
  if (g_interrupted) return 130;
  return rejected > 0 ? kExitFailure : kExitOk;
}

int Count(const std::vector<std::string>& argv) {
  Result<Args> args = Args::Parse(argv, kDataFlag);
  if (!args.ok()) return UsageError("store count", args.status().message(), kDataFlag);
  if (!args->Get("data")) return UsageError("store count", "--data is required", kDataFlag);
  Logger log(StderrSink(), Clock::System(), LogLevel::kWarn);
  std::optional<OpenStore> st =
      Open("count", *args->Get("data"), *args, log, store::SyncPolicy::kAlways, IfMissing::kRefuse);
  if (!st) return kExitFailure;
  std::cout << st->store->Count() << "\n";
  return kExitOk;
}

int Verify(const std::vector<std::string>& argv) {
  Result<Args> args = Args::Parse(argv, kVerifyFlags);
  if (!args.ok()) return UsageError("store verify", args.status().message(), kVerifyFlags);
  if (args->Get("data").has_value() == args->Get("clickhouse").has_value())
    return UsageError("store verify", "give --data or --clickhouse", kVerifyFlags);
  std::vector<std::string> problems;
  Status s = Status::Ok();
  if (const std::optional<std::string> nodes = args->Get("clickhouse")) {
    Logger log(StderrSink(), Clock::System(), LogLevel::kWarn);
    std::unique_ptr<cluster::ClickHouseReads> reads = OpenCluster("verify", *nodes, *args, log);
    if (!reads) return kExitFailure;
    s = reads->Verify(&problems);
  } else {
    const std::string data = *args->Get("data");
    Result<server::DataDir> dir = server::DataDir::Open(data);
    if (!dir.ok()) {
      std::cerr << "interdict store verify: " << dir.status().message() << "\n";
      return kExitFailure;
    }
    Result<OpenKeys> keys = OpenKeysFromFlags(*args, /*read_only=*/true);
    if (!keys.ok()) {
      std::cerr << "interdict store verify: " << keys.status().message() << "\n";
      return kExitFailure;
    }
    s = store::Store::Verify(store::Env::Posix(), server::DataPaths(data).store(), &problems,
                             keys->ring.get());
  }
  for (const std::string& p : problems) std::cerr << "problem: " << p << "\n";
  if (!s.ok()) {
    std::cerr << "interdict store verify: " << s.message() << "\n";
    return kExitFailure;
  }
  std::cout << "store verify: ok\n";
  return kExitOk;
}

// Copies an embedded store into a cluster's tables, a day of one agency at a
// time (a day with more reads than a query returns is split), then checks
// the counts and the answers of a sample of plates on both.
int Migrate(const std::vector<std::string>& argv) {
  Result<Args> args = Args::Parse(argv, kMigrateFlags);
  if (!args.ok()) return UsageError("store migrate", args.status().message(), kMigrateFlags);
  const std::optional<std::string> from = args->Get("from"), to = args->Get("to");
  if (!from || !to)
    return UsageError("store migrate", "--from and --to are required", kMigrateFlags);
  if (!to->starts_with("clickhouse:"))
    return UsageError("store migrate", "--to must be clickhouse:NODES", kMigrateFlags);
  Result<std::uint64_t> sample = args->GetCount("sample", 200, 100'000);
  if (!sample.ok()) return UsageError("store migrate", sample.status().message(), kMigrateFlags);
  Logger log(StderrSink(), Clock::System(), LogLevel::kWarn);
  std::optional<OpenStore> st =
      Open("migrate", *from, *args, log, store::SyncPolicy::kAlways, IfMissing::kRefuse);
  if (!st) return kExitFailure;
  std::unique_ptr<cluster::ClickHouseReads> target =
      OpenCluster("migrate", to->substr(std::string_view("clickhouse:").size()), *args, log);
  if (!target) return kExitFailure;
  Result<std::uint64_t> before = target->CountReads();
  if (!before.ok()) {
    std::cerr << "interdict store migrate: " << before.status().message() << "\n";
    return kExitFailure;
  }
  if (*before > 0) {
    std::cerr << fmt::format(
        "interdict store migrate: the cluster already holds {} reads; migrate into empty "
        "tables only\n",
        *before);
    return kExitFailure;
  }
  struct sigaction sa {};
  sa.sa_handler = OnInterrupt;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  constexpr std::int64_t kDay = 86'400'000;
  constexpr std::size_t kMostPerQuery = 1'000'000;
  const std::uint64_t total = st->store->Count();
  std::uint64_t copied = 0;
  std::vector<plate::Plate> plates_seen;
  std::mt19937_64 rng(total);
  const auto start = std::chrono::steady_clock::now();
  auto last_progress = start;
  // Copies [lo, hi) of `agency`, halving the window while it holds more
  // reads than one query returns.
  std::function<Status(const std::string&, std::int64_t, std::int64_t)> copy =
      [&](const std::string& agency, std::int64_t lo, std::int64_t hi) -> Status {
    store::ReadQuery q;
    q.agencies = {agency};
    q.from = lo;
    q.to = hi;
    q.limit = kMostPerQuery;
    Result<store::QueryResult> r = st->store->Query(q);
    if (!r.ok()) return r.status();
    if (r->truncated && hi - lo > 1) {
      INTERDICT_RETURN_IF_ERROR(copy(agency, lo, lo + (hi - lo) / 2));
      return copy(agency, lo + (hi - lo) / 2, hi);
    }
    if (r->truncated) return Status::Internal("more than a million reads in one millisecond");
    if (r->reads.empty()) return Status::Ok();
    for (const read::Read& rd : r->reads) {
      // A uniform sample of the plates (reservoir), for the check at the end.
      if (plates_seen.size() < *sample) {
        plates_seen.push_back(rd.plate);
      } else if (const std::uint64_t k = rng() % (copied + 1); k < *sample) {
        plates_seen[k] = rd.plate;
      }
      ++copied;
    }
    Result<store::AppendResult> in = target->Insert(r->reads, {Clock::System().NowMillis()});
    if (!in.ok()) return in.status();
    const auto now = std::chrono::steady_clock::now();
    if (now - last_progress >= std::chrono::seconds(2)) {
      const double secs = std::chrono::duration<double>(now - start).count();
      std::cerr << fmt::format("store migrate: {} of {} reads ({:.0f} %), {:.0f} reads/s\n", copied,
                               total,
                               100.0 * static_cast<double>(copied) /
                                   static_cast<double>(std::max<std::uint64_t>(1, total)),
                               static_cast<double>(copied) / secs);
      last_progress = now;
    }
    return Status::Ok();
  };
  Status s = st->store->Flush();
  for (const auto& [agency, span] : st->store->AgencySpans()) {
    for (std::int64_t day = span.first - span.first % kDay; s.ok() && day <= span.second;
         day += kDay) {
      if (g_interrupted) break;
      s = copy(agency, day, day + kDay);
    }
    if (!s.ok() || g_interrupted) break;
  }
  if (!s.ok()) {
    std::cerr << "interdict store migrate: " << s.message()
              << " (the copy is incomplete: empty the cluster's tables and run again)\n";
    return kExitFailure;
  }
  if (g_interrupted) {
    std::cerr << fmt::format(
        "store migrate: interrupted after {} of {} reads; the copy is incomplete: empty the "
        "cluster's tables and run again\n",
        copied, total);
    return 130;
  }
  // The counts, and each sampled plate's answer on both.
  Result<std::uint64_t> after = target->CountReads();
  if (!after.ok()) {
    std::cerr << "interdict store migrate: " << after.status().message() << "\n";
    return kExitFailure;
  }
  std::size_t unlike = 0;
  std::vector<std::string> agencies;
  for (const auto& [agency, span] : st->store->AgencySpans()) agencies.push_back(agency);
  for (const plate::Plate& p : plates_seen) {
    store::ReadQuery q;
    q.agencies = agencies;
    q.plate = p;
    q.limit = kMostPerQuery;
    Result<store::QueryResult> a = st->store->Query(q);
    Result<store::QueryResult> b = target->Query(q);
    if (!a.ok() || !b.ok() || a->reads != b->reads) ++unlike;
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cerr << fmt::format(
      "store migrate: {} reads copied in {:.1f} s; the cluster holds {}; {} of {} sampled plates "
      "answered alike\n",
      copied, secs, *after, plates_seen.size() - unlike, plates_seen.size());
  if (*after != total || copied != total || unlike > 0) {
    std::cerr << "interdict store migrate: the copy does not match the store\n";
    return kExitFailure;
  }
  std::cout << "store migrate: ok\n";
  return kExitOk;
}

}  // namespace

int StoreCommand(const std::vector<std::string>& argv) {
  const std::string usage =
      "usage: interdict store load --data DIR [--batch N] [--sync POLICY] FILE...\n"
      "       interdict store count --data DIR\n"
      "       interdict store verify --data DIR | --clickhouse NODES\n"
      "       interdict store migrate --from DIR --to clickhouse:NODES\n";
  if (argv.empty()) return SubcommandUsage("store", usage, argv);
  const std::vector<std::string> rest(argv.begin() + 1, argv.end());
  if (argv[0] == "load") return Load(rest);
  if (argv[0] == "count") return Count(rest);
  if (argv[0] == "verify") return Verify(rest);
  if (argv[0] == "migrate") return Migrate(rest);
  return SubcommandUsage("store", usage, argv);
}

}  // namespace interdict::cli
