// `interdict hotlist check`: validates a hotlist file without importing it.
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/core.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "hotlist/formats.h"

namespace interdict::cli {
namespace {

const std::vector<FlagSpec> kCheckFlags = {
    {"format", true, "ncic, csv, genetec or json (required)"},
};

int Check(const std::vector<std::string>& argv) {
  auto usage = [](std::string_view msg) {
    return UsageError("hotlist check", msg, kCheckFlags,
                      "interdict hotlist check --format ncic|csv|genetec|json FILE");
  };
  Result<Args> args = Args::Parse(argv, kCheckFlags);
  if (!args.ok()) return usage(args.status().message());
  if (!args->Get("format")) return usage("--format is required");
  Result<hotlist::Format> format = hotlist::ParseFormat(*args->Get("format"));
  if (!format.ok()) return usage(format.status().message());
  if (args->positional().size() != 1) return usage("name exactly one FILE");
  const std::string& path = args->positional()[0];
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << fmt::format("interdict hotlist check: cannot open {}\n", path);
    return kExitFailure;
  }
  std::ostringstream text;
  text << in.rdbuf();
  Result<hotlist::ParsedList> list = hotlist::ParseList(*format, text.str());
  if (!list.ok()) {
    std::cerr << fmt::format("interdict hotlist check: {}: {}\n", path, list.status().message());
    return kExitFailure;
  }
  std::cout << hotlist::CheckReportJson(*list) << "\n";
  return list->rejected.empty() ? kExitOk : kExitFailure;
}

}  // namespace

int HotlistCommand(const std::vector<std::string>& argv) {
  if (argv.empty() || argv[0] != "check")
    return SubcommandUsage(
        "hotlist", "usage: interdict hotlist check --format ncic|csv|genetec|json FILE\n", argv);
  return Check(std::vector<std::string>(argv.begin() + 1, argv.end()));
}

}  // namespace interdict::cli
