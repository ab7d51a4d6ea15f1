// The identity and policy API over real HTTP on loopback, with a fake clock.
#include <gtest/gtest.h>

#include <optional>

#include "crypto/crypto.h"
#include "crypto/totp.h"
#include "http/client.h"
#include "identity/admin.h"
#include "support/accounts.h"
#include "support/catalog.h"
#include "support/running_service.h"
#include "support/temp_dir.h"

namespace interdict::server {
namespace {

// Pulls "key":"value" out of a JSON body (test helper; values have no quotes).
std::string Field(const std::string& body, const std::string& key) {
  const std::string pat = "\"" + key + "\":\"";
  const std::size_t at = body.find(pat);
  if (at == std::string::npos) return {};
  const std::size_t end = body.find('"', at + pat.size());
  return body.substr(at + pat.size(), end - at - pat.size());
}

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    {
      auto db = test::MigratedCatalog(dir_.File("catalog.db"));
      ASSERT_TRUE(db);
      auto init = identity::InitCatalog(
          *db, {"STLPD", "St. Louis PD", "MO0950000", "MO", "local", "alice", "Alice Smith"},
          clock_.NowMillis());
      ASSERT_TRUE(init.ok());
      enrolment_ = init->enrolment_secret;
      ASSERT_TRUE(db->Exec("INSERT INTO agencies (code, name, ori, state, kind, created_at) "
                           "VALUES ('SLCPD', 'St. Louis County PD', 'MO0960000', 'US-MO', "
                           "'county', 0)")
                      .ok());
    }
    running_ = std::make_unique<test::RunningService>(dir_.path(), log_, clock_);
  }
  http::ClientResponse Post(const std::string& path, const std::string& body,
                            const std::string& token = "") {
    http::HeaderList h = {{"Content-Type", "application/json"}};
    if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
    Result<http::ClientResponse> r = running_->client().Send("POST", path, body, h);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : http::ClientResponse{};
  }
  http::ClientResponse Get(const std::string& path, const std::string& token = "") {
    http::HeaderList h;
    if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
    Result<http::ClientResponse> r = running_->client().Send("GET", path, "", h);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : http::ClientResponse{};
  }
  // Enrols alice and signs her in; returns the session token.
  std::string SignInAlice() {
    http::ClientResponse e =
        Post("/api/v1/auth/enrol", R"({"username":"alice","enrolment_secret":")" + enrolment_ +
                                       R"(","password":"correct horse battery"})");
    EXPECT_EQ(e.status, 200) << e.body;
    secret_ = *crypto::Base32Decode(Field(e.body, "totp_secret"));
    http::ClientResponse c =
        Post("/api/v1/auth/enrol/confirm", R"({"username":"alice","enrolment_secret":")" +
                                               enrolment_ + R"(","code":")" + Code() + R"("})");
    EXPECT_EQ(c.status, 200) << c.body;
    clock_.Advance(std::chrono::seconds(31));
    http::ClientResponse l = Post("/api/v1/auth/login", AliceLogin());
    EXPECT_EQ(l.status, 200) << l.body;
    return Field(l.body, "token");
  }
  std::string Code() const {
    return crypto::TotpCode(secret_, crypto::TotpStep(clock_.NowMillis()));
  }
  // Alice's sign-in body, accepting the current banner (or `banner`).
  std::string AliceLogin(std::optional<std::string> banner = std::nullopt) {
    return R"({"username":"alice","password":"correct horse battery","code":")" + Code() +
           R"(","banner":")" + banner.value_or(test::BannerVersion(running_->client())) + R"("})";
  }

  test::TempDir dir_;
  FakeClock clock_{1'800'000'000'000};
  Logger log_{[](std::string_view) {}, clock_};
  std::unique_ptr<test::RunningService> running_;
  std::string enrolment_, secret_;
};

