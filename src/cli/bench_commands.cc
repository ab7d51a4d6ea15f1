// `interdict bench …`: benchmarks that print JSON. They measure; they assert nothing.
#include <iostream>

#include "bench/store_bench.h"
#include "cli/args.h"
#include "cli/commands.h"

namespace interdict::cli {
namespace {

const std::vector<FlagSpec> kStoreBenchFlags = {
    {"reads", true, "reads to generate and load (default 1000000)"},
    {"queries", true, "queries per type (default 100)"},
    {"sqlite-max", true, "run SQLite only up to this many reads (default 20000000)"},
    {"dir", true, "working directory (default: a new directory under /tmp, removed after)"},
    {"keep", false, "keep the working directory"},
    {"no-sync", false, "do not sync batches (both sides), to show what durability costs"},
    {"json", false, "print JSON (the only output format; accepted for scripts)"},
};

int StoreBench(const std::vector<std::string>& argv) {
  Result<Args> args = Args::Parse(argv, kStoreBenchFlags);
  if (!args.ok()) {
    std::cerr << "interdict bench store: " << args.status().message() << "\n\nflags:\n"
              << FlagHelp(kStoreBenchFlags);
    return kExitUsage;
  }
  bench::StoreBenchOptions o;
  Result<std::uint64_t> reads = args->GetCount("reads", o.reads, 10'000'000'000);
  Result<std::uint64_t> queries = args->GetCount("queries", 100, 100'000);
  Result<std::uint64_t> sqlite_max =
      args->GetCount("sqlite-max", o.sqlite_max_reads, 10'000'000'000);
  for (const Result<std::uint64_t>* r : {&reads, &queries, &sqlite_max}) {
    if (!r->ok()) {
      std::cerr << "interdict bench store: " << r->status().message() << "\n";
      return kExitUsage;
    }
  }
  o.reads = *reads;
  o.queries = static_cast<int>(*queries);
  o.sqlite_max_reads = *sqlite_max;
  o.dir = args->Get("dir").value_or("");
  o.keep = args->Has("keep");
  o.sync = !args->Has("no-sync");
  return bench::RunStoreBench(o);
}

}  // namespace

int BenchCommand(const std::vector<std::string>& argv) {
  const char* usage =
      "usage: interdict bench store [--reads N] [--queries N] [--sqlite-max N] [--dir DIR] "
      "[--keep] [--json]\n";
  if (argv.empty()) {
    std::cerr << usage;
    return kExitUsage;
  }
  const std::vector<std::string> rest(argv.begin() + 1, argv.end());
  if (argv[0] == "store") return StoreBench(rest);
  std::cerr << "interdict bench: unknown benchmark '" << argv[0] << "'\n" << usage;
  return kExitUsage;
}

}  // namespace interdict::cli
