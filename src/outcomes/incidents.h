// Incident data in (docs/format/outcomes.md, "Incident data in"): SLMPD's
// monthly crime CSV read field by field, each record placed in a month, an
// offense category and an area, and every line that cannot be read named
// with its field — never dropped silently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "geo/geo.h"

namespace interdict::outcomes {

// A month as year * 12 + (month - 1): consecutive months are consecutive numbers.
using Month = int;
Result<Month> ParseMonth(std::string_view yyyy_mm);
std::string FormatMonth(Month m);

struct Incident {
  Month occurred = 0;            // DateOccur's month
  Month coded = 0;               // CodedMonth: the month SLMPD reported it
  std::string crime;             // six digits
  std::string category;          // data/outcomes/slmpd-categories.csv
  int count = 0;                 // +1 a crime; -1 unfounded or reclassified away (SLMPD's FAQ)
  std::string area;              // SLMPD: the neighbourhood's number; "" unknown
  int neighborhood = 0;          // 1-79; 80-88 parks and public areas; 0 unknown
  int district = 0;              // 1-9; 0 unknown
  double x_ft = 0, y_ft = 0;     // SLMPD's State Plane; 0, 0 when unverified
  std::optional<geo::Point> at;  // WGS84, when asked for (ReadOptions)
  bool cleanup = false;          // FlagCleanup
};

struct LineError {
  std::size_t line = 0;  // 1 is the header
  std::string field, message;
};

struct ReadReport {
  std::vector<Incident> incidents;
  std::vector<LineError> errors;
  std::size_t lines = 0;  // data lines read
};

// The category of an SLMPD crime code (five or six digits; a lost leading
// zero is put back): the longest prefix of the table that matches, or "" when
// none does.
std::string_view SlmpdCategory(std::string_view crime);

// Missouri State Plane East (US feet, NAD83; ESRI:102696) to WGS84, by PROJ.
Result<geo::Point> StatePlaneToWgs84(double x_ft, double y_ft);

struct ReadOptions {
  // Convert SLMPD's State Plane coordinates to WGS84 (`at`), for placing
  // incidents in polygons; not needed for neighbourhood or district areas.
  bool coordinates = false;
  // Keep only incidents of this category (compared without case); "" keeps
  // every one. Lines are checked all the same.
  std::string category;
};

// Reads one SLMPD monthly file, in any of its three header styles (2008–2013,
// 2013 on, May 2017). InvalidArgument only when the header is not SLMPD's
// (naming the missing columns); bad lines go to the report's errors.
Result<ReadReport> ReadSlmpd(std::string_view text, const ReadOptions& options = {});

// The category of an offense as a generic CSV writes it
// (data/outcomes/offense-categories.csv, without case); an offense not in the
// table is its own category, in lower case.
std::string OffenseCategory(std::string_view offense);

// Reads the generic incident CSV (docs/format/outcomes.md): a header with at
// least date, offense and area; optional count, lat and lon. Bad lines go to
// the report's errors by line and field.
Result<ReadReport> ReadIncidentCsv(std::string_view text, const ReadOptions& options = {});

}  // namespace interdict::outcomes
