// `interdict evaluate claim`: checks a claimed change in crime against the
// incident data (docs/outcomes.md).
//   evaluate claim --incidents FILE|DIR[,…] [--format slmpd|csv] --category C
//                  --areas A,B,… --start YYYY-MM [--claimed -44%] [--json] …
// reads every file (a directory: its *.csv files), reports the lines it could
// not read, and prints the evaluation: text, or the answer's JSON.
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>

#include <fmt/core.h>

#include "base/files.h"
#include "base/json_writer.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "geo/areas.h"
#include "outcomes/evaluate.h"
#include "outcomes/incidents.h"
#include "outcomes/placebo_study.h"
#include "outcomes/report.h"
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
    {"place", true,
     "where an incident counts: the data's own area (default), district (SLMPD's), or position "
     "(its coordinates in --area-kind's areas or --polygons)"},
    {"polygons", true, "a GeoJSON FeatureCollection of the areas (with --place position)"},
    {"polygon-id", true, "the feature property that is an area's id (default id)"},
    {"json", false, "print the answer as JSON (docs/format/outcomes.md)"},
    {"report", true, "also write the printable report (HTML with its charts) to this file"},
    {"charts", true, "also write the charts as SVG files into this directory"},
};

int Usage(std::string_view msg) {
  return UsageError("evaluate claim", msg, kClaimFlags,
                    "interdict evaluate claim --incidents FILE|DIR [--format slmpd|csv] "
                    "--category C --areas A,B --start YYYY-MM [--claimed -44%] [--json]");
}

std::vector<std::string> SplitCommas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string part;
  while (std::getline(in, part, ','))
    if (!part.empty()) out.push_back(part);
  return out;
}

struct Incidents {
  std::vector<outcomes::Incident> incidents;
  std::size_t files = 0, lines = 0, errors = 0;
  std::size_t unplaced = 0;                       // incidents no area holds
  std::shared_ptr<const geo::AreaKind> polygons;  // --polygons
  bool districts = false;                         // --place district
};

// Reads --incidents in --format, keeping `category` ("" all); the lines not
// read are named on stderr (the first 20) and counted.
Result<Incidents> ReadIncidents(const Args& args, const std::string& category) {
  const std::string format = args.Get("format").value_or("slmpd");
  if (format != "slmpd" && format != "csv")
    return Status::InvalidArgument("--format: slmpd or csv");
  std::vector<std::filesystem::path> paths;
  for (const std::string& item : SplitCommas(args.Get("incidents").value_or(""))) {
    std::error_code ec;
    if (std::filesystem::is_directory(item, ec)) {
      std::vector<std::filesystem::path> in_dir;
      for (const auto& entry : std::filesystem::directory_iterator(item, ec))
        if (entry.path().extension() == ".csv") in_dir.push_back(entry.path());
      std::sort(in_dir.begin(), in_dir.end());
      paths.insert(paths.end(), in_dir.begin(), in_dir.end());
    } else {
      paths.emplace_back(item);
    }
  }
  if (paths.empty()) return Status::InvalidArgument("--incidents names no file");
  Incidents out;
  out.files = paths.size();
  const std::string place = args.Get("place").value_or("given");
  if (place != "given" && place != "district" && place != "position")
    return Status::InvalidArgument("--place: given, district or position");
  if (place == "district" && format != "slmpd")
    return Status::InvalidArgument("--place district: SLMPD's files only");
  if (args.Get("polygons")) {
    if (place != "position") return Status::InvalidArgument("--polygons needs --place position");
    Result<std::string> text = files::ReadFile(*args.Get("polygons"));
    if (!text.ok()) return text.status();
    Result<geo::AreaKind> kind =
        geo::AreasFromGeoJson(*text, args.Get("polygon-id").value_or("id"));
    if (!kind.ok())
      return Status::InvalidArgument(*args.Get("polygons") + ": " + kind.status().message());
    out.polygons = std::make_shared<const geo::AreaKind>(std::move(*kind));
  }
  const geo::AreaKind* positions = out.polygons.get();
  if (place == "position" && positions == nullptr) {
    positions = geo::Areas(args.Get("area-kind").value_or("neighborhoods"));
    if (positions == nullptr)
      return Status::InvalidArgument(
          "--place position: --area-kind neighborhoods, counties or "
          "zcta, or --polygons FILE");
  }
  out.districts = place == "district";
  const outcomes::ReadOptions options{.coordinates = place == "position", .category = category};
  for (const std::filesystem::path& path : paths) {
    Result<std::string> text = files::ReadFile(path.string());
    if (!text.ok()) return Status::InvalidArgument(path.string() + ": " + text.status().message());
    Result<outcomes::ReadReport> report = format == "slmpd"
                                              ? outcomes::ReadSlmpd(*text, options)
                                              : outcomes::ReadIncidentCsv(*text, options);
    if (!report.ok())
      return Status::InvalidArgument(path.string() + ": " + report.status().message());
    out.lines += report->lines;
    for (const outcomes::LineError& e : report->errors) {
      if (out.errors < 20)
        std::cerr << fmt::format("{}:{}: {}{}{}\n", path.string(), e.line, e.field,
                                 e.field.empty() ? "" : ": ", e.message);
      ++out.errors;
    }
    out.incidents.insert(out.incidents.end(), std::make_move_iterator(report->incidents.begin()),
                         std::make_move_iterator(report->incidents.end()));
  }
  if (place != "given")
    out.unplaced = outcomes::PlaceIncidents(
        out.incidents,
        place == "district" ? outcomes::Placement::kDistrict : outcomes::Placement::kPosition,
        positions);
  if (out.unplaced > 0)
    std::cerr << fmt::format("interdict evaluate: {} incidents are in no area and left out\n",
                             out.unplaced);
  if (out.errors > 0)
    std::cerr << fmt::format("interdict evaluate: {} of {} lines could not be read{}\n", out.errors,
                             out.lines, out.errors > 20 ? " (the first 20 are shown)" : "");
  return out;
}

