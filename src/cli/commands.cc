#include "cli/commands.h"

#include <iostream>
#include <string_view>

#include <fmt/core.h>

#include "base/build_info.h"
#include "config/config.h"

namespace interdict::cli {
namespace {

struct Command {
  std::string_view name;
  std::string_view summary;
  int (*run)(const std::vector<std::string>&);
};

const Command kCommands[] = {
    {"serve", "run the HTTP API (flags: --config, --listen, --data, --log-level)", Serve},
    {"demo", "run the server on a demo data directory", Demo},
    {"store", "operate the read store: load NDJSON reads, count, verify checksums", StoreCommand},
    {"admin", "admin init|add-agency: an agency and its first administrator (on the host)",
     AdminCommand},
    {"audit", "check the audit trail: audit verify finds any edited, deleted or moved entry",
     AuditCommand},
    {"import", "import reads --format native|openalpr|csv|seattle FILE: back-fill, resumable",
     ImportCommand},
    {"hotlist", "hotlist check --format F FILE: validate a hotlist file without importing it",
     HotlistCommand},
    {"bench", "benchmarks that print JSON (bench store: against SQLite; bench match: hotlists)",
     BenchCommand},
    {"sim", "sim --out FILE --days D --seed S: the simulated region's reads, deterministic",
     SimCommand},
    {"version", "print the version and build type", Version},
    {"help", "show this help; `help config` lists every configuration option", Help},
};

void Usage(std::ostream& out) {
  out << "usage: interdict COMMAND [FLAGS]\n\n"
         "Interdict: a vendor-neutral regional license plate reader hub.\n\ncommands:\n";
  for (const Command& c : kCommands) out << fmt::format("  {:<10} {}\n", c.name, c.summary);
}

}  // namespace

int Version(const std::vector<std::string>&) {
  std::cout << fmt::format(
      "interdict {} ({} build{}, {})\n", build_info::kVersion, build_info::kBuildType,
      build_info::kSanitized ? ", address+undefined sanitizers" : "", build_info::kCompiler);
  return kExitOk;
}

int Help(const std::vector<std::string>& args) {
  if (!args.empty() && args[0] == "config") {
    std::cout << "configuration options (TOML; see docs/configuration.md):\n\n";
    for (const config::OptionDoc& o : config::Options()) {
      std::cout << fmt::format("{} ({}, default {})\n    {}\n", o.key, o.type, o.default_value,
                               o.description);
    }
    return kExitOk;
  }
  Usage(std::cout);
  return kExitOk;
}

int Main(int argc, char** argv) {
  if (argc < 2) {
    Usage(std::cerr);
    return kExitUsage;
  }
  const std::string_view name = argv[1];
  std::vector<std::string> rest(argv + 2, argv + argc);
  if (name == "--help" || name == "-h") return Help(rest);
  if (name == "--version") return Version(rest);
  for (const Command& c : kCommands) {
    if (c.name == name) return c.run(rest);
  }
  std::cerr << "interdict: unknown command '" << name << "'\n\n";
  Usage(std::cerr);
  return kExitUsage;
}

}  // namespace interdict::cli
