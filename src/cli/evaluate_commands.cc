// `interdict evaluate claim`: checks a claimed change in crime against the
// incident data (docs/outcomes.md).
//   evaluate claim --incidents FILE|DIR[,…] [--format slmpd|csv] --category C
//                  --areas A,B,… --start YYYY-MM [--claimed -44%] [--json] …
// reads every file (a directory: its *.csv files), reports the lines it could
// not read, and prints the evaluation: text, or the answer's JSON.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <sstream>

#include <fmt/core.h>

#include "base/files.h"
#include "base/json_writer.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "outcomes/evaluate.h"
#include "outcomes/incidents.h"
#include "outcomes/series.h"

namespace interdict::cli {
namespace {

const std::vector<FlagSpec> kClaimFlags = {
    {"incidents", true,
     "incident files: a file, a directory of *.csv files, or several joined by commas"},
    {"format", true, "slmpd (SLMPD's monthly files, default) or csv (date,offense,area)"},
    {"category", true, "the offense category, e.g. \"motor vehicle theft\" (required)"},
    {"areas", true, "the program's areas: codes or names, joined by commas (required)"},
    {"comparison", true, "comparison areas (default: every other area not next to them)"},
    {"start", true, "the program's first month, YYYY-MM (required)"},
    {"claimed", true, "the claimed change, e.g. -44% (default: the naive before/after figure)"},
    {"pre", true, "months before the start to use (default 60)"},
    {"post", true, "months from the start to use (default 24)"},
    {"month", true, "occurred (default) or coded: which month an incident counts in"},
    {"area-kind", true,
     "the shipped areas the codes are: neighborhoods (default), counties, zcta, or none"},
    {"json", false, "print the answer as JSON (docs/format/outcomes.md)"},
};

int Usage(std::string_view msg) {
  std::cerr << "interdict evaluate claim: " << msg
            << "\n\nusage: interdict evaluate claim --incidents FILE|DIR [--format slmpd|csv] "
               "--category C --areas A,B --start YYYY-MM [--claimed -44%] [--json]\n\nflags:\n"
            << FlagHelp(kClaimFlags);
  return kExitUsage;
}

std::vector<std::string> SplitCommas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string part;
  while (std::getline(in, part, ','))
    if (!part.empty()) out.push_back(part);
  return out;
}

int Claim(const std::vector<std::string>& argv) {
  Result<Args> args = Args::Parse(argv, kClaimFlags);
  if (!args.ok()) return Usage(args.status().message());
  for (const char* required : {"incidents", "category", "areas", "start"})
    if (!args->Get(required)) return Usage(fmt::format("--{} is required", required));
  const std::string format = args->Get("format").value_or("slmpd");
  if (format != "slmpd" && format != "csv") return Usage("--format: slmpd or csv");
  outcomes::Claim claim;
  claim.areas = SplitCommas(*args->Get("areas"));
  if (args->Get("comparison")) claim.comparison = SplitCommas(*args->Get("comparison"));
  Result<outcomes::Month> start = outcomes::ParseMonth(*args->Get("start"));
  if (!start.ok()) return Usage("--start: " + start.status().message());
  claim.start = *start;
  if (args->Get("claimed")) {
    Result<double> claimed = outcomes::ParsePercent(*args->Get("claimed"));
    if (!claimed.ok()) return Usage("--claimed: " + claimed.status().message());
    claim.claimed_pct = *claimed;
  }
  Result<std::uint64_t> pre = args->GetCount("pre", 60, 600);
  Result<std::uint64_t> post = args->GetCount("post", 24, 600);
  if (!pre.ok()) return Usage(pre.status().message());
  if (!post.ok()) return Usage(post.status().message());
  claim.pre_months = static_cast<int>(*pre);
  claim.post_months = static_cast<int>(*post);
  const std::string month = args->Get("month").value_or("occurred");
  if (month != "occurred" && month != "coded") return Usage("--month: occurred or coded");
  claim.area_kind = args->Get("area-kind").value_or("neighborhoods");
  if (claim.area_kind == "none") claim.area_kind.clear();

  // The files, a directory's in name order.
  std::vector<std::filesystem::path> files;
  for (const std::string& item : SplitCommas(*args->Get("incidents"))) {
    std::error_code ec;
    if (std::filesystem::is_directory(item, ec)) {
      std::vector<std::filesystem::path> in_dir;
      for (const auto& entry : std::filesystem::directory_iterator(item, ec))
        if (entry.path().extension() == ".csv") in_dir.push_back(entry.path());
      std::sort(in_dir.begin(), in_dir.end());
      files.insert(files.end(), in_dir.begin(), in_dir.end());
    } else {
      files.emplace_back(item);
    }
  }
  if (files.empty()) return Usage("--incidents names no file");
  std::vector<outcomes::Incident> incidents;
  std::size_t lines = 0, errors = 0;
  for (const std::filesystem::path& path : files) {
    Result<std::string> text = files::ReadFile(path.string());
    if (!text.ok()) {
      std::cerr << fmt::format("interdict evaluate claim: {}: {}\n", path.string(),
                               text.status().message());
      return kExitFailure;
    }
    const outcomes::ReadOptions options{.category = *args->Get("category")};
    Result<outcomes::ReadReport> report = format == "slmpd"
                                              ? outcomes::ReadSlmpd(*text, options)
                                              : outcomes::ReadIncidentCsv(*text, options);
    if (!report.ok()) {
      std::cerr << fmt::format("interdict evaluate claim: {}: {}\n", path.string(),
                               report.status().message());
      return kExitFailure;
    }
    lines += report->lines;
    for (const outcomes::LineError& e : report->errors) {
      if (errors < 20)
        std::cerr << fmt::format("{}:{}: {}{}{}\n", path.string(), e.line, e.field,
                                 e.field.empty() ? "" : ": ", e.message);
      ++errors;
    }
    incidents.insert(incidents.end(), std::make_move_iterator(report->incidents.begin()),
                     std::make_move_iterator(report->incidents.end()));
  }
  if (errors > 0)
    std::cerr << fmt::format("interdict evaluate claim: {} of {} lines could not be read{}\n",
                             errors, lines, errors > 20 ? " (the first 20 are shown)" : "");
  const outcomes::Panel panel = outcomes::MonthlyPanel(
      incidents, *args->Get("category"),
      month == "coded" ? outcomes::MonthOf::kCoded : outcomes::MonthOf::kOccurrence);
  Result<outcomes::Evaluation> e = outcomes::Evaluate(panel, claim);
  if (!e.ok()) {
    std::cerr << "interdict evaluate claim: " << e.status().message() << "\n";
    return kExitFailure;
  }
  if (args->Has("json")) {
    std::cout << json::Object("input",
                              json::Raw{json::Object("files", files.size(), "lines", lines,
                                                     "incidents", incidents.size(), "errors",
                                                     errors, "outside_months", panel.outside)},
                              "evaluation", json::Raw{outcomes::EvaluationJson(*e)})
              << "\n";
  } else {
    std::cout << fmt::format("{} files, {} lines, {} incidents, {} lines not read\n", files.size(),
                             lines, incidents.size(), errors)
              << outcomes::EvaluationText(*e);
  }
  return kExitOk;
}

}  // namespace

int EvaluateCommand(const std::vector<std::string>& argv) {
  if (argv.empty() || argv[0] != "claim") return Usage("the subcommand is claim");
  return Claim(std::vector<std::string>(argv.begin() + 1, argv.end()));
}

}  // namespace interdict::cli
