// The task force's units over HTTP (docs/format/units.md): the registry and
// positions from AVL and ADS-B, with bad input named by index and field.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "http/server.h"
#include "identity/accounts.h"
#include "identity/keys.h"
#include "support/accounts.h"
#include "support/catalog.h"
#include "support/fixtures.h"
#include "support/running_service.h"
#include "support/temp_dir.h"

namespace interdict {
namespace {

class UnitsApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = test::MigratedCatalog(dir_.File("catalog.db"));
    ASSERT_TRUE(db);
    test::AddAgency(*db, "GCPD", "US-MO", "local", "Gateway City PD");
    test::AddUser(*db, 1, "admin", "administrator");
    test::AddUser(*db, 1, "sup", "supervisor");
    test::AddUser(*db, 1, "officer", "officer");
    identity::Accounts accounts(*db, {});
    Result<identity::NewKey> key = identity::CreateKey(
        *db, *accounts.UserPrincipal(1), {"AVL gateway", {"units.report"}, std::nullopt}, 0);
    ASSERT_TRUE(key.ok()) << key.status().message();
    avl_ = key->key;
    running_ = std::make_unique<test::RunningService>(dir_.path(), log_, clock_);
  }
  std::string SignIn(const std::string& user) {
    clock_.Advance(std::chrono::seconds(30));
    return test::SignIn(running_->client(), clock_, user);
  }
  http::ClientResponse Call(const std::string& token, const std::string& method,
                            const std::string& path, const std::string& body = "",
                            const std::string& type = "application/json") {
    return test::Call(running_->client(), token, method, path, body, type);
  }

  test::TempDir dir_;
  FakeClock clock_{1'800'000'000'000};
  Logger log_{[](std::string_view) {}, clock_};
  std::unique_ptr<test::RunningService> running_;
  std::string avl_;
};

TEST_F(UnitsApiTest, ADispatcherRegistersUnitsAndTheirPositionsArriveByAvlAndAdsb) {
  const std::string sup = SignIn("sup");
  auto r = Call(
      sup, "POST", "/api/v1/units",
      R"({"call_sign":"GC-12","kind":"patrol","capabilities":["spikes"],"shift":"07:00-19:00"})");
  ASSERT_EQ(r.status, 201) << r.body;
  r = Call(sup, "POST", "/api/v1/units",
           R"({"call_sign":"AIR 1","kind":"aircraft","icao":"a1b2c3"})");
  ASSERT_EQ(r.status, 201) << r.body;
  r = Call(sup, "POST", "/api/v1/units", R"({"call_sign":"GC-12","kind":"patrol"})");
  EXPECT_EQ(r.status, 409) << r.body;
  r = Call(sup, "POST", "/api/v1/units", R"({"call_sign":"GC-13","kind":"horse"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("kind:"), std::string::npos) << r.body;

  // NDJSON from the AVL gateway: the third line is refused by its field.
  const std::string t = std::to_string(clock_.NowMillis() - 2000);
  r = Call(avl_, "POST", "/api/v1/units/positions",
           R"({"unit":"GC-12","time":)" + t +
               R"(,"lat":38.62,"lon":-90.21,"speed_mps":11})"
               "\n"
               "\n"
               R"({"unit":"GC-12","time":)" +
               t +
               R"(,"lat":38.62,"lon":-190})"
               "\n",
           "application/x-ndjson");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(R"("accepted":1)"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"({"index":1,"field":"lon")"), std::string::npos) << r.body;
  // Not an array, and too many: refused whole, with a JSON body.
  r = Call(avl_, "POST", "/api/v1/units/positions", R"({"unit":"GC-12"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("a JSON array of positions"), std::string::npos) << r.body;
  std::string many = "[";
  for (int i = 0; i < 1001; ++i) many += std::string(i ? "," : "") + "{}";
  r = Call(avl_, "POST", "/api/v1/units/positions", many + "]");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("at most 1000"), std::string::npos) << r.body;

  // The receiver's file: the agency's aircraft kept, the airliner counted.
  std::ifstream in(std::string(INTERDICT_SOURCE_DIR) + "/tests/data/adsb/aircraft.json");
  std::stringstream file;
  file << in.rdbuf();
  r = Call(avl_, "POST", "/api/v1/units/adsb", file.str());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"accepted":1,"not_ours":1,"refused":0,"stale":1,"without_position":1})");
  EXPECT_EQ(Call(avl_, "POST", "/api/v1/units/adsb", "[]").status, 400);

  r = Call(SignIn("officer"), "GET", "/api/v1/units");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(R"("call_sign":"GC-12")"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("source":"avl")"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("source":"adsb")"), std::string::npos) << r.body;

  r = Call(sup, "POST", "/api/v1/units/1/status", R"({"status":"busy"})");
  EXPECT_EQ(r.status, 200) << r.body;
  r = Call(sup, "POST", "/api/v1/units/1/status", R"({"status":"napping"})");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(Call(sup, "POST", "/api/v1/units/99/status", R"({"status":"busy"})").status, 404);
  auto audit = Call(SignIn("admin"), "GET", "/api/v1/audit");
  EXPECT_NE(audit.body.find("unit.status"), std::string::npos);
  EXPECT_NE(audit.body.find("unit.create"), std::string::npos);
}

