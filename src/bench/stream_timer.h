// A subscriber to a server's alert stream for the benchmarks that time live
// alerts (bench ingest, bench api): it follows GET /api/v1/alerts/stream on a
// plain socket and stamps the arrival of each hit, keyed by the id of the
// read that raised it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace interdict::bench {

class StreamTimer {
 public:
  using Clock = std::chrono::steady_clock;
  // Connects to 127.0.0.1:port with `token` (an API key or a session).
  StreamTimer(std::uint16_t port, const std::string& token);
  ~StreamTimer();
  StreamTimer(const StreamTimer&) = delete;
  StreamTimer& operator=(const StreamTimer&) = delete;

  // Waits (at most 10 s) for the stream's first frame; false if it never came.
  bool connected();
  std::map<std::string, Clock::time_point> arrivals();

 private:
  void Loop();
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool connected_ = false;
  std::map<std::string, Clock::time_point> arrivals_;
};

}  // namespace interdict::bench
