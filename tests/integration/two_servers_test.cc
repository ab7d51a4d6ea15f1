// Two Interdict servers on one PostgreSQL catalog (issue 21): what SQLite's
// single writer gave one server for free must hold across servers. Each test
// races the same act on both at once, many times, and checks that exactly
// what one server alone would allow happened: a TOTP code works once, failed
// sign-ins are all counted and lock the account, a request is approved once,
// and after two rotations exactly one key works. PostgreSQL only: the
// embedded catalog serves one server.
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <fstream>
#include <latch>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/core.h>

#include "audit/audit.h"
#include "http/event_stream.h"
#include "identity/accounts.h"
#include "identity/keys.h"
#include "metrics/registry.h"
#include "server/alert_bus.h"
#include "server/alert_hub.h"
#include "support/accounts.h"
#include "support/catalog.h"
#include "support/fixtures.h"
#include "support/http_receiver.h"
#include "support/nats_server.h"
#include "support/running_service.h"
#include "support/sse_client.h"
#include "support/temp_dir.h"

namespace interdict {
namespace {

class TwoServersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test::OnPostgres())
      GTEST_SKIP() << "several servers share a PostgreSQL catalog: the postgresql.* run";
    db_ = test::MigratedCatalog(a_dir_.File("catalog.db"));
    ASSERT_TRUE(db_);
    ASSERT_EQ(test::AddAgency(*db_, "STLPD"), 1);
    for (const char* role : {"administrator", "supervisor", "analyst"})
      test::AddUser(*db_, 1, role, role);
    test::AddUser(*db_, 1, "second-sup", "supervisor");
    test::AddUser(*db_, 1, "third-sup", "supervisor");
    const std::string url = test::CatalogAt(a_dir_.File("catalog.db")).target;
    nats_ = std::make_unique<test::NatsServer>();
    auto same_catalog = [url, nats = nats_->url()](config::Config& c) {
      c.catalog.postgresql_url = url;
      c.cluster.nats_url = nats;
    };
    a_ = std::make_unique<test::RunningService>(a_dir_.path(), log_, clock_, same_catalog);
    b_ = std::make_unique<test::RunningService>(b_dir_.path(), log_, clock_, same_catalog);
  }

  // Whatever raced, the audit trail is one gapless chain that verifies.
  void TearDown() override {
    if (!db_) return;
    a_.reset();
    b_.reset();
    for (const std::string& line : complaints_) ADD_FAILURE() << line;
    Result<audit::VerifyResult> v = audit::Verify(*db_);
    ASSERT_TRUE(v.ok()) << v.status().message();
    EXPECT_FALSE(v->first_bad) << "entry " << *v->first_bad << ": " << v->problem;
  }

  // Runs `act(server)` once on each server, both released at the same moment.
  template <typename F>
  std::array<http::ClientResponse, 2> Race(F act) {
    std::latch go(2);
    std::array<http::ClientResponse, 2> out;
    std::thread ta([&] {
      go.arrive_and_wait();
      out[0] = act(*a_);
    });
    std::thread tb([&] {
      go.arrive_and_wait();
      out[1] = act(*b_);
    });
    ta.join();
    tb.join();
    return out;
  }

  std::vector<audit::Entry> Audit(std::string_view event) {
    audit::Query q;
    q.limit = 10'000;
    q.event_prefix = std::string(event);
    Result<std::vector<audit::Entry>> all = audit::List(*db_, q);
    EXPECT_TRUE(all.ok()) << all.status().message();
    return all.ok() ? *all : std::vector<audit::Entry>{};
  }

  static int Count200(const std::array<http::ClientResponse, 2>& r) {
    return (r[0].status == 200 || r[0].status == 201) + (r[1].status == 200 || r[1].status == 201);
  }

  test::TempDir a_dir_, b_dir_;
  FakeClock clock_{1'800'000'000'000};
  // What the servers log at warn or error: a server on a PostgreSQL catalog
  // must not complain about SQLite's business (checkpoints) or anything else.
  std::mutex logged_mu_;
  std::vector<std::string> complaints_;
  Logger log_{[this](std::string_view line) {
                if (line.find("level=warn") == std::string_view::npos &&
                    line.find("level=error") == std::string_view::npos)
                  return;
                // This machine's own clock is the one thing the servers may warn of.
                if (line.find("the clock is not synchronized") != std::string_view::npos) return;
                std::lock_guard l(logged_mu_);
                complaints_.emplace_back(line);
              },
              clock_};
  std::unique_ptr<catalog::Database> db_;
  std::unique_ptr<test::NatsServer> nats_;  // declared before the servers: outlives them
  std::unique_ptr<test::RunningService> a_, b_;
};

