#include "cli/commands.h"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string_view>

#include <fmt/core.h>

#include "base/build_info.h"
#include "base/clock.h"
#include "base/json_writer.h"
#include "catalog/database.h"
#include "catalog/migrations.h"
#include "cli/args.h"
#include "config/config.h"
#include "crypto/crypto.h"
#include "crypto/totp.h"
#include "oversight/seattle.h"
#include "server/data_dir.h"
#include "store/store.h"

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
    {"evaluate",
     "evaluate claim --incidents FILE --category C --areas A --start YYYY-MM --claimed -44%: "
     "did a program work (docs/outcomes.md)",
     EvaluateCommand},
    {"oversight",
     "oversight seattle FILE|-: disparity by ZIP area on the Seattle read log (docs/oversight.md)",
     OversightCommand},
    {"upgrade",
     "upgrade --config FILE: before a new release serves, migrate its data directory (the "
     "package runs it)",
     Upgrade},
    {"version",
     "print the version; version --data DIR: what a data directory holds, whether this opens it",
     Version},
    {"help", "show this help; `help config` lists every configuration option", Help},
};

void Usage(std::ostream& out) {
  out << "usage: interdict COMMAND [FLAGS]\n\n"
         "Interdict: a vendor-neutral regional license plate reader hub.\n\ncommands:\n";
  for (const Command& c : kCommands) out << fmt::format("  {:<10} {}\n", c.name, c.summary);
}

}  // namespace

// `interdict version [--data DIR]`: the binary's version, and with --data what
// a data directory holds and whether this binary can open it (docs/operations.md).
int Version(const std::vector<std::string>& args) {
  if (args.empty()) {
    std::cout << fmt::format(
        "interdict {} ({} build{}, {})\n", build_info::kVersion, build_info::kBuildType,
        build_info::kSanitized ? ", address+undefined sanitizers" : "", build_info::kCompiler);
    return kExitOk;
  }
  if (args.size() != 2 || args[0] != "--data")
    return CommandUsage(
        "usage: interdict version [--data DIR]\n\n"
        "With --data: what the directory holds (data format, catalog schema, store files)\n"
        "and whether this release opens it, as JSON; exit code 1 when it would refuse it.\n",
        args);
  const server::DataPaths paths(args[1]);
  if (!std::filesystem::is_directory(paths.root())) {
    std::cerr << "interdict version: '" << paths.root() << "' is not a directory\n";
    return kExitFailure;
  }
  Result<server::DataFormat> format = server::ReadDataFormat(paths);
  std::vector<std::string> refusals;
  std::optional<int> schema;
  if (std::filesystem::exists(paths.catalog())) {
    Result<std::unique_ptr<catalog::Database>> db =
        catalog::Database::OpenReadOnly(paths.catalog());
    Result<int> v = db.ok() ? (*db)->SchemaVersion() : Result<int>(db.status());
    if (v.ok()) {
      schema = *v;
      if (*v > catalog::SchemaVersion())
        refusals.push_back(fmt::format("catalog schema {} is newer than this release's {}", *v,
                                       catalog::SchemaVersion()));
    } else {
      refusals.push_back(v.status().message());
    }
  }
  if (format.ok() && format->format > server::kDataFormat)
    refusals.push_back(fmt::format("data format {} (written by interdict {}) is newer than {}",
                                   format->format, format->written_by, server::kDataFormat));
  if (!format.ok()) refusals.push_back(format.status().message());
  Result<store::Store::Summary> st = store::Store::Describe(store::Env::Posix(), paths.store());
  std::cout << json::Write([&](json::Writer& w) {
    w.StartObject();
    json::Members(w, "interdict", std::string(build_info::kVersion), "data", paths.root());
    json::Key(w, "data_format");
    w.StartObject();
    json::Members(w, "this_release", server::kDataFormat, "directory",
                  format.ok() ? std::optional<int>(format->format) : std::nullopt, "written_by",
                  format.ok() && !format->written_by.empty()
                      ? std::optional<std::string>(format->written_by)
                      : std::nullopt);
    w.EndObject();
    json::Key(w, "catalog_schema");
    w.StartObject();
    json::Members(w, "this_release", catalog::SchemaVersion(), "directory", schema);
    w.EndObject();
    json::Key(w, "store");
    if (st.ok()) {
      w.StartObject();
      json::Members(w, "checkpoint", st->checkpoint, "wal_files", st->wal_files);
      json::Key(w, "segments");
      w.StartObject();
      for (const auto& [version, n] : st->segments_by_version) {
        // Odd versions are sealed (3: rows by camera, 5: rows by plate).
        json::Key(w, fmt::format("v{}_{}", version, version % 2 == 1 ? "sealed" : "plain"));
        json::Put(w, n);
      }
      w.EndObject();
      w.EndObject();
    } else {
      w.Null();
    }
    json::Members(w, "opens", refusals.empty(), "refused_because", refusals);
    w.EndObject();
  }) << "\n";
  return refusals.empty() ? kExitOk : kExitFailure;
}

int TotpCommand(const std::vector<std::string>& args) {
  if (args.size() != 1 || AsksForHelp(args))
    return CommandUsage(
        "usage: interdict totp SECRET   (the base32 secret an authenticator app takes)\n", args);
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
  if (args.size() != 2 || args[0] != "seattle" || AsksForHelp(args))
    return CommandUsage(
        "usage: interdict oversight seattle FILE   (the Seattle PD read log, "
        "pipe-separated; - for standard input, e.g. zcat FILE.csv.gz | … -)\n",
        args);
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
  // `help COMMAND` is `COMMAND --help`.
  for (const Command& c : kCommands) {
    if (!args.empty() && c.name == args[0] && c.name != "help") {
      std::vector<std::string> rest(args.begin() + 1, args.end());
      rest.push_back("--help");
      return c.run(rest);
    }
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
