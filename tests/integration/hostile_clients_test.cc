// Hostile clients against the real service on loopback (issue 18): slow
// headers and bodies from many connections, a flood of connections from one
// machine, pipelined garbage, request smuggling shapes, invalid UTF-8 and NUL
// bytes. Throughout, an ordinary client on another address is served, and
// every hostile connection ends by the server's own timeouts. Loops are
// bounded in count and time; traffic goes to 127.0.0.0/8 only.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <vector>

#include "http/client.h"
#include "identity/keys.h"
#include "support/accounts.h"
#include "support/catalog.h"
#include "support/raw_socket.h"
#include "support/running_service.h"
#include "support/temp_dir.h"

namespace interdict::server {
namespace {

using std::chrono::milliseconds;

class HostileClientsTest : public ::testing::Test {
 protected:
  void Start(int per_address) {
    running_ = std::make_unique<test::RunningService>(
        dir_.path(), log_, clock_, [per_address](config::Config& c) {
          c.server.idle_timeout_s = 1;
          c.server.request_timeout_s = 1;
          c.server.max_connections_per_address = per_address;
        });
  }
  bool Healthy() {
    Result<http::ClientResponse> r = running_->client().Get("/healthz");
    return r.ok() && r->status == 200;
  }
  // One whole exchange on a fresh connection: every response's status.
  std::vector<int> Exchange(std::string_view bytes, const char* source = "127.0.0.1") {
    return test::StatusCodes(test::Exchange(running_->port(), bytes, source));
  }