int Claim(const std::vector<std::string>& argv) {
  Result<Args> args = Args::Parse(argv, kClaimFlags);
  if (!args.ok()) return Usage(args.status().message());
  for (const char* required : {"incidents", "category", "areas", "start"})
    if (!args->Get(required)) return Usage(fmt::format("--{} is required", required));
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

  Result<Incidents> in = ReadIncidents(*args, *args->Get("category"));
  if (!in.ok()) {
    std::cerr << "interdict evaluate claim: " << in.status().message() << "\n";
    return kExitFailure;
  }
  const std::vector<outcomes::Incident>& incidents = in->incidents;
  claim.polygons = in->polygons;
  if (in->districts) claim.area_kind.clear();  // district numbers have no outlines here
  const outcomes::Panel panel = outcomes::MonthlyPanel(
      incidents, *args->Get("category"),
      month == "coded" ? outcomes::MonthOf::kCoded : outcomes::MonthOf::kOccurrence);
  Result<outcomes::Evaluation> e = outcomes::Evaluate(panel, claim);
  if (!e.ok()) {
    std::cerr << "interdict evaluate claim: " << e.status().message() << "\n";
    return kExitFailure;
  }
  if (args->Get("report")) {
    Result<std::string> html = outcomes::ReportHtml(
        outcomes::EvaluationJson(*e),
        {.title = fmt::format("Did it work? {} in {}", e->category, *args->Get("areas")),
         .dataset = fmt::format("{} incident file(s)", in->files),
         .made = "Made with interdict evaluate claim.",
         .published = ""});
    if (!html.ok()) {
      std::cerr << "interdict evaluate claim: " << html.status().message() << "\n";
      return kExitFailure;
    }
    if (Status s = files::WriteFileAtomically(*args->Get("report"), *html, 0644); !s.ok()) {
      std::cerr << "interdict evaluate claim: " << s.message() << "\n";
      return kExitFailure;
    }
  }
  if (args->Get("charts")) {
    const std::string answer = outcomes::EvaluationJson(*e);
    std::error_code ec;
    std::filesystem::create_directories(*args->Get("charts"), ec);
    for (const char* chart : {"series", "event_study", "placebos"}) {
      Result<std::string> svg = outcomes::ReportChartSvg(answer, chart);
      if (!svg.ok()) continue;  // a chart the answer has no data for
      const std::string path = *args->Get("charts") + "/" + chart + ".svg";
      if (Status s = files::WriteFileAtomically(path, *svg, 0644); !s.ok()) {
        std::cerr << "interdict evaluate claim: " << s.message() << "\n";
        return kExitFailure;
      }
    }
  }
  if (args->Has("json")) {
    std::cout << outcomes::EvaluationJson(*e, [&](json::Writer& w) {
      json::Key(w, "input");
      w.StartObject();
      json::Members(w, "files", in->files, "lines", in->lines, "incidents", incidents.size(),
                    "errors", in->errors, "outside_months", panel.outside, "unplaced",
                    in->unplaced);
      w.EndObject();
    }) << "\n";
  } else {
    std::cout << fmt::format("{} files, {} lines, {} incidents of the category, {} not read\n",
                             in->files, in->lines, incidents.size(), in->errors)
              << outcomes::EvaluationText(*e);
  }
  return kExitOk;
}

