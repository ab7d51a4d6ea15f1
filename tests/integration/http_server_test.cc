// The HTTP server on a real loopback socket: limits, errors, TLS and the
// graceful drain. No sleeps: in-flight requests are held with promises.
#include "http/server.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <filesystem>
#include <future>
#include <thread>

#include "base/clock.h"
#include "http/client.h"
#include "http/event_stream.h"
#include "support/process.h"
#include "support/raw_socket.h"
#include "support/temp_dir.h"

namespace interdict::http {
namespace {

class ServerFixture : public ::testing::Test {
 protected:
  void Start(ServerOptions opts = {}, AccessGate gate = nullptr) {
    opts.host = "127.0.0.1";
    opts.port = 0;
    server_ = std::make_unique<Server>(std::move(opts), router_, std::move(gate), log_, metrics_);
    ASSERT_TRUE(server_->Start().ok());
    thread_ = std::thread([this] { server_->Run(); });
  }
  void Stop() {
    if (!server_) return;
    server_->Shutdown();
    thread_.join();
    server_.reset();
  }
  void TearDown() override { Stop(); }

  Client MakeClient() { return Client(ClientOptions::To("127.0.0.1", server_->port())); }

  std::vector<std::string> log_lines_;
  Logger log_{[this](std::string_view l) { log_lines_.emplace_back(l); }, Clock::System()};
  metrics::Registry metrics_;
  Router router_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
};

Handler Echo() {
  return [](const Request& r, const PathParams&) {
    return Response::Json(200, "{\"bytes\":" + std::to_string(r.body.size()) + "}");
  };
}

TEST_F(ServerFixture, ServesRoutesAndJsonErrorsOnLoopback) {
  router_.Add({"POST", "/echo", AccessRule::Public("test"), Echo()});
  Start();
  Client c = MakeClient();
  Result<ClientResponse> ok = c.Send("POST", "/echo", "hello");
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, "{\"bytes\":5}");
  EXPECT_EQ(ok->Header("Cache-Control"), "no-store");

  Result<ClientResponse> missing = c.Get("/nowhere");
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(missing->Header("Content-Type"), "application/json");
  EXPECT_NE(missing->body.find("\"code\":\"not_found\""), std::string::npos);

  Result<ClientResponse> wrong = c.Get("/echo");
  EXPECT_EQ(wrong->status, 405);
  EXPECT_EQ(wrong->Header("Allow"), "POST");
}

TEST_F(ServerFixture, AClientRefusesAnAnswerLongerThanItsLimitBeforeHoldingIt) {
  router_.Add({"GET", "/big", AccessRule::Public("a test's oversized answer"),
               [](const Request&, const PathParams&) {
                 return Response::Text(200, std::string(2 << 20, 'x'));
               }});
  Start();
  ClientOptions o = ClientOptions::To("127.0.0.1", server_->port());
  o.max_body_bytes = 1 << 20;
  Client limited(o);
  Result<ClientResponse> r = limited.Get("/big");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("body limit"), std::string::npos) << r.status().message();
  Result<ClientResponse> whole = MakeClient().Get("/big");
  ASSERT_TRUE(whole.ok()) << "the default limit is far above it";
  EXPECT_EQ(whole->body.size(), std::size_t{2} << 20);
}

TEST_F(ServerFixture, OversizedBodyGets413AndTheServerStaysUp) {
  router_.Add({"POST", "/echo", AccessRule::Public("test"), Echo()});
  ServerOptions o;
  o.max_body_bytes = 1024;
  Start(o);
  Client c = MakeClient();
  Result<ClientResponse> big = c.Send("POST", "/echo", std::string(4096, 'x'));
  ASSERT_TRUE(big.ok()) << big.status().message();
  EXPECT_EQ(big->status, 413);
  EXPECT_NE(big->body.find("payload_too_large"), std::string::npos);
  // A chunked body that grows past the limit is cut off too.
  Client raw = MakeClient();
  Result<std::string> chunked =
      raw.SendRaw("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n" +
                  std::string(2048, 'y') + "\r\n0\r\n\r\n");
  ASSERT_TRUE(chunked.ok());
  EXPECT_NE(chunked->find("413"), std::string::npos) << *chunked;
  EXPECT_EQ(MakeClient().Send("POST", "/echo", "small")->status, 200);
}

