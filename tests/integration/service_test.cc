#include "server/service.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "base/error_codes.h"
#include "http/client.h"
#include "identity/admin.h"
#include "server/data_dir.h"
#include "support/accounts.h"
#include "support/catalog.h"
#include "support/running_service.h"
#include "support/temp_dir.h"

namespace interdict::server {
namespace {

config::Config TestConfig(const std::string& data) {
  config::Config c;
  c.server.listen.port = 0;
  c.data_dir = data;
  test::UseSuiteCatalog(c);
  return c;
}

TEST(ServiceTest, EveryRouteDeclaresItsAccessAndPublicOnesAreFewAndJustified) {
  test::TempDir dir;
  Logger log([](std::string_view) {}, Clock::System());
  Service s(TestConfig(dir.path()), log, Clock::System());
  // Routes reachable without credentials, and only these. Adding one is a
  // security decision: it must be added here, with its reason in the route.
  const std::set<std::string> allowed_public = {
      "GET /healthz", "GET /metrics", "POST /api/v1/auth/login", "POST /api/v1/auth/enrol",
      "POST /api/v1/auth/enrol/confirm", "GET /api/v1/auth/banner",
      // Single sign-on (decision 0038): it is sign-in, authorized by the
      // state, the provider's signed token and a one-time ticket.
      "GET /api/v1/auth/sso/{agency}/start", "GET /api/v1/auth/sso/callback",
      "POST /api/v1/auth/sso/redeem",
      // The public transparency report: configuration and aggregates only.
      "GET /api/v1/transparency",
      // Evaluations of outcomes an administrator chose to publish: monthly
      // crime counts by area and the methods' figures, the agency, no person.
      "GET /api/v1/transparency/evaluations", "GET /api/v1/transparency/evaluations/{id}/report",
      // The web console's page and bundles: code,
      // no data (docs/console.md).
      "GET /", "GET /hits", "GET /hits/{id}", "GET /search", "GET /dispatch", "GET /deconfliction",
      "GET /bolos", "GET /intel", "GET /hotlists", "GET /admin", "GET /audit", "GET /review",
      "GET /disparity", "GET /outcomes", "GET /records", "GET /transparency", "GET /assets/{file}"};
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

// docs/openapi.yaml describes exactly the routes the service serves.
TEST(ServiceTest, TheOpenApiDocumentListsEveryRouteAndNoOther) {
  test::TempDir dir;
  Logger log([](std::string_view) {}, Clock::System());
  Service s(TestConfig(dir.path()), log, Clock::System());
  std::set<std::string> served, documented;
  for (const http::Route& r : s.router().routes()) served.insert(r.method + " " + r.pattern);
  std::ifstream in(std::string(INTERDICT_SOURCE_DIR) + "/docs/openapi.yaml");
  ASSERT_TRUE(in) << "docs/openapi.yaml";
  std::string line, path;
  bool in_paths = false;
  while (std::getline(in, line)) {
    if (line == "paths:") in_paths = true;
    if (!in_paths) continue;
    if (line.rfind("  /", 0) == 0 && line.back() == ':') {
      path = line.substr(2, line.size() - 3);
    } else if (line.size() > 5 && line.rfind("    ", 0) == 0 && line[4] != ' ' &&
               line.back() == ':' && !path.empty()) {
      std::string method = line.substr(4, line.size() - 5);
      if (method == "parameters") continue;
      for (char& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      documented.insert(method + " " + path);
    }
  }
  EXPECT_EQ(documented, served);
}

// docs/openapi.yaml's ErrorCode lists exactly the codes the server can send:
// the generic ones written where responses are made (src/), and every reason
// a Status can carry (base/error_codes.h). A client can then handle them all.
TEST(ServiceTest, TheOpenApiDocumentListsEveryErrorCodeAndNoOther) {
  std::set<std::string> sent(std::begin(codes::kAll), std::end(codes::kAll));
  // Response::Error(404, "not_found", ...), SendError(413, "payload_too_large", ...) and
  // ErrorResponse's code("conflict"): the code is the first string literal after the call.
  const auto codes_made_in = [&](const std::string& s) {
    for (const std::string_view call : {"Response::Error(", "SendError(", "code("}) {
      for (std::size_t at = s.find(call); at != std::string::npos; at = s.find(call, at + 1)) {
        // "code(" only as a name of its own, not the end of Decode( or Encode(.
        if (at > 0 && (std::isalnum(static_cast<unsigned char>(s[at - 1])) || s[at - 1] == '_'))
          continue;
        std::size_t i = at + call.size();
        while (i < s.size() && (std::isspace(static_cast<unsigned char>(s[i])) ||
                                std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == ',')) {
          ++i;
        }
        if (i >= s.size() || s[i] != '"') continue;
        const std::size_t close = s.find('"', i + 1);
        const std::string code = s.substr(i + 1, close - i - 1);
        if (!code.empty() &&
            code.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") == std::string::npos) {
          sent.insert(code);
        }
      }
    }
  };
  for (const auto& f :
       std::filesystem::recursive_directory_iterator(std::string(INTERDICT_SOURCE_DIR) + "/src")) {
    if (f.path().extension() != ".cc" && f.path().extension() != ".h") continue;
    std::ifstream file(f.path());
    std::stringstream text;
    text << file.rdbuf();
    codes_made_in(text.str());
  }
  std::ifstream in(std::string(INTERDICT_SOURCE_DIR) + "/docs/openapi.yaml");
  ASSERT_TRUE(in) << "docs/openapi.yaml";
  std::string line, list;
  bool in_codes = false;
  while (std::getline(in, line)) {
    if (line == "    ErrorCode:") in_codes = true;
    if (!in_codes) continue;
    if (line.find("enum: [") != std::string::npos)
      list = line.substr(line.find('[') + 1);
    else if (!list.empty())
      list += line;
    if (!list.empty() && list.find(']') != std::string::npos) break;
  }
  std::set<std::string> documented;
  std::stringstream items(list.substr(0, list.find(']')));
  for (std::string item; std::getline(items, item, ',');) {
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    documented.insert(item);
  }
  EXPECT_EQ(documented, sent);
}

// A data directory with its first agency and administrator.
void InitAgency(const test::TempDir& dir) {
  auto db = test::MigratedCatalog(dir.File("catalog.db"));
  ASSERT_TRUE(
      identity::InitCatalog(
          *db, {"STLPD", "St. Louis PD", "MO0950000", "MO", "local", "alice", "Alice Smith"}, 0)
          .ok());
}

// The service's log lines, kept for the test to read.
struct CapturedLog {
  std::vector<std::string> lines;
  std::mutex mu;
  Logger log{[this](std::string_view line) {
               std::lock_guard l(mu);
               lines.emplace_back(line);
             },
             Clock::System()};
};

// The audit chain's head is published in the log at start and at shutdown,
// so a rewritten chain shows against heads already on record (decision 0017).
TEST(ServiceTest, TheAuditHeadIsLoggedAtStartAndShutdown) {
  test::TempDir dir;
  InitAgency(dir);
  CapturedLog captured;
  std::vector<std::string>& lines = captured.lines;
  Logger& log = captured.log;
  {
    Service s(TestConfig(dir.path()), log, Clock::System());
    ASSERT_TRUE(s.Start().ok());
    std::thread t([&] { s.Run(); });
    s.Shutdown();
    t.join();
  }
  int heads = 0;
  for (const std::string& l : lines) {
    if (l.find("audit trail head at") != std::string::npos) {
      ++heads;
      EXPECT_NE(l.find("seq=1"), std::string::npos) << l;
      EXPECT_NE(l.find("hash="), std::string::npos) << l;
    }
  }
  EXPECT_EQ(heads, 2);
}

TEST(ServiceTest, AFailedAuditWriteRefusesTheActAndRaisesTheAlarmAndTheClockIsReported) {
  test::TempDir dir;
  InitAgency(dir);
  CapturedLog captured;
  std::vector<std::string>& lines = captured.lines;
  std::mutex& mu = captured.mu;
  Logger& log = captured.log;
  Service s(TestConfig(dir.path()), log, Clock::System());
  ASSERT_TRUE(s.Start().ok());
  std::thread t([&] { s.Run(); });
  struct Stop {
    Service& s;
    std::thread& t;
    ~Stop() {
      s.Shutdown();
      t.join();
    }
  };
  std::optional<Stop> stop(std::in_place, s, t);
  const std::string url = s.url();
  const auto port = static_cast<std::uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
  http::Client c(http::ClientOptions::To("127.0.0.1", port));
  // The clock was checked at start: one line either way, and the gauges.
  Result<http::ClientResponse> m = c.Get("/metrics");
  ASSERT_TRUE(m.ok());
  EXPECT_NE(m->body.find("interdict_clock_synchronized "), std::string::npos);
  EXPECT_NE(m->body.find("interdict_clock_max_error_seconds "), std::string::npos);
  const std::string series = "\ninterdict_audit_write_failures_total ";
  const auto before = m->body.find(series);
  ASSERT_NE(before, std::string::npos) << m->body;
  const std::int64_t failures_before = std::stoll(m->body.substr(before + series.size()));
  {
    // A disk that refuses the audit's writes (here: a trigger).
    auto db = catalog::Database::Open(test::CatalogAt(dir.File("catalog.db")));
    ASSERT_TRUE(test::BreakAuditWrites(**db, "disk I/O error").ok());
  }
  // A sign-in is audited, so it cannot happen without its entry.
  Result<http::ClientResponse> r =
      c.Send("POST", "/api/v1/auth/login",
             R"({"username":"nobody","password":"x","code":"000000","banner":")" +
                 test::BannerVersion(c) + R"("})",
             {{"Content-Type", "application/json"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 500) << r->body;
  bool logged = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!logged && std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard l(mu);
      for (const std::string& line : lines)
        logged = logged || line.find("audit writes failed") != std::string::npos;
    }
    if (!logged) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(logged) << "an error in the log within a round of the background thread";
  m = c.Get("/metrics");
  const auto after = m->body.find(series);
  ASSERT_NE(after, std::string::npos);
  EXPECT_GT(std::stoll(m->body.substr(after + series.size())), failures_before);
  stop.reset();
  std::lock_guard l(mu);
  int clock_lines = 0;
  for (const std::string& line : lines) {
    if (line.find("the clock is") != std::string::npos) ++clock_lines;
    if (line.find("audit writes failed") != std::string::npos) {
      EXPECT_NE(line.find("level=error"), std::string::npos) << line;
    }
  }
  EXPECT_EQ(clock_lines, 1);
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
