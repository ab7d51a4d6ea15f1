#include "cli/commands.h"

#include <cctype>
#include <fstream>
#include <iostream>
#include <string_view>

#include <fmt/core.h>

#include "base/build_info.h"
#include "base/clock.h"
#include "config/config.h"
#include "crypto/crypto.h"
#include "crypto/totp.h"
#include "oversight/seattle.h"

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
    {"backup", "backup create|verify: consistent, incremental backups of a running data directory",
     BackupCommand},
    {"restore", "restore --from DEST --data DIR: a backup into a new data directory",
     RestoreCommand},
    {"keys", "keys init|list|rotate: the master key and data keys of encryption at rest",
     KeysCommand},
    {"admin", "admin init|add-agency: an agency and its first administrator (on the host)",
     AdminCommand},
    {"audit", "check the audit trail: audit verify finds any edited, deleted or moved entry",
     AuditCommand},
    {"catalog",
     "catalog migrate --from sqlite:PATH --to postgresql:CONNINFO: move the catalog to PostgreSQL",
     CatalogCommand},
    {"import", "import reads --format native|openalpr|csv|seattle FILE: back-fill, resumable",
     ImportCommand},
    {"hotlist", "hotlist check --format F FILE: validate a hotlist file without importing it",
     HotlistCommand},
    {"bench", "benchmarks that print JSON (bench store: against SQLite; bench match: hotlists)",
     BenchCommand},
    {"sim", "sim --out FILE --days D --seed S: the simulated region's reads, deterministic",
     SimCommand},
    {"totp", "totp SECRET: the current sign-in code for a base32 TOTP secret (demo logins)",
     TotpCommand},
    {"oversight",
     "oversight seattle FILE|-: disparity by ZIP area on the Seattle read log (docs/oversight.md)",
     OversightCommand},
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

int TotpCommand(const std::vector<std::string>& args) {
  if (args.size() != 1) {
    std::cerr << "usage: interdict totp SECRET   (the base32 secret an authenticator app takes)\n";
    return kExitUsage;
  }
  std::string secret;
  for (char c : args[0]) {
    if (c != ' ') secret += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  const std::optional<std::string> raw = crypto::Base32Decode(secret);
  if (!raw || raw->empty()) {
    std::cerr << "interdict totp: SECRET must be base32 (A-Z, 2-7)\n";
    return kExitUsage;
  }
  const std::int64_t now = Clock::System().NowMillis();
  std::cout << crypto::TotpCode(*raw, crypto::TotpStep(now)) << "\n";
  return kExitOk;
}

int OversightCommand(const std::vector<std::string>& args) {
  if (args.size() != 2 || args[0] != "seattle") {
    std::cerr << "usage: interdict oversight seattle FILE   (the Seattle PD read log, "
                 "pipe-separated; - for standard input, e.g. zcat FILE.csv.gz | … -)\n";
    return kExitUsage;
  }
  std::ifstream file;
  if (args[1] != "-") {
    file.open(args[1], std::ios::binary);
    if (!file) {
      std::cerr << "interdict oversight: cannot read " << args[1] << "\n";
      return kExitFailure;
    }
  }
  std::cerr << "interdict oversight: reading " << (args[1] == "-" ? "standard input" : args[1])
            << "\n";
  Result<std::string> out = oversight::SeattleDisparity(args[1] == "-" ? std::cin : file);
  if (!out.ok()) {
    std::cerr << "interdict oversight: " << out.status().message() << "\n";
    return kExitUsage;
  }
  std::cout << *out << "\n";
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