TEST_F(ApiTest, EnrolSignInAndSeeWhoIAm) {
  http::ClientResponse banner = Get("/api/v1/auth/banner");
  EXPECT_EQ(banner.status, 200);
  EXPECT_NE(Field(banner.body, "banner").find("all use is recorded and audited"), std::string::npos)
      << banner.body;
  EXPECT_EQ(Get("/api/v1/me").status, 401);
  const std::string token = SignInAlice();
  ASSERT_EQ(token.size(), 64u);
  http::ClientResponse me = Get("/api/v1/me", token);
  EXPECT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(Field(me.body, "username"), "alice");
  EXPECT_EQ(Field(me.body, "role"), "administrator");
  EXPECT_EQ(Get("/api/v1/me", "0123456789abcdef").status, 401);
}

TEST_F(ApiTest, BadBodiesGet400NamingTheByteOrTheField) {
  http::ClientResponse bad = Post("/api/v1/auth/login", R"({"username": "alice",)");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("invalid JSON at byte"), std::string::npos) << bad.body;
  http::ClientResponse missing = Post("/api/v1/auth/login", R"({"username":"alice"})");
  EXPECT_EQ(missing.status, 400);
  EXPECT_NE(missing.body.find("password: required"), std::string::npos) << missing.body;
  http::ClientResponse wrong = Post(
      "/api/v1/auth/login", R"({"username":"alice","password":"x","code":"123456","banner":")" +
                                test::BannerVersion(running_->client()) + R"("})");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_NE(wrong.body.find("wrong username, password or code"), std::string::npos);
}

TEST_F(ApiTest, NoSessionWithoutTheCurrentLoginBannerAccepted) {
  SignInAlice();
  clock_.Advance(std::chrono::seconds(31));
  // The console's checkbox is not enough: the server wants the banner's version.
  std::string body = AliceLogin();
  body.erase(body.find(R"(,"banner")"), 28);
  http::ClientResponse none = Post("/api/v1/auth/login", body);
  EXPECT_EQ(none.status, 400) << none.body;
  EXPECT_NE(none.body.find("banner: required"), std::string::npos) << none.body;
  // A banner that has since changed is not accepted.
  http::ClientResponse stale = Post("/api/v1/auth/login", AliceLogin("0000000000000000"));
  EXPECT_EQ(stale.status, 403) << stale.body;
  EXPECT_NE(stale.body.find("has changed"), std::string::npos) << stale.body;
  http::ClientResponse ok = Post("/api/v1/auth/login", AliceLogin());
  EXPECT_EQ(ok.status, 200) << ok.body;
}

TEST_F(ApiTest, SharingNeedsTwoPeopleAndTheAuditTrailShowsItAll) {
  const std::string token = SignInAlice();
  http::ClientResponse proposed = Post(
      "/api/v1/agreements",
      R"({"partner":"SLCPD","data_class":"reads","effective_from":"2027-01-15T00:00:00Z","document":"MOU 2026-17"})",
      token);
  ASSERT_EQ(proposed.status, 201) << proposed.body;
  http::ClientResponse self = Post("/api/v1/agreements/1/approve", "", token);
  EXPECT_EQ(self.status, 403) << self.body;
  EXPECT_NE(self.body.find("second person"), std::string::npos) << self.body;
  EXPECT_EQ(Post("/api/v1/agreements/x/approve", "", token).status, 400);
  http::ClientResponse list = Get("/api/v1/agreements", token);
  EXPECT_EQ(list.status, 200);
  EXPECT_EQ(Field(list.body, "state"), "proposed");
  http::ClientResponse audit = Get("/api/v1/audit", token);
  ASSERT_EQ(audit.status, 200) << audit.body;
  for (const char* event : {"admin.init", "enrol.password", "enrol.confirm", "login",
                            "agreement.propose", "agreement.approve"}) {
    EXPECT_NE(audit.body.find(std::string("\"event\":\"") + event + "\""), std::string::npos)
        << event << " in " << audit.body;
  }
  EXPECT_EQ(Get("/api/v1/audit?after=12abc", token).status, 400);
  EXPECT_EQ(Get("/api/v1/audit?after=-1", token).status, 400);
  // The read just made is itself on the record.
  EXPECT_NE(Get("/api/v1/audit", token).body.find("\"event\":\"audit.read\""), std::string::npos);
}

