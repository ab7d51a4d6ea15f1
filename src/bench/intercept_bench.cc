#include "bench/intercept_bench.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include <fmt/core.h>

#include "base/time_format.h"
#include "base/time_zone.h"
#include "bench/harness.h"
#include "ops/intercept.h"
#include "ops/movement.h"
#include "ops/roads.h"
#include "sim/population.h"
#include "sim/region.h"
#include "sim/rng.h"
#include "sim/traffic.h"
#include "sim/units.h"

namespace interdict::bench {
namespace {

constexpr std::int64_t kDay = 86'400'000;
constexpr std::int64_t kStep = 2'000;  // the contact check's time step, ms

// A dispatched unit goes straight from where it was toward its point,
// arriving after its travel time, then waits there: the simulator's drive.
using Course = sim::Drive;

// A unit reaches the car when it gets to a point of the car's later path
// (within `contact_m` of its line) before the car does: it can then wait for
// it there. The answer is when the unit got there and when the car passes;
// nullopt if it never gets ahead of the car before the drive ends.
struct Reach {
  std::int64_t unit_at = 0, car_at = 0;
};
std::optional<Reach> ReachAhead(const std::function<geo::Point(std::int64_t)>& unit,
                                const sim::Drive& car, std::int64_t start, double contact_m) {
  // Metres east and north of the drive's start (the region is small enough
  // for a flat plane).
  const geo::LocalPlane plane(car.from);
  const geo::LocalPlane::Xy b = plane.ToMetres(car.to);
  const double len2 = b.x * b.x + b.y * b.y;
  if (len2 < 1) return std::nullopt;
  const double span = static_cast<double>(car.arrive - car.depart);
  for (std::int64_t t = start; t <= car.arrive; t += kStep) {
    const geo::LocalPlane::Xy u = plane.ToMetres(unit(t));
    const double f = std::clamp((u.x * b.x + u.y * b.y) / len2, 0.0, 1.0);
    const double ex = f * b.x - u.x, ey = f * b.y - u.y;
    if (ex * ex + ey * ey > contact_m * contact_m) continue;
    const auto car_there = car.depart + static_cast<std::int64_t>(f * span);
    if (car_there >= t) return Reach{t, car_there};
  }
  return std::nullopt;
}

// An aircraft flies at the car (it can follow it from above), after a minute
// to get going.
std::optional<std::int64_t> AirContact(geo::Point at, double kmh, const sim::Drive& car,
                                       std::int64_t start, double contact_m) {
  const double step_m = kmh / 3.6 * static_cast<double>(kStep) / 1000.0;
  for (std::int64_t t = start; t <= car.arrive; t += kStep) {
    const geo::Point c = car.At(t);
    const double d = geo::DistanceMeters(at, c);
    if (d <= contact_m) return t;
    if (t < start + 60'000) continue;
    const double f = std::min(1.0, step_m / d);
    at = geo::Interpolate(at, c, f);
  }
  return std::nullopt;
}

struct Tally {
  std::uint64_t reached = 0;
  std::vector<double> contact_s;  // from the read to the car meeting the unit, for those reached
  void Add(const std::optional<Reach>& reach, std::int64_t read_time) {
    if (!reach) return;
    ++reached;
    contact_s.push_back(static_cast<double>(reach->car_at - read_time) / 1000.0);
  }
  std::string Json(std::uint64_t hits) const {
    return fmt::format(R"({{"reached":{},"reach_share":{:.4f},"median_contact_s":{:.0f}}})",
                       reached,
                       hits ? static_cast<double>(reached) / static_cast<double>(hits) : 0.0,
                       Percentile(contact_s, 0.5));
  }
};

}  // namespace

int RunInterceptBench(const InterceptBenchOptions& o) {
  CatchStopSignals();
  sim::Region region = sim::Region::Embedded();
  {
    std::int64_t people = 0;
    for (const sim::County& c : region.counties) people += c.population;
    sim::Rng rng(sim::MixSeed(o.seed, 0x9A7401));
    for (int i = 0; i < o.patrols && people > 0; ++i) {
      std::int64_t pick = rng.Between(0, people - 1);
      const sim::County* county = &region.counties.front();
      for (const sim::County& c : region.counties) {
        if (pick < c.population) {
          county = &c;
          break;
        }
        pick -= c.population;
      }
      region.units.push_back(
          {"SIM", "patrol", fmt::format("Patrol {}", i + 1), sim::RandomPointIn(*county, rng)});
    }
  }
  std::cerr << fmt::format("bench intercept: {} vehicles, {} days ({} to learn from)\n", o.vehicles,
                           o.days, o.days - 1);
  const sim::Population population = sim::Population::Make(region, o.vehicles, o.seed);
  sim::TrafficOptions topts;
  topts.seed = o.seed;
  const sim::Traffic traffic(region, population, topts);
  const TimeZone zone = TimeZone::Parse(topts.time_zone).value_or(TimeZone::Utc());
  sim::UnitMotionOptions uopts;
  uopts.seed = o.seed;
  const sim::UnitMotion units(region, uopts);
  const ops::RoadGraph* graph = ops::CityRoadGraph();
  const ops::InterceptRules rules;

  // Cameras by site: the model's names and where they stand.
  std::vector<std::string> names;
  std::unordered_map<std::string, geo::Point> place;
  for (const sim::Camera& c : region.cameras) {
    names.push_back(c.agency + "/" + c.code);
    place.emplace(names.back(), c.at);
  }
  ops::MovementModel model({}, zone);

  // A Monday in autumn: the same days on every run.
  const std::int64_t first = traffic.LocalMidnight(*ParseDate("2026-11-02") + 12 * 3'600'000);
  std::vector<sim::SimRead> reads;
  std::vector<ops::MovementModel::Sighting> batch;
  auto sighting = [&](const sim::SimRead& r) {
    return ops::MovementModel::Sighting{r.plate, names[r.site], region.cameras[r.site].at, r.time,
                                        r.plate_confidence};
  };
  std::uint64_t learned_reads = 0;
  double learn_ms = 0;
  for (int d = 0; d + 1 < o.days && !StopRequested(); ++d) {
    sim::TrafficStats stats;
    traffic.DayCompact(traffic.LocalMidnight(first + d * kDay + 12 * 3'600'000), &reads, &stats);
    const auto t0 = Steady::now();
    batch.clear();
    for (const sim::SimRead& r : reads) {
      if (r.site >= region.cameras.size()) continue;  // mobile cameras: not a fixed place
      batch.push_back(sighting(r));
      ++learned_reads;
    }
    model.Observe(batch);
    learn_ms += Ms(t0, Steady::now());
    std::cerr << fmt::format("bench intercept: learned day {} ({} reads)\n", d + 1, reads.size());
  }
  if (StopRequested()) {
    std::cerr << "bench intercept: interrupted\n";
    return 130;
  }
  const ops::MovementModel::Stats learned = model.stats();

  // The last day, in time order: the model goes on learning, and each
  // stolen car's hits are played back both ways (a car read twice by one
  // camera in a pass is one hit). The first hit of a drive is also counted
  // apart: the model cannot know the car's direction there yet.
  const std::int64_t day = traffic.LocalMidnight(first + (o.days - 1) * kDay + 12 * 3'600'000);
  sim::TrafficStats stats;
  traffic.DayCompact(day, &reads, &stats);
  std::map<std::uint32_t, std::vector<sim::Drive>> drives;                 // stolen cars'
  std::set<std::tuple<std::uint32_t, std::size_t, std::uint16_t>> played;  // car, drive, camera
  std::set<std::pair<std::uint32_t, std::size_t>> drives_hit;
  std::uint64_t hits = 0, first_hits = 0, with_suggestion = 0, no_prediction = 0,
                aircraft_suggested = 0, aircraft_first = 0;
  Tally suggested, nearest, first_suggested, first_nearest, suggested3, nearest3;
  const auto t_play = Steady::now();
  batch.clear();
  for (const sim::SimRead& r : reads) {
    if (StopRequested()) break;
    if (r.site >= region.cameras.size()) continue;
    const sim::Vehicle& v = population.vehicles()[r.vehicle];
    const bool hit = traffic.Listed(r.vehicle) && r.plate == v.plate.Pack();
    if (hit) {
      auto [it, made] = drives.try_emplace(r.vehicle);
      if (made) it->second = traffic.Drives(r.vehicle, day);
      std::size_t k = it->second.size();
      for (std::size_t i = 0; i < it->second.size(); ++i) {
        if (it->second[i].depart <= r.time && r.time <= it->second[i].arrive + 1'000) k = i;
      }
      if (k < it->second.size() && played.insert({r.vehicle, k, r.site}).second) {
        const bool first_of_drive = drives_hit.insert({r.vehicle, k}).second;
        first_hits += first_of_drive;
        model.Observe(batch);
        batch.clear();
        const sim::Drive& car = it->second[k];
        const std::int64_t now = r.time + static_cast<std::int64_t>(o.dispatch_delay_s * 1000);
        ++hits;

        ops::InterceptRequest req;
        req.camera = names[r.site];
        req.read_time = r.time;
        req.now = now;
        req.list_kind = "V";
        req.next = model.NextFor(r.plate, req.camera, r.time);
        if (req.next.empty()) ++no_prediction;
        req.place = [&](const std::string& c) -> std::optional<geo::Point> {
          auto p = place.find(c);
          return p == place.end() ? std::nullopt : std::optional<geo::Point>(p->second);
        };
        std::vector<geo::Point> where(units.size());
        for (std::size_t u = 0; u < units.size(); ++u) {
          const sim::UnitFix fix = units.At(u, now);
          where[u] = fix.at;
          if (!fix.available) continue;
          req.units.push_back({static_cast<std::int64_t>(u), region.units[u].name,
                               std::string(sim::RegistryKind(region.units[u].kind)), fix.at});
        }
        const ops::InterceptPlan plan = ops::PlanIntercept(req, graph, rules);
        // Nearest: the available ground unit with the shortest drive to the
        // camera that read the car, sent there.
        const geo::Point camera = region.cameras[r.site].at;
        const ops::GroundTimesTo to_camera(graph, rules.ground, {camera});
        std::vector<Course> near_all;
        for (const ops::UnitState& u : req.units) {
          if (u.kind == "aircraft") continue;
          const double s = to_camera.From(u.at)[0];
          near_all.push_back({u.at, camera, now, now + static_cast<std::int64_t>(s * 1000)});
        }
        std::sort(near_all.begin(), near_all.end(),
                  [](const Course& a, const Course& b) { return a.arrive < b.arrive; });
        std::optional<Course> near;
        if (!near_all.empty()) near = near_all.front();
        // Three units each way: the first that gets ahead of the car.
        auto first_of = [&](const std::vector<Course>& courses) {
          std::optional<Reach> earliest;
          for (std::size_t i = 0; i < courses.size() && i < 3; ++i) {
            const Course& c = courses[i];
            const std::optional<Reach> got =
                ReachAhead([&](std::int64_t t) { return c.At(t); }, car, now, o.contact_m);
            if (got && (!earliest || got->unit_at < earliest->unit_at)) earliest = got;
          }
          return earliest;
        };
        nearest3.Add(first_of(near_all), r.time);
        std::vector<Course> suggested_courses;
        for (const ops::Suggestion& sg : plan.suggestions) {
          suggested_courses.push_back({where[static_cast<std::size_t>(sg.unit)], sg.to, now,
                                       now + static_cast<std::int64_t>(sg.unit_eta_s * 1000)});
        }
        for (std::size_t i = 0; suggested_courses.size() < 3 && i < near_all.size(); ++i)
          suggested_courses.push_back(near_all[i]);  // the nearest make up the three
        suggested3.Add(first_of(suggested_courses), r.time);
        std::optional<Reach> near_contact;
        if (near) {
          near_contact =
              ReachAhead([&](std::int64_t t) { return near->At(t); }, car, now, o.contact_m);
        }
        nearest.Add(near_contact, r.time);

        // Suggested: the top suggestion, sent to its point; the nearest
        // unit when there is none (what a dispatcher would do).
        std::optional<Reach> sug_contact = near_contact;
        if (!plan.suggestions.empty()) {
          ++with_suggestion;
          const ops::Suggestion& s = plan.suggestions.front();
          const Course c{where[static_cast<std::size_t>(s.unit)], s.to, now,
                         now + static_cast<std::int64_t>(s.unit_eta_s * 1000)};
          sug_contact = ReachAhead([&](std::int64_t t) { return c.At(t); }, car, now, o.contact_m);
        }
        suggested.Add(sug_contact, r.time);
        if (first_of_drive) {
          first_suggested.Add(sug_contact, r.time);
          first_nearest.Add(near_contact, r.time);
        }

        if (plan.aircraft.suggested) {
          ++aircraft_suggested;
          for (const ops::UnitState& u : req.units) {
            if (u.kind != "aircraft") continue;
            const std::optional<std::int64_t> air =
                AirContact(u.at, rules.aircraft_kmh, car, now, o.contact_m);
            if (air && (!sug_contact || *air < sug_contact->unit_at)) ++aircraft_first;
            break;
          }
        }
        if (hits % 50 == 0) {
          std::cerr << fmt::format("bench intercept: {} hits played, suggested {} / nearest {}\r",
                                   hits, suggested.reached, nearest.reached);
        }
      }
    }
    batch.push_back(sighting(r));
  }
  std::cerr << "\n";
  if (StopRequested()) {
    std::cerr << "bench intercept: interrupted\n";
    return 130;
  }
  const double play_s = Ms(t_play, Steady::now()) / 1000.0;
  const double share_s =
      hits ? static_cast<double>(suggested.reached) / static_cast<double>(hits) : 0;
  const double share_n =
      hits ? static_cast<double>(nearest.reached) / static_cast<double>(hits) : 0;
  auto share = [&](std::uint64_t n) {
    return hits ? static_cast<double>(n) / static_cast<double>(hits) : 0.0;
  };
  std::cout
      << fmt::format(
             R"({{"bench":"intercept","vehicles":{},"days":{},"seed":{},"dispatch_delay_s":{:.0f},"contact_m":{:.0f},)"
             R"("units":{},"road_graph_nodes":{},"hits":{},"with_suggestion_share":{:.4f},"no_prediction_share":{:.4f},)"
             R"("suggested":{},"nearest":{},"reach_ratio":{:.2f},"three_units":{{"suggested":{},"nearest":{}}},)"
             R"("first_hit_of_drive":{{"hits":{},"suggested":{},"nearest":{}}},)"
             R"("aircraft":{{"suggested_share":{:.4f},"first_share":{:.4f}}},)"
             R"("model":{{"learned_reads":{},"learn_reads_per_s":{:.0f},"cameras":{},"transitions":{},"recent_plates":{},"bytes":{}}},)"
             R"("playback_s":{:.1f}}})",
             o.vehicles, o.days, o.seed, o.dispatch_delay_s, o.contact_m, units.size(),
             graph ? graph->node_count() : 0, hits, share(with_suggestion), share(no_prediction),
             suggested.Json(hits), nearest.Json(hits), share_n > 0 ? share_s / share_n : 0.0,
             suggested3.Json(hits), nearest3.Json(hits), first_hits,
             first_suggested.Json(first_hits), first_nearest.Json(first_hits),
             share(aircraft_suggested), share(aircraft_first), learned_reads,
             learn_ms > 0 ? static_cast<double>(learned_reads) / (learn_ms / 1000.0) : 0.0,
             learned.cameras, learned.transitions, learned.recent_plates, learned.bytes, play_s)
      << std::endl;
  return 0;
}

}  // namespace interdict::bench