  test::TempDir dir_;
  const Clock& clock_ = Clock::System();  // the server's timeouts are real time
  Logger log_{[](std::string_view) {}, clock_};
  std::unique_ptr<test::RunningService> running_;
};

TEST_F(HostileClientsTest, SlowHeadersAndBodiesFromManyConnectionsNeitherBlockOthersNorStayOpen) {
  Start(/*per_address=*/400);
  std::vector<test::RawSocket> slow;
  for (int i = 0; i < 150; ++i) {
    slow.emplace_back(running_->port(), "127.0.0.2");
    ASSERT_TRUE(slow.back().ok());
    slow.back().Send("GET /healthz HTTP/1.1\r\nHost: a\r\nX-Slow: ");  // headers never end
  }
  for (int i = 0; i < 150; ++i) {
    slow.emplace_back(running_->port(), "127.0.0.2");
    ASSERT_TRUE(slow.back().ok());
    // A body promised and never sent.
    slow.back().Send(
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n{");
  }
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(Healthy()) << "an ordinary client was not served";
  // The server's timeouts (1 s here) end every one of them.
  for (std::size_t i = 0; i < slow.size(); ++i) {
    EXPECT_TRUE(slow[i].ClosedByPeerWithin(milliseconds(8000))) << "connection " << i;
  }
  EXPECT_TRUE(Healthy());
}

TEST_F(HostileClientsTest, AFloodOfConnectionsFromOneAddressLeavesRoomForOthers) {
  Start(/*per_address=*/20);
  std::vector<test::RawSocket> flood;
  for (int i = 0; i < 60; ++i) flood.emplace_back(running_->port(), "127.0.0.3");
  int closed_at_once = 0;
  for (auto& s : flood) closed_at_once += s.ClosedByPeerWithin(milliseconds(300)) ? 1 : 0;
  EXPECT_GE(closed_at_once, 40) << "the connections past 20 from one address are closed";
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(Healthy());
  const std::string metrics = running_->client().Get("/metrics")->body;
  EXPECT_NE(metrics.find("interdict_http_refused_connections_per_address_total 40"),
            std::string::npos)
      << metrics.substr(0, 400);
  flood.clear();  // the address's slots come back
  // Slots are given back as the server notices each close: allow it a moment.
  std::vector<int> codes;
  for (int tries = 0; codes.empty() && tries < 20; ++tries) {
    codes = Exchange("GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", "127.0.0.3");
  }
  EXPECT_EQ(codes, std::vector<int>{200});
}

TEST_F(HostileClientsTest, PipelinedGarbageGetsTheGoodRequestsAnswerThenA400AndAClose) {
  Start(400);
  test::RawSocket s(running_->port());
  ASSERT_TRUE(s.ok());
  s.Send("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n\x16\x03\x01 garbage \x00\xff\r\n\r\n");
  const std::string wire = s.ReadUntilQuiet(milliseconds(3000));
  EXPECT_EQ(test::StatusCodes(wire), (std::vector<int>{200, 400})) << wire;
  EXPECT_TRUE(s.ClosedByPeerWithin(milliseconds(3000)));
  EXPECT_TRUE(Healthy());
}

TEST_F(HostileClientsTest, RequestSmugglingShapesAreRefusedBeforeAnyRoute) {
  Start(400);
  const struct {
    const char* why;
    std::string headers_and_body;  // after the request line
    int want;
  } kShapes[] = {
      // A proxy in front could split these streams differently from this server.
      {"a length beside chunked encoding",
       "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /metrics "
       "HTTP/1.1\r\n\r\n",
       400},
      {"two lengths", "Content-Length: 2\r\nContent-Length: 7\r\n\r\n{}GET / ", 400},
      {"a signed length", "Content-Length: +2\r\n\r\n{}", 400},
      {"a transfer coding the server does not undo",
       "Transfer-Encoding: gzip, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", 501},
      {"a compressed body", "Content-Encoding: gzip\r\nContent-Length: 2\r\n\r\n{}", 415},
  };
  for (const auto& shape : kShapes) {
    EXPECT_EQ(Exchange("POST /api/v1/auth/login HTTP/1.1\r\nHost: a\r\n" + shape.headers_and_body),
              std::vector<int>{shape.want})
        << shape.why;
  }
  EXPECT_TRUE(Healthy());
}

TEST_F(HostileClientsTest, InvalidUtf8AndNulBytesAreRefusedWithoutHarm) {
  Start(400);
  EXPECT_EQ(Exchange(std::string("GET /hea\0lthz HTTP/1.1\r\nHost: a\r\n\r\n", 36)),
            std::vector<int>{400});
  EXPECT_EQ(Exchange("GET /api/v1/transparency%00%ff HTTP/1.1\r\nHost: a\r\n\r\n"),
            std::vector<int>{404});
  const std::vector<int> header =
      Exchange("GET /healthz HTTP/1.1\r\nHost: a\r\nX-Name: \xff\xfe\xc0\xaf\r\n\r\n");
  ASSERT_EQ(header.size(), 1u);
  EXPECT_LT(header[0], 500);
  auto login = [&](const std::string& body) {
    return running_->client().Send("POST", "/api/v1/auth/login", body);
  };
  Result<http::ClientResponse> bad_utf8 =
      login("{\"username\":\"ana\xff\",\"password\":\"x\",\"code\":\"1\"}");
  ASSERT_TRUE(bad_utf8.ok());
  EXPECT_EQ(bad_utf8->status, 400);
  EXPECT_NE(bad_utf8->body.find("Invalid encoding"), std::string::npos) << bad_utf8->body;
  Result<http::ClientResponse> nul =
      login(R"({"username":"analyst\u0000admin","password":"x","code":"1"})");
  ASSERT_TRUE(nul.ok());
  EXPECT_EQ(nul->status, 400);
  EXPECT_NE(nul->body.find("NUL"), std::string::npos) << nul->body;
  EXPECT_TRUE(Healthy());
}

TEST_F(HostileClientsTest, OversizedHeadersGet431) {
  Start(400);
  EXPECT_EQ(Exchange("GET /healthz HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(20000, 'a') +
                     "\r\n\r\n"),
            std::vector<int>{431});
  EXPECT_TRUE(Healthy());
}

// Rate limits (issue 18): a misconfigured camera or a scraper of the public
// report spends only its own tokens. The clock is a fake one: buckets refill
// only when the test moves it.
class RateLimitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = test::MigratedCatalog(
        dir_.File("catalog.db"),
        {"INSERT INTO agencies (code, name, ori, state, kind, created_at) VALUES "
         "('STLPD', 'St. Louis PD', 'MO0950000', 'US-MO', 'local', 0)"});
    ASSERT_TRUE(db);
    test::AddUser(*db, 1, "admin", "administrator");
    test::AddUser(*db, 1, "analyst", "analyst");
    identity::Accounts accounts(*db, {});
    for (std::string* key : {&camera_a_, &camera_b_}) {
      Result<identity::NewKey> k = identity::CreateKey(
          *db, *accounts.UserPrincipal(1), {"camera", {"reads.ingest"}, std::nullopt}, 0);
      ASSERT_TRUE(k.ok()) << k.status().message();
      *key = k->key;
    }
    running_ =
        std::make_unique<test::RunningService>(dir_.path(), log_, clock_, [](config::Config& c) {
          c.rate_limit.address_per_minute = 60;  // one a second
          c.rate_limit.address_burst = 5;
          c.rate_limit.person_per_minute = 600;
          c.rate_limit.person_burst = 8;
          c.rate_limit.integration_per_minute = 120;  // two a second
          c.rate_limit.integration_burst = 10;
        });
  }
  int PostReads(const std::string& key) {
    Result<http::ClientResponse> r = running_->client().Send("POST", "/api/v1/reads", "[]",
                                                             {{"Authorization", "Bearer " + key}});
    EXPECT_TRUE(r.ok());
    if (r.ok() && r->status == 429) retry_after_ = std::string(r->Header("Retry-After"));
    return r.ok() ? r->status : 0;
  }

  test::TempDir dir_;
  FakeClock clock_{1'800'000'000'000};
  Logger log_{[](std::string_view) {}, clock_};
  std::unique_ptr<test::RunningService> running_;
  std::string camera_a_, camera_b_, retry_after_;
};

TEST_F(RateLimitTest, AMisconfiguredCameraIsHeldToItsRateAndOtherCamerasAreNot) {
  for (int i = 0; i < 10; ++i) EXPECT_NE(PostReads(camera_a_), 429) << i;
  EXPECT_EQ(PostReads(camera_a_), 429);
  EXPECT_EQ(retry_after_, "1");
  for (int i = 0; i < 10; ++i) EXPECT_NE(PostReads(camera_b_), 429) << "camera B, " << i;
  clock_.Advance(std::chrono::seconds(1));  // two tokens back
  EXPECT_NE(PostReads(camera_a_), 429);
  EXPECT_NE(PostReads(camera_a_), 429);
  EXPECT_EQ(PostReads(camera_a_), 429);
  const std::string metrics = running_->client().Get("/metrics")->body;
  EXPECT_NE(metrics.find(R"(interdict_rate_limited_total{principal="integration"} 2)"),
            std::string::npos)
      << metrics;
}

TEST_F(RateLimitTest, APublicRouteIsLimitedPerAddressAndOtherAddressesAreServed) {
  auto transparency_from = [&](const char* source) {
    const std::string wire = test::Exchange(
        running_->port(),
        "GET /api/v1/transparency HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", source);
    const std::vector<int> codes = test::StatusCodes(wire);
    if (!codes.empty() && codes[0] == 429) {
      EXPECT_NE(wire.find("Retry-After: 1"), std::string::npos) << wire;
      EXPECT_NE(wire.find("rate_limited"), std::string::npos) << wire;
    }
    return codes.empty() ? 0 : codes[0];
  };
  for (int i = 0; i < 5; ++i) EXPECT_EQ(transparency_from("127.0.0.2"), 200) << i;
  EXPECT_EQ(transparency_from("127.0.0.2"), 429);
  EXPECT_EQ(transparency_from("127.0.0.1"), 200) << "another address has its own tokens";
  // Liveness is never throttled.
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(test::StatusCodes(test::Exchange(
                  running_->port(), "GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
                  "127.0.0.2")),
              std::vector<int>{200});
  }
}

TEST_F(RateLimitTest, GuessingCredentialsSpendsTheAddresssTokensNotASignedInPersons) {
  http::HeaderList bad = {{"Authorization", "Bearer not-a-real-token"}};
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(running_->client().Send("GET", "/api/v1/me", "", bad)->status, 401) << i;
  }
  EXPECT_EQ(running_->client().Send("GET", "/api/v1/me", "", bad)->status, 429);
  // A camera on the same address still sends: its key is its own principal.
  EXPECT_NE(PostReads(camera_a_), 429);
}

TEST_F(RateLimitTest, APersonIsHeldToTheirOwnRate) {
  clock_.Advance(std::chrono::seconds(30));
  const std::string token = test::SignIn(running_->client(), clock_, "analyst");
  ASSERT_FALSE(token.empty());
  int limited = 0;
  for (int i = 0; i < 9; ++i) {
    limited += test::Call(running_->client(), token, "GET", "/api/v1/me").status == 429 ? 1 : 0;
  }
  EXPECT_EQ(limited, 1) << "a burst of 8, then 429";
}

}  // namespace
}  // namespace interdict::server
