// The Interdict service: the HTTP API over the components, configured from a
// Config. Owns the data directory, the routes, the metrics and the server.
#pragma once

#include <memory>
#include <string>

#include "base/clock.h"
#include "base/log.h"
#include "base/status.h"
#include "config/config.h"
#include "http/router.h"

namespace interdict::server {

class Service {
 public:
  // `log` and `clock` must outlive the service.
  Service(config::Config config, Logger& log, const Clock& clock);
  ~Service();

  // Opens the data directory and starts listening.
  Status Start();
  // The base URL actually bound ("http://127.0.0.1:8480").
  std::string url() const;
  // Serves until Shutdown() has drained in-flight requests.
  void Run();
  // Thread-safe; returns at once.
  void Shutdown();

  // The routes, for tests that check every route's access rule.
  const http::Router& router() const;
  // Answers one request in-process exactly as a connection would (after
  // Start): for the HTTP fuzz target.
  http::Response Handle(http::Request& req);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace interdict::server
