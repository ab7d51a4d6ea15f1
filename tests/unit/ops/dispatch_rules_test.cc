#include "ops/dispatch_rules.h"

#include <gtest/gtest.h>

#include "support/accounts.h"
#include "support/catalog.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

namespace interdict::ops {
namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;

class DispatchRulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = test::MigratedCatalog(dir_.File("catalog.db"));
    ASSERT_TRUE(db_);
    ASSERT_EQ(test::AddAgency(*db_, "GCPD"), 1);
    ASSERT_EQ(test::AddAgency(*db_, "MSHP"), 2);
    test::AddUser(*db_, 1, "sup", "supervisor");
    test::AddUser(*db_, 1, "officer", "officer");
    test::AddUser(*db_, 2, "trooper", "supervisor");
    identity::Accounts a(*db_, {});
    sup_ = *a.UserPrincipal(1);
    officer_ = *a.UserPrincipal(2);
    trooper_ = *a.UserPrincipal(3);
  }
  test::TempDir dir_;
  std::unique_ptr<catalog::Database> db_;
  identity::Principal sup_, officer_, trooper_;
};

TEST_F(DispatchRulesTest, AnAgencySetsItsOwnRulesOthersKeepTheDefaults) {
  Result<DispatchRules> r = GetDispatchRules(*db_, officer_);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->defaults);
  EXPECT_EQ(r->k9_kinds, std::set<std::string>{"W"}) << "a wanted person may run on foot";
  EXPECT_NE(r->policy.find("never a pursuit"), std::string::npos);

  DispatchRules mine;
  mine.policy = "GCPD General Order 41: stage, observe, report; no pursuit for property crimes.";
  mine.aircraft_kinds = {"V", "AMBER"};
  mine.k9_kinds = {"W", "F"};
  ASSERT_TRUE(SetDispatchRules(*db_, sup_, mine, kNow).ok());
  r = GetDispatchRules(*db_, officer_);
  EXPECT_FALSE(r->defaults);
  EXPECT_EQ(r->policy, mine.policy);
  EXPECT_EQ(r->aircraft_kinds, (std::set<std::string>{"AMBER", "V"}));
  EXPECT_TRUE(r->medic_kinds.empty()) << "set to none";
  EXPECT_EQ(r->changed_at, kNow);
  EXPECT_TRUE(GetDispatchRules(*db_, trooper_)->defaults) << "MSHP's are its own";
  EXPECT_EQ(db_->Query("SELECT count(*) FROM audit WHERE event = 'dispatch.rules'")->Int(0), 1);
}

TEST_F(DispatchRulesTest, BadRulesAreRefusedByFieldAndOnlyManagersSetThem) {
  DispatchRules r = DefaultDispatchRules();
  EXPECT_EQ(SetDispatchRules(*db_, officer_, r, kNow).code(), StatusCode::kPermissionDenied);
  r.policy = "too short";
  Status st = SetDispatchRules(*db_, sup_, r, kNow);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("policy"), std::string::npos);
  r.policy = std::string("A policy with a bad byte: \xff and more words");
  EXPECT_NE(SetDispatchRules(*db_, sup_, r, kNow).message().find("byte 26"), std::string::npos);
  r = DefaultDispatchRules();
  r.k9_kinds = {"w"};
  st = SetDispatchRules(*db_, sup_, r, kNow);
  EXPECT_NE(st.message().find("k9_kinds: 'w'"), std::string::npos) << st.message();
  r.k9_kinds.clear();
  for (int i = 0; i < 21; ++i) r.aircraft_kinds.insert("K" + std::to_string(i));
  EXPECT_NE(SetDispatchRules(*db_, sup_, r, kNow).message().find("aircraft_kinds"),
            std::string::npos);
  EXPECT_TRUE(GetDispatchRules(*db_, sup_)->defaults) << "nothing was set";
}

}  // namespace
}  // namespace interdict::ops
