// Investigative search (docs/search.md): one request type for every question,
// checked by the policy layer before it runs, scoped to the agencies the
// requester may see, and recorded in the audit trail with its terms, purpose,
// result count and the agencies whose data it touched.
//
// Read lists: plate, partial, lookalike. Groups of plates: area, scenes,
// convoy. A plate's habits: locate, route.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/time_zone.h"
#include "catalog/database.h"
#include "geo/geo.h"
#include "identity/accounts.h"
#include "policy/confidential.h"
#include "policy/places.h"
#include "policy/purpose.h"
#include "store/query.h"
#include "store/read_store.h"

namespace interdict::match {
class Index;
}

namespace interdict::search {

enum class Format { kJson, kCsv, kGeoJson };

// An area on the map: a circle, or a polygon when `polygon` is not empty.
struct Region {
  geo::Point center;
  double radius_m = 0;
  geo::Ring polygon;
};

struct Scene {
  Region region;
  std::int64_t from = 0, to = 0;  // [from, to)
};

// Limits a request may not pass (a 400 names the parameter).
inline constexpr std::size_t kMaxScenes = 10;
inline constexpr std::size_t kMaxPolygonVertices = 1000;
inline constexpr std::size_t kMaxPageJson = 1000;
inline constexpr std::size_t kMaxPageExport = 10000;
// Reads an aggregate may gather from one store query; beyond it the request is
// refused as too wide (narrow the area or the window) rather than answered
// from a part of the data.
inline constexpr std::size_t kMaxGathered = 200000;
// A convoy ranks at most this many companions (those seen most often with the
// target), each needing a chance baseline.
inline constexpr std::size_t kMaxCompanions = 500;

// The eight search types, one descriptor each (docs/search.md): what the
// wire and the audit trail call it, whether it is a pattern analysis (its own
// permission, search.patterns, and always a supervisor's approval), and what
// its answer lists. Code branches on the enum, never on the name.
enum class SearchType { kPlate, kPartial, kLookalike, kArea, kScenes, kConvoy, kLocate, kRoute };
enum class ResultKind {
  kReads,   // sightings, newest first, paged by cursor (plate, partial, lookalike)
  kGroups,  // plates with their sightings, paged by offset (area, scenes, convoy)
  kSpots,   // cameras with hours of the week (locate)
  kLegs,    // the plate's movements in order (route)
};
struct SearchTypeInfo {
  SearchType type;
  std::string_view name;  // "plate": the request's "type", the audit event "search.plate"
  bool pattern_analysis;
  ResultKind result;
};
inline constexpr SearchTypeInfo kSearchTypes[] = {
    {SearchType::kPlate, "plate", false, ResultKind::kReads},
    {SearchType::kPartial, "partial", false, ResultKind::kReads},
    {SearchType::kLookalike, "lookalike", false, ResultKind::kReads},
    {SearchType::kArea, "area", false, ResultKind::kGroups},
    {SearchType::kScenes, "scenes", true, ResultKind::kGroups},
    {SearchType::kConvoy, "convoy", true, ResultKind::kGroups},
    {SearchType::kLocate, "locate", true, ResultKind::kSpots},
    {SearchType::kRoute, "route", true, ResultKind::kLegs},
};
constexpr bool SearchTypesInOrder() {
  for (std::size_t i = 0; i < std::size(kSearchTypes); ++i) {
    if (static_cast<std::size_t>(kSearchTypes[i].type) != i) return false;
  }
  return true;
}
static_assert(SearchTypesInOrder(), "kSearchTypes is indexed by SearchType");
constexpr const SearchTypeInfo& Describe(SearchType t) {
  return kSearchTypes[static_cast<int>(t)];
}
std::optional<SearchType> ParseSearchType(std::string_view name);

struct Request {
  SearchType type = SearchType::kPlate;
  std::optional<plate::Plate> plate;
  std::optional<store::PlatePattern> pattern;
  std::optional<plate::Jurisdiction> state;
  Region region;                         // area
  std::vector<Scene> scenes;             // scenes
  std::size_t k = 2;                     // scenes: seen in at least k of them
  std::int64_t window_ms = 120'000;      // convoy: ±Δt around each of the target's sightings
  std::int64_t min_together = 2;         // convoy: co-occurrences a companion needs
  double max_kmh = 200;                  // route: faster than this between cameras is impossible
  TimeZone time_zone = TimeZone::Utc();  // locate: hour of week in this zone (parsed once)
  // Filters.
  std::int64_t from = 0, to = 0;      // capture time window, [from, to)
  std::vector<std::string> agencies;  // empty: every agency the requester may see
  std::vector<std::string> cameras;
  std::string make, model, color, body;
  policy::SearchReason why;
  Format format = Format::kJson;
  std::size_t limit = 100;
  std::optional<store::ReadCursor> after;  // read lists
  std::size_t offset = 0;                  // everything else
  std::uint64_t digest = 0;                // of the terms; cursors carry it
  // A plate search's first page also offers the look-alikes seen in its window
  // (one more query for each the store holds). Not a request parameter: `bench
  // peers` turns it off, because its peers answer the plate's reads alone.
  bool offer_lookalikes = true;
};

// Parses and checks a request body; InvalidArgument naming the parameter.
// `now` supplies the default window (the last 30 days).
Result<Request> ParseRequest(std::string_view json, std::int64_t now);

// What the policy layer allows: the store query to run, the agencies it
// covers, the areas of an area or scenes search, and where the cameras stand.
struct Plan {
  store::ReadQuery query;
  std::vector<std::string> agencies;
  std::vector<store::Area> scene_areas;         // one per scene
  std::map<std::string, geo::Point> camera_at;  // "AGENCY/camera"
  std::vector<std::string> places;              // protected places the areas touch
  std::string on_behalf_of;                     // agency code, or ""
  std::int64_t on_behalf_id = 0;
};

// The rules a search is checked against besides the catalog's: the
// protected places, and the results a person may have in 24 hours before
// further searches need approval (0: no cap).
struct Limits {
  policy::PlaceRules places;
  std::int64_t daily_results_cap = policy::kDefaultDailyResultsCap;
  // Plates no search returns (GOVERNANCE 5); null: none.
  std::shared_ptr<const policy::ConfidentialPlates> confidential;
};

// The areas a request covers, each over its window (an area search's one,
// each scene's), for the protected-place check.
std::vector<policy::SearchedArea> AreasOf(const Request& req);

// Checks permission, purpose and approval — including the protected places
// the areas touch and their radius (policy/places.h), the person's results in
// the last 24 hours against the cap, and a search on behalf of another agency
// (which sees only what that agency itself may: its agreements and its law
// profile) — and resolves the agencies (the requester's visible ones, narrowed
// to those named; naming one it may not see is PermissionDenied with the
// reason) and the cameras in each area.
Result<Plan> Prepare(catalog::Database& db, const identity::Principal& p, const Request& req,
                     std::int64_t now, const Limits& limits);

// One read in an answer, with the hold that keeps it past retention ("" when
// it is within retention) and, for scenes, the scene it was seen in.
struct Sighting {
  read::Read read;
  std::string hold;
  int scene = -1;
};

// A plate in an area, several scenes or a convoy.
struct PlateGroup {
  std::string plate;
  std::set<std::string> states;
  std::int64_t reads = 0;
  std::int64_t first = 0, last = 0;
  std::map<std::string, std::int64_t> cameras;  // "AGENCY/camera" → reads
  std::set<std::string> agencies;
  std::set<int> scenes;  // scenes: which ones
  // Convoy: sightings of the target it was seen with, and how many chance
  // alone would give (its own traffic at those cameras × 2Δt / period).
  std::int64_t together = 0;
  double expected = 0;
  std::string match;                // look-alikes: the matcher's kind
  std::vector<Sighting> sightings;  // newest first, at most kSightingsPerGroup
};
inline constexpr std::size_t kSightingsPerGroup = 20;

// Route: a sighting and the way from the previous one.
struct Leg {
  Sighting at;
  std::optional<geo::Point> where;
  double distance_m = 0, seconds = 0, kmh = 0;
  bool first = true;  // no previous sighting
  bool impossible = false;
};

// Locate: a camera where the plate is seen, and when (hour of week, local).
struct Spot {
  std::string agency, camera;
  std::optional<geo::Point> where;
  std::int64_t reads = 0;
  std::map<int, std::int64_t> hours;  // 0 = Monday 00:00–01:00 … 167
};

struct Answer {
  std::vector<Sighting> reads;     // plate, partial, lookalike
  std::vector<PlateGroup> groups;  // area, scenes, convoy; a plate search's look-alikes
  std::vector<Leg> legs;           // route
  std::vector<Spot> spots;         // locate
  std::set<std::string> owners;    // agencies whose reads the answer draws on
  std::size_t total = 0;           // results before paging (groups, legs, spots)
  std::int64_t target_reads = 0;   // convoy, locate, route: the target plate's reads
  std::int64_t excluded = 0;       // convoy: look-alikes of the target left out
  bool truncated = false;
  std::optional<store::ReadCursor> next;
  std::optional<std::size_t> next_offset;
};

// The matcher's rules around one plate, to label look-alikes (a plate search,
// a look-alike search) or leave them out (a convoy leaves out the target
// itself, misread).
class Relation {
 public:
  explicit Relation(const plate::Plate& target);
  // "exact", a match kind's name, or "" when unrelated.
  std::string KindOf(const plate::Plate& p) const;

 private:
  std::shared_ptr<const match::Index> rules_;
};

// Runs the plan on the store (no catalog needed).
Result<Answer> Execute(const store::ReadStore& store, const Request& req, const Plan& plan);

// The number of results the answer gives (this page).
std::size_t ResultCount(const Request& req, const Answer& answer);

// The audit entry of a search, and of an export besides; returns the search's
// sequence number.
Result<std::int64_t> Record(catalog::Database& db, const identity::Principal& p, const Request& req,
                            const Plan& plan, const Answer& answer, std::int64_t now);

// The response: JSON {"type", "results", …, "search"}, CSV or GeoJSON.
struct Rendered {
  std::string content_type;
  std::string body;
};
Rendered Render(const Request& req, const Plan& plan, const Answer& answer,
                std::int64_t search_seq);

// Cursors are opaque to clients: base64 of the position and the request's
// digest, so a cursor works only for the search that gave it.
std::string EncodeCursor(const Request& req, const store::ReadCursor& c);
std::string EncodeOffsetCursor(const Request& req, std::size_t offset);

}  // namespace interdict::search
