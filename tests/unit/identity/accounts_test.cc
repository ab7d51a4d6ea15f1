#include "identity/accounts.h"

#include <gtest/gtest.h>

#include "audit/audit.h"
#include "crypto/crypto.h"
#include "crypto/totp.h"
#include "identity/admin.h"
#include "support/catalog.h"
#include "support/temp_dir.h"

namespace interdict::identity {
namespace {

constexpr const char* kBanner = "0123456789abcdef";  // the banner version accepted

constexpr std::int64_t kMinute = 60'000;

class AccountsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = test::MigratedCatalog(dir_.File("catalog.db"));
    ASSERT_TRUE(db_);
    Result<InitResult> init = InitCatalog(
        *db_, {"STLPD", "St. Louis PD", "MO0950000", "MO", "local", "alice", "Alice Smith"}, now_);
    ASSERT_TRUE(init.ok()) << init.status().message();
    enrolment_ = init->enrolment_secret;
    AccountPolicy policy;
    policy.password_cost = {1, 64, 1};  // fast in tests; same code path
    accounts_ = std::make_unique<Accounts>(*db_, policy);
  }

  // Enrols alice and returns her TOTP secret (raw bytes).
  std::string EnrolAlice() {
    Result<Enrolment> e = accounts_->Enrol("alice", enrolment_, kPassword, now_);
    EXPECT_TRUE(e.ok()) << e.status().message();
    if (!e.ok()) return {};
    EXPECT_NE(e->totp_uri.find("otpauth://totp/Interdict:alice?secret="), std::string::npos);
    const std::string secret = *crypto::Base32Decode(e->totp_secret_base32);
    EXPECT_TRUE(accounts_->ConfirmEnrolment("alice", enrolment_, Code(secret), now_).ok());
    return secret;
  }
  std::string Code(const std::string& secret) const {
    return crypto::TotpCode(secret, crypto::TotpStep(now_));
  }
  std::vector<audit::Entry> AuditOf(std::string_view event) {
    audit::Query q;
    q.limit = 1000;
    Result<std::vector<audit::Entry>> all = audit::List(*db_, q);
    EXPECT_TRUE(all.ok()) << all.status().message();
    std::vector<audit::Entry> out;
    if (!all.ok()) return out;
    for (const audit::Entry& e : *all) {
      if (e.event == event) out.push_back(e);
    }
    return out;
  }

  static constexpr std::string_view kPassword = "correct horse battery";
  test::TempDir dir_;
  std::unique_ptr<catalog::Database> db_;
  std::unique_ptr<Accounts> accounts_;
  std::string enrolment_;
  std::int64_t now_ = 1'800'000'000'000;
};

TEST_F(AccountsTest, EnrolmentThenSignInGivesASessionWithTheRolesPermissions) {
  const std::string secret = EnrolAlice();
  now_ += kMinute;  // a later step: the enrolment code cannot be replayed
  Result<std::string> token =
      accounts_->SignIn("alice", kPassword, Code(secret), "10.0.0.5", kBanner, now_);
  ASSERT_TRUE(token.ok()) << token.status().message();
  EXPECT_EQ(token->size(), 64u);
  Result<Principal> p = accounts_->Authenticate(*token, now_ + kMinute);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->name, "alice");
  EXPECT_EQ(p->agency_code, "STLPD");
  EXPECT_EQ(p->agency_state, "US-MO");
  EXPECT_EQ(p->Actor(), "user:1");
  EXPECT_TRUE(p->Can("users.manage"));
  EXPECT_FALSE(p->Can("search.reads")) << "an administrator is not an investigator";
  ASSERT_EQ(AuditOf("login").size(), 1u);
  EXPECT_EQ(AuditOf("login")[0].outcome, audit::Outcome::kOk);
  EXPECT_NE(AuditOf("login")[0].details.find("10.0.0.5"), std::string::npos);
}

