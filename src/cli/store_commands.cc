// `interdict store load|count|verify`: the operator's tools for the read store.
// None of them prints plate data: searching belongs to the search API.
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>

#include <fmt/core.h>

#include "base/clock.h"
#include "base/line_reader.h"
#include "base/log.h"
#include "cli/args.h"
#include "cli/commands.h"
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
};
const std::vector<FlagSpec> kDataFlag = {{"data", true, "data directory (required)"}};

int UsageError(std::string_view cmd, std::string_view msg, const std::vector<FlagSpec>& flags) {
  std::cerr << "interdict store " << cmd << ": " << msg << "\n\nflags:\n" << FlagHelp(flags);
  return kExitUsage;
}

struct OpenStore {
  std::optional<server::DataDir> dir;
  std::unique_ptr<store::Store> store;
};

// Locks the data directory and opens its store; prints the error and returns
// nullopt on failure.
std::optional<OpenStore> Open(std::string_view cmd, const std::string& data, Logger& log,
                              store::SyncPolicy sync, std::uint64_t flush_reads = 250'000) {
  Result<server::DataDir> dir = server::DataDir::Open(data);
  if (!dir.ok()) {
    std::cerr << "interdict store " << cmd << ": " << dir.status().message() << "\n";
    return std::nullopt;
  }
  store::StoreOptions opts;
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
  out.store = std::move(s).value();
  return out;
}

int Load(const std::vector<std::string>& argv) {
  Result<Args> args = Args::Parse(argv, kLoadFlags);
  if (!args.ok()) return UsageError("load", args.status().message(), kLoadFlags);
  if (!args->Get("data")) return UsageError("load", "--data is required", kLoadFlags);
  if (args->positional().empty())
    return UsageError("load", "name one or more NDJSON files (- for stdin)", kLoadFlags);
  Result<std::uint64_t> batch_size = args->GetCount("batch", 10'000, 1'000'000);
  if (!batch_size.ok()) return UsageError("load", batch_size.status().message(), kLoadFlags);
  store::SyncPolicy sync = store::SyncPolicy::kAlways;
  if (auto s = args->Get("sync")) {
    Result<store::SyncPolicy> p = store::ParseSyncPolicy(*s);
    if (!p.ok()) return UsageError("load", p.status().message(), kLoadFlags);
    sync = *p;
  }

  Result<std::uint64_t> flush_reads = args->GetCount("flush-reads", 250'000, 100'000'000);
  if (!flush_reads.ok()) return UsageError("load", flush_reads.status().message(), kLoadFlags);
  Logger log(StderrSink(), Clock::System(), LogLevel::kWarn);
  std::optional<OpenStore> st = Open("load", *args->Get("data"), log, sync, *flush_reads);
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
  if (!args.ok()) return UsageError("count", args.status().message(), kDataFlag);
  if (!args->Get("data")) return UsageError("count", "--data is required", kDataFlag);
  Logger log(StderrSink(), Clock::System(), LogLevel::kWarn);
  std::optional<OpenStore> st = Open("count", *args->Get("data"), log, store::SyncPolicy::kAlways);
  if (!st) return kExitFailure;
  std::cout << st->store->Count() << "\n";
  return kExitOk;
}

int Verify(const std::vector<std::string>& argv) {
  Result<Args> args = Args::Parse(argv, kDataFlag);
  if (!args.ok()) return UsageError("verify", args.status().message(), kDataFlag);
  if (!args->Get("data")) return UsageError("verify", "--data is required", kDataFlag);
  const std::string data = *args->Get("data");
  Result<server::DataDir> dir = server::DataDir::Open(data);
  if (!dir.ok()) {
    std::cerr << "interdict store verify: " << dir.status().message() << "\n";
    return kExitFailure;
  }
  std::vector<std::string> problems;
  Status s = store::Store::Verify(store::Env::Posix(), server::DataPaths(data).store(), &problems);
  for (const std::string& p : problems) std::cerr << "problem: " << p << "\n";
  if (!s.ok()) {
    std::cerr << "interdict store verify: " << s.message() << "\n";
    return kExitFailure;
  }
  std::cout << "store verify: ok\n";
  return kExitOk;
}

}  // namespace

int StoreCommand(const std::vector<std::string>& argv) {
  const std::string usage =
      "usage: interdict store load --data DIR [--batch N] [--sync POLICY] FILE...\n"
      "       interdict store count --data DIR\n"
      "       interdict store verify --data DIR\n";
  if (argv.empty()) {
    std::cerr << usage;
    return kExitUsage;
  }
  const std::vector<std::string> rest(argv.begin() + 1, argv.end());
  if (argv[0] == "load") return Load(rest);
  if (argv[0] == "count") return Count(rest);
  if (argv[0] == "verify") return Verify(rest);
  std::cerr << "interdict store: unknown subcommand '" << argv[0] << "'\n" << usage;
  return kExitUsage;
}

}  // namespace interdict::cli
