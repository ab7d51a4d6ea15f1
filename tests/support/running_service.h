// A Service running on loopback in a thread, for tests of the HTTP API.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "http/client.h"
#include "server/service.h"
#include "support/catalog.h"

namespace interdict::test {

// Points `c` at the catalog of its data directory on the suite's engine:
// DATA/catalog.db, or the PostgreSQL database made for that path.
inline void UseSuiteCatalog(config::Config& c) {
  if (!OnPostgres()) return;
  c.catalog.backend = "postgresql";
  c.catalog.postgresql_url = CatalogAt(c.data_dir + "/catalog.db").target;
}

class RunningService {
 public:
  // Starts a service on `data_dir` at an ephemeral loopback port; `tune`
  // may change the configuration first.
  RunningService(const std::string& data_dir, Logger& log, const Clock& clock,
                 const std::function<void(config::Config&)>& tune = {}) {
    config::Config c;
    c.server.listen.port = 0;
    c.data_dir = data_dir;
    // Off unless a test turns them on: with a fake clock no bucket ever
    // refills, and most suites send more than a burst from one address.
    c.rate_limit.address_per_minute = 0;
    c.rate_limit.person_per_minute = 0;
    c.rate_limit.integration_per_minute = 0;
    UseSuiteCatalog(c);
    if (tune) tune(c);
    service_ = std::make_unique<server::Service>(c, log, clock);
    Status st = service_->Start();
    EXPECT_TRUE(st.ok()) << st.message();
    if (!st.ok()) return;
    thread_ = std::thread([this] { service_->Run(); });
    const std::string url = service_->url();
    client_ = std::make_unique<http::Client>(http::ClientOptions::To(
        "127.0.0.1", static_cast<std::uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)))));
  }
  ~RunningService() {
    service_->Shutdown();
    if (thread_.joinable()) thread_.join();
  }
  RunningService(const RunningService&) = delete;
  RunningService& operator=(const RunningService&) = delete;

  server::Service& service() { return *service_; }
  std::uint16_t port() const {
    const std::string url = service_->url();
    return static_cast<std::uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
  }
  http::Client& client() { return *client_; }

 private:
  std::unique_ptr<server::Service> service_;
  std::thread thread_;
  std::unique_ptr<http::Client> client_;
};

}  // namespace interdict::test
