#include "outcomes/incidents.h"

#include <fmt/core.h>
#include <proj.h>

#include <cctype>
#include <charconv>
#include <map>
#include <memory>
#include <optional>

#include "base/delimited.h"

namespace interdict::outcomes {

extern const char kSlmpdCategoriesCsv[];
extern const char kOffenseCategoriesCsv[];

namespace {

// Prefix → category (SLMPD's codes) and offense text → category (the
// generic CSV), from the tables compiled in.
std::map<std::string, std::string, std::less<>> KeyedTable(const char* text) {
  std::map<std::string, std::string, std::less<>> t;
  for (const auto& row : TableRows(text))
    if (row.size() == 2) t.emplace(AsciiLower(row[0]), row[1]);
  return t;
}
const std::map<std::string, std::string, std::less<>>& Categories() {
  static const auto table = KeyedTable(kSlmpdCategoriesCsv);
  return table;
}
const std::map<std::string, std::string, std::less<>>& Offenses() {
  static const auto table = KeyedTable(kOffenseCategoriesCsv);
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

// SLMPD's columns under the names of its three header styles (2008–2013:
// MonthReportedtoMSHP…; 2013 on: CodedMonth…; May 2017: "Coded Month",
// "X-Coord"…), compared without case, spaces or hyphens. Complaint and
// FlagCleanup are not in the oldest files.
struct Column {
  std::string_view name;
  std::string_view alias;
  bool required;
};
constexpr Column kColumns[] = {{"Complaint", "", false},
                               {"CodedMonth", "MonthReportedtoMSHP", true},
                               {"DateOccur", "DateOccured", true},
                               {"Count", "", true},
                               {"FlagCleanup", "", false},
                               {"Crime", "", true},
                               {"District", "", true},
                               {"Neighborhood", "", true},
                               {"XCoord", "", true},
                               {"YCoord", "", true}};

std::string HeaderKey(std::string_view name) {
  std::string key;
  for (char c : name)
    if (std::isalnum(static_cast<unsigned char>(c)))
      key += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return key;
}

// M/D/YYYY with an optional time after it: the month.
std::optional<Month> OccurrenceMonth(std::string_view s) {
  const std::size_t a = s.find('/');
  const std::size_t b = a == std::string_view::npos ? a : s.find('/', a + 1);
  if (b == std::string_view::npos) return std::nullopt;
  int month = 0, day = 0, year = 0;
  std::string_view y = s.substr(b + 1, 4);
  if (!Number(s.substr(0, a), &month) || !Number(s.substr(a + 1, b - a - 1), &day) ||
      y.size() != 4 || !Number(y, &year) || month < 1 || month > 12 || day < 1 || day > 31 ||
      year < 1900)
    return std::nullopt;
  return year * 12 + (month - 1);
}

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

std::string_view SlmpdCategory(std::string_view crime) {
  crime = TrimBlanks(crime);
  char code[6] = {'0', '0', '0', '0', '0', '0'};
  if (crime.size() != 5 && crime.size() != 6) return "";
  std::copy(crime.begin(), crime.end(), code + 6 - crime.size());  // a lost leading zero back
  const auto& table = Categories();
  for (std::size_t n = 3; n >= 2; --n)
    if (auto it = table.find(std::string_view(code, n)); it != table.end()) return it->second;
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

namespace {

// The header's columns by their key; the missing required ones named.
Result<std::map<std::string, std::size_t>> HeaderColumns(LineCursor& lines,
                                                         std::vector<std::string>& fields) {
  std::string_view line;
  std::string error;
  if (!lines.Next(&line)) return Status::InvalidArgument("an empty file: no header line");
  if (line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);  // a byte-order mark
  if (!SplitDelimited(line, ',', &fields, &error))
    return Status::InvalidArgument("line 1 (the header): " + error);
  std::map<std::string, std::size_t> at;
  for (std::size_t i = 0; i < fields.size(); ++i) at.emplace(HeaderKey(fields[i]), i);
  return at;
}

// Each data line split into `fields` and given to `read(bad)`, which
// returns the line's incident, or nothing after calling bad(field, message);
// blank lines are skipped, a line that does not split is an error of its own.
template <typename F>
void ForEachDataLine(LineCursor& lines, std::vector<std::string>& fields, ReadReport& report,
                     F&& read) {
  std::string_view line;
  std::string error;
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
    if (std::optional<Incident> in = read(bad)) report.incidents.push_back(std::move(*in));
  }
}

}  // namespace

Result<ReadReport> ReadSlmpd(std::string_view text, const ReadOptions& options) {
  ReadReport report;
  LineCursor lines(text);
  std::vector<std::string> fields;
  Result<std::map<std::string, std::size_t>> header = HeaderColumns(lines, fields);
  if (!header.ok()) return header.status();
  // Each column's field, or npos.
  constexpr std::size_t kAbsent = std::string::npos;
  std::map<std::string_view, std::size_t, std::less<>> at;
  std::string missing;
  for (const Column& c : kColumns) {
    auto it = header->find(HeaderKey(c.name));
    if (it == header->end() && !c.alias.empty()) it = header->find(HeaderKey(c.alias));
    at[c.name] = it != header->end() ? it->second : kAbsent;
    if (it == header->end() && c.required)
      missing += (missing.empty() ? "" : ", ") + std::string(c.name);
  }
  const std::size_t coded_month = at["CodedMonth"], date_occur = at["DateOccur"],
                    count = at["Count"], flag_cleanup = at["FlagCleanup"], crime = at["Crime"],
                    district = at["District"], neighborhood = at["Neighborhood"],
                    x_coord = at["XCoord"], y_coord = at["YCoord"];
  const std::string wanted = AsciiLower(options.category);
  if (!missing.empty())
    return Status::InvalidArgument("line 1 (the header): not SLMPD's monthly format, missing " +
                                   missing);
  ForEachDataLine(lines, fields, report, [&](const auto& bad) -> std::optional<Incident> {
    const auto get = [&](std::size_t i) -> std::string_view {
      return i < fields.size() ? TrimBlanks(fields[i]) : std::string_view();
    };
    Incident in;
    Result<Month> coded = ParseMonth(get(coded_month));
    if (!coded.ok()) {
      bad("CodedMonth", coded.status().message());
      return std::nullopt;
    }
    in.coded = *coded;
    const std::optional<Month> occurred = OccurrenceMonth(get(date_occur));
    if (!occurred) {
      bad("DateOccur", fmt::format("not a date M/D/YYYY: \"{}\"", get(date_occur)));
      return std::nullopt;
    }
    in.occurred = *occurred;
    const std::string_view category = SlmpdCategory(get(crime));
    if (category.empty()) {
      bad("Crime", fmt::format("not an SLMPD crime code: \"{}\"", get(crime)));
      return std::nullopt;
    }
    in.crime = std::string(get(crime));
    if (in.crime.size() == 5) in.crime.insert(0, "0");
    if (!Number(get(count), &in.count) || (in.count != 1 && in.count != -1)) {
      bad("Count", fmt::format("not 1 or -1: \"{}\"", get(count)));
      return std::nullopt;
    }
    if (!get(neighborhood).empty() && (!Number(get(neighborhood), &in.neighborhood) ||
                                       in.neighborhood < 0 || in.neighborhood > 88)) {
      bad("Neighborhood", fmt::format("not 0-88: \"{}\"", get(neighborhood)));
      return std::nullopt;
    }
    if (in.neighborhood > 0) in.area = std::to_string(in.neighborhood);
    if (!get(district).empty() &&
        (!Number(get(district), &in.district) || in.district < 0 || in.district > 9)) {
      bad("District", fmt::format("not 0-9: \"{}\"", get(district)));
      return std::nullopt;
    }
    in.cleanup = get(flag_cleanup) == "Y";
    if (!Number(get(x_coord), &in.x_ft) || !Number(get(y_coord), &in.y_ft)) {
      bad("XCoord", fmt::format("not numbers: \"{}\", \"{}\"", get(x_coord), get(y_coord)));
      return std::nullopt;
    }
    if (options.coordinates && in.x_ft != 0 && in.y_ft != 0) {
      Result<geo::Point> p = StatePlaneToWgs84(in.x_ft, in.y_ft);
      if (!p.ok()) {
        bad("XCoord", p.status().message());
        return std::nullopt;
      }
      in.at = *p;
    }
    if (!wanted.empty() && category != wanted) return std::nullopt;
    in.category = std::string(category);
    return in;
  });
  return report;
}

std::string OffenseCategory(std::string_view offense) {
  const std::string key = AsciiLower(TrimBlanks(offense));
  const auto& table = Offenses();
  const auto it = table.find(key);
  return it == table.end() ? key : it->second;
}

Result<ReadReport> ReadIncidentCsv(std::string_view text, const ReadOptions& options) {
  ReadReport report;
  LineCursor lines(text);
  std::vector<std::string> fields;
  Result<std::map<std::string, std::size_t>> header = HeaderColumns(lines, fields);
  if (!header.ok()) return header.status();
  std::string missing;
  const std::string wanted = AsciiLower(options.category);
  for (std::string_view c : {"date", "offense", "area"})
    if (!header->count(std::string(c))) missing += (missing.empty() ? "" : ", ") + std::string(c);
  if (!missing.empty())
    return Status::InvalidArgument(
        "line 1 (the header): the incident CSV needs date, offense "
        "and area columns; missing " +
        missing);
  ForEachDataLine(lines, fields, report, [&](const auto& bad) -> std::optional<Incident> {
    const auto get = [&](const char* c) -> std::string_view {
      const auto it = header->find(c);
      return it != header->end() && it->second < fields.size() ? TrimBlanks(fields[it->second])
                                                               : std::string_view();
    };
    Incident in;
    const std::string_view date = get("date");
    Result<Month> month = ParseMonth(date.substr(0, 7));
    int day = 1;
    if (!month.ok() ||
        (date.size() != 7 && (date.size() != 10 || date[7] != '-' ||
                              !Number(date.substr(8), &day) || day < 1 || day > 31))) {
      bad("date", fmt::format("not a date YYYY-MM-DD or YYYY-MM: \"{}\"", date));
      return std::nullopt;
    }
    in.occurred = in.coded = *month;
    in.crime = std::string(get("offense"));
    in.category = OffenseCategory(in.crime);
    if (in.category.empty()) {
      bad("offense", "empty");
      return std::nullopt;
    }
    in.area = std::string(get("area"));
    if (in.area.empty()) {
      bad("area", "empty");
      return std::nullopt;
    }
    in.count = 1;
    if (!get("count").empty() && !Number(get("count"), &in.count)) {
      bad("count", fmt::format("not a whole number: \"{}\"", get("count")));
      return std::nullopt;
    }
    double lat = 0, lon = 0;
    if (!get("lat").empty() || !get("lon").empty()) {
      if (!Number(get("lat"), &lat) || !Number(get("lon"), &lon) || lat < -90 || lat > 90 ||
          lon < -180 || lon > 180) {
        bad("lat", fmt::format("not a position: \"{}\", \"{}\"", get("lat"), get("lon")));
        return std::nullopt;
      }
      in.at = geo::Point::FromDegrees(lat, lon);
    }
    if (!wanted.empty() && in.category != wanted) return std::nullopt;
    return in;
  });
  return report;
}

}  // namespace interdict::outcomes
