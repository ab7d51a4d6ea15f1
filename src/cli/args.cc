#include "cli/args.h"

#include <charconv>
#include <iostream>

#include <fmt/core.h>

#include "cli/commands.h"

namespace interdict::cli {

Result<Args> Args::Parse(const std::vector<std::string>& argv, const std::vector<FlagSpec>& specs) {
  Args out;
  bool only_positional = false;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (!only_positional && a == "-h") return Status::InvalidArgument(std::string(kHelpRequested));
    if (only_positional || !a.starts_with("--")) {
      out.positional_.push_back(a);
      continue;
    }
    if (a == "--") {
      only_positional = true;
      continue;
    }
    if (a == "--help") return Status::InvalidArgument(std::string(kHelpRequested));
    std::string name = a.substr(2);
    std::optional<std::string> value;
    if (const std::size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    const FlagSpec* spec = nullptr;
    for (const FlagSpec& s : specs) {
      if (s.name == name) spec = &s;
    }
    if (spec == nullptr) return Status::InvalidArgument(fmt::format("unknown flag '--{}'", name));
    if (spec->takes_value) {
      if (!value) {
        if (i + 1 >= argv.size()) {
          return Status::InvalidArgument(fmt::format("flag '--{}' needs a value", name));
        }
        value = argv[++i];
      }
    } else if (value) {
      return Status::InvalidArgument(fmt::format("flag '--{}' takes no value", name));
    }
    if (out.values_.count(name)) {
      return Status::InvalidArgument(fmt::format("flag '--{}' given twice", name));
    }
    out.values_[name] = value.value_or("");
  }
  return out;
}

std::optional<std::string> Args::Get(std::string_view name) const {
  if (auto it = values_.find(name); it != values_.end()) return it->second;
  return std::nullopt;
}

Result<std::uint64_t> Args::GetCount(std::string_view name, std::uint64_t fallback,
                                     std::uint64_t max) const {
  const std::optional<std::string> v = Get(name);
  if (!v) return fallback;
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (v->empty() || ec != std::errc{} || end != v->data() + v->size() || n == 0 || n > max) {
    return Status::InvalidArgument(
        fmt::format("--{} must be a whole number from 1 to {}, got '{}'", name, max, *v));
  }
  return n;
}

std::string FlagHelp(const std::vector<FlagSpec>& specs) {
  std::string out;
  for (const FlagSpec& s : specs) {
    const std::string left = fmt::format("--{}{}", s.name, s.takes_value ? " VALUE" : "");
    out += fmt::format("  {:<32} {}\n", left, s.help);
  }
  return out;
}

int UsageError(std::string_view cmd, std::string_view msg, const std::vector<FlagSpec>& flags,
               std::string_view synopsis) {
  const bool help = msg == kHelpRequested;
  std::ostream& out = help ? std::cout : std::cerr;
  if (!help) out << "interdict " << cmd << ": " << msg << "\n\n";
  if (!synopsis.empty()) {
    out << "usage: " << synopsis << "\n\n";
  } else if (help) {
    out << "usage: interdict " << cmd << " [FLAGS]\n\n";
  }
  if (!flags.empty()) out << "flags:\n" << FlagHelp(flags);
  return help ? kExitOk : kExitUsage;
}

int SubcommandUsage(std::string_view cmd, std::string_view usage,
                    const std::vector<std::string>& argv) {
  if (!argv.empty() && (argv[0] == "--help" || argv[0] == "-h" || argv[0] == "help")) {
    std::cout << usage;
    return kExitOk;
  }
  if (!argv.empty())
    std::cerr << "interdict " << cmd << ": unknown subcommand '" << argv[0] << "'\n\n";
  std::cerr << usage;
  return kExitUsage;
}

int CommandUsage(std::string_view usage, const std::vector<std::string>& argv) {
  const bool help = AsksForHelp(argv);
  (help ? std::cout : std::cerr) << usage;
  return help ? kExitOk : kExitUsage;
}

bool AsksForHelp(const std::vector<std::string>& argv) {
  for (const std::string& a : argv) {
    if (a == "--") return false;
    if (a == "--help" || a == "-h") return true;
  }
  return false;
}

}  // namespace interdict::cli
