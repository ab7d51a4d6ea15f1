// Command-line flags of one subcommand: --name VALUE, --name=VALUE, and
// boolean --name. Unknown flags and missing values are errors that name the flag.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace interdict::cli {

struct FlagSpec {
  std::string_view name;  // without dashes: "listen"
  bool takes_value;
  std::string_view help;
};

class Args {
 public:
  static Result<Args> Parse(const std::vector<std::string>& argv,
                            const std::vector<FlagSpec>& specs);

  std::optional<std::string> Get(std::string_view name) const;
  // A whole number from 1 to `max`; `fallback` when the flag is absent. The
  // error names the flag and the range.
  Result<std::uint64_t> GetCount(std::string_view name, std::uint64_t fallback,
                                 std::uint64_t max) const;
  bool Has(std::string_view name) const { return values_.count(std::string(name)) > 0; }
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::string, std::less<>> values_;
  std::vector<std::string> positional_;
};

// "  --listen HOST:PORT   Address to listen on" lines for usage text.
std::string FlagHelp(const std::vector<FlagSpec>& specs);

// `--help` or `-h` (before `--`) asks for a command's usage: Parse fails with
// this message, which UsageError answers on stdout with exit code 0.
inline constexpr std::string_view kHelpRequested = "help requested";

// A command's usage: "interdict CMD: MSG", then the synopsis and the flags, on
// stderr with exit code 2 (a usage error) — or, when MSG is kHelpRequested,
// the synopsis and flags alone on stdout with exit code 0.
int UsageError(std::string_view cmd, std::string_view msg, const std::vector<FlagSpec>& flags,
               std::string_view synopsis = {});

// A command made of subcommands ("store load|count|…") given none it knows:
// its usage on stdout with exit code 0 for `--help`, `-h` or `help`, otherwise
// on stderr (after naming the unknown subcommand) with exit code 2.
int SubcommandUsage(std::string_view cmd, std::string_view usage,
                    const std::vector<std::string>& argv);

// True when argv (before `--`) asks for help.
bool AsksForHelp(const std::vector<std::string>& argv);

// The usage of a command that parses its own arguments, given ones it cannot
// take or asked for help: on stdout with exit code 0 when argv asks for help,
// otherwise on stderr with exit code 2.
int CommandUsage(std::string_view usage, const std::vector<std::string>& argv);

}  // namespace interdict::cli
