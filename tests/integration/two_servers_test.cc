// Two Interdict servers on one PostgreSQL catalog (issue 21): what SQLite's
// single writer gave one server for free must hold across servers. Each test
// races the same act on both at once, many times, and checks that exactly
// what one server alone would allow happened: a TOTP code works once, failed
// sign-ins are all counted and lock the account, a request is approved once,
// and after two rotations exactly one key works. PostgreSQL only: the
// embedded catalog serves one server.
#include <gtest/gtest.h>

#include <array>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "audit/audit.h"
#include "support/accounts.h"
#include "support/catalog.h"
#include "support/fixtures.h"
#include "support/running_service.h"
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
    auto same_catalog = [url](config::Config& c) { c.catalog.postgresql_url = url; };
    a_ = std::make_unique<test::RunningService>(a_dir_.path(), log_, clock_, same_catalog);
    b_ = std::make_unique<test::RunningService>(b_dir_.path(), log_, clock_, same_catalog);
  }

  // Whatever raced, the audit trail is one gapless chain that verifies.
  void TearDown() override {
    if (!db_) return;
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
  Logger log_{[](std::string_view) {}, clock_};
  std::unique_ptr<catalog::Database> db_;
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

}  // namespace
}  // namespace interdict
