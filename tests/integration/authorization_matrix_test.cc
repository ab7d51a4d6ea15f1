// The authorization matrix: every non-public route × every role (and an
// integration's API key), over real HTTP, against the table below. A route added
// without a row here fails this test; so does a role that gains or loses access
// unnoticed.
//
// Relations between agencies (same agency, partner with and without an
// agreement, revoked, out-of-state, federal) decide whose data a route
// returns; they are checked for every relation in policy/sharing_test.cc and
// join this matrix as the data routes (search, hits) arrive.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "crypto/crypto.h"
#include "crypto/password.h"
#include "crypto/totp.h"
#include "http/client.h"
#include "identity/keys.h"
#include "support/catalog.h"
#include "support/running_service.h"
#include "support/temp_dir.h"

namespace interdict::server {
namespace {

const std::vector<std::string> kRoles = {"administrator", "supervisor", "analyst",
                                         "officer",       "auditor",    "integration"};

struct Row {
  std::string method, path, body;
  std::set<std::string> allowed;  // roles that get past the permission check
};

// Requests are sent in this order for each role; logout comes last.
const std::vector<Row> kMatrix = {
    {"GET", "/api/v1/me", "", {"administrator", "supervisor", "analyst", "officer", "auditor"}},
    {"GET", "/api/v1/agreements", "", {"administrator", "supervisor", "analyst", "auditor"}},
    {"POST",
     "/api/v1/agreements",
     R"({"partner":"SLCPD","data_class":"reads","effective_from":"2027-01-01T00:00:00Z","document":"MOU 1"})",
     {"administrator", "supervisor"}},
    {"POST", "/api/v1/agreements/1/approve", "", {"administrator", "supervisor"}},
    {"POST", "/api/v1/agreements/1/revoke", "", {"administrator", "supervisor"}},
    {"GET", "/api/v1/audit", "", {"administrator", "auditor"}},
    {"GET", "/api/v1/integrations", "", {"administrator"}},
    {"POST",
     "/api/v1/integrations",
     R"({"name":"CAD","permissions":["cameras.heartbeat"]})",
     {"administrator"}},
    {"POST", "/api/v1/integrations/2/rotate", "", {"administrator"}},
    {"POST", "/api/v1/integrations/2/revoke", "", {"administrator"}},
    {"GET", "/api/v1/users", "", {"administrator"}},
    {"POST",
     "/api/v1/users",
     R"({"username":"newbie","display_name":"New Person","role":"officer"})",
     {"administrator"}},
    {"POST", "/api/v1/users/6/disable", "", {"administrator"}},  // 6: "newbie", just created
    {"GET",
     "/api/v1/retention",
     "",
     {"administrator", "supervisor", "analyst", "officer", "auditor"}},
    {"POST",
     "/api/v1/retention",
     R"({"data_class":"hits","period_ms":31536000000})",
     {"administrator"}},
    {"GET", "/api/v1/holds", "", {"administrator", "supervisor"}},
    {"POST",
     "/api/v1/holds",
     R"({"plate":"7XK3J2","basis":"court order 26-CR-1","requested_by":"ADA Smith","expires_at":"2027-06-01T00:00:00Z"})",
     {"administrator", "supervisor"}},
    {"POST", "/api/v1/holds/1/release", "", {"administrator", "supervisor"}},
    {"GET",
     "/api/v1/purposes",
     "",
     {"administrator", "supervisor", "analyst", "officer", "auditor"}},
    {"POST",
     "/api/v1/approvals",
     R"({"purpose":"stolen-vehicle","case_number":"26-1","offense":"auto theft","justification":"a car stolen from a driveway overnight","max_days":90,"max_agencies":3})",
     {"supervisor", "analyst", "officer"}},
    {"POST", "/api/v1/approvals/1/approve", "", {"supervisor"}},
    {"GET",
     "/api/v1/notices",
     "",
     {"administrator", "supervisor", "analyst", "officer", "auditor"}},
    {"POST",
     "/api/v1/notices/1/read",
     "",
     {"administrator", "supervisor", "analyst", "officer", "auditor"}},
    {"POST",
     "/api/v1/auth/logout",
     "",
     {"administrator", "supervisor", "analyst", "officer", "auditor"}},
};

// The route pattern a concrete path in the table stands for: numeric
// segments are {id}.
std::string PatternOf(const Row& r) {
  std::string out;
  std::size_t start = 1;
  while (start <= r.path.size()) {
    std::size_t end = r.path.find('/', start);
    if (end == std::string::npos) end = r.path.size();
    const std::string seg = r.path.substr(start, end - start);
    out += "/";
    out += !seg.empty() && seg.find_first_not_of("0123456789") == std::string::npos ? "{id}" : seg;
    start = end + 1;
  }
  return r.method + " " + out;
}

class AuthorizationMatrixTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string hash = *crypto::HashPassword("correct horse battery", {1, 64, 1});
    auto db = test::MigratedCatalog(dir_.File("catalog.db"));
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->Exec("INSERT INTO agencies (code, name, ori, state, kind, created_at) VALUES "
                         "('STLPD', 'St. Louis PD', 'MO0950000', 'US-MO', 'local', 0), "
                         "('SLCPD', 'St. Louis County PD', 'MO0960000', 'US-MO', 'county', 0)")
                    .ok());
    for (const std::string& role : kRoles) {
      if (role == "integration") continue;  // machines have keys, not accounts
      auto st = db->Prepare(
          "INSERT INTO users (agency_id, username, display_name, role, password_hash, totp_secret, "
          "totp_enrolled, created_at, created_by) VALUES (1, ?1, ?1, ?1, ?2, ?3, 1, 0, 'test')");
      st->Bind(1, role).Bind(2, hash).BindBlob(3, kSecret);
      ASSERT_TRUE(st->Run().ok());
    }
    identity::Accounts accounts(*db, {});
    Result<identity::NewKey> key = identity::CreateKey(
        *db, *accounts.UserPrincipal(1), {"camera feed", {"reads.ingest"}, std::nullopt}, 0);
    ASSERT_TRUE(key.ok()) << key.status().message();
    integration_key_ = key->key;
    running_ = std::make_unique<test::RunningService>(dir_.path(), log_, clock_);
  }
  std::string SignIn(const std::string& user) {
    if (user == "integration") return integration_key_;
    const std::string code = crypto::TotpCode(kSecret, crypto::TotpStep(clock_.NowMillis()));
    Result<http::ClientResponse> r = running_->client().Send(
        "POST", "/api/v1/auth/login",
        R"({"username":")" + user + R"(","password":"correct horse battery","code":")" + code +
            R"("})");
    EXPECT_TRUE(r.ok() && r->status == 200) << user << ": " << (r.ok() ? r->body : "no answer");
    if (!r.ok()) return {};
    const std::size_t at = r->body.find("\"token\":\"");
    return r->body.substr(at + 9, 64);
  }

  const std::string kSecret = "12345678901234567890";
  test::TempDir dir_;
  FakeClock clock_{1'800'000'000'000};
  Logger log_{[](std::string_view) {}, clock_};
  std::unique_ptr<test::RunningService> running_;
  std::string integration_key_;
};

