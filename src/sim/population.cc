#include "sim/population.h"

#include <algorithm>
#include <array>
#include <string>

namespace interdict::sim {
namespace {

constexpr char kLetters[] = "ABCDEFGHJKLMNPRSTUVWXYZ";  // no I, O, Q, as most states issue

struct Model {
  std::string_view make, model, body;
  int weight;
};
// NCIC make codes and styles (4D sedan, UT utility, PK pickup, VN van, 2D coupe).
constexpr std::array<Model, 16> kModels = {{{"TOYT", "CAMRY", "4D", 9},
                                            {"TOYT", "RAV4", "UT", 8},
                                            {"HOND", "CIVIC", "4D", 7},
                                            {"HOND", "CR-V", "UT", 7},
                                            {"FORD", "F150", "PK", 9},
                                            {"FORD", "ESCAPE", "UT", 5},
                                            {"CHEV", "SILVERADO", "PK", 8},
                                            {"CHEV", "MALIBU", "4D", 5},
                                            {"NISS", "ALTIMA", "4D", 6},
                                            {"JEEP", "GRAND CHEROKEE", "UT", 5},
                                            {"HYUN", "ELANTRA", "4D", 5},
                                            {"KIA", "OPTIMA", "4D", 4},
                                            {"DODG", "CHARGER", "4D", 3},
                                            {"SUBA", "OUTBACK", "UT", 3},
                                            {"TESL", "MODEL 3", "4D", 2},
                                            {"HOND", "ODYSSEY", "VN", 2}}};
constexpr std::array<std::pair<std::string_view, int>, 9> kColors = {{{"WHI", 24},
                                                                      {"BLK", 22},
                                                                      {"GRY", 18},
                                                                      {"SIL", 14},
                                                                      {"BLU", 9},
                                                                      {"RED", 8},
                                                                      {"BRO", 2},
                                                                      {"GRN", 2},
                                                                      {"YEL", 1}}};
constexpr std::array<std::string_view, 10> kOtherStates = {"KS", "AR", "IA", "TN", "KY",
                                                           "IN", "TX", "OK", "NE", "WI"};

template <typename T, std::size_t N>
const T& Weighted(const std::array<T, N>& table, Rng& rng, int T::*weight) {
  int total = 0;
  for (const T& t : table) total += t.*weight;
  std::int64_t pick = rng.Between(0, total - 1);
  for (const T& t : table) {
    pick -= t.*weight;
    if (pick < 0) return t;
  }
  return table.back();
}

std::string PlateText(std::string_view pattern, Rng& rng) {
  std::string out;
  for (char c : pattern) {
    out += c == 'L' ? kLetters[rng.Index(sizeof(kLetters) - 1)]
                    : static_cast<char>('0' + rng.Between(0, 9));
  }
  return out;
}

}  // namespace

geo::Point RandomPointIn(const County& county, Rng& rng) {
  std::int32_t lat_lo = county.ring[0].lat_e6, lat_hi = lat_lo;
  std::int32_t lon_lo = county.ring[0].lon_e6, lon_hi = lon_lo;
  for (const geo::Point& p : county.ring) {
    lat_lo = std::min(lat_lo, p.lat_e6);
    lat_hi = std::max(lat_hi, p.lat_e6);
    lon_lo = std::min(lon_lo, p.lon_e6);
    lon_hi = std::max(lon_hi, p.lon_e6);
  }
  geo::Point p;
  for (int tries = 0; tries < 1000; ++tries) {
    p.lat_e6 = static_cast<std::int32_t>(rng.Between(lat_lo, lat_hi));
    p.lon_e6 = static_cast<std::int32_t>(rng.Between(lon_lo, lon_hi));
    if (geo::RingContains(county.ring, p)) return p;
  }
  return county.ring[0];
}

Population Population::Make(const Region& region, std::size_t count, std::uint64_t seed) {
  Population pop;
  Rng rng(MixSeed(seed, 0x9097));
  std::int64_t people = 0;
  for (const County& c : region.counties) people += c.population;
  int hub_weight = 0;
  for (const Hub& h : region.hubs) hub_weight += h.weight;
  const plate::Jurisdiction mo = *plate::Jurisdiction::Parse("MO");
  const plate::Jurisdiction il = *plate::Jurisdiction::Parse("IL");
  pop.vehicles_.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    Vehicle v;
    // Where it lives: a county by population.
    std::int64_t pick = rng.Between(0, people - 1);
    std::size_t county = 0;
    while (county + 1 < region.counties.size() && pick >= region.counties[county].population) {
      pick -= region.counties[county].population;
      ++county;
    }
    v.home = RandomPointIn(region.counties[county], rng);
    // Its plate: where it is registered.
    const double s = rng.Uniform();
    std::string text;
    if (s < 0.70) {
      v.state = mo;
      text = PlateText(rng.Chance(0.6) ? "LLDLDL" : "LLLDDD", rng);
    } else if (s < 0.90) {
      v.state = il;
      text = PlateText(rng.Chance(0.7) ? "LLDDDDD" : "DDDDDDD", rng);
    } else {
      v.state = *plate::Jurisdiction::Parse(kOtherStates[rng.Index(kOtherStates.size())]);
      text = PlateText("LLLDDDD", rng);
    }
    v.plate = *plate::Plate::FromNormalized(text);
    const Model& m = Weighted(kModels, rng, &Model::weight);
    v.make = m.make;
    v.model = m.model;
    v.body = m.body;
    int color_total = 0;
    for (const auto& c : kColors) color_total += c.second;
    std::int64_t cpick = rng.Between(0, color_total - 1);
    for (const auto& c : kColors) {
      cpick -= c.second;
      if (cpick < 0) {
        v.color = c.first;
        break;
      }
    }
    // Its habits.
    v.commuter = rng.Chance(0.65);
    std::int64_t hpick = rng.Between(0, hub_weight - 1);
    const Hub* hub = &region.hubs[0];
    for (const Hub& h : region.hubs) {
      hpick -= h.weight;
      if (hpick < 0) {
        hub = &h;
        break;
      }
    }
    v.work.lat_e6 = hub->at.lat_e6 + static_cast<std::int32_t>(rng.Between(-27'000, 27'000));
    v.work.lon_e6 = hub->at.lon_e6 + static_cast<std::int32_t>(rng.Between(-34'000, 34'000));
    v.leave_minute = static_cast<std::int16_t>(rng.Between(6 * 60 + 30, 9 * 60));
    v.return_minute = static_cast<std::int16_t>(rng.Between(15 * 60 + 30, 18 * 60 + 30));
    v.seed = MixSeed(seed, 0x7219, i);
    pop.vehicles_.push_back(std::move(v));
  }
  if (count < 100) return pop;
  // Five pairs that travel together: the companion copies its leader's trips.
  for (int k = 0; k < 5; ++k) {
    const std::size_t leader = static_cast<std::size_t>(k) * 2 + 11;
    const std::size_t companion = leader + 1;
    Vehicle& c = pop.vehicles_[companion];
    c.follows = static_cast<std::int32_t>(leader);
    c.lag_s = static_cast<std::int32_t>(rng.Between(20, 60));
    c.seed = pop.vehicles_[leader].seed;
    c.home = pop.vehicles_[leader].home;
    c.work = pop.vehicles_[leader].work;
    c.commuter = pop.vehicles_[leader].commuter;
    c.leave_minute = pop.vehicles_[leader].leave_minute;
    c.return_minute = pop.vehicles_[leader].return_minute;
    pop.convoys_.emplace_back(leader, companion);
  }
  // A cloned plate: a car far from the original's home carries its plate.
  const std::size_t original = 31;
  std::size_t clone = 32;
  for (std::size_t i = 33; i < pop.vehicles_.size(); ++i) {
    if (geo::DistanceMeters(pop.vehicles_[i].home, pop.vehicles_[original].home) > 40'000 &&
        pop.vehicles_[i].commuter) {
      clone = i;
      break;
    }
  }
  // Both commute at nearly the same hours, so the plate is read on both sides
  // of the region within minutes: a speed no car could drive.
  Vehicle& o = pop.vehicles_[original];
  Vehicle& c = pop.vehicles_[clone];
  o.commuter = c.commuter = true;
  c.plate = o.plate;
  c.state = o.state;
  c.leave_minute = static_cast<std::int16_t>(o.leave_minute + 4);
  c.return_minute = static_cast<std::int16_t>(o.return_minute - 3);
  pop.clone_ = {original, clone};
  // Stolen vehicles: one in four hundred, driving as they always do.
  for (std::size_t i = 100; i < pop.vehicles_.size(); i += 400) pop.stolen_.push_back(i);
  return pop;
}

}  // namespace interdict::sim