std::string Login(const std::string& user, const std::string& password, const std::string& code,
                  const std::string& banner) {
  return R"({"username":")" + user + R"(","password":")" + password + R"(","code":")" + code +
         R"(","banner":")" + banner + R"("})";
}

TEST_F(TwoServersTest, ATotpCodeSignsInOnceEvenWhenBothServersGetItAtOnce) {
  const std::string banner = test::BannerVersion(a_->client());
  for (int round = 0; round < 10; ++round) {
    clock_.Advance(std::chrono::seconds(30));  // a new code each round
    const std::string body = Login(
        "analyst", test::kTestPassword,
        crypto::TotpCode(test::kTestTotpSecret, crypto::TotpStep(clock_.NowMillis())), banner);
    auto r = Race([&](test::RunningService& s) {
      return s.client().Send("POST", "/api/v1/auth/login", body).value_or(http::ClientResponse{});
    });
    EXPECT_EQ(Count200(r), 1) << "round " << round << ": " << r[0].status << " " << r[1].status;
  }
  EXPECT_EQ(Audit("login").size(), 20u) << "every attempt on the record";
}

TEST_F(TwoServersTest, FailedSignInsOnBothServersAreAllCountedAndLockTheAccount) {
  const std::string banner = test::BannerVersion(a_->client());
  const std::string wrong = Login("analyst", "not the password", "000000", banner);
  for (int round = 0; round < 5; ++round) {
    auto r = Race([&](test::RunningService& s) {
      return s.client().Send("POST", "/api/v1/auth/login", wrong).value_or(http::ClientResponse{});
    });
    EXPECT_EQ(r[0].status, 401);
    EXPECT_EQ(r[1].status, 401);
  }
  // Ten failures, one at a time as if on one server: four counted, the fifth
  // locks, the five after it find the account locked. A lost update would
  // show as more than four plain failures and a later lock.
  int plain = 0, locking = 0, locked = 0;
  for (const audit::Entry& e : Audit("login")) {
    if (e.details.find(R"("reason":"wrong password or code")") != std::string::npos) ++plain;
    if (e.details.find("account locked") != std::string::npos) ++locking;
    if (e.details.find(R"("reason":"locked")") != std::string::npos) ++locked;
  }
  EXPECT_EQ(plain, 4);
  EXPECT_EQ(locking, 1);
  EXPECT_EQ(locked, 5);
  // The right password and code are refused too, on either server.
  const std::string right =
      Login("analyst", test::kTestPassword,
            crypto::TotpCode(test::kTestTotpSecret, crypto::TotpStep(clock_.NowMillis())), banner);
  auto r = b_->client().Send("POST", "/api/v1/auth/login", right);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 401);
  EXPECT_NE(r->body.find("locked"), std::string::npos) << r->body;
}

TEST_F(TwoServersTest, ARequestIsApprovedOnceWhenTwoSupervisorsApproveOnTwoServers) {
  const std::string analyst = test::SignIn(a_->client(), clock_, "analyst");
  clock_.Advance(std::chrono::seconds(30));
  const std::string sup = test::SignIn(a_->client(), clock_, "second-sup");
  clock_.Advance(std::chrono::seconds(30));
  const std::string other = test::SignIn(b_->client(), clock_, "third-sup");
  for (int round = 0; round < 5; ++round) {
    auto asked = test::Call(
        a_->client(), analyst, "POST", "/api/v1/approvals",
        R"({"purpose":"stolen-vehicle","case_number":"26-1","offense":"auto theft","justification":"a car stolen from a driveway overnight","max_days":90,"max_agencies":3})");
    ASSERT_EQ(asked.status, 201) << asked.body;
    const std::string id = asked.body.substr(6, asked.body.find(',') - 6);
    auto r = Race([&](test::RunningService& s) {
      return test::Call(s.client(), &s == a_.get() ? sup : other, "POST",
                        "/api/v1/approvals/" + id + "/approve");
    });
    EXPECT_EQ(Count200(r), 1) << r[0].body << " " << r[1].body;
    EXPECT_EQ(r[0].status + r[1].status, 200 + 409) << r[0].body << " " << r[1].body;
  }
  int approvals = 0;
  for (const audit::Entry& e : Audit("approval.approve"))
    if (e.outcome == audit::Outcome::kOk) ++approvals;
  EXPECT_EQ(approvals, 5);
}