TEST_F(ApiTest, ASharingProposalIsANoticeToEachAgencyHeadByName) {
  const std::string token = SignInAlice();
  http::ClientResponse bad = Post("/api/v1/agency/head", R"({"name":"Chief J. Doe"})", token);
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("contact"), std::string::npos) << bad.body;
  ASSERT_EQ(
      Post("/api/v1/agency/head",
           R"({"name":"Chief J. Doe","title":"Chief of Police","contact":"chief@stlpd.example"})",
           token)
          .status,
      200);
  ASSERT_EQ(
      Post(
          "/api/v1/agreements",
          R"({"partner":"SLCPD","data_class":"hits","effective_from":"2027-01-15T00:00:00Z","document":"MOU 2026-18"})",
          token)
          .status,
      201);
  // Proposed, not yet in force: already a notice, addressed to the head.
  http::ClientResponse notices = Get("/api/v1/notices", token);
  ASSERT_EQ(notices.status, 200) << notices.body;
  EXPECT_NE(notices.body.find(R"("addressee":"Chief J. Doe")"), std::string::npos) << notices.body;
  EXPECT_NE(notices.body.find("To Chief J. Doe, Chief of Police: Sharing agreement 1 (STLPD "
                              "shares hits with SLCPD) was proposed by alice of STLPD."),
            std::string::npos)
      << notices.body;
  EXPECT_NE(Get("/api/v1/audit?event=agency.head", token).body.find("chief@stlpd.example"),
            std::string::npos);
}

TEST_F(ApiTest, TheAuditViewFiltersNamesPeopleAndVerifiesTheChain) {
  const std::string token = SignInAlice();
  ASSERT_EQ(
      Post(
          "/api/v1/agreements",
          R"({"partner":"SLCPD","data_class":"reads","effective_from":"2027-01-15T00:00:00Z","document":"MOU 2026-17"})",
          token)
          .status,
      201);
  http::ClientResponse agreements = Get("/api/v1/audit?event=agreement.", token);
  ASSERT_EQ(agreements.status, 200) << agreements.body;
  EXPECT_NE(agreements.body.find(R"("event":"agreement.propose")"), std::string::npos);
  EXPECT_EQ(agreements.body.find(R"("event":"login")"), std::string::npos) << agreements.body;
  // People by name, agencies by code.
  EXPECT_NE(agreements.body.find(R"("actor_name":"alice","agency":"STLPD")"), std::string::npos)
      << agreements.body;
  EXPECT_NE(agreements.body.find(R"("touched":["STLPD","SLCPD"])"), std::string::npos)
      << agreements.body;
  // Newest first, two at a time.
  http::ClientResponse newest = Get("/api/v1/audit?order=desc&limit=2", token);
  ASSERT_EQ(newest.status, 200);
  const std::size_t first = newest.body.find(R"("seq":)");
  const std::size_t second = newest.body.find(R"("seq":)", first + 1);
  ASSERT_NE(second, std::string::npos) << newest.body;
  EXPECT_GT(std::stoll(newest.body.substr(first + 6)), std::stoll(newest.body.substr(second + 6)));
  EXPECT_EQ(newest.body.find(R"("seq":)", second + 1), std::string::npos) << "limit 2";
  for (const char* bad : {"limit=0", "limit=501", "order=up", "event=Search!", "scope=mine",
                          "before=x", "from=yesterday"}) {
    http::ClientResponse r = Get(std::string("/api/v1/audit?") + bad, token);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_NE(r.body.find(std::string(bad).substr(0, std::string(bad).find('='))),
              std::string::npos)
        << "the error names the parameter: " << r.body;
  }
  http::ClientResponse verified = Get("/api/v1/audit/verify", token);
  ASSERT_EQ(verified.status, 200) << verified.body;
  EXPECT_NE(verified.body.find(R"("intact":true)"), std::string::npos) << verified.body;
  EXPECT_NE(verified.body.find(R"("first_bad":null)"), std::string::npos) << verified.body;
  // Checking the chain is itself on the record.
  EXPECT_NE(Get("/api/v1/audit?event=audit.verify", token).body.find(R"("intact":true)"),
            std::string::npos);
}