const std::vector<FlagSpec> kCountsFlags = {
    {"incidents", true, "incident files: a file, a directory of *.csv files, or several"},
    {"format", true, "slmpd (default) or csv"},
    {"categories", true, "the categories to keep, joined by commas (default: all)"},
    {"area-kind", true, "with --place position: neighborhoods (default), counties or zcta"},
    {"place", true,
     "where an incident counts: the data's own area (default), district (SLMPD's), or position "
     "(its coordinates in --area-kind's areas or --polygons)"},
    {"polygons", true, "a GeoJSON FeatureCollection of the areas (with --place position)"},
    {"polygon-id", true, "the feature property that is an area's id (default id)"},
    {"month", true, "occurred (default) or coded"},
    {"out", true, "the file to write ('-' for stdout, the default)"},
};

// `evaluate counts`: incident files to monthly counts per category and area
// (the generic CSV with a count column), which is all an evaluation needs.
int Counts(const std::vector<std::string>& argv) {
  auto usage = [](std::string_view msg) {
    return UsageError("evaluate counts", msg, kCountsFlags,
                      "interdict evaluate counts --incidents FILE|DIR [--format slmpd|csv] "
                      "[--categories A,B] [--out FILE]");
  };
  Result<Args> args = Args::Parse(argv, kCountsFlags);
  if (!args.ok()) return usage(args.status().message());
  if (!args->Get("incidents")) return usage("--incidents is required");
  const std::string month = args->Get("month").value_or("occurred");
  if (month != "occurred" && month != "coded") return usage("--month: occurred or coded");
  Result<Incidents> in = ReadIncidents(*args, "");
  if (!in.ok()) {
    std::cerr << "interdict evaluate counts: " << in.status().message() << "\n";
    return kExitFailure;
  }
  const std::vector<std::string> categories = SplitCommas(args->Get("categories").value_or(""));
  const std::string csv = outcomes::CountsCsv(
      in->incidents, categories,
      month == "coded" ? outcomes::MonthOf::kCoded : outcomes::MonthOf::kOccurrence);
  const std::string out = args->Get("out").value_or("-");
  if (out == "-") {
    std::cout << csv;
  } else if (Status s = files::WriteFileAtomically(out, csv, 0644); !s.ok()) {
    std::cerr << "interdict evaluate counts: " << s.message() << "\n";
    return kExitFailure;
  }
  std::cerr << fmt::format("{} files, {} lines, {} incidents, {} lines not read\n", in->files,
                           in->lines, in->incidents.size(), in->errors);
  return kExitOk;
}