TEST_F(ServerFixture, ACompressedBodyIsRefusedWith415NotDecompressed) {
  router_.Add({"POST", "/echo", AccessRule::Public("test"), Echo()});
  Start();
  Client c = MakeClient();
  Result<ClientResponse> gz =
      c.Send("POST", "/echo", std::string("\x1f\x8b\x08\x00", 4), {{"Content-Encoding", "gzip"}});
  ASSERT_TRUE(gz.ok()) << gz.status().message();
  EXPECT_EQ(gz->status, 415);
  EXPECT_NE(gz->body.find("Content-Encoding gzip is not accepted"), std::string::npos) << gz->body;
  Result<ClientResponse> plain = c.Send("POST", "/echo", "{}", {{"Content-Encoding", "identity"}});
  EXPECT_EQ(plain->status, 200);
}

TEST_F(ServerFixture, AnEventSubscriberThatNeverReadsIsCutOffAndOthersAreServed) {
  // The stream's queue is capped (1 MiB here; 4 MiB for the alert stream):
  // a stalled reader costs at most that plus the kernel's socket buffers.
  auto stream = std::make_shared<EventStream>(1u << 20);
  router_.Add(
      {"GET", "/events", AccessRule::Public("test"), [stream](const Request&, const PathParams&) {
         Response res;
         res.content_type = "text/event-stream";
         res.stream = stream;
         return res;
       }});
  router_.Add({"GET", "/ok", AccessRule::Public("test"), Echo()});
  Start();
  test::RawSocket stalled(server_->port());
  ASSERT_TRUE(stalled.ok());
  ASSERT_TRUE(stalled.Send("GET /events HTTP/1.1\r\nHost: a\r\n\r\n"));  // and never reads
  const std::string event = "data: " + std::string(64 * 1024, 'x') + "\n\n";
  std::size_t pushed = 0;
  // Bounded: 256 MiB at most, far past the cap and any socket buffer.
  while (pushed < (256u << 20) && stream->Push(event)) {
    pushed += event.size();
    if (pushed % (8u << 20) < event.size()) {
      Result<ClientResponse> other = MakeClient().Get("/ok");
      ASSERT_TRUE(other.ok() && other->status == 200) << "others were not served";
    }
  }
  EXPECT_TRUE(stream->closed()) << "the stalled subscriber was never cut off";
  EXPECT_LT(pushed, 64u << 20) << "cut off only after " << pushed << " bytes";
  Result<ClientResponse> after = MakeClient().Get("/ok");
  EXPECT_EQ(after->status, 200);
}

TEST_F(ServerFixture, StalledBodiesCannotMakeTheServerHoldMoreThanItsBodyBudget) {
  router_.Add({"POST", "/echo", AccessRule::Public("test"), Echo()});
  ServerOptions o;
  o.max_inflight_body_bytes = 3000;
  o.max_inflight_body_bytes_per_address = 1000;
  Start(o);
  // A request declaring `length` bytes of body and sending `send` of them.
  auto post = [](std::size_t length, std::size_t send) {
    return "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: " + std::to_string(length) +
           "\r\n\r\n" + std::string(send, 'x');
  };
  // 127.0.0.2 stalls 800 bytes into its share; a second body of 800 from it
  // would pass 1000 and is refused before it is read.
  // A stalled body is reserved once the server has read its headers, which it
  // does on its own thread: probes retry (bounded) until they see it.
  auto probe = [&](const char* from, std::size_t length, int want) {
    std::string wire;
    for (int tries = 0; tries < 50; ++tries) {
      wire = test::Exchange(server_->port(), post(length, length), from,
                            std::chrono::milliseconds(1000));
      if (test::StatusCodes(wire) == std::vector<int>{want}) break;
    }
    return wire;
  };
  test::RawSocket stalled(server_->port(), "127.0.0.2");
  stalled.Send(post(800, 10));
  const std::string refused = probe("127.0.0.2", 800, 503);
  EXPECT_EQ(test::StatusCodes(refused), std::vector<int>{503}) << refused;
  EXPECT_NE(refused.find("Retry-After: 1"), std::string::npos) << refused;
  // Another address has its own share.
  EXPECT_EQ(test::StatusCodes(test::Exchange(server_->port(), post(800, 800), "127.0.0.3")),
            std::vector<int>{200});
  // The whole budget: 127.0.0.4 and .5 stall 1000 each with .2's 800, so a
  // third address's 300 would pass 3000.
  test::RawSocket four(server_->port(), "127.0.0.4"), five(server_->port(), "127.0.0.5");
  four.Send(post(1000, 1));
  five.Send(post(1000, 1));
  EXPECT_EQ(test::StatusCodes(probe("127.0.0.6", 300, 503)), std::vector<int>{503});
  // A stalled sender going away gives its share back.
  { test::RawSocket gone = std::move(stalled); }
  EXPECT_EQ(test::StatusCodes(probe("127.0.0.2", 500, 200)), std::vector<int>{200});
  EXPECT_GE(metrics_.GetCounter("interdict_http_refused_bodies_total", "").value(), 2u);
}