TEST_F(TwoServersTest, AfterTwoRotationsAtOnceExactlyOneKeyWorksOnEitherServer) {
  const std::string admin = test::SignIn(a_->client(), clock_, "administrator");
  clock_.Advance(std::chrono::seconds(30));
  const std::string admin_b = test::SignIn(b_->client(), clock_, "administrator");
  auto created = test::Call(a_->client(), admin, "POST", "/api/v1/integrations",
                            R"({"name":"CAD","permissions":["hits.read"]})");
  ASSERT_EQ(created.status, 201) << created.body;
  auto key_of = [](const std::string& body) {
    const std::size_t at = body.find(R"("key":")") + 7;
    return body.substr(at, body.find('"', at) - at);
  };
  const std::string id = created.body.substr(6, created.body.find(',') - 6);
  std::string current = key_of(created.body);
  for (int round = 0; round < 5; ++round) {
    auto r = Race([&](test::RunningService& s) {
      return test::Call(s.client(), &s == a_.get() ? admin : admin_b, "POST",
                        "/api/v1/integrations/" + id + "/rotate");
    });
    ASSERT_EQ(Count200(r), 2) << "rotations are not exclusive: the later one wins";
    int working = 0;
    for (const std::string& key : {current, key_of(r[0].body), key_of(r[1].body)}) {
      const int on_a = test::Call(a_->client(), key, "GET", "/api/v1/hits").status;
      const int on_b = test::Call(b_->client(), key, "GET", "/api/v1/hits").status;
      EXPECT_EQ(on_a, on_b) << "both servers agree on every key";
      if (on_a == 200) {
        ++working;
        current = key;
      }
    }
    EXPECT_EQ(working, 1) << "round " << round;
    // The trail's last rotation names the key that works: the order of the
    // record is the order of the changes.
    const std::vector<audit::Entry> rotations = Audit("integration.rotate");
    ASSERT_FALSE(rotations.empty());
    const std::string key_id = current.substr(4, current.find('_', 4) - 4);
    EXPECT_NE(rotations.back().details.find(R"("key_id":")" + key_id + '"'), std::string::npos)
        << rotations.back().details << " vs " << current;
  }
}

// Hits across two servers: a hotlist loaded on one, reads arriving at either,
// one webhook queue that both send from.
class TwoServersHitsTest : public TwoServersTest {
 protected:
  void SetUp() override {
    TwoServersTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    identity::Accounts accounts(*db_, {});
    Result<identity::NewKey> key =
        identity::CreateKey(*db_, *accounts.UserPrincipal(1),
                            {"camera feed", {"reads.ingest", "hotlists.load"}, std::nullopt}, 0);
    ASSERT_TRUE(key.ok()) << key.status().message();
    key_ = key->key;
    admin_ = test::SignIn(a_->client(), clock_, "administrator");
    clock_.Advance(std::chrono::seconds(30));
    sup_ = test::SignIn(b_->client(), clock_, "supervisor");
    ASSERT_EQ(test::Call(a_->client(), admin_, "POST", "/api/v1/cameras",
                         R"({"code":"cam1","name":"Market St"})")
                  .status,
              201);
    ASSERT_EQ(test::Call(a_->client(), admin_, "POST", "/api/v1/hotlists",
                         R"({"name":"NCIC extract","kind":"ncic","priority":1})")
                  .status,
              201);
    // The files turned on by two people, one on each server.
    ASSERT_EQ(test::Call(a_->client(), admin_, "POST", "/api/v1/hotlist-kinds",
                         R"({"enable":["V","P","A","W"]})")
                  .status,
              202);
    for (int id = 1; id <= 4; ++id)
      ASSERT_EQ(test::Call(b_->client(), sup_, "POST",
                           "/api/v1/hotlist-kinds/requests/" + std::to_string(id) + "/approve")
                    .status,
                200);
  }

  std::string Read(const std::string& id, const std::string& plate) {
    return R"([{"id":")" + id + R"(","agency":"STLPD","camera":"cam1","time":)" +
           std::to_string(clock_.NowMillis()) + R"(,"plate":")" + plate + R"(","state":"MO"}])";
  }
  http::ClientResponse Ingest(test::RunningService& s, const std::string& id,
                              const std::string& plate) {
    return test::Call(s.client(), key_, "POST", "/api/v1/reads", Read(id, plate));
  }
  void LoadNcicOnA() {
    std::ifstream in(std::string(INTERDICT_SOURCE_DIR) + "/tests/data/hotlists/ncic-extract.txt");
    std::stringstream text;
    text << in.rdbuf();
    auto loaded = test::Call(a_->client(), key_, "PUT", "/api/v1/hotlists/1/entries?format=ncic",
                             text.str(), "text/plain");
    ASSERT_EQ(loaded.status, 200) << loaded.body;
  }

  std::string key_, admin_, sup_;
};

// A list loaded on one server is loaded once, into the catalog, and every
// other server's matcher follows it: server B raises the hit without loading
// anything. How long it took is printed (the figure is in docs/performance.md).
TEST_F(TwoServersHitsTest, AHotlistLoadedOnOneServerMatchesReadsOnTheOther) {
  auto before = Ingest(*b_, "r0", "KZ9Q81");
  ASSERT_EQ(before.status, 200) << before.body;
  EXPECT_NE(before.body.find(R"("hits":0)"), std::string::npos) << "nothing listed yet";
  LoadNcicOnA();
  const auto loaded = std::chrono::steady_clock::now();
  bool hit = false;
  for (int i = 1; i < 200 && !hit; ++i) {  // at most 10 s
    auto r = Ingest(*b_, "r" + std::to_string(i), "KZ9Q81");
    ASSERT_EQ(r.status, 200) << r.body;
    hit = r.body.find(R"("hits":1)") != std::string::npos;
    if (!hit) std::this_thread::sleep_for(std::chrono::milliseconds(50));  // B's next look
  }
  ASSERT_TRUE(hit) << "server B never matched the list loaded on A";
  std::printf("hotlist on A matched on B after %lld ms\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now() - loaded)
                                         .count()));
  auto metrics = b_->client().Get("/metrics");
  ASSERT_TRUE(metrics.ok());
  const std::string series = "interdict_cluster_change_lag_seconds_count ";
  const std::size_t at = metrics->body.find(series);
  ASSERT_NE(at, std::string::npos) << metrics->body;
  EXPECT_GE(std::stoll(metrics->body.substr(at + series.size())), 1) << "B measured its reloads";
}