TEST_F(AuthorizationMatrixTest, EveryRoleReachesExactlyTheRoutesItsRowAllows) {
  // The table covers every non-public route.
  std::set<std::string> in_table, guarded;
  for (const Row& r : kMatrix) in_table.insert(PatternOf(r));
  for (const http::Route& r : running_->service().router().routes()) {
    if (!r.access.is_public()) guarded.insert(r.method + " " + r.pattern);
  }
  EXPECT_EQ(in_table, guarded) << "every guarded route needs a row in kMatrix";

  for (const std::string& role : kRoles) {
    const std::string token = SignIn(role);
    clock_.Advance(std::chrono::seconds(30));  // next sign-in gets a fresh TOTP step
    for (const Row& row : kMatrix) {
      Result<http::ClientResponse> r = running_->client().Send(
          row.method, row.path, row.body, {{"Authorization", "Bearer " + token}});
      ASSERT_TRUE(r.ok());
      const bool refused_by_permission =
          r->status == 403 && r->body.find("lacks the") != std::string::npos;
      EXPECT_EQ(!refused_by_permission, row.allowed.count(role) > 0)
          << role << " " << row.method << " " << row.path << " -> " << r->status << " " << r->body;
      EXPECT_NE(r->status, 401) << role << " " << row.path << ": " << r->body;
      EXPECT_LT(r->status, 500) << role << " " << row.path << ": " << r->body;
    }
  }
}

TEST_F(AuthorizationMatrixTest, WithoutASessionEveryGuardedRouteAnswers401) {
  for (const Row& row : kMatrix) {
    Result<http::ClientResponse> r = running_->client().Send(row.method, row.path, row.body);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 401) << row.method << " " << row.path;
  }
}

}  // namespace
}  // namespace interdict::server