TEST_F(ServerFixture, RunningOutOfDescriptorsNeitherSpinsNorStopsAccepting) {
#if defined(__SANITIZE_ADDRESS__)
  // The sanitizers' own checks open pipes (UBSan's vptr check probes memory
  // through one) and report false errors when no descriptor is left.
  GTEST_SKIP() << "runs in the release build: the sanitizers need descriptors of their own";
#endif
  router_.Add({"GET", "/ok", AccessRule::Public("test"), Echo()});
  Start();
  // Leave the process 16 descriptors, then open 60 connections: accepts fail
  // with EMFILE while they last.
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  std::size_t open_fds = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd"))
    ++open_fds;
  rlimit low = saved;
  low.rlim_cur = open_fds + 16;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  std::vector<int> flood;
  for (int i = 0; i < 60; ++i) {
    // Raw sockets: the client side needs descriptors too, so some fail here.
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) break;
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(server_->port());
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to);
    flood.push_back(fd);
  }
  // While descriptors are short, the server waits 50 ms between tries.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // real time: the retry timer's
  for (int fd : flood) ::close(fd);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
  // It accepts again once descriptors are back.
  Result<ClientResponse> after = Result<ClientResponse>(Status::Unavailable("not tried"));
  for (int tries = 0; tries < 40 && !(after.ok() && after->status == 200); ++tries) {
    after = MakeClient().Get("/ok");
  }
  ASSERT_TRUE(after.ok()) << after.status().message();
  EXPECT_EQ(after->status, 200);
  const std::uint64_t failures =
      metrics_.GetCounter("interdict_http_accept_failures_total", "").value();
  EXPECT_GE(failures, 1u) << "the test did not run the server out of descriptors";
  EXPECT_LT(failures, 100u) << "the accept loop spun instead of waiting";
}

TEST_F(ServerFixture, OversizedHeadersGet431) {
  router_.Add({"GET", "/x", AccessRule::Public("test"), Echo()});
  ServerOptions o;
  o.max_header_bytes = 1024;
  Start(o);
  Client c = MakeClient();
  Result<ClientResponse> r = c.Send("GET", "/x", "", {{"X-Big", std::string(4000, 'h')}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 431);
}

TEST_F(ServerFixture, MalformedRequestGets400WithJson) {
  Start();
  Client c = MakeClient();
  Result<std::string> r = c.SendRaw("THIS IS NOT HTTP\r\n\r\n");
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r->find("400 Bad Request"), std::string::npos) << *r;
  EXPECT_NE(r->find("malformed_request"), std::string::npos) << *r;
}

TEST_F(ServerFixture, NonPublicRouteIsRefusedWhenNothingGrantsAccess) {
  bool called = false;
  router_.Add({"GET", "/secret", AccessRule::Requires("reads.search"),
               [&](const Request&, const PathParams&) {
                 called = true;
                 return Response::Json(200, "{}");
               }});
  Start();
  EXPECT_EQ(MakeClient().Get("/secret")->status, 401);
  EXPECT_FALSE(called);
}

TEST_F(ServerFixture, GateDecidesNonPublicRoutes) {
  router_.Add({"GET", "/secret", AccessRule::Requires("reads.search"), Echo()});
  Start({}, [](Request& r, const Route& route) -> std::optional<Response> {
    if (r.Header("Authorization") == "yes" && route.access.permission() == "reads.search") {
      return std::nullopt;
    }
    return Response::Error(403, "forbidden", "no");
  });
  Client c = MakeClient();
  EXPECT_EQ(c.Get("/secret")->status, 403);
  EXPECT_EQ(c.Send("GET", "/secret", "", {{"Authorization", "yes"}})->status, 200);
}