TEST_F(UnitsApiTest, AUnitsOwnKeyReportsThatUnitAndNothingElse) {
  const std::string sup = SignIn("sup");
  for (const char* body :
       {R"({"call_sign":"GC-12","kind":"patrol"})", R"({"call_sign":"GC-14","kind":"patrol"})"}) {
    ASSERT_EQ(Call(sup, "POST", "/api/v1/units", body).status, 201);
  }
  const std::string admin = SignIn("admin");
  // Scoped to units, a key holds units.report alone.
  EXPECT_EQ(
      Call(
          admin, "POST", "/api/v1/integrations",
          R"({"name":"GC-12 MDT","permissions":["units.report","reads.ingest"],"units":["GC-12"]})")
          .status,
      400);
  auto made = Call(admin, "POST", "/api/v1/integrations",
                   R"({"name":"GC-12 MDT","permissions":["units.report"],"units":["GC-12"]})");
  ASSERT_EQ(made.status, 201) << made.body;
  const std::size_t at = made.body.find(R"("key":")") + 7;
  const std::string key = made.body.substr(at, made.body.find('"', at) - at);
  const std::string now = std::to_string(clock_.NowMillis());
  auto r = Call(key, "POST", "/api/v1/units/positions",
                R"([{"unit":"GC-12","time":)" + now + R"(,"lat":38.62,"lon":-90.19},)" +
                    R"({"unit":"GC-14","time":)" + now + R"(,"lat":38.63,"lon":-90.20}])");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(R"("accepted":1)"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"({"index":1,"field":"unit","message":"this key reports GC-12 only"})"),
            std::string::npos)
      << r.body;
  EXPECT_NE(Call(admin, "GET", "/api/v1/integrations").body.find(R"("units":["GC-12"])"),
            std::string::npos);
  EXPECT_EQ(Call(key, "GET", "/api/v1/units").status, 403) << "it reports; it does not read";
}

// A dump1090 receiver on loopback: GET /dump1090/data/aircraft.json.
class Receiver {
 public:
  explicit Receiver(std::string body) : body_(std::move(body)) {
    router_.Add({"GET", "/dump1090/data/aircraft.json",
                 http::AccessRule::Public("a test's ADS-B receiver"),
                 [this](const http::Request&, const http::PathParams&) {
                   ++gets_;
                   return http::Response::Json(200, body_);
                 }});
    server_ =
        std::make_unique<http::Server>(http::ServerOptions{}, router_, nullptr, log_, metrics_);
    EXPECT_TRUE(server_->Start().ok());
    thread_ = std::thread([this] { server_->Run(); });
  }
  ~Receiver() {
    server_->Shutdown();
    thread_.join();
  }
  std::string url() const { return server_->url() + "/dump1090/data/aircraft.json"; }
  int gets() const { return gets_; }

 private:
  std::string body_;
  std::atomic<int> gets_{0};
  Logger log_{[](std::string_view) {}, Clock::System()};
  metrics::Registry metrics_;
  http::Router router_;
  std::unique_ptr<http::Server> server_;
  std::thread thread_;
};

TEST_F(UnitsApiTest, TheServerPollsTheConfiguredReceiverAndPlacesTheAgencysAircraft) {
  const std::string sup = SignIn("sup");
  ASSERT_EQ(Call(sup, "POST", "/api/v1/units",
                 R"({"call_sign":"AIR 1","kind":"aircraft","icao":"a1b2c3"})")
                .status,
            201);
  // The receiver hears our aircraft and an airliner; the file's time is the
  // service's clock.
  Receiver receiver(
      R"({"now":1800000030.0,"messages":5,"aircraft":[)"
      R"({"hex":"a1b2c3","lat":38.70,"lon":-90.40,"track":90,"speed":110,"seen_pos":1.0},)"
      R"({"hex":"abcdef","lat":38.75,"lon":-90.37,"speed":250,"seen_pos":0.5}]})");
  running_.reset();
  running_ =
      std::make_unique<test::RunningService>(dir_.path(), log_, clock_, [&](config::Config& c) {
        c.units.adsb_url = receiver.url();
        c.units.adsb_agency = "GCPD";
        c.units.adsb_poll_ms = 1'000;
      });
  // The poller runs on its own thread: wait (bounded) for its first poll.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  std::string units;
  while (std::chrono::steady_clock::now() < deadline) {
    units = Call(SignIn("officer"), "GET", "/api/v1/units").body;
    if (units.find(R"("source":"adsb")") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_NE(units.find(R"("lat":38.7,"lon":-90.4)"), std::string::npos) << units;
  EXPECT_NE(units.find(R"("source":"adsb")"), std::string::npos) << units;
  EXPECT_GE(receiver.gets(), 1);
}

TEST(UnitsConfigTest, AReceiverWithoutAnAgencyOrWithAnUnknownOneIsAStartError) {
  config::Config c;
  c.units.adsb_url = "http://127.0.0.1:8080/dump1090/data/aircraft.json";
  EXPECT_NE(c.Validate().message().find("units.adsb_agency"), std::string::npos);
  test::TempDir dir;
  ASSERT_TRUE(test::MigratedCatalog(dir.File("catalog.db")));
  FakeClock clock{1'800'000'000'000};
  Logger log{[](std::string_view) {}, clock};
  c.units.adsb_agency = "NOPE";
  c.data_dir = dir.path();
  c.server.listen.port = 0;
  server::Service service(c, log, clock);
  Status st = service.Start();
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("no agency 'NOPE'"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace interdict
