// Simulated monthly crime counts with a planted program effect, for the
// outcome methods' tests: areas of different sizes sharing a region's trend,
// seasons and shocks, each with shocks of its own, overdispersed counts, and
// the program multiplying the treated areas' counts by e^effect from the start.
#pragma once

#include <cmath>
#include <numbers>
#include <random>
#include <string>

#include "outcomes/series.h"

namespace interdict::outcomes::test {

struct Simulation {
  int areas = 30, treated = 3, months = 84, start = 60;
  double effect = 0;        // on the log scale
  double spike = 0;         // a transient rise of the treated areas' last 6 months before the start
  double common_sd = 0.05;  // the region's monthly shocks (AR(1), ρ 0.5)
  double own_sd = 0.08;     // each area's (AR(1), ρ 0.4)
  double shape = 30;        // gamma mixing: variance μ + μ² / shape
  double trend_sd = 0;      // each area's own trend, log per year (real areas drift apart)
  Month first = 2010 * 12;  // January 2010
};

// The panel: areas "1" … "N", the first `treated` of them treated.
inline Panel Simulate(const Simulation& s, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0, 1);
  std::uniform_real_distribution<double> level(15, 60);
  Panel p;
  p.category = "simulated";
  p.first = s.first;
  p.months = s.months;
  std::vector<double> common(static_cast<std::size_t>(s.months));
  double shock = 0;
  for (int t = 0; t < s.months; ++t) {
    shock = 0.5 * shock + s.common_sd * normal(rng);
    common[static_cast<std::size_t>(t)] =
        0.15 * std::sin(2 * std::numbers::pi * ((s.first + t) % 12) / 12.0) - 0.02 * t / 12.0 +
        shock;
  }
  std::gamma_distribution<double> mixing(s.shape, 1 / s.shape);
  for (int a = 0; a < s.areas; ++a) {
    p.areas.push_back(std::to_string(a + 1));
    const double base = level(rng);
    const double trend = s.trend_sd * normal(rng);
    double own = 0;
    for (int t = 0; t < s.months; ++t) {
      own = 0.4 * own + s.own_sd * normal(rng);
      double log_mu = std::log(base) + common[static_cast<std::size_t>(t)] + own + trend * t / 12.0;
      if (a < s.treated && t >= s.start) log_mu += s.effect;
      if (a < s.treated && t >= s.start - 6 && t < s.start) log_mu += s.spike;
      std::poisson_distribution<int> count(std::exp(log_mu) * mixing(rng));
      p.cells.push_back(count(rng));
    }
  }
  return p;
}

}  // namespace interdict::outcomes::test