// With two servers sending from one queue, each delivery reaches the
// receiver once; a delivery a dead server held is sent by the other once its
// lease runs out.
TEST_F(TwoServersHitsTest, EachWebhookDeliveryIsSentByOneServerAndOutlivesADeadOne) {
  test::HttpReceiver cad({});
  auto created = test::Call(a_->client(), admin_, "POST", "/api/v1/webhooks",
                            R"({"url":")" + cad.url() + R"("})");
  ASSERT_EQ(created.status, 201) << created.body;
  LoadNcicOnA();
  constexpr int kHits = 10;
  for (int i = 0; i < kHits; ++i) {
    test::RunningService& s = i % 2 == 0 ? *a_ : *b_;
    // B may not hold the list yet: another read until one matches.
    bool hit = false;
    for (int tries = 0; tries < 200 && !hit; ++tries) {
      auto r = Ingest(s, fmt::format("w{}-{}", i, tries), "KZ9Q81");
      ASSERT_EQ(r.status, 200) << r.body;
      hit = r.body.find(R"("hits":1)") != std::string::npos;
      if (!hit) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_TRUE(hit);
  }
  ASSERT_TRUE(cad.WaitForCount(kHits));
  // Every delivery recorded as delivered: no server can send one again.
  for (int i = 0; i < 500; ++i) {
    auto q = db_->Query(
        "SELECT count(*) FROM webhook_deliveries WHERE delivered_at IS NULL AND dead_at IS NULL");
    if (q.ok() && q->Int(0) == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::set<std::string> ids;
  for (const auto& r : cad.received()) ids.insert(r.delivery);
  EXPECT_EQ(cad.received().size(), static_cast<std::size_t>(kHits)) << "none twice";
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kHits));

  // A server died while sending one: its lease stands until it runs out.
  const std::int64_t now = clock_.NowMillis();
  ASSERT_TRUE(db_->Query("INSERT INTO webhook_deliveries (webhook_id, hit_id, body, "
                         "next_attempt_at, leased_by, leased_until) VALUES (1, 1, "
                         "'{\"held\":true}', ?1, 'dead-server', ?2)",
                         now, now + 60'000)
                  .ok());
  clock_.Advance(std::chrono::seconds(59));
  EXPECT_FALSE(cad.WaitForCount(kHits + 1, std::chrono::seconds(2))) << "the lease still stands";
  clock_.Advance(std::chrono::seconds(2));
  ASSERT_TRUE(cad.WaitForCount(kHits + 1)) << "taken over once the lease ran out";
  EXPECT_EQ(cad.received().back().body, R"({"held":true})");
}

// A hit raised on one server reaches a dispatcher's stream on the other, in
// the order it was raised; a stream that reconnects to either server with
// Last-Event-ID gets what it missed from the catalog.
TEST_F(TwoServersHitsTest, AHitRaisedOnOneServerReachesTheStreamOfTheOther) {
  LoadNcicOnA();
  const std::string officer = sup_;  // any role with hits.read
  test::SseClient on_b(b_->port(), "/api/v1/alerts/stream", officer);
  ASSERT_TRUE(on_b.connected());
  ASSERT_TRUE(on_b.WaitFor("retry:"));
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    auto r = Ingest(*a_, "s" + std::to_string(i), "KZ9Q81");
    ASSERT_NE(r.body.find(R"("hits":1)"), std::string::npos) << r.body;
  }
  Result<std::vector<std::int64_t>> hits = db_->List<std::int64_t>(
      "SELECT id FROM hits ORDER BY id", [](const catalog::Statement& r) { return r.Int(0); });
  ASSERT_TRUE(hits.ok());
  ASSERT_EQ(hits->size(), 5u);
  ASSERT_TRUE(on_b.WaitFor("id: " + std::to_string(hits->back()) + "\n"))
      << "the last hit raised on A never reached B's stream: " << on_b.received();
  std::size_t at = 0;
  for (std::int64_t id : *hits) {
    const std::size_t next = on_b.received().find("id: " + std::to_string(id) + "\n", at);
    ASSERT_NE(next, std::string::npos) << "hit " << id << " missing or out of order";
    at = next;
  }
  // A dispatcher whose connection broke comes back on the other server.
  test::SseClient again(a_->port(), "/api/v1/alerts/stream", officer,
                        "Last-Event-ID: " + std::to_string(hits->front()) + "\r\n");
  ASSERT_TRUE(again.WaitFor("id: " + std::to_string(hits->back()) + "\n"));
  EXPECT_EQ(again.received().find("id: " + std::to_string(hits->front()) + "\n"), std::string::npos)
      << "only what came after the last one seen";
  auto metrics = b_->client().Get("/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_NE(metrics->body.find("interdict_cluster_alerts_received_total 5"), std::string::npos);
}

// A hit whose announcement never crossed NATS (the raising server died just
// after recording it, or the bus was down) still reaches the other server's
// streams: each server sends what the catalog has that is new, every second,
// in id order.
TEST_F(TwoServersHitsTest, AHitNeverAnnouncedStillReachesTheOtherServersStreamFromTheCatalog) {
  LoadNcicOnA();
  test::SseClient on_b(b_->port(), "/api/v1/alerts/stream", sup_);
  ASSERT_TRUE(on_b.connected());
  ASSERT_TRUE(on_b.WaitFor("retry:"));
  nats_.reset();  // the bus is gone: nothing is announced any more
  auto sent = Ingest(*a_, "quiet-1", "KZ9Q81");
  ASSERT_NE(sent.body.find(R"("hits":1)"), std::string::npos) << sent.body;
  Result<std::vector<std::int64_t>> hits = db_->List<std::int64_t>(
      "SELECT id FROM hits ORDER BY id", [](const catalog::Statement& r) { return r.Int(0); });
  ASSERT_TRUE(hits.ok());
  ASSERT_EQ(hits->size(), 1u);
  EXPECT_TRUE(on_b.WaitFor("id: " + std::to_string(hits->front()) + "\n"))
      << "B never sent the hit A recorded: " << on_b.received();
  // The servers said that the bus went away, and nothing else.
  std::lock_guard l(logged_mu_);
  std::erase_if(complaints_,
                [](const std::string& line) { return line.find("NATS") != std::string::npos; });
}

// A reconnecting stream gets what it missed, oldest first. A replay that
// fills its limit may be short of the rest: the stream ends after it, and the
// client asks again from its last id. A shorter one stays open for live hits.
TEST(AlertHubTest, AFullReplayEndsTheStreamSoTheClientAsksForTheRest) {
  metrics::Registry metrics;
  server::AlertHub hub(metrics);
  auto hits = [](int n) {
    server::AlertHub::Hits out;
    for (int i = 1; i <= n; ++i) out.push_back({i, {1}, "{}", true, ""});
    return out;
  };
  auto drain = [](http::EventStream& s, bool* done) { return s.Take([] {}, done); };
  Result<std::shared_ptr<http::EventStream>> full = hub.Subscribe(
      1, [&]() -> Result<server::AlertHub::Hits> { return hits(3); }, 3);
  ASSERT_TRUE(full.ok());
  bool done = false;
  const std::string sent = drain(**full, &done);
  EXPECT_NE(sent.find("id: 1\n"), std::string::npos);
  EXPECT_LT(sent.find("id: 1\n"), sent.find("id: 3\n")) << "oldest first";
  EXPECT_TRUE((*full)->closed()) << "a full replay ends the stream";
  EXPECT_EQ(hub.subscribers(), 0u);
  Result<std::shared_ptr<http::EventStream>> partial = hub.Subscribe(
      1, [&]() -> Result<server::AlertHub::Hits> { return hits(2); }, 3);
  ASSERT_TRUE(partial.ok());
  EXPECT_FALSE((*partial)->closed());
  EXPECT_EQ(hub.subscribers(), 1u);
  hub.Publish({{5, {1}, "{}", true, ""}});
  EXPECT_NE(drain(**partial, &done).find("id: 5\n"), std::string::npos) << "then live hits";
}

// What crosses NATS names a hit and when it was raised, nothing else: the
// receiving server reads the hit itself from the catalog. Anything else is
// refused by name.
TEST(AlertBusTest, AMessageNamesAHitAndAnythingElseIsRefused) {
  using server::AlertBus;
  const std::string text = AlertBus::Encode({7, 1'800'000'000'000});
  EXPECT_EQ(text, R"({"hit":7,"raised_at":1800000000000})");
  Result<AlertBus::Message> m = AlertBus::Decode(text);
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->hit, 7);
  EXPECT_EQ(m->raised_at, 1'800'000'000'000);
  for (const char* bad :
       {"", "[]", "{}", R"({"hit":0,"raised_at":1})", R"({"hit":"7","raised_at":1})",
        R"({"hit":7})", R"({"hit":7,"raised_at":1.5})", "{\"hit\":7,"}) {
    Result<AlertBus::Message> r = AlertBus::Decode(bad);
    EXPECT_FALSE(r.ok()) << bad;
  }
  EXPECT_FALSE(AlertBus::Decode(std::string(300, ' ') + text).ok()) << "too long";
}

// A hit announced twice reaches the streams once; the memory of it is bounded.
TEST(AlertBusTest, AHitAnnouncedTwiceIsPushedOnce) {
  server::RecentHits recent(3);
  EXPECT_TRUE(recent.FirstTime(7));
  EXPECT_FALSE(recent.FirstTime(7));
  EXPECT_TRUE(recent.FirstTime(8));
  EXPECT_TRUE(recent.FirstTime(9));
  EXPECT_TRUE(recent.FirstTime(10));  // 7 is forgotten now: at most 3 remembered
  EXPECT_FALSE(recent.FirstTime(9));
  EXPECT_TRUE(recent.FirstTime(7));
}

}  // namespace
}  // namespace interdict
