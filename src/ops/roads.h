// Units' travel times on the road network (decision 0039): the TIGER roads as
// a graph, Dijkstra's shortest paths by Boost.Graph, and straight lines with a
// detour factor where the graph does not reach (the region's counties).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "geo/geo.h"

namespace interdict::ops {

// Driving speeds by MAF/TIGER feature class. Normal driving, not emergency
// response: a suggestion must hold for a unit that drives as traffic does.
struct RoadSpeeds {
  double primary_kmh = 90;    // S1100
  double secondary_kmh = 60;  // S1200
  double other_kmh = 40;      // S1400 local streets, ramps, service roads
};

struct RoadSegment {
  std::string mtfcc;               // "S1100", "S1200", "S1400", …
  std::vector<geo::Point> points;  // in order; at least 2
};

// The format scripts/prepare-roads writes: {"segments": [[mtfcc, [lon, lat,
// …]], …]}. InvalidArgument naming the segment for anything else.
Result<std::vector<RoadSegment>> ParseRoadsJson(std::string_view text);

class RoadGraph {
 public:
  // A node per distinct point (segments meeting at a point share it), an
  // edge per consecutive pair, two-way (TIGER has no one-way data), weighted
  // by its driving seconds.
  static Result<std::unique_ptr<RoadGraph>> Build(const std::vector<RoadSegment>& segments,
                                                  const RoadSpeeds& speeds = {});
  ~RoadGraph();
  RoadGraph(const RoadGraph&) = delete;
  RoadGraph& operator=(const RoadGraph&) = delete;

  std::size_t node_count() const;
  std::size_t edge_count() const;
  const geo::Point& node(std::size_t i) const;
  // The node nearest `p` within `max_m` metres; nullopt when none is.
  std::optional<std::size_t> Nearest(const geo::Point& p, double max_m) const;
  // Driving seconds from node `from` to every node; +infinity where no road
  // leads.
  std::vector<double> SecondsFrom(std::size_t from) const;

 private:
  struct Impl;
  explicit RoadGraph(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// How a ground unit's time is reckoned off the graph and onto it.
struct TravelModel {
  double snap_m = 300;       // a point this close to a road node is on the graph
  double detour = 1.35;      // road distance ÷ straight distance off the graph
  double off_road_kmh = 60;  // speed off the graph, and on the legs to and from it
};

// Ground units' seconds to a few targets (a hit's likely next cameras): one
// Dijkstra per target, made once, since roads are two-way; then each unit
// is one nearest-node lookup. On the graph when both ends snap to it (plus
// the short legs to and from the road), else the straight line × detour at
// off_road_kmh. `graph` may be null.
class GroundTimesTo {
 public:
  GroundTimesTo(const RoadGraph* graph, const TravelModel& model, std::vector<geo::Point> targets);
  std::vector<double> From(const geo::Point& from) const;  // by target, in order

 private:
  struct Target {
    std::vector<double> seconds;  // from the target's node; empty: off the graph
    double leg_m = 0;             // from that node to the target
  };
  const RoadGraph* graph_;
  TravelModel model_;
  std::vector<geo::Point> targets_;
  std::vector<Target> snapped_;
};

// The road network of the region's city (data/roads, compiled in), built on
// first use; null if it could not be built (then units go by straight lines).
const RoadGraph* CityRoadGraph();

// Seconds for an aircraft: straight there at `speed_kmh`, after `lead_s` to
// get going.
double AirSeconds(const geo::Point& from, const geo::Point& to, double speed_kmh,
                  double lead_s = 60);

}  // namespace interdict::ops
