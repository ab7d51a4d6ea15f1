// A background thread of the cluster's (the loader, the purge): runs a round,
// waits as long as the round asks, and again, until the object goes. Failed
// rounds are logged the 1st, 2nd, 4th, 8th … time in a row, so an outage
// does not flood the log.
#pragma once

#include <bit>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "base/log.h"
#include "base/status.h"

namespace interdict::cluster {

class Worker {
 public:
  // `round` does one round; `then` says how long to wait after it (the
  // round's status given). `what` names the work in the log.
  Worker(std::string what, Logger& log, std::function<Status()> round,
         std::function<std::chrono::milliseconds(const Status&)> then)
      : what_(std::move(what)), log_(log), round_(std::move(round)), then_(std::move(then)) {}
  ~Worker() {
    {
      std::lock_guard l(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Starts the rounds, the first after `first_after`.
  void Start(std::chrono::milliseconds first_after = std::chrono::milliseconds(0)) {
    thread_ = std::thread([this, first_after] {
      std::uint64_t failures = 0;
      for (std::chrono::milliseconds wait = first_after;;) {
        {
          std::unique_lock l(mu_);
          if (cv_.wait_for(l, wait, [this] { return stop_; })) return;
        }
        const Status st = round_();
        if (st.ok()) {
          failures = 0;
        } else if (std::has_single_bit(++failures)) {
          log_.Warn(what_ + " failed; trying again",
                    {{"error", st.message()}, {"failures", std::to_string(failures)}});
        }
        wait = then_(st);
      }
    });
  }

 private:
  std::string what_;
  Logger& log_;
  std::function<Status()> round_;
  std::function<std::chrono::milliseconds(const Status&)> then_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace interdict::cluster