TEST_F(ServerFixture, HandlerFailureIs500AndTheServerSurvives) {
  router_.Add(
      {"GET", "/boom", AccessRule::Public("test"),
       [](const Request&, const PathParams&) -> Response { throw std::runtime_error("kaput"); }});
  router_.Add({"GET", "/ok", AccessRule::Public("test"), Echo()});
  Start();
  Client c = MakeClient();
  Result<ClientResponse> r = c.Get("/boom");
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->body.find("kaput"), std::string::npos) << "internal details must not leak";
  EXPECT_EQ(c.Get("/ok")->status, 200);
}

TEST_F(ServerFixture, ShutdownFinishesInFlightRequestsThenStops) {
  std::promise<void> entered, release;
  std::shared_future<void> release_f = release.get_future().share();
  router_.Add({"GET", "/slow", AccessRule::Public("test"), [&](const Request&, const PathParams&) {
                 entered.set_value();
                 release_f.wait();
                 return Response::Json(200, "{\"done\":true}");
               }});
  router_.Add({"GET", "/ok", AccessRule::Public("test"), Echo()});
  ServerOptions o;
  o.idle_timeout =
      std::chrono::seconds(600);  // idle connections must be closed by the drain, not by this
  Start(o);
  Client idle = MakeClient();
  ASSERT_EQ(idle.Get("/ok")->status, 200);  // a kept-alive, now idle connection

  auto in_flight = std::async(std::launch::async, [port = server_->port()] {
    Client c(ClientOptions::To("127.0.0.1", port));
    return c.Get("/slow");
  });
  entered.get_future().wait();
  server_->Shutdown();
  release.set_value();
  Result<ClientResponse> r = in_flight.get();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "{\"done\":true}");
  EXPECT_EQ(r->Header("Connection"), "close");
  thread_.join();  // Run() returned: the idle connection was closed and nothing is left
  server_.reset();
}

TEST_F(ServerFixture, ConnectionsBeyondTheLimitAreClosed) {
  router_.Add({"GET", "/ok", AccessRule::Public("test"), Echo()});
  ServerOptions o;
  o.max_connections = 1;
  Start(o);
  Client first = MakeClient();
  ASSERT_EQ(first.Get("/ok")->status, 200);  // holds the only slot
  Client second = MakeClient();
  Result<ClientResponse> r = second.Get("/ok");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(metrics_.GetCounter("interdict_http_refused_connections_total", "").value(), 1u);
}

TEST_F(ServerFixture, ServesHttpsWithTheConfiguredCertificate) {
  test::TempDir dir;
  const test::RunResult gen = test::RunProgram(
      {"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
       "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", dir.File("key.pem"),
       "-out", dir.File("cert.pem")});
  ASSERT_EQ(gen.code, 0) << gen.err;
  router_.Add({"GET", "/ok", AccessRule::Public("test"), Echo()});
  ServerOptions o;
  o.tls_cert_file = dir.File("cert.pem");
  o.tls_key_file = dir.File("key.pem");
  Start(o);
  EXPECT_EQ(server_->url().rfind("https://", 0), 0u);
  ClientOptions tls_opts = ClientOptions::To("127.0.0.1", server_->port());
  tls_opts.tls = true;
  tls_opts.ca_file = dir.File("cert.pem");
  Client tls(tls_opts);
  Result<ClientResponse> r = tls.Get("/ok");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 200);
  // Plain HTTP to the TLS port gets nothing useful.
  Client plain = MakeClient();
  Result<ClientResponse> p = plain.Get("/ok");
  EXPECT_TRUE(!p.ok() || p->status != 200);
}

TEST_F(ServerFixture, MissingCertificateFailsStartWithTheFileName) {
  ServerOptions o;
  o.tls_cert_file = "/nonexistent/cert.pem";
  o.tls_key_file = "/nonexistent/key.pem";
  Server s(o, router_, nullptr, log_, metrics_);
  Status st = s.Start();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("/nonexistent/cert.pem"), std::string::npos);
}

}  // namespace
}  // namespace interdict::http
