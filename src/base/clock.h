// The one source of time. Everything that reads the time takes a Clock&, so
// tests drive time with FakeClock instead of sleeping.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace interdict {

// Wall-clock time in milliseconds since the Unix epoch, UTC. Reads, audit
// entries and retention are all kept at this resolution.
using UnixMillis = std::int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time. May jump (NTP); use for timestamps, not for durations.
  virtual UnixMillis NowMillis() const = 0;
  // Monotonic time for timeouts and durations; its epoch is arbitrary.
  virtual std::chrono::steady_clock::time_point Monotonic() const = 0;

  // The process-wide real clock. Thread-safe.
  static Clock& System();
};

// A clock that moves only when told to. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(UnixMillis start = 1'700'000'000'000) : now_(start), mono_(0) {}

  UnixMillis NowMillis() const override { return now_.load(); }
  std::chrono::steady_clock::time_point Monotonic() const override {
    return std::chrono::steady_clock::time_point(std::chrono::milliseconds(mono_.load()));
  }

  // Moves both wall and monotonic time forward.
  void Advance(std::chrono::milliseconds d) {
    now_ += d.count();
    mono_ += d.count();
  }
  // Sets wall time only (as an NTP step would); monotonic time is unaffected.
  void SetWall(UnixMillis t) { now_ = t; }

 private:
  std::atomic<UnixMillis> now_;
  std::atomic<std::int64_t> mono_;
};

}  // namespace interdict
