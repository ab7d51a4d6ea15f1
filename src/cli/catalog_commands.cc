// `interdict catalog migrate`: an embedded deployment's catalog copied into
// PostgreSQL, for several servers (docs/cluster.md).
#include <iostream>

#include <fmt/core.h>

#include "audit/audit.h"
#include "catalog/copy.h"
#include "catalog/database.h"
#include "cli/args.h"
#include "cli/commands.h"

namespace interdict::cli {
namespace {

const std::vector<FlagSpec> kMigrateFlags = {
    {"from", true, "the catalog to copy: sqlite:PATH (DATA/catalog.db of a stopped server)"},
    {"to", true,
     "the empty catalog to fill: postgresql:CONNINFO (the password from PGPASSWORD or "
     "~/.pgpass)"},
};

int Usage(std::string_view msg) {
  return UsageError("catalog migrate", msg, kMigrateFlags,
                    "interdict catalog migrate --from sqlite:PATH --to postgresql:CONNINFO");
}

Result<std::unique_ptr<catalog::Database>> Open(const std::string& text) {
  Result<catalog::Location> where = catalog::Location::Parse(text);
  if (!where.ok()) return where.status();
  return catalog::Database::Open(*where);
}

int Migrate(const std::vector<std::string>& argv) {
  Result<Args> args = Args::Parse(argv, kMigrateFlags);
  if (!args.ok()) return Usage(args.status().message());
  if (!args->Get("from")) return Usage("--from is required");
  if (!args->Get("to")) return Usage("--to is required");
  auto fail = [](std::string_view msg) {
    std::cerr << "interdict catalog migrate: " << msg << "\n";
    return kExitFailure;
  };
  Result<std::unique_ptr<catalog::Database>> from = Open(*args->Get("from"));
  if (!from.ok()) return fail(from.status().WithContext("--from: ").message());
  Result<std::unique_ptr<catalog::Database>> to = Open(*args->Get("to"));
  if (!to.ok()) return fail(to.status().WithContext("--to: ").message());
  std::int64_t total = 0;
  Status copied =
      catalog::CopyCatalog(**from, **to, [&](std::string_view table, std::int64_t n, bool done) {
        if (done) total += n;
        std::cerr << fmt::format("{} {:>9} rows of {}\n", done ? "copied " : "copying", n, table);
      });
  if (!copied.ok()) return fail(copied.message());
  // The chain as the copy holds it: every entry, every hash, the same head.
  Result<audit::VerifyResult> source = audit::Verify(**from);
  Result<audit::VerifyResult> target = audit::Verify(**to);
  if (!source.ok()) return fail(source.status().message());
  if (!target.ok()) return fail(target.status().message());
  if (target->first_bad)
    return fail(fmt::format("the copied audit trail does not verify: entry {}: {}",
                            *target->first_bad, target->problem));
  if (target->entries != source->entries || target->head != source->head)
    return fail(fmt::format("the copied audit trail differs: {} entries, head {} (source: {}, {})",
                            target->entries, target->head, source->entries, source->head));
  std::cout << fmt::format(
      "catalog copied: {} rows into {}\naudit trail verified on the target: {} entries, head {}\n",
      total, (*to)->name(), target->entries, target->head);
  return kExitOk;
}

}  // namespace

int CatalogCommand(const std::vector<std::string>& argv) {
  if (argv.empty() || argv[0] != "migrate")
    return SubcommandUsage(
        "catalog", "usage: interdict catalog migrate --from sqlite:PATH --to postgresql:CONNINFO\n",
        argv);
  return Migrate({argv.begin() + 1, argv.end()});
}

}  // namespace interdict::cli
