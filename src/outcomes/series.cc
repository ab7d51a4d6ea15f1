#include "outcomes/series.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "base/delimited.h"

namespace interdict::outcomes {

namespace {

// "2" before "10"; names after numbers, in order.
bool AreaBefore(const std::string& a, const std::string& b) {
  auto numeric = [](const std::string& s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  const bool na = numeric(a), nb = numeric(b);
  if (na != nb) return na;
  if (na && a.size() != b.size()) return a.size() < b.size();
  return a < b;
}

// A field as RFC 4180 writes it: quoted when it holds a comma or a quote.
std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace

int Panel::Index(std::string_view area) const {
  for (std::size_t i = 0; i < areas.size(); ++i)
    if (areas[i] == area) return static_cast<int>(i);
  return -1;
}

std::vector<double> Panel::Sum(std::span<const int> which) const {
  std::vector<double> out(static_cast<std::size_t>(months), 0.0);
  for (int a : which) {
    const std::span<const double> s = Series(a);
    for (std::size_t t = 0; t < out.size(); ++t) out[t] += s[t];
  }
  return out;
}

Panel MonthlyPanel(std::span<const Incident> incidents, std::string_view category, MonthOf month_of,
                   std::optional<std::pair<Month, Month>> months) {
  Panel panel;
  panel.category = AsciiLower(category);
  if (incidents.empty() && !months) return panel;
  Month first = months ? months->first : incidents.front().coded;
  Month last = months ? months->second : first;
  if (!months)
    for (const Incident& in : incidents) {
      first = std::min(first, in.coded);
      last = std::max(last, in.coded);
    }
  panel.first = first;
  panel.months = last - first + 1;
  std::map<std::string, std::vector<double>, decltype(&AreaBefore)> by_area(&AreaBefore);
  for (const Incident& in : incidents) {
    if (in.area.empty() || (!panel.category.empty() && AsciiLower(in.category) != panel.category))
      continue;
    const Month m = month_of == MonthOf::kCoded ? in.coded : in.occurred;
    if (m < first || m > last) {
      ++panel.outside;
      continue;
    }
    std::vector<double>& series = by_area[in.area];
    if (series.empty()) series.assign(static_cast<std::size_t>(panel.months), 0.0);
    series[static_cast<std::size_t>(m - first)] += in.count;
  }
  for (auto& [area, series] : by_area) {
    for (double& c : series)
      if (c < 0) {
        c = 0;
        ++panel.clamped;
      }
    panel.areas.push_back(area);
    panel.cells.insert(panel.cells.end(), series.begin(), series.end());
  }
  return panel;
}

std::size_t PlaceIncidents(std::vector<Incident>& incidents, Placement placement,
                           const geo::AreaKind* areas) {
  std::size_t unplaced = 0;
  for (Incident& in : incidents) {
    if (placement == Placement::kDistrict) {
      in.area = in.district > 0 ? std::to_string(in.district) : "";
    } else if (placement == Placement::kPosition) {
      in.area.clear();
      if (in.at && areas != nullptr)
        for (const geo::Area& a : areas->areas)
          if (a.Contains(*in.at)) {
            in.area = a.id;
            break;
          }
    }
    if (in.area.empty()) ++unplaced;
  }
  return unplaced;
}

std::string CountsCsv(std::span<const Incident> incidents, std::span<const std::string> categories,
                      MonthOf month_of) {
  std::string out = "date,offense,area,count\n";
  if (incidents.empty()) return out;
  Month first = incidents.front().coded, last = first;
  for (const Incident& in : incidents) {
    first = std::min(first, in.coded);
    last = std::max(last, in.coded);
  }
  std::vector<std::string> wanted;
  for (const std::string& c : categories) wanted.push_back(AsciiLower(c));
  std::map<std::tuple<std::string, std::string, Month>, long> cells;
  for (const Incident& in : incidents) {
    const Month m = month_of == MonthOf::kCoded ? in.coded : in.occurred;
    if (in.area.empty() || m < first || m > last) continue;
    if (!wanted.empty() &&
        std::find(wanted.begin(), wanted.end(), AsciiLower(in.category)) == wanted.end())
      continue;
    cells[{in.category, in.area, m}] += in.count;
  }
  for (const auto& [key, count] : cells) {
    if (count == 0) continue;
    const auto& [category, area, month] = key;
    out += FormatMonth(month) + "," + CsvField(category) + "," + CsvField(area) + "," +
           std::to_string(count) + "\n";
  }
  return out;
}

}  // namespace interdict::outcomes
