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
  std::vector<int> Exchange(std::string_view bytes) {
    test::RawSocket s(running_->port());
    EXPECT_TRUE(s.ok());
    s.Send(bytes);
    return test::StatusCodes(s.ReadUntilQuiet(milliseconds(3000)));
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
  test::RawSocket again(running_->port(), "127.0.0.3");
  ASSERT_TRUE(again.ok());
  again.Send("GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  // Slots are given back as the server notices each close: allow it a moment.
  std::vector<int> codes = test::StatusCodes(again.ReadUntilQuiet(milliseconds(3000)));
  for (int tries = 0; codes.empty() && tries < 20; ++tries) {
    test::RawSocket retry(running_->port(), "127.0.0.3");
    retry.Send("GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    codes = test::StatusCodes(retry.ReadUntilQuiet(milliseconds(500)));
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
  // A length beside chunked encoding, and two lengths: a proxy in front could
  // split the stream differently from this server.
  EXPECT_EQ(Exchange("POST /api/v1/auth/login HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /metrics HTTP/1.1\r\n\r\n"),
            std::vector<int>{400});
  EXPECT_EQ(Exchange("POST /api/v1/auth/login HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n"
                     "Content-Length: 7\r\n\r\n{}GET / "),
            std::vector<int>{400});
  EXPECT_EQ(Exchange("POST /api/v1/auth/login HTTP/1.1\r\nHost: a\r\nContent-Length: +2\r\n\r\n{}"),
            std::vector<int>{400});
  // A transfer coding the server does not undo.
  EXPECT_EQ(Exchange("POST /api/v1/auth/login HTTP/1.1\r\nHost: a\r\n"
                     "Transfer-Encoding: gzip, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"),
            std::vector<int>{501});
  // A compressed body is not decompressed.
  EXPECT_EQ(Exchange("POST /api/v1/auth/login HTTP/1.1\r\nHost: a\r\nContent-Encoding: gzip\r\n"
                     "Content-Length: 2\r\n\r\n{}"),
            std::vector<int>{415});
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

}  // namespace
}  // namespace interdict::server
