// A real HTTP server on loopback that records what it is sent and answers
// with statuses a test scripts: a CAD system receiving webhooks.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/log.h"
#include "http/server.h"
#include "metrics/registry.h"

namespace interdict::test {

class HttpReceiver {
 public:
  struct Received {
    std::string body, signature, delivery;
  };

  // Answers POST /cad with the next of `statuses`, then 200 once they run out.
  explicit HttpReceiver(std::deque<int> statuses) : statuses_(std::move(statuses)) {
    router_.Add({"POST", "/cad", http::AccessRule::Public("a test's webhook receiver"),
                 [this](const http::Request& req, const http::PathParams&) {
                   std::lock_guard<std::mutex> lock(mu_);
                   received_.push_back({req.body, std::string(req.Header("X-Interdict-Signature")),
                                        std::string(req.Header("X-Interdict-Delivery"))});
                   int status = 200;
                   if (!statuses_.empty()) {
                     status = statuses_.front();
                     statuses_.pop_front();
                   }
                   cv_.notify_all();
                   return http::Response::Json(status, "{}");
                 }});
    server_ =
        std::make_unique<http::Server>(http::ServerOptions{}, router_, nullptr, log_, metrics_);
    Status st = server_->Start();
    EXPECT_TRUE(st.ok()) << st.message();
    thread_ = std::thread([this] { server_->Run(); });
  }
  ~HttpReceiver() {
    server_->Shutdown();
    thread_.join();
  }

  std::string url() const { return server_->url() + "/cad"; }

  // Waits (at most `timeout`) until `n` requests have arrived.
  bool WaitForCount(std::size_t n, std::chrono::seconds timeout = std::chrono::seconds(15)) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return received_.size() >= n; });
  }
  std::vector<Received> received() const {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }

 private:
  Logger log_{[](std::string_view) {}, Clock::System()};
  metrics::Registry metrics_;
  http::Router router_;
  std::unique_ptr<http::Server> server_;
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<int> statuses_;
  std::vector<Received> received_;
};

}  // namespace interdict::test
