#include "server/service.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "http/client.h"
#include "server/data_dir.h"
#include "support/temp_dir.h"

namespace interdict::server {
namespace {

config::Config TestConfig(const std::string& data) {
  config::Config c;
  c.server.listen.port = 0;
  c.data_dir = data;
  return c;
}

TEST(ServiceTest, EveryRouteDeclaresItsAccessAndPublicOnesAreFewAndJustified) {
  test::TempDir dir;
  Logger log([](std::string_view) {}, Clock::System());
  Service s(TestConfig(dir.path()), log, Clock::System());
  // Routes reachable without credentials, and only these. Adding one is a
  // security decision: it must be added here, with its reason in the route.
  const std::set<std::string> allowed_public = {"GET /healthz", "GET /metrics"};
  ASSERT_FALSE(s.router().routes().empty());
  for (const http::Route& r : s.router().routes()) {
    const std::string name = r.method + " " + r.pattern;
    if (r.access.is_public()) {
      EXPECT_TRUE(allowed_public.count(name)) << name << " is public but not in the allowed list";
      EXPECT_GE(r.access.reason().size(), 10u) << name << " needs a real reason to be public";
    } else {
      EXPECT_FALSE(r.access.permission().empty()) << name;
    }
  }
}

TEST(ServiceTest, HealthzAnswersWithVersionAndUptimeFromTheInjectedClock) {
  test::TempDir dir;
  FakeClock clock(1'800'000'000'000);
  Logger log([](std::string_view) {}, clock);
  Service s(TestConfig(dir.path()), log, clock);
  ASSERT_TRUE(s.Start().ok());
  std::thread t([&] { s.Run(); });
  clock.Advance(std::chrono::seconds(42));
  const std::string url = s.url();
  const auto port = static_cast<std::uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
  http::Client c(http::ClientOptions::To("127.0.0.1", port));
  Result<http::ClientResponse> r = c.Get("/healthz");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->body.find("\"status\":\"ok\""), std::string::npos);
  EXPECT_NE(r->body.find("\"uptime_s\":42"), std::string::npos) << r->body;
  Result<http::ClientResponse> m = c.Get("/metrics");
  EXPECT_EQ(m->status, 200);
  EXPECT_NE(m->body.find(
                "interdict_http_requests_total{method=\"GET\",route=\"/healthz\",code=\"200\"} 1"),
            std::string::npos)
      << m->body;
  s.Shutdown();
  t.join();
}

TEST(ServiceTest, OneDataDirectoryServesOneProcessAtATime) {
  test::TempDir dir;
  Result<DataDir> first = DataDir::Open(dir.path());
  ASSERT_TRUE(first.ok());
  Result<DataDir> second = DataDir::Open(dir.path());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find(dir.path()), std::string::npos);
}

TEST(ServiceTest, NonLoopbackPlaintextIsRefusedAtStart) {
  test::TempDir dir;
  Logger log([](std::string_view) {}, Clock::System());
  config::Config c = TestConfig(dir.path());
  c.server.listen.host = "0.0.0.0";
  Service s(c, log, Clock::System());
  Status st = s.Start();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("insecure-allow-plaintext"), std::string::npos);
}

}  // namespace
}  // namespace interdict::server
