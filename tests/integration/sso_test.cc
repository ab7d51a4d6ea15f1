// Single sign-on through an agency's OpenID Connect provider (decision 0038),
// end to end through the real server and a provider on loopback
// (support/oidc_provider.h): the authorization code flow with PKCE, people
// provisioned just in time with the role their groups map to, the provider's
// multi-factor assertion or Interdict's TOTP, key rotation, and every way a
// token or a sign-in can be wrong refused without a session.
#include <gtest/gtest.h>

#include <fmt/core.h>

#include "crypto/totp.h"
#include "identity/sso.h"
#include "support/accounts.h"
#include "support/catalog.h"
#include "support/fixtures.h"
#include "support/oidc_provider.h"
#include "support/running_service.h"
#include "support/temp_dir.h"

namespace interdict::server {
namespace {

class SsoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = test::MigratedCatalog(dir_.File("catalog.db"));
    ASSERT_TRUE(db);
    test::AddAgency(*db, "STLPD", "US-MO", "local", "St. Louis PD");
    identity::SsoSettings s;
    s.agency_code = "STLPD";
    s.issuer = provider_.issuer();
    s.client_id = "interdict-stlpd";
    s.role_map = {{"lpr-analysts", "analyst"}, {"lpr-admins", "administrator"}};
    ASSERT_TRUE(identity::ConfigureSso(*db, s, "test", clock_.NowMillis()).ok());
    Result<std::optional<identity::SsoSettings>> back = identity::SsoSettingsFor(*db, "STLPD");
    ASSERT_TRUE(back.ok()) << back.status().message();
    ASSERT_TRUE(back->has_value()) << "the settings read back";
    db.reset();
    running_ = std::make_unique<test::RunningService>(
        dir_.path(), log_, clock_,
        [](config::Config& c) { c.sso.public_url = "http://127.0.0.1"; });
    banner_ = test::BannerVersion(running_->client());
  }

  struct Outcome {
    int status = 0;        // of the step that stopped the flow
    std::string body;      // its body
    std::string ticket;    // when the callback succeeded
    std::string callback;  // the callback's target, to try it again
  };

  // A browser's trip: to the provider and back, following each redirect.
  Outcome SignInThroughProvider() {
    Outcome o;
    auto start = running_->client().Get("/api/v1/auth/sso/STLPD/start?return=/console/");
    EXPECT_TRUE(start.ok());
    if (start->status != 302) return {start->status, start->body, "", ""};
    Result<http::Url> at_provider = http::ParseUrl(start->Header("Location"));
    EXPECT_TRUE(at_provider.ok()) << start->Header("Location");
    http::Client idp(http::ClientOptions::To(at_provider->host, at_provider->port));
    auto authorized = idp.Get(at_provider->target);
    EXPECT_TRUE(authorized.ok());
    if (authorized->status != 302) return {authorized->status, authorized->body, "", ""};
    Result<http::Url> back = http::ParseUrl(authorized->Header("Location"));
    EXPECT_TRUE(back.ok());
    o.callback = back->target;
    auto done = running_->client().Get(o.callback);
    EXPECT_TRUE(done.ok());
    o.status = done->status;
    o.body = done->body;
    const std::string location(done->Header("Location"));
    const std::size_t at = location.find("#sso_ticket=");
    if (done->status == 302 && at != std::string::npos) {
      EXPECT_EQ(location.substr(0, at), "/console/") << "back where the console asked";
      o.ticket = location.substr(at + 12);
    }
    return o;
  }

  http::ClientResponse Redeem(const std::string& ticket, const std::string& code = "") {
    const std::string body = code.empty()
                                 ? json::Object("ticket", ticket, "banner", banner_)
                                 : json::Object("ticket", ticket, "banner", banner_, "code", code);
    return *running_->client().Send("POST", "/api/v1/auth/sso/redeem", body,
                                    {{"Content-Type", "application/json"}});
  }

  std::string Token(const http::ClientResponse& r) {
    const auto at = r.body.find(R"("token":")");
    return at == std::string::npos ? "" : r.body.substr(at + 9, 64);
  }

  std::int64_t Count(const std::string& sql) {
    auto db = catalog::Database::OpenReadOnly(test::CatalogAt(dir_.File("catalog.db")));
    auto q = (*db)->Query(sql);
    return q.ok() && q->has_row() ? q->Int(0) : -1;
  }

