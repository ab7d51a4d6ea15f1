#include "outcomes/incidents.h"

#include <fmt/core.h>
#include <proj.h>

#include <charconv>
#include <map>
#include <memory>

#include "base/delimited.h"

namespace interdict::outcomes {

extern const char kSlmpdCategoriesCsv[];

namespace {

// Prefix → category, from the table compiled in.
const std::map<std::string, std::string, std::less<>>& Categories() {
  static const auto table = [] {
    std::map<std::string, std::string, std::less<>> t;
    LineCursor lines(kSlmpdCategoriesCsv);
    std::string_view line;
    while (lines.Next(&line)) {
      line = TrimBlanks(line);
      if (line.empty() || line.front() == '#') continue;
      const std::size_t comma = line.find(',');
      if (comma == std::string_view::npos) continue;
      t.emplace(std::string(line.substr(0, comma)), std::string(line.substr(comma + 1)));
    }
    return t;
  }();
  return table;
}

template <typename T>
bool Number(std::string_view s, T* out) {
  s = TrimBlanks(s);
  if (s.empty()) return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

// A PROJ transformation per thread: contexts are not shared between threads.
struct Projection {
  PJ_CONTEXT* ctx = nullptr;
  PJ* pj = nullptr;
  Projection() {
    ctx = proj_context_create();
    PJ* raw = proj_create_crs_to_crs(ctx, "ESRI:102696", "EPSG:4326", nullptr);
    if (raw != nullptr) {
      pj = proj_normalize_for_visualization(ctx, raw);  // lon, lat order
      proj_destroy(raw);
    }
  }
  ~Projection() {
    if (pj != nullptr) proj_destroy(pj);
    proj_context_destroy(ctx);
  }
  Projection(const Projection&) = delete;
  Projection& operator=(const Projection&) = delete;
};

constexpr std::string_view kColumns[] = {
    "Complaint",          "CodedMonth",   "DateOccur",   "FlagCrime", "FlagUnfounded",
    "FlagAdministrative", "Count",        "FlagCleanup", "Crime",     "District",
    "Description",        "Neighborhood", "XCoord",      "YCoord"};

}  // namespace

Result<Month> ParseMonth(std::string_view s) {
  int year = 0, month = 0;
  if (s.size() != 7 || s[4] != '-' || !Number(s.substr(0, 4), &year) ||
      !Number(s.substr(5, 2), &month) || month < 1 || month > 12 || year < 1900 || year > 2200)
    return Status::InvalidArgument(fmt::format("not a month YYYY-MM: \"{}\"", s));
  return year * 12 + (month - 1);
}

std::string FormatMonth(Month m) {
  return fmt::format("{:04}-{:02}", m / 12, m % 12 + 1);
}

std::string SlmpdCategory(std::string_view crime) {
  std::string code(TrimBlanks(crime));
  if (code.size() == 5) code.insert(0, "0");  // the leading zero a spreadsheet dropped
  const auto& table = Categories();
  for (std::size_t n = std::min<std::size_t>(code.size(), 3); n >= 2; --n)
    if (auto it = table.find(code.substr(0, n)); it != table.end()) return it->second;
  return "";
}

Result<geo::Point> StatePlaneToWgs84(double x_ft, double y_ft) {
  thread_local Projection p;
  if (p.pj == nullptr)
    return Status::FailedPrecondition(
        "PROJ has no transformation from ESRI:102696 to EPSG:4326 (is proj-data installed?)");
  PJ_COORD c = proj_coord(x_ft, y_ft, 0, 0);
  c = proj_trans(p.pj, PJ_FWD, c);
  if (!(c.lp.lam >= -180 && c.lp.lam <= 180 && c.lp.phi >= -90 && c.lp.phi <= 90))
    return Status::InvalidArgument(
        fmt::format("coordinates {} {} are outside the zone", x_ft, y_ft));
  return geo::Point::FromDegrees(c.lp.phi, c.lp.lam);
}

Result<ReadReport> ReadSlmpd(std::string_view text) {
  ReadReport report;
  LineCursor lines(text);
  std::string_view line;
  std::vector<std::string> fields;
  std::string error;
  if (!lines.Next(&line)) return Status::InvalidArgument("an empty file: no header line");
  if (!SplitDelimited(line, ',', &fields, &error))
    return Status::InvalidArgument("line 1 (the header): " + error);
  std::map<std::string_view, std::size_t> at;
  for (std::size_t i = 0; i < fields.size(); ++i)
    for (std::string_view c : kColumns)
      if (TrimBlanks(fields[i]) == c) at[c] = i;
  std::string missing;
  for (std::string_view c : kColumns)
    if (!at.count(c)) missing += (missing.empty() ? "" : ", ") + std::string(c);
  if (!missing.empty())
    return Status::InvalidArgument("line 1 (the header): not SLMPD's monthly format, missing " +
                                   missing);
  while (lines.Next(&line)) {
    const std::size_t n = lines.line_number();
    if (TrimBlanks(line).empty()) continue;
    ++report.lines;
    auto bad = [&](std::string_view field, std::string message) {
      report.errors.push_back({n, std::string(field), std::move(message)});
    };
    if (!SplitDelimited(line, ',', &fields, &error)) {
      bad("", error);
      continue;
    }
    const auto get = [&](std::string_view c) -> std::string_view {
      const std::size_t i = at[c];
      return i < fields.size() ? TrimBlanks(fields[i]) : std::string_view();
    };
    Incident in;
    Result<Month> coded = ParseMonth(get("CodedMonth"));
    if (!coded.ok()) {
      bad("CodedMonth", coded.status().message());
      continue;
    }
    in.coded = *coded;
    // DateOccur: MM/DD/YYYY HH:MM.
    const std::string_view occur = get("DateOccur");
    int month = 0, year = 0;
    if (occur.size() < 10 || occur[2] != '/' || occur[5] != '/' ||
        !Number(occur.substr(0, 2), &month) || !Number(occur.substr(6, 4), &year) || month < 1 ||
        month > 12) {
      bad("DateOccur", fmt::format("not a date MM/DD/YYYY: \"{}\"", occur));
      continue;
    }
    in.occurred = year * 12 + (month - 1);
    in.crime = std::string(get("Crime"));
    if (in.crime.size() == 5) in.crime.insert(0, "0");
    in.category = SlmpdCategory(in.crime);
    if (in.crime.size() != 6 || in.category.empty()) {
      bad("Crime", fmt::format("not an SLMPD crime code: \"{}\"", get("Crime")));
      continue;
    }
    if (!Number(get("Count"), &in.count) || (in.count != 1 && in.count != -1)) {
      bad("Count", fmt::format("not 1 or -1: \"{}\"", get("Count")));
      continue;
    }
    if (!get("Neighborhood").empty() && (!Number(get("Neighborhood"), &in.neighborhood) ||
                                         in.neighborhood < 0 || in.neighborhood > 88)) {
      bad("Neighborhood", fmt::format("not 0-88: \"{}\"", get("Neighborhood")));
      continue;
    }
    if (!get("District").empty() &&
        (!Number(get("District"), &in.district) || in.district < 0 || in.district > 9)) {
      bad("District", fmt::format("not 0-9: \"{}\"", get("District")));
      continue;
    }
    in.cleanup = get("FlagCleanup") == "Y";
    double x = 0, y = 0;
    if (!Number(get("XCoord"), &x) || !Number(get("YCoord"), &y)) {
      bad("XCoord", fmt::format("not numbers: \"{}\", \"{}\"", get("XCoord"), get("YCoord")));
      continue;
    }
    if (x != 0 && y != 0) {
      Result<geo::Point> p = StatePlaneToWgs84(x, y);
      if (!p.ok()) {
        bad("XCoord", p.status().message());
        continue;
      }
      in.at = *p;
    }
    report.incidents.push_back(std::move(in));
  }
  return report;
}

}  // namespace interdict::outcomes
