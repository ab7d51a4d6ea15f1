#include "identity/users.h"

#include <gtest/gtest.h>

#include "crypto/crypto.h"
#include "crypto/totp.h"
#include "support/catalog.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

namespace interdict::identity {
namespace {

class UsersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = test::MigratedCatalog(dir_.File("catalog.db"));
    ASSERT_TRUE(db_);
    test::AddAgency(*db_, "STLPD");
    test::AddAgency(*db_, "SLCPD", "US-MO", "county");
    ASSERT_TRUE(db_->Exec("INSERT INTO users (agency_id, username, display_name, role, "
                          "created_at, created_by) VALUES "
                          "(1, 'admin', 'A', 'administrator', 0, 't'), "
                          "(1, 'sup', 'S', 'supervisor', 0, 't'), "
                          "(2, 'other', 'O', 'administrator', 0, 't')")
                    .ok());
    AccountPolicy policy;
    policy.password_cost = {1, 64, 1};
    accounts_ = std::make_unique<Accounts>(*db_, policy);
    admin_ = *accounts_->UserPrincipal(1);
    supervisor_ = *accounts_->UserPrincipal(2);
    other_admin_ = *accounts_->UserPrincipal(3);
  }
  test::TempDir dir_;
  std::unique_ptr<catalog::Database> db_;
  std::unique_ptr<Accounts> accounts_;
  Principal admin_, supervisor_, other_admin_;
  std::int64_t now_ = 1'800'000'000'000;
};

TEST_F(UsersTest, AnAdministratorAddsAPersonWhoEnrolsWithTheOneTimeSecret) {
  Result<NewUser> u = CreateUser(*db_, admin_, "j.doe", "Jane Doe", "analyst", now_);
  ASSERT_TRUE(u.ok()) << u.status().message();
  Result<Enrolment> e = accounts_->Enrol("j.doe", u->enrolment_secret, "a long passphrase", now_);
  ASSERT_TRUE(e.ok()) << e.status().message();
  const std::string secret = *crypto::Base32Decode(e->totp_secret_base32);
  ASSERT_TRUE(accounts_
                  ->ConfirmEnrolment("j.doe", u->enrolment_secret,
                                     crypto::TotpCode(secret, crypto::TotpStep(now_)), now_)
                  .ok());
  Result<std::vector<UserInfo>> list = ListUsers(*db_, admin_, now_);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 3u) << "admin, j.doe and sup; not the other agency's";
  EXPECT_EQ((*list)[1].username, "j.doe");
  EXPECT_TRUE((*list)[1].enrolled);
}

TEST_F(UsersTest, AccessReviewsComeDueYearlyAndOnlyAnotherAdministratorReviewsAnAdministrator) {
  // Created at 0: long overdue at now_, so suspended.
  Result<std::vector<UserInfo>> due = ListUsers(*db_, admin_, now_, 30LL * 86'400'000);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 2u) << "admin and sup";
  EXPECT_TRUE((*due)[1].suspended);
  EXPECT_EQ(ReviewUser(*db_, supervisor_, 2, now_).code(), StatusCode::kPermissionDenied)
      << "users.manage";
  EXPECT_EQ(ReviewUser(*db_, admin_, 3, now_).code(), StatusCode::kNotFound) << "other agency";
  ASSERT_TRUE(ReviewUser(*db_, admin_, 2, now_).ok());
  due = ListUsers(*db_, admin_, now_, 30LL * 86'400'000);
  ASSERT_EQ(due->size(), 1u) << "sup is reviewed for a year";
  Result<std::vector<UserInfo>> all = ListUsers(*db_, admin_, now_);
  EXPECT_EQ((*all)[1].reviewed_by, "admin");
  EXPECT_EQ((*all)[1].review_due_at, now_ + kReviewPeriodMs);
  EXPECT_FALSE((*all)[1].suspended);
  // The sole administrator may review their own access; with a second one, not.
  ASSERT_TRUE(ReviewUser(*db_, admin_, 1, now_).ok());
  ASSERT_TRUE(db_->Exec("INSERT INTO users (agency_id, username, display_name, role, created_at, "
                        "created_by) VALUES (1, 'admin2', 'B', 'administrator', 0, 't')")
                  .ok());
  EXPECT_EQ(ReviewUser(*db_, admin_, 1, now_).code(), StatusCode::kPermissionDenied);
  auto q = db_->Prepare("SELECT count(*) FROM audit WHERE event = 'user.review'");
  ASSERT_TRUE(q.ok() && *q->Step());
  EXPECT_EQ(q->Int(0), 2);
}

TEST_F(UsersTest, RefusesWhatWouldBreakOnePersonOneAccountOrLeastPrivilege) {
  EXPECT_EQ(CreateUser(*db_, supervisor_, "x.y", "X Y", "officer", now_).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(CreateUser(*db_, admin_, "sup", "Someone Else", "officer", now_).status().code(),
            StatusCode::kAlreadyExists)
      << "usernames are never shared";
  EXPECT_EQ(CreateUser(*db_, admin_, "bot", "Bot", "integration", now_).status().code(),
            StatusCode::kInvalidArgument)
      << "machines get API keys";
  EXPECT_EQ(CreateUser(*db_, admin_, "x.y", "X Y", "superuser", now_).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(UsersTest, DisablingEndsSessionsAndStaysWithinTheAgency) {
  EXPECT_EQ(DisableUser(*db_, other_admin_, supervisor_.id, now_).code(), StatusCode::kNotFound);
  EXPECT_EQ(DisableUser(*db_, admin_, admin_.id, now_).code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(db_->Exec("INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at) "
                        "VALUES (" +
                        test::BlobLiteral(*db_, "00") + ", 2, 0, 0)")
                  .ok());
  ASSERT_TRUE(DisableUser(*db_, admin_, supervisor_.id, now_).ok());
  auto st = db_->Prepare("SELECT count(*) FROM sessions WHERE ended_at IS NULL");
  ASSERT_TRUE(*st->Step());
  EXPECT_EQ(st->Int(0), 0);
  EXPECT_EQ(DisableUser(*db_, admin_, supervisor_.id, now_).code(),
            StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace interdict::identity
