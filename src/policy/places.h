// Protected places and the area limit (GOVERNANCE B.10, F.29): a search whose
// area touches a clinic, a place of worship, a school, a shelter, a
// courthouse, a polling place or a lawful assembly — or reaches wider than
// the default radius — runs only with a supervisor's approval that names
// those places and that radius. The check acts before the search; the review
// queue flags the same searches afterwards as a second line.
//
// Places come from three lists: the shipped examples, the deployment's file
// (`oversight.protected_places`), and places registered over the API — a
// protest registered for its hours, a shelter that opened last week — which
// may be bounded in time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "catalog/database.h"
#include "geo/geo.h"
#include "identity/accounts.h"

namespace interdict::policy {

// Beyond this radius (the circle's, or a polygon's bounding circle's) an area
// needs approval.
inline constexpr double kDefaultMaxRadiusM = 5000;

struct ProtectedPlace {
  std::int64_t id = 0;  // registered places; 0 for the examples and the file
  std::string name, kind;
  geo::Point at;
  double radius_m = 0;                   // its own extent (a plaza, a march's route): 0 for a point
  std::optional<std::int64_t> from, to;  // in force [from, to); open when absent
  std::string registered_by;             // username, registered places
  std::string agency;                    // registering agency's code
};

// {"places": [{"name", "kind", "lat", "lon", "radius_m"?}]}; errors name the
// place by index.
Result<std::vector<ProtectedPlace>> ParseProtectedPlaces(std::string_view json);
// The shipped examples (data/oversight/protected-places.json).
const std::vector<ProtectedPlace>& ExamplePlaces();

struct PlaceRules {
  // A search touches a place when its area comes this close to the place's
  // extent (`oversight.protected_radius_m`): a camera across the street from
  // a clinic sees who goes in.
  double margin_m = 300;
  std::vector<ProtectedPlace> fixed = ExamplePlaces();  // examples and the file
};

// One area a search covers, over the time it covers.
struct SearchedArea {
  geo::Point center;
  double radius_m = 0;
  geo::Ring polygon;  // when not empty, the area is the polygon
  std::int64_t from = 0, to = 0;
};

// The places (fixed, and registered ones in force at some time of an area's
// window) that any of the areas touches, each named once, in the order of
// the lists.
Result<std::vector<ProtectedPlace>> PlacesTouched(catalog::Database& db, const PlaceRules& rules,
                                                  const std::vector<SearchedArea>& areas);

// places.manage: registers a place for every agency's searches; InvalidArgument
// naming the field. Audited (place.register). Returns its id.
Result<std::int64_t> RegisterPlace(catalog::Database& db, const identity::Principal& p,
                                   const ProtectedPlace& place, std::int64_t now);
// Registered places not yet ended, oldest first.
Result<std::vector<ProtectedPlace>> ListRegisteredPlaces(catalog::Database& db, std::int64_t now);
// places.manage, same agency as the registration: ends it now. Audited
// (place.end).
Status EndPlace(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                std::int64_t now);

}  // namespace interdict::policy