TEST_F(ApiTest, TheTransparencyReportIsPublicAndNamesNoPersonPlateOrCase) {
  const std::string token = SignInAlice();
  ASSERT_EQ(Post("/api/v1/cameras",
                 R"({"code":"cam1","name":"Market St","lat":"38.63","lon":"-90.2"})", token)
                .status,
            201);
  ASSERT_EQ(Post("/api/v1/cameras", R"({"code":"car7","name":"Patrol car 7","mobile":true})", token)
                .status,
            201);
  ASSERT_EQ(
      Post(
          "/api/v1/holds",
          R"({"plate":"7XK3J2","basis":"court order 26-CR-1","requested_by":"ADA Smith","expires_at":"2027-06-01T00:00:00Z"})",
          token)
          .status,
      201);
  http::ClientResponse report = Get("/api/v1/transparency");  // no token
  ASSERT_EQ(report.status, 200) << report.body;
  EXPECT_NE(report.body.find(R"("region":{"agencies":2,"cameras":2,"reads":0,)"), std::string::npos)
      << report.body;
  EXPECT_NE(report.body.find(R"("code":"STLPD","name":"St. Louis PD")"), std::string::npos);
  EXPECT_NE(report.body.find(R"("code":"civil-immigration")"), std::string::npos);
  EXPECT_NE(report.body.find(R"("head":")"), std::string::npos);
  for (const char* secret :
       {"alice", "Alice Smith", "7XK3J2", "26-CR-1", "ADA Smith", "MO0950000", "Market St"}) {
    EXPECT_EQ(report.body.find(secret), std::string::npos) << secret << " in " << report.body;
  }
  // The cameras with positions, for the console's maps: the mobile unit has none.
  http::ClientResponse positions = Get("/api/v1/camera-positions", token);
  ASSERT_EQ(positions.status, 200) << positions.body;
  EXPECT_NE(positions.body.find(
                R"("code":"cam1","name":"Market St","agency":"STLPD","lat":38.63,"lon":-90.2,)"),
            std::string::npos)
      << positions.body;
  EXPECT_EQ(positions.body.find("car7"), std::string::npos) << positions.body;
}

TEST_F(ApiTest, AShiftIsSetCheckedListedAndAudited) {
  const std::string token = SignInAlice();
  EXPECT_EQ(Post("/api/v1/users/1/shift", R"({"shift":"22:00-06:00"})", token).status, 200);
  for (const char* bad : {"25:00-06:00", "7-19", "07:00-19:60", "07:00 19:00"}) {
    http::ClientResponse r =
        Post("/api/v1/users/1/shift", std::string(R"({"shift":")") + bad + R"("})", token);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_NE(r.body.find("shift:"), std::string::npos) << r.body;
  }
  EXPECT_EQ(Post("/api/v1/users/99/shift", R"({"shift":""})", token).status, 404);
  EXPECT_NE(Get("/api/v1/users", token).body.find(R"("username":"alice")"), std::string::npos);
  EXPECT_NE(Get("/api/v1/users", token).body.find(R"("shift":"22:00-06:00")"), std::string::npos);
  EXPECT_NE(Get("/api/v1/audit?event=user.shift", token).body.find(R"("shift":"22:00-06:00")"),
            std::string::npos);
}

TEST_F(ApiTest, SignOutEndsTheSessionAndIdleSessionsLock) {
  const std::string token = SignInAlice();
  EXPECT_EQ(Post("/api/v1/auth/logout", "", token).status, 200);
  EXPECT_EQ(Get("/api/v1/me", token).status, 401);
  clock_.Advance(std::chrono::seconds(31));
  http::ClientResponse l = Post("/api/v1/auth/login", AliceLogin());
  const std::string second = Field(l.body, "token");
  clock_.Advance(std::chrono::minutes(31));
  http::ClientResponse idle = Get("/api/v1/me", second);
  EXPECT_EQ(idle.status, 401);
  EXPECT_NE(idle.body.find("idle"), std::string::npos) << idle.body;
}

}  // namespace
}  // namespace interdict::server
