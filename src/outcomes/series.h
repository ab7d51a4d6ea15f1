// Monthly series (docs/format/outcomes.md, "Monthly series"): the counts of
// one offense category per area and month, the unit every method works on.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "geo/areas.h"
#include "outcomes/incidents.h"

namespace interdict::outcomes {

struct Panel {
  std::string category;
  Month first = 0;  // the first month
  int months = 0;
  std::vector<std::string> areas;  // ordered as numbers where they are numbers
  std::vector<double> cells;       // area-major: areas × months
  int outside = 0;                 // incidents whose month falls outside the months the data cover
  int clamped = 0;                 // area-months whose sum of counts was below zero, set to zero

  double At(int area, int month) const { return cells[Cell(area, month)]; }
  double& At(int area, int month) { return cells[Cell(area, month)]; }
  int Index(std::string_view area) const;  // −1 when absent
  // The sum of `areas`' counts in each month.
  std::vector<double> Sum(std::span<const int> areas) const;
  // An area's months.
  std::span<const double> Series(int area) const {
    return std::span<const double>(cells).subspan(Cell(area, 0), static_cast<std::size_t>(months));
  }

 private:
  std::size_t Cell(int area, int month) const {
    return static_cast<std::size_t>(area) * static_cast<std::size_t>(months) +
           static_cast<std::size_t>(month);
  }
};

enum class MonthOf { kOccurrence, kCoded };

// Where an incident counts: the area its data give (SLMPD's neighbourhood
// number, the generic CSV's area), SLMPD's police district, or the area of
// `areas` holding its position (the incidents need `at`: ReadOptions'
// coordinates). Returns how many incidents no area holds (left out).
enum class Placement { kGiven, kDistrict, kPosition };
std::size_t PlaceIncidents(std::vector<Incident>& incidents, Placement placement,
                           const geo::AreaKind* areas = nullptr);

// The panel of `category` (compared without case; "" counts every category)
// over `months` (first, last), by default from the first to the last coded
// month of `incidents`: an incident counts in its area (incidents without one
// are left out) and in the month it occurred or was coded. SLMPD's −1
// records subtract in the same way.
Panel MonthlyPanel(std::span<const Incident> incidents, std::string_view category,
                   MonthOf month_of = MonthOf::kOccurrence,
                   std::optional<std::pair<Month, Month>> months = std::nullopt);

// The monthly counts of `incidents` as the generic incident CSV with a count
// column (docs/format/outcomes.md): "date,offense,area,count", one line per
// category, area and month with a count other than zero, within the coded
// months the data cover. What a server keeps of an incident file: no
// addresses, no complaint numbers. `categories` empty keeps them all.
std::string CountsCsv(std::span<const Incident> incidents,
                      std::span<const std::string> categories = {},
                      MonthOf month_of = MonthOf::kOccurrence);

}  // namespace interdict::outcomes
