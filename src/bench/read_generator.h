// Realistic synthetic reads for benchmarks: 1,000 fixed cameras around
// St. Louis in 12 agencies, 30 days, a vehicle population with repeat
// sightings (each vehicle favours a few cameras: commutes), Missouri and
// Illinois plate formats with a share from other states, and OCR noise.
// Deterministic for a given seed, so two processes generate the same data.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "read/read.h"

namespace interdict::bench {

struct GeneratorOptions {
  std::uint64_t reads = 1'000'000;
  int cameras = 1000;
  int agencies = 12;
  int days = 30;
  std::int64_t start_ms = 1'790'000'000'000;  // 2026-09-21
  std::uint64_t seed = 20261129;
  // Vehicles in the region; 0: reads / 20 (about 20 sightings each).
  std::uint64_t vehicles = 0;
};

struct Camera {
  std::string agency;
  std::string name;
  geo::Point position;
};

class ReadGenerator {
 public:
  explicit ReadGenerator(GeneratorOptions options);

  // Fills `out` with the next reads, in time order; false when all are made.
  bool Next(std::size_t count, std::vector<read::Read>* out);

  const std::vector<Camera>& cameras() const { return cameras_; }
  // Plates as the vehicles really carry them (reads may be misread).
  const std::vector<std::string>& plates() const { return plates_; }
  const GeneratorOptions& options() const { return opts_; }
  std::int64_t end_ms() const { return opts_.start_ms + opts_.days * 86'400'000LL; }
  std::vector<std::string> agency_codes() const;

 private:
  GeneratorOptions opts_;
  std::mt19937_64 rng_;
  std::vector<Camera> cameras_;
  std::vector<std::string> plates_;
  std::vector<std::uint8_t> states_;
  std::vector<std::array<std::uint16_t, 3>> favourites_;
  std::uint64_t made_ = 0;
};

}  // namespace interdict::bench