  test::TempDir dir_;
  FakeClock clock_{1'800'000'000'000};
  Logger log_{[](std::string_view) {}, clock_};
  test::OidcProvider provider_{clock_, "interdict-stlpd"};
  std::unique_ptr<test::RunningService> running_;
  std::string banner_;
};

TEST_F(SsoTest, APersonSignsInThroughTheProviderAndIsProvisionedWithTheMappedRole) {
  Outcome o = SignInThroughProvider();
  ASSERT_EQ(o.status, 302) << o.body;
  ASSERT_EQ(o.ticket.size(), 64u);
  auto redeemed = Redeem(o.ticket);
  ASSERT_EQ(redeemed.status, 200) << redeemed.body;
  auto me = test::Call(running_->client(), Token(redeemed), "GET", "/api/v1/me");
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_NE(me.body.find(R"("username":"STLPD/jdoe","agency":"STLPD","role":"analyst")"),
            std::string::npos)
      << me.body;
  EXPECT_EQ(Count("SELECT count(*) FROM audit WHERE event = 'user.provision'"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM audit WHERE event = 'sso.login' AND outcome = 'ok'"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM audit WHERE event = 'login' AND outcome = 'ok' AND "
                  "details LIKE '%\"sso\":true%\"second_factor\":\"provider\"%'"),
            1);

  // The same person again: the same account, now an administrator by group.
  provider_.person().groups = {"lpr-admins", "lpr-analysts"};
  o = SignInThroughProvider();
  ASSERT_EQ(o.status, 302) << o.body;
  redeemed = Redeem(o.ticket);
  ASSERT_EQ(redeemed.status, 200) << redeemed.body;
  me = test::Call(running_->client(), Token(redeemed), "GET", "/api/v1/me");
  EXPECT_NE(me.body.find(R"("role":"administrator")"), std::string::npos) << me.body;
  EXPECT_EQ(Count("SELECT count(*) FROM users WHERE sso_subject IS NOT NULL"), 1);
}

TEST_F(SsoTest, ATicketIsRedeemedOnceWithinTwoMinutesAndNeedsTheBanner) {
  Outcome o = SignInThroughProvider();
  ASSERT_EQ(o.status, 302) << o.body;
  auto no_banner =
      *running_->client().Send("POST", "/api/v1/auth/sso/redeem", json::Object("ticket", o.ticket),
                               {{"Content-Type", "application/json"}});
  EXPECT_EQ(no_banner.status, 400) << no_banner.body;
  EXPECT_EQ(Redeem(o.ticket).status, 200);
  EXPECT_EQ(Redeem(o.ticket).status, 401) << "a ticket is spent once";
  Outcome late = SignInThroughProvider();
  clock_.Advance(std::chrono::minutes(3));
  EXPECT_EQ(Redeem(late.ticket).status, 401) << "a ticket lives two minutes";
}

TEST_F(SsoTest, WithoutTheProvidersMultiFactorAssertionInterdictsTotpIsNeeded) {
  provider_.person().amr = {"pwd"};
  Outcome o = SignInThroughProvider();
  ASSERT_EQ(o.status, 302) << o.body;
  auto refused = Redeem(o.ticket);
  EXPECT_EQ(refused.status, 401);
  EXPECT_NE(refused.body.find(R"("code":"mfa_required")"), std::string::npos) << refused.body;
  EXPECT_NE(refused.body.find("no Interdict authenticator"), std::string::npos) << refused.body;

  // A person with an enrolled Interdict authenticator adds its code.
  {
    auto db = catalog::Database::Open(test::CatalogAt(dir_.File("catalog.db")));
    auto up = (*db)->Prepare(
        "UPDATE users SET totp_secret = ?1, totp_enrolled = 1 WHERE sso_subject IS NOT NULL");
    ASSERT_TRUE(up.ok());
    up->BindBlob(1, test::kTestTotpSecret);
    ASSERT_TRUE(up->Run().ok());
  }
  clock_.Advance(std::chrono::seconds(30));
  o = SignInThroughProvider();
  EXPECT_EQ(Redeem(o.ticket, "000000").status, 401) << "a wrong code";
  o = SignInThroughProvider();
  const std::string code =
      crypto::TotpCode(test::kTestTotpSecret, crypto::TotpStep(clock_.NowMillis()));
  auto ok = Redeem(o.ticket, code);
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(Count("SELECT count(*) FROM audit WHERE event = 'login' AND outcome = 'ok' AND "
                  "details LIKE '%interdict totp%'"),
            1);
}

