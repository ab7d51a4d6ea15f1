// A small, fast, seedable generator (xoshiro256**, seeded by splitmix64):
// the simulator makes one per vehicle and day, which std::mt19937_64's 2.5 KB
// state would make slow. Deterministic across platforms (the standard
// distributions are not, so the helpers below do their own arithmetic).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

namespace interdict::sim {

inline std::uint64_t SplitMix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// A seed for a sub-stream: (seed, a, b) mixed.
inline std::uint64_t MixSeed(std::uint64_t seed, std::uint64_t a, std::uint64_t b = 0) {
  std::uint64_t x = seed ^ (a * 0xD1B54A32D192ED03ull) ^ (b * 0xABC98388FB8FAC03ull);
  return SplitMix64(x);
}

class Rng {
 public:
  explicit Rng(std::uint64_t seed) {
    for (auto& s : s_) s = SplitMix64(seed);
  }
  std::uint64_t Next() {
    const std::uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, 1).
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  // Uniform in [lo, hi].
  std::int64_t Between(std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(Next() % static_cast<std::uint64_t>(hi - lo + 1));
  }
  // Uniform in [0, n), for indexing.
  std::size_t Index(std::size_t n) { return Next() % n; }
  bool Chance(double p) { return Uniform() < p; }
  // Poisson by multiplication (small means only).
  int Poisson(double mean) {
    const double limit = std::exp(-mean);
    double p = Uniform();
    int k = 0;
    while (p > limit) {
      p *= Uniform();
      ++k;
    }
    return k;
  }

 private:
  static std::uint64_t Rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

}  // namespace interdict::sim
