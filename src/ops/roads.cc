#include "ops/roads.h"

#include <cmath>
#include <limits>
#include <unordered_map>

#include <fmt/core.h>
#include <rapidjson/document.h>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/dijkstra_shortest_paths.hpp>

#include "base/json.h"

namespace interdict::ops {

extern const char kCityRoadsJson[];

namespace {

using Graph =
    boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS, boost::no_property,
                          boost::property<boost::edge_weight_t, double>>;

// Grid cells of the nearest-node index: 0.0025° of latitude (~280 m) by
// 0.003° of longitude (~260 m at St. Louis).
constexpr std::int32_t kCellLat = 2500, kCellLon = 3000;

std::int64_t CellKey(std::int64_t row, std::int64_t col) {
  return (row << 32) ^ (col & 0xffffffff);
}

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

double SpeedKmh(std::string_view mtfcc, const RoadSpeeds& s) {
  if (mtfcc == "S1100") return s.primary_kmh;
  if (mtfcc == "S1200") return s.secondary_kmh;
  return s.other_kmh;
}

}  // namespace

struct RoadGraph::Impl {
  Graph graph;
  std::vector<geo::Point> nodes;
  std::unordered_map<std::int64_t, std::vector<std::size_t>> cells;
};

RoadGraph::RoadGraph(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RoadGraph::~RoadGraph() = default;

Result<std::vector<RoadSegment>> ParseRoadsJson(std::string_view text) {
  rapidjson::Document d;
  if (Status st = json::Parse(text, &d, {.max_bytes = 64u << 20}); !st.ok())
    return st.WithContext("roads: ");
  if (!d.IsObject()) return Status::InvalidArgument("roads: an object with a \"segments\" array");
  const auto segs = d.FindMember("segments");
  if (segs == d.MemberEnd() || !segs->value.IsArray())
    return Status::InvalidArgument("roads: an object with a \"segments\" array");
  std::vector<RoadSegment> out;
  for (rapidjson::SizeType i = 0; i < segs->value.Size(); ++i) {
    const rapidjson::Value& s = segs->value[i];
    if (!s.IsArray() || s.Size() != 2 || !s[0].IsString() || !s[1].IsArray() || s[1].Size() < 4 ||
        s[1].Size() % 2 != 0)
      return Status::InvalidArgument(fmt::format(
          "roads: segments[{}]: [mtfcc, [lon, lat, lon, lat, …]] with 2 points or more", i));
    RoadSegment seg;
    seg.mtfcc = s[0].GetString();
    for (rapidjson::SizeType k = 0; k < s[1].Size(); k += 2) {
      if (!s[1][k].IsNumber() || !s[1][k + 1].IsNumber() || std::fabs(s[1][k].GetDouble()) > 180 ||
          std::fabs(s[1][k + 1].GetDouble()) > 90)
        return Status::InvalidArgument(
            fmt::format("roads: segments[{}]: point {} is not lon, lat in degrees", i, k / 2));
      seg.points.push_back(geo::Point::FromDegrees(s[1][k + 1].GetDouble(), s[1][k].GetDouble()));
    }
    out.push_back(std::move(seg));
  }
  return out;
}

Result<std::unique_ptr<RoadGraph>> RoadGraph::Build(const std::vector<RoadSegment>& segments,
                                                    const RoadSpeeds& speeds) {
  auto impl = std::make_unique<Impl>();
  std::unordered_map<std::int64_t, std::size_t> index;  // point → node
  auto node_of = [&](const geo::Point& p) {
    const std::int64_t key = (std::int64_t{p.lat_e6} << 32) ^ (std::int64_t{p.lon_e6} & 0xffffffff);
    auto [it, added] = index.emplace(key, impl->nodes.size());
    if (added) impl->nodes.push_back(p);
    return it->second;
  };
  std::vector<std::pair<std::pair<std::size_t, std::size_t>, double>> edges;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const RoadSegment& s = segments[i];
    if (s.points.size() < 2)
      return Status::InvalidArgument(fmt::format("roads: segment {} has fewer than 2 points", i));
    const double mps = SpeedKmh(s.mtfcc, speeds) / 3.6;
    if (!(mps > 0)) return Status::InvalidArgument("roads: speeds must be above zero");
    for (std::size_t k = 1; k < s.points.size(); ++k) {
      const std::size_t a = node_of(s.points[k - 1]), b = node_of(s.points[k]);
      if (a == b) continue;
      edges.push_back({{a, b}, geo::DistanceMeters(s.points[k - 1], s.points[k]) / mps});
    }
  }
  impl->graph = Graph(impl->nodes.size());
  for (const auto& [ends, seconds] : edges) {
    boost::add_edge(ends.first, ends.second, seconds, impl->graph);
  }
  for (std::size_t n = 0; n < impl->nodes.size(); ++n) {
    const geo::Point& p = impl->nodes[n];
    impl->cells[CellKey(FloorDiv(p.lat_e6, kCellLat), FloorDiv(p.lon_e6, kCellLon))].push_back(n);
  }
  return std::unique_ptr<RoadGraph>(new RoadGraph(std::move(impl)));
}

std::size_t RoadGraph::node_count() const {
  return impl_->nodes.size();
}
std::size_t RoadGraph::edge_count() const {
  return boost::num_edges(impl_->graph);
}
const geo::Point& RoadGraph::node(std::size_t i) const {
  return impl_->nodes.at(i);
}

std::optional<std::size_t> RoadGraph::Nearest(const geo::Point& p, double max_m) const {
  const std::int64_t row = FloorDiv(p.lat_e6, kCellLat), col = FloorDiv(p.lon_e6, kCellLon);
  // Cells are at least ~230 m on a side anywhere in the region (longitude
  // cells shrink northward); one more ring than that covers max_m.
  const std::int64_t rings = static_cast<std::int64_t>(std::ceil(max_m / 230.0)) + 1;
  std::optional<std::size_t> best;
  double best_m = max_m;
  for (std::int64_t dr = -rings; dr <= rings; ++dr) {
    for (std::int64_t dc = -rings; dc <= rings; ++dc) {
      const auto it = impl_->cells.find(CellKey(row + dr, col + dc));
      if (it == impl_->cells.end()) continue;
      for (std::size_t n : it->second) {
        const double m = geo::DistanceMeters(p, impl_->nodes[n]);
        if (m <= best_m) {
          best_m = m;
          best = n;
        }
      }
    }
  }
  return best;
}

std::vector<double> RoadGraph::SecondsFrom(std::size_t from) const {
  std::vector<double> dist(impl_->nodes.size(), std::numeric_limits<double>::infinity());
  if (from >= impl_->nodes.size()) return dist;
  boost::dijkstra_shortest_paths(impl_->graph, from,
                                 boost::distance_map(boost::make_iterator_property_map(
                                     dist.begin(), boost::get(boost::vertex_index, impl_->graph))));
  // Boost marks what it cannot reach with the largest double; infinity says so.
  for (double& d : dist)
    if (d == std::numeric_limits<double>::max()) d = std::numeric_limits<double>::infinity();
  return dist;
}

GroundTimesTo::GroundTimesTo(const RoadGraph* graph, const TravelModel& model,
                             std::vector<geo::Point> targets)
    : graph_(graph), model_(model), targets_(std::move(targets)) {
  if (graph_ == nullptr) return;
  for (const geo::Point& t : targets_) {
    Target x;
    if (const std::optional<std::size_t> node = graph_->Nearest(t, model_.snap_m)) {
      x.leg_m = geo::DistanceMeters(graph_->node(*node), t);
      x.seconds = graph_->SecondsFrom(*node);  // roads are two-way: from it is to it
    }
    snapped_.push_back(std::move(x));
  }
}

std::vector<double> GroundTimesTo::From(const geo::Point& from) const {
  const double off_mps = model_.off_road_kmh / 3.6;
  constexpr std::size_t kOff = std::numeric_limits<std::size_t>::max();  // not on the graph
  std::size_t start = kOff;
  double leg_in_m = 0;
  if (graph_ != nullptr) {
    if (const std::optional<std::size_t> n = graph_->Nearest(from, model_.snap_m)) {
      start = *n;
      leg_in_m = geo::DistanceMeters(from, graph_->node(start));
    }
  }
  std::vector<double> out;
  out.reserve(targets_.size());
  for (std::size_t i = 0; i < targets_.size(); ++i) {
    // snapped_ is empty without a graph; then start is kOff too.
    const Target* t = i < snapped_.size() ? &snapped_[i] : nullptr;
    if (start != kOff && t != nullptr && !t->seconds.empty() && std::isfinite(t->seconds[start])) {
      out.push_back(t->seconds[start] + (leg_in_m + t->leg_m) / off_mps);
    } else {
      out.push_back(geo::DistanceMeters(from, targets_[i]) * model_.detour / off_mps);
    }
  }
  return out;
}

const RoadGraph* CityRoadGraph() {
  static const std::unique_ptr<RoadGraph> graph = [] {
    Result<std::vector<RoadSegment>> segments = ParseRoadsJson(kCityRoadsJson);
    if (!segments.ok()) return std::unique_ptr<RoadGraph>();
    Result<std::unique_ptr<RoadGraph>> built = RoadGraph::Build(*segments);
    return built.ok() ? std::move(built).value() : std::unique_ptr<RoadGraph>();
  }();
  return graph.get();
}

double AirSeconds(const geo::Point& from, const geo::Point& to, double speed_kmh, double lead_s) {
  return lead_s + geo::DistanceMeters(from, to) / (speed_kmh / 3.6);
}

}  // namespace interdict::ops