TEST_F(SsoTest, EveryBadTokenIsRefusedWithoutASessionAndAudited) {
  struct Case {
    std::string name;
    std::function<void(test::OidcProvider::Tampering&)> tamper;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"bad signature", [](auto& t) { t.bad_signature = true; }, "signature"},
      {"key not published", [](auto& t) { t.sign_with_unpublished = true; }, "no provider key"},
      {"wrong audience", [](auto& t) { t.aud = "someone-else"; }, "aud"},
      {"expired", [](auto& t) { t.exp_offset_s = -600; }, "expired"},
      {"another sign-in's nonce", [](auto& t) { t.nonce = "replayed-nonce"; }, "nonce"},
      {"another issuer", [](auto& t) { t.iss = "https://evil.example"; }, "issued by"},
      {"alg none", [](auto& t) { t.alg = "none"; }, "'none' is not allowed"},
      {"alg HS256", [](auto& t) { t.alg = "HS256"; }, "'HS256' is not allowed"},
  };
  for (const Case& c : cases) {
    provider_.tampering() = {};
    c.tamper(provider_.tampering());
    Outcome o = SignInThroughProvider();
    EXPECT_EQ(o.status, 401) << c.name << ": " << o.body;
    EXPECT_NE(o.body.find(c.says), std::string::npos) << c.name << ": " << o.body;
    EXPECT_TRUE(o.ticket.empty()) << c.name;
  }
  EXPECT_EQ(Count("SELECT count(*) FROM users WHERE sso_subject IS NOT NULL"), 0)
      << "no one provisioned";
  EXPECT_EQ(Count("SELECT count(*) FROM sessions"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM audit WHERE event = 'sso.login' AND outcome = 'denied'"),
            static_cast<std::int64_t>(cases.size()));
}

TEST_F(SsoTest, TheProvidersAnswerIsUsedOnceAndStalesAfterTenMinutes) {
  Outcome o = SignInThroughProvider();
  ASSERT_EQ(o.status, 302) << o.body;
  auto again = running_->client().Get(o.callback);
  EXPECT_EQ(again->status, 401) << "a replayed state";
  EXPECT_NE(again->body.find("already used"), std::string::npos) << again->body;
  // A sign-in started and answered eleven minutes later.
  auto start = running_->client().Get("/api/v1/auth/sso/STLPD/start");
  ASSERT_EQ(start->status, 302);
  clock_.Advance(std::chrono::minutes(11));
  Result<http::Url> at = http::ParseUrl(start->Header("Location"));
  http::Client idp(http::ClientOptions::To(at->host, at->port));
  auto back = idp.Get(at->target);
  auto late = running_->client().Get(http::ParseUrl(back->Header("Location"))->target);
  EXPECT_EQ(late->status, 401);
  EXPECT_NE(late->body.find("too long"), std::string::npos) << late->body;
}

TEST_F(SsoTest, ARotatedProviderKeyIsFetchedOnceAndTheOldOneNoLongerSigns) {
  ASSERT_EQ(SignInThroughProvider().status, 302);
  ASSERT_EQ(SignInThroughProvider().status, 302);
  EXPECT_EQ(provider_.jwks_fetches(), 1) << "the key set is cached";
  provider_.RotateKey("key-2");
  // Refetches for an unknown key id are at most one a minute per provider.
  clock_.Advance(std::chrono::seconds(61));
  Outcome o = SignInThroughProvider();
  EXPECT_EQ(o.status, 302) << o.body;
  EXPECT_EQ(provider_.jwks_fetches(), 2) << "an unknown key id fetches the set again";
  ASSERT_EQ(SignInThroughProvider().status, 302);
  EXPECT_EQ(provider_.jwks_fetches(), 2);
}

