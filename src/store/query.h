// Queries the store answers. The store filters by what it is told (agencies,
// cameras, time); who may see what is decided above it, by the policy layer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "geo/geo.h"
#include "plate/jurisdiction.h"
#include "plate/plate.h"
#include "read/read.h"

namespace interdict::store {

// A partial plate: '?' is exactly one character, '*' any run (also empty);
// other characters are A-Z, 0-9. "7?K3*", "*K3J*".
class PlatePattern {
 public:
  static Result<PlatePattern> Parse(std::string_view text);
  bool Matches(std::string_view plate) const;
  // Matches a plate in its packed form (plate::Plate::Pack) without unpacking
  // it, for scanning plate dictionaries.
  bool MatchesPacked(std::uint64_t packed) const;
  // Appends to `out` the index of every entry of a sorted packed-plate
  // dictionary that matches. Vectorized for the "*LITERAL*" form.
  void MatchDictionary(const std::uint64_t* dict, std::size_t n,
                       std::vector<std::uint32_t>* out) const;
  const std::string& text() const { return text_; }
  // The literal characters before the first wildcard ("7" for "7?K3*").
  std::string_view prefix() const;

 private:
  std::string text_;
  // For "*LITERAL*" (the common witness substring), the literal's 6-bit codes.
  bool substring_only_ = false;
  std::uint64_t lit_code_ = 0;
  std::size_t lit_len_ = 0;
};

// A circle or a polygon on the map. The store does not know where cameras
// stand (the catalog does), so the caller names the fixed cameras inside the
// area and the mobile cameras that may have been; reads of mobile cameras
// count when their own position is inside.
struct Area {
  geo::Point center;
  double radius_m = 0;
  std::vector<std::string> cameras;         // fixed cameras standing in the circle
  std::vector<std::string> mobile_cameras;  // cameras whose reads carry their own position
  // When not empty, the area is this polygon (center and radius only bound it).
  geo::Ring polygon;
};

// Where a page of results ended: the last read returned. Results are ordered
// by time (newest first), then agency, camera and id.
struct ReadCursor {
  std::int64_t time = 0;
  std::string agency, camera, id;
};

struct ReadQuery {
  // Agencies whose reads may be returned. Empty: nothing is returned.
  std::vector<std::string> agencies;
  std::int64_t from = std::numeric_limits<std::int64_t>::min();  // capture time, inclusive
  std::int64_t to = std::numeric_limits<std::int64_t>::max();    // exclusive
  // At most one of plate, pattern, area; none: every read in the window.
  std::optional<plate::Plate> plate;
  std::optional<PlatePattern> pattern;
  std::optional<Area> area;
  std::vector<std::string> cameras;  // when not empty, only these cameras
  std::optional<plate::Jurisdiction> state;
  std::size_t limit = 1000;  // results are newest first; `truncated` says whether more matched
  std::optional<ReadCursor> after;  // continue after this read (the `next` of the previous page)
  // Reads the caller may never see (address-confidentiality plates): skipped
  // as if they were not there.
  std::function<bool(const read::Read&)> exclude;
};

struct QueryResult {
  std::vector<read::Read> reads;  // newest first
  bool truncated = false;
  std::optional<ReadCursor> next;  // set when truncated: pass as `after` for the next page
  std::uint64_t segments_searched = 0;
};

}  // namespace interdict::store