const std::vector<FlagSpec> kPlaceboFlags = {
    {"incidents", true, "incident files: a file, a directory of *.csv files, or several"},
    {"format", true, "slmpd (default) or csv"},
    {"category", true, "the offense category (required)"},
    {"runs", true, "placebo programs to evaluate (default 200)"},
    {"seed", true, "random seed: the same seed, the same programs (default 1)"},
    {"drop", true, "the naive drop that would make a claim, in % (default -40)"},
    {"area-kind", true, "neighborhoods (default), counties, zcta or none"},
    {"place", true,
     "where an incident counts: the data's own area (default), district (SLMPD's), or position "
     "(its coordinates in --area-kind's areas or --polygons)"},
    {"polygons", true, "a GeoJSON FeatureCollection of the areas (with --place position)"},
    {"polygon-id", true, "the feature property that is an area's id (default id)"},
};

volatile std::sig_atomic_t g_stop = 0;
void OnSignal(int) {
  g_stop = 1;
}

// `evaluate placebos`: programs that never happened at random areas and
// months, each evaluated; progress on stderr, the summary as JSON on stdout
// (Ctrl-C stops early and still prints it).
int Placebos(const std::vector<std::string>& argv) {
  auto usage = [](std::string_view msg) {
    return UsageError("evaluate placebos", msg, kPlaceboFlags,
                      "interdict evaluate placebos --incidents FILE|DIR [--format slmpd|csv] "
                      "--category C [--runs N] [--seed S] [--drop -40]");
  };
  Result<Args> args = Args::Parse(argv, kPlaceboFlags);
  if (!args.ok()) return usage(args.status().message());
  for (const char* required : {"incidents", "category"})
    if (!args->Get(required)) return usage(fmt::format("--{} is required", required));
  outcomes::PlaceboStudyOptions options;
  Result<std::uint64_t> runs = args->GetCount("runs", 200, 100'000);
  Result<std::uint64_t> seed = args->GetCount("seed", 1, UINT64_MAX);
  if (!runs.ok()) return usage(runs.status().message());
  if (!seed.ok()) return usage(seed.status().message());
  options.runs = static_cast<int>(*runs);
  options.seed = *seed;
  options.category = *args->Get("category");
  if (args->Get("drop")) {
    Result<double> drop = outcomes::ParsePercent(*args->Get("drop"));
    if (!drop.ok() || *drop >= 0) return usage("--drop: a negative percentage, such as -40");
    options.big_drop_pct = *drop;
  }
  options.area_kind = args->Get("area-kind").value_or("neighborhoods");
  if (options.area_kind == "none") options.area_kind.clear();
  Result<Incidents> in = ReadIncidents(*args, options.category);
  if (!in.ok()) {
    std::cerr << "interdict evaluate placebos: " << in.status().message() << "\n";
    return kExitFailure;
  }
  if (in->districts) options.area_kind.clear();
  const outcomes::Panel panel = outcomes::MonthlyPanel(in->incidents, options.category);
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  Result<outcomes::PlaceboStudyResult> r =
      outcomes::RunPlaceboStudy(panel, options, [](int done, int of) {
        if (done % 10 == 0 || done == of)
          std::cerr << fmt::format("\rplacebo programs: {}/{}", done, of) << std::flush;
        return g_stop == 0;
      });
  std::cerr << "\n";
  if (!r.ok()) {
    std::cerr << "interdict evaluate placebos: " << r.status().message() << "\n";
    return kExitFailure;
  }
  std::cout << outcomes::PlaceboStudyJson(*r, options) << "\n";
  return kExitOk;
}

const std::vector<FlagSpec> kBenchFlags = {
    {"incidents", true, "incident files: a file, a directory of *.csv files, or several"},
    {"format", true, "slmpd (default) or csv"},
    {"category", true, "default \"motor vehicle theft\""},
    {"areas", true, "default \"Central West End\""},
    {"start", true, "default 2016-06"},
    {"repeat", true, "runs (default 3): the median and the spread are reported"},
    {"json", false, "JSON (the only output)"},
};

}  // namespace

