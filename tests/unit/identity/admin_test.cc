#include "identity/admin.h"

#include <gtest/gtest.h>

#include "audit/audit.h"
#include "crypto/crypto.h"
#include "support/catalog.h"
#include "support/temp_dir.h"

namespace interdict::identity {
namespace {

class AdminInitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = test::MigratedCatalog(dir_.File("catalog.db"));
    ASSERT_TRUE(db_);
  }
  static InitRequest Request() {
    return {"NHSP", "New Hampshire State Police", "NH0000000", "NH", "state", "bob", "Bob Jones"};
  }
  std::int64_t Scalar(std::string_view sql) {
    auto st = db_->Prepare(sql);
    EXPECT_TRUE(st.ok()) << st.status().message();
    EXPECT_TRUE(*st->Step());
    return st->Int(0);
  }
  test::TempDir dir_;
  std::unique_ptr<catalog::Database> db_;
  const std::int64_t now_ = 1'800'000'000'000;
};

TEST_F(AdminInitTest, CreatesAgencyAdministratorStatePresetAndAnAuditEntry) {
  Result<InitResult> r = InitCatalog(*db_, Request(), now_);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->retention_preset, "US-NH");
  EXPECT_EQ(Scalar("SELECT period_ms FROM retention WHERE data_class = 'non_hit_reads'"), 180'000);
  EXPECT_EQ(Scalar("SELECT count(*) FROM users WHERE role = 'administrator' AND "
                   "password_hash IS NULL AND totp_enrolled = 0"),
            1);
  EXPECT_EQ(r->enrolment_expires_at, now_ + kEnrolmentValidityMs);
  auto st = db_->Prepare("SELECT enrolment_hash FROM users");
  ASSERT_TRUE(*st->Step());
  EXPECT_EQ(st->Blob(0), crypto::AsBytes(crypto::Sha256(r->enrolment_secret)));
  Result<audit::VerifyResult> v = audit::Verify(*db_);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->entries, 1);
  EXPECT_FALSE(v->first_bad);
}

TEST_F(AdminInitTest, RefusesASecondInitAndLeavesTheFirstAlone) {
  ASSERT_TRUE(InitCatalog(*db_, Request(), now_).ok());
  InitRequest other = Request();
  other.agency_code = "OTHER";
  other.ori = "NH0000001";
  Result<InitResult> r = InitCatalog(*db_, other, now_);
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(Scalar("SELECT count(*) FROM agencies"), 1);
  EXPECT_EQ(Scalar("SELECT count(*) FROM audit"), 1);
}

TEST_F(AdminInitTest, EachBadFieldIsNamed) {
  struct Case {
    void (*edit)(InitRequest&);
    const char* field;
  };
  const Case cases[] = {
      {[](InitRequest& r) { r.agency_code = "st lpd"; }, "agency code"},
      {[](InitRequest& r) { r.agency_name = ""; }, "agency name"},
      {[](InitRequest& r) { r.ori = "NH00"; }, "ori"},
      {[](InitRequest& r) { r.state = "ON"; }, "state"},
      {[](InitRequest& r) { r.kind = "tribal-ish"; }, "kind"},
      {[](InitRequest& r) { r.admin_username = "Bob Jones"; }, "username"},
      {[](InitRequest& r) { r.admin_name = "Bob\nJones"; }, "administrator name"},
  };
  for (const Case& c : cases) {
    InitRequest req = Request();
    c.edit(req);
    Result<InitResult> r = InitCatalog(*db_, req, now_);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << c.field;
    EXPECT_EQ(r.status().message().rfind(c.field, 0), 0u) << r.status().message();
  }
  EXPECT_EQ(Scalar("SELECT count(*) FROM agencies"), 0);
}

}  // namespace
}  // namespace interdict::identity
