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
    {"json", false, "print JSON (the only output format; accepted for scripts)"},
};

bool ParseCount(const Args& a, std::string_view flag, std::uint64_t* out) {
  if (auto v = a.Get(flag)) {
    try {
      std::size_t used = 0;
      *out = std::stoull(*v, &used);
      return used == v->size() && *out > 0;
    } catch (...) {
      return false;
    }
  }
  return true;
}

int StoreBench(const std::vector<std::string>& argv) {
  Result<Args> args = Args::Parse(argv, kStoreBenchFlags);
  if (!args.ok()) {
    std::cerr << "interdict bench store: " << args.status().message() << "\n\nflags:\n"
              << FlagHelp(kStoreBenchFlags);
    return kExitUsage;
  }
  bench::StoreBenchOptions o;
  std::uint64_t queries = 100;
  if (!ParseCount(*args, "reads", &o.reads) || !ParseCount(*args, "queries", &queries) ||
      !ParseCount(*args, "sqlite-max", &o.sqlite_max_reads) || queries > 100000) {
    std::cerr << "interdict bench store: --reads, --queries and --sqlite-max take positive whole "
                 "numbers\n";
    return kExitUsage;
  }
  o.queries = static_cast<int>(queries);
  o.dir = args->Get("dir").value_or("");
  o.keep = args->Has("keep");
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