// `bench evaluate`: one claim evaluated from the files up, `repeat` times:
// reading the files, making the monthly panel, and the evaluation (every
// method with its placebos), in milliseconds.
int EvaluateBench(const std::vector<std::string>& argv) {
  auto usage = [](std::string_view msg) {
    return UsageError("bench evaluate", msg, kBenchFlags,
                      "interdict bench evaluate --incidents FILE|DIR [--format slmpd|csv] "
                      "[--category C] [--areas A] [--start YYYY-MM] [--repeat N] [--json]");
  };
  Result<Args> args = Args::Parse(argv, kBenchFlags);
  if (!args.ok()) return usage(args.status().message());
  if (!args->Get("incidents")) return usage("--incidents is required");
  const std::string category = args->Get("category").value_or("motor vehicle theft");
  outcomes::Claim claim;
  claim.areas = SplitCommas(args->Get("areas").value_or("Central West End"));
  Result<outcomes::Month> start = outcomes::ParseMonth(args->Get("start").value_or("2016-06"));
  if (!start.ok()) return usage("--start: " + start.status().message());
  claim.start = *start;
  Result<std::uint64_t> repeat = args->GetCount("repeat", 3, 100);
  if (!repeat.ok()) return usage(repeat.status().message());
  using Clock = std::chrono::steady_clock;
  const auto ms = [](Clock::duration d) {
    return std::round(std::chrono::duration<double, std::milli>(d).count() * 10) / 10;
  };
  std::vector<std::array<double, 4>> runs;  // read, panel, evaluate, total
  std::size_t files = 0, lines = 0, incidents = 0;
  outcomes::Panel panel;
  std::string verdict;
  for (std::uint64_t i = 0; i < *repeat; ++i) {
    const auto t0 = Clock::now();
    Result<Incidents> in = ReadIncidents(*args, category);
    if (!in.ok()) {
      std::cerr << "interdict bench evaluate: " << in.status().message() << "\n";
      return kExitFailure;
    }
    const auto t1 = Clock::now();
    panel = outcomes::MonthlyPanel(in->incidents, category);
    const auto t2 = Clock::now();
    Result<outcomes::Evaluation> e = outcomes::Evaluate(panel, claim);
    const auto t3 = Clock::now();
    if (!e.ok()) {
      std::cerr << "interdict bench evaluate: " << e.status().message() << "\n";
      return kExitFailure;
    }
    verdict = e->verdict;
    files = in->files;
    lines = in->lines;
    incidents = in->incidents.size();
    runs.push_back({ms(t1 - t0), ms(t2 - t1), ms(t3 - t2), ms(t3 - t0)});
    std::cerr << fmt::format("run {}/{}: {} ms\n", i + 1, *repeat, runs.back()[3]);
  }
  std::cout << json::Write([&](json::Writer& w) {
    w.StartObject();
    json::Members(w, "bench", "evaluate", "files", files, "lines", lines, "incidents", incidents,
                  "category", category, "areas", static_cast<std::int64_t>(panel.areas.size()),
                  "months", panel.months, "verdict", verdict, "repeat", runs.size());
    const char* names[] = {"read_ms", "panel_ms", "evaluate_ms", "total_ms"};
    for (const char* what : {"median", "min", "max"}) {
      json::Key(w, what);
      w.StartObject();
      for (std::size_t k = 0; k < 4; ++k) {
        std::vector<double> v;
        for (const auto& r : runs) v.push_back(r[k]);
        std::sort(v.begin(), v.end());
        json::Members(w, names[k],
                      std::string_view(what) == "median" ? v[v.size() / 2]
                      : std::string_view(what) == "min"  ? v.front()
                                                         : v.back());
      }
      w.EndObject();
    }
    w.EndObject();
  }) << "\n";
  return kExitOk;
}

int EvaluateCommand(const std::vector<std::string>& argv) {
  const std::vector<std::string> rest =
      argv.empty() ? argv : std::vector<std::string>(argv.begin() + 1, argv.end());
  if (!argv.empty() && argv[0] == "claim") return Claim(rest);
  if (!argv.empty() && argv[0] == "counts") return Counts(rest);
  if (!argv.empty() && argv[0] == "placebos") return Placebos(rest);
  return SubcommandUsage("evaluate",
                         "usage: interdict evaluate claim|counts|placebos … (interdict evaluate "
                         "claim --help)\n",
                         argv);
}

}  // namespace interdict::cli