TEST_F(AccountsTest, TheAcceptedBannerIsRecordedWithTheAccountAndTheSignIn) {
  const std::string secret = EnrolAlice();
  now_ += kMinute;
  ASSERT_TRUE(accounts_->SignIn("alice", kPassword, Code(secret), "x", kBanner, now_).ok());
  auto q = db_->Prepare("SELECT banner_version, banner_accepted_at FROM users WHERE id = 1");
  ASSERT_TRUE(q.ok() && *q->Step());
  EXPECT_EQ(q->Text(0), kBanner);
  EXPECT_EQ(q->Int(1), now_);
  EXPECT_NE(AuditOf("login")[0].details.find(R"("banner":"0123456789abcdef")"), std::string::npos);
  EXPECT_EQ(BannerVersion("WARNING: authorized use only").size(), 16u);
  EXPECT_NE(BannerVersion("WARNING: authorized use only"), BannerVersion("WARNING: authorized"));
}

TEST_F(AccountsTest, AnAccountOverdueForItsYearlyReviewIsSuspendedUntilReviewed) {
  const std::string secret = EnrolAlice();
  auto q = db_->Prepare("SELECT created_at FROM users WHERE id = 1");
  ASSERT_TRUE(q.ok() && *q->Step());
  const std::int64_t suspended_from = q->Int(0) + kReviewPeriodMs + kReviewGraceMs;
  // Ten minutes before the year and the grace are over: still in.
  now_ = suspended_from - 10 * kMinute;
  Result<std::string> token =
      accounts_->SignIn("alice", kPassword, Code(secret), "x", kBanner, now_);
  ASSERT_TRUE(token.ok()) << token.status().message();
  // Past them: the session ends, and sign-in says why (to the person alone).
  now_ = suspended_from + 5 * kMinute;
  Result<Principal> ended = accounts_->Authenticate(*token, now_);
  EXPECT_EQ(ended.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(ended.status().message().find("review"), std::string::npos) << ended.status().message();
  Result<std::string> refused =
      accounts_->SignIn("alice", kPassword, Code(secret), "x", kBanner, now_);
  EXPECT_EQ(refused.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(refused.status().message().find("review"), std::string::npos);
  EXPECT_EQ(AuditOf("login").back().outcome, audit::Outcome::kDenied);
  // Reviewed, the person is back.
  ASSERT_TRUE(
      db_->Exec("UPDATE users SET reviewed_at = " + std::to_string(now_) + " WHERE id = 1").ok());
  now_ += kMinute;
  EXPECT_TRUE(accounts_->SignIn("alice", kPassword, Code(secret), "x", kBanner, now_).ok());
}

TEST_F(AccountsTest, TheEnrolmentSecretWorksOnceAndNotAfterItExpires) {
  EXPECT_EQ(accounts_->Enrol("alice", "WRONGSECRET", kPassword, now_).status().code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(
      accounts_->Enrol("alice", enrolment_, kPassword, now_ + kEnrolmentValidityMs).status().code(),
      StatusCode::kUnauthenticated)
      << "expired";
  EXPECT_EQ(accounts_->Enrol("alice", enrolment_, "short", now_).status().code(),
            StatusCode::kInvalidArgument);
  EnrolAlice();
  EXPECT_EQ(accounts_->Enrol("alice", enrolment_, kPassword, now_).status().code(),
            StatusCode::kUnauthenticated)
      << "spent";
  EXPECT_EQ(AuditOf("enrol.password").size(), 4u) << "refusals are audited too";
}

TEST_F(AccountsTest, NoSignInBeforeEnrolmentIsConfirmed) {
  ASSERT_TRUE(accounts_->Enrol("alice", enrolment_, kPassword, now_).ok());
  EXPECT_EQ(accounts_->SignIn("alice", kPassword, "000000", "x", kBanner, now_).status().code(),
            StatusCode::kUnauthenticated);
}

TEST_F(AccountsTest, FiveFailuresLockTheAccountForTenMinutes) {
  const std::string secret = EnrolAlice();
  for (int i = 0; i < 5; ++i) {
    now_ += 1000;
    Result<std::string> r =
        accounts_->SignIn("alice", "wrong password!", Code(secret), "x", kBanner, now_);
    EXPECT_EQ(r.status().message(), "wrong username, password or code");
  }
  now_ += 30'000;  // a fresh step, right password and code: still locked
  Result<std::string> locked =
      accounts_->SignIn("alice", kPassword, Code(secret), "x", kBanner, now_);
  EXPECT_EQ(locked.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(locked.status().message().find("locked"), std::string::npos)
      << locked.status().message();
  now_ += 9 * kMinute;
  EXPECT_FALSE(accounts_->SignIn("alice", kPassword, Code(secret), "x", kBanner, now_).ok())
      << "9.5 minutes after the fifth failure";
  now_ += kMinute;
  EXPECT_TRUE(accounts_->SignIn("alice", kPassword, Code(secret), "x", kBanner, now_).ok())
      << "10.5 minutes after";
  std::size_t denied = 0;
  for (const audit::Entry& e : AuditOf("login")) denied += e.outcome == audit::Outcome::kDenied;
  EXPECT_EQ(denied, 7u);
}

TEST_F(AccountsTest, ACodeIsAcceptedOneStepEitherSideAndOnlyOnce) {
  const std::string secret = EnrolAlice();
  now_ += 5 * kMinute;
  const std::string code = Code(secret);
  ASSERT_TRUE(accounts_->SignIn("alice", kPassword, code, "x", kBanner, now_).ok());
  EXPECT_FALSE(accounts_->SignIn("alice", kPassword, code, "x", kBanner, now_ + 1000).ok())
      << "replayed";
  now_ += 5 * kMinute;
  const std::string early = crypto::TotpCode(secret, crypto::TotpStep(now_) - 1);
  EXPECT_TRUE(accounts_->SignIn("alice", kPassword, early, "x", kBanner, now_).ok())
      << "30 s slow phone";
  now_ += 5 * kMinute;
  const std::string stale = crypto::TotpCode(secret, crypto::TotpStep(now_) - 2);
  EXPECT_FALSE(accounts_->SignIn("alice", kPassword, stale, "x", kBanner, now_).ok());
}

TEST_F(AccountsTest, ASessionLocksAfterThirtyMinutesIdleAndSignOutEndsIt) {
  const std::string secret = EnrolAlice();
  now_ += kMinute;
  const std::string token =
      *accounts_->SignIn("alice", kPassword, Code(secret), "x", kBanner, now_);
  EXPECT_TRUE(accounts_->Authenticate(token, now_ + 29 * kMinute).ok());
  EXPECT_TRUE(accounts_->Authenticate(token, now_ + 58 * kMinute).ok()) << "activity resets it";
  Result<Principal> idle = accounts_->Authenticate(token, now_ + 89 * kMinute);
  EXPECT_EQ(idle.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(idle.status().message().find("idle"), std::string::npos);
  EXPECT_FALSE(accounts_->Authenticate(token, now_ + 89 * kMinute).ok()) << "stays locked";
  EXPECT_EQ(AuditOf("session.lock").size(), 1u);

  now_ += 90 * kMinute;
  const std::string second =
      *accounts_->SignIn("alice", kPassword, Code(secret), "x", kBanner, now_);
  ASSERT_TRUE(accounts_->SignOut(second, now_).ok());
  EXPECT_FALSE(accounts_->Authenticate(second, now_).ok());
  EXPECT_EQ(AuditOf("logout").size(), 1u);
  EXPECT_FALSE(accounts_->Authenticate("not a token", now_).ok());
}

TEST_F(AccountsTest, AnUnknownUserGetsTheSameAnswerAndIsAudited) {
  EnrolAlice();
  Result<std::string> r =
      accounts_->SignIn("mallory", kPassword, "123456", "203.0.113.9", kBanner, now_);
  EXPECT_EQ(r.status().message(), "wrong username, password or code");
  ASSERT_EQ(AuditOf("login").size(), 1u);
  EXPECT_EQ(AuditOf("login")[0].actor, "unknown");
  EXPECT_NE(AuditOf("login")[0].details.find("mallory"), std::string::npos);
}

TEST_F(AccountsTest, SessionTokensAndPasswordsAreStoredOnlyAsDigests) {
  const std::string secret = EnrolAlice();
  now_ += kMinute;
  const std::string token =
      *accounts_->SignIn("alice", kPassword, Code(secret), "x", kBanner, now_);
  auto st = db_->Prepare("SELECT token_hash FROM sessions");
  ASSERT_TRUE(*st->Step());
  EXPECT_EQ(st->Blob(0), crypto::AsBytes(crypto::Sha256(token)));
  auto pw = db_->Prepare("SELECT password_hash FROM users");
  ASSERT_TRUE(*pw->Step());
  EXPECT_EQ(pw->Text(0).rfind("$argon2id$", 0), 0u);
  EXPECT_EQ(pw->Text(0).find(kPassword), std::string::npos);
}

}  // namespace
}  // namespace interdict::identity
