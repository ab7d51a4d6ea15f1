// Live traffic for a running server (`interdict demo`, `interdict sim --live`):
// the simulated region's reads, sent as each agency's vendor would send them
// (OpenALPR `alpr_group` messages, native JSON arrays, CSV batches) with its
// feed key, in accelerated time. Read times are the moment of sending, so the
// server sees live reads; the day's order and rhythm come from the simulator.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "base/clock.h"
#include "base/log.h"
#include "demo/seed.h"
#include "sim/traffic.h"

namespace interdict::demo {

struct FeederOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  bool tls = false;
  double speed = 20;  // simulated seconds per real second
  // A stolen vehicle passes a city camera this long after the start, so the
  // first hit reaches the board within a minute of opening the console.
  std::int64_t first_hit_after_ms = 15'000;
  // Then another listed car passes a city camera this often (0: never), so
  // hits keep coming whatever the hour (the simulated traffic is thin at
  // night, and the region's own hits then come minutes apart).
  std::int64_t hit_every_ms = 0;
  // Reads that carry a plate crop: every read of a listed car, and this share
  // of the others (each crop costs the server an fsync).
  double crop_share = 0.01;
};

struct FeederStats {
  std::atomic<std::uint64_t> sent{0}, accepted{0}, rejected{0}, failed_requests{0}, crops{0};
};

class Feeder {
 public:
  Feeder(const sim::Traffic& traffic, DemoSecrets secrets, FeederOptions options,
         const Clock& clock, Logger& log);
  ~Feeder();  // stops
  void Start();
  void Stop();
  const FeederStats& stats() const { return stats_; }

 private:
  void Run();
  const sim::Traffic& traffic_;
  DemoSecrets secrets_;
  FeederOptions opts_;
  const Clock& clock_;
  Logger& log_;
  FeederStats stats_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// The bodies each vendor sends (exposed for tests). OpenALPR reads go as the
// agent's `alpr_group`, a plate crop inside `best_plate.plate_crop_jpeg` (the
// bytes are PNG, told apart by their signature), with the vehicle attributes.
std::string OpenAlprGroup(const read::Read& r, std::string_view crop = {});
std::string NativeBatch(const std::vector<const read::Read*>& reads);
std::string CsvBatch(const std::vector<const read::Read*>& reads);

}  // namespace interdict::demo
