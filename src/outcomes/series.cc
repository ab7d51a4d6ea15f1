#include "outcomes/series.h"

#include <algorithm>
#include <map>

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

Panel MonthlyPanel(std::span<const Incident> incidents, std::string_view category,
                   MonthOf month_of) {
  Panel panel;
  panel.category = AsciiLower(category);
  if (incidents.empty()) return panel;
  Month first = incidents.front().coded, last = first;
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

}  // namespace interdict::outcomes