TEST_F(SsoTest, APersonTheProviderNoLongerGroupsIsDisabledAndTheirSessionsEnd) {
  Outcome o = SignInThroughProvider();
  const std::string token = Token(Redeem(o.ticket));
  ASSERT_EQ(test::Call(running_->client(), token, "GET", "/api/v1/me").status, 200);
  provider_.person().groups = {"cafeteria"};
  o = SignInThroughProvider();
  EXPECT_EQ(o.status, 403) << o.body;
  EXPECT_EQ(test::Call(running_->client(), token, "GET", "/api/v1/me").status, 401)
      << "their open session ended too";
  EXPECT_EQ(Count("SELECT count(*) FROM users WHERE disabled_at IS NOT NULL"), 1);
  provider_.person().groups = {"lpr-analysts"};
  EXPECT_EQ(SignInThroughProvider().status, 403) << "disabled stays disabled";
}

TEST_F(SsoTest, AProviderAnsweringMoreThanAMebibyteIsRefusedBeforeItIsHeld) {
  provider_.tampering().jwks_padding = 2 << 20;
  Outcome o = SignInThroughProvider();
  EXPECT_EQ(o.status, 502) << o.body;
  EXPECT_NE(o.body.find("provider_unavailable"), std::string::npos) << o.body;
  EXPECT_NE(o.body.find("body limit"), std::string::npos) << o.body;
  provider_.tampering().jwks_padding = 0;
  EXPECT_EQ(SignInThroughProvider().status, 302) << "and the next answer of a normal size works";
}

TEST_F(SsoTest, AnAgencyWithoutSingleSignOnAnswers404) {
  auto r = running_->client().Get("/api/v1/auth/sso/NOSUCH/start");
  EXPECT_EQ(r->status, 404) << r->body;
}

}  // namespace
}  // namespace interdict::server

namespace interdict::server {
namespace {

TEST_F(SsoTest, AnAgencysAdministratorSetsItsProviderThroughTheApiAndNoOneElseMay) {
  {
    auto db = catalog::Database::Open(test::CatalogAt(dir_.File("catalog.db")));
    ASSERT_TRUE(db.ok());
    test::AddUser(**db, 1, "boss", "administrator");
    test::AddUser(**db, 1, "ana", "analyst");
  }
  const std::string boss = test::SignIn(running_->client(), clock_, "boss");
  auto got = test::Call(running_->client(), boss, "GET", "/api/v1/sso");
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_NE(got.body.find(R"("redirect_uri":"http://127.0.0.1/api/v1/auth/sso/callback")"),
            std::string::npos)
      << "what to register at the provider: " << got.body;
  EXPECT_NE(got.body.find(R"("configured":true)"), std::string::npos) << got.body;

  const std::string base =
      R"({"issuer":")" + provider_.issuer() + R"(","client_id":"interdict-stlpd","role_map":)";
  auto bad_role = test::Call(running_->client(), boss, "PUT", "/api/v1/sso",
                             base + R"({"lpr-analysts":"superuser"}})");
  EXPECT_EQ(bad_role.status, 400);
  EXPECT_NE(bad_role.body.find("role_map"), std::string::npos) << bad_role.body;
  auto plain_http =
      test::Call(running_->client(), boss, "PUT", "/api/v1/sso",
                 R"({"issuer":"http://idp.example","client_id":"x","role_map":{"g":"officer"}})");
  EXPECT_EQ(plain_http.status, 400) << "a provider off this host is reached over https only";

  auto set = test::Call(running_->client(), boss, "PUT", "/api/v1/sso",
                        base + R"({"lpr-analysts":"officer"}})");
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_NE(set.body.find(R"("role_map":{"lpr-analysts":"officer"})"), std::string::npos)
      << set.body;
  Outcome o = SignInThroughProvider();
  ASSERT_EQ(o.status, 302) << o.body;
  auto me = test::Call(running_->client(), Token(Redeem(o.ticket)), "GET", "/api/v1/me");
  EXPECT_NE(me.body.find(R"("role":"officer")"), std::string::npos) << me.body;
  EXPECT_EQ(Count("SELECT count(*) FROM audit WHERE event = 'sso.configure' AND actor LIKE "
                  "'user:%'"),
            1);

  clock_.Advance(std::chrono::seconds(30));
  const std::string ana = test::SignIn(running_->client(), clock_, "ana");
  EXPECT_EQ(test::Call(running_->client(), ana, "GET", "/api/v1/sso").status, 403);
  EXPECT_EQ(test::Call(running_->client(), ana, "PUT", "/api/v1/sso", base + "{}}").status, 403);
}

}  // namespace
}  // namespace interdict::server
