#include "policy/retention.h"

#include <gtest/gtest.h>

#include "catalog/changes.h"
#include "identity/admin.h"
#include "support/catalog.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

namespace interdict::policy {
namespace {

constexpr std::int64_t kMinute = 60'000, kDay = 86'400'000;

class RetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = test::MigratedCatalog(dir_.File("catalog.db"));
    ASSERT_TRUE(db_);
    ASSERT_TRUE(
        identity::InitCatalog(
            *db_, {"NHSP", "NH State Police", "NH0000000", "NH", "state", "admin", "A"}, now_)
            .ok());
    ASSERT_EQ(test::AddAgency(*db_, "STLPD"), 2);
    ASSERT_TRUE(db_->Exec("INSERT INTO users (agency_id, username, display_name, role, created_at, "
                          "created_by) VALUES (1, 'off', 'O', 'officer', 0, 't'), "
                          "(2, 'mo', 'M', 'administrator', 0, 't')")
                    .ok());
    identity::Accounts a(*db_, {});
    admin_ = *a.UserPrincipal(1);
    officer_ = *a.UserPrincipal(2);
    mo_admin_ = *a.UserPrincipal(3);
  }
  test::TempDir dir_;
  std::unique_ptr<catalog::Database> db_;
  identity::Principal admin_, officer_, mo_admin_;
  std::int64_t now_ = 1'800'000'000'000;
};

TEST_F(RetentionTest, StateLawCapsRetentionAndTheAuditLogKeepsAYear) {
  Status longer = SetRetention(*db_, admin_, "non_hit_reads", 10 * kMinute, now_);
  EXPECT_EQ(longer.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(longer.message().find("US-NH law allows at most 3 minutes"), std::string::npos)
      << longer.message();
  EXPECT_TRUE(SetRetention(*db_, admin_, "hits", 400 * kDay, now_).ok()) << "no statutory cap";
  EXPECT_EQ(SetRetention(*db_, admin_, "audit", 30 * kDay, now_).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(SetRetention(*db_, officer_, "hits", 400 * kDay, now_).code(),
            StatusCode::kPermissionDenied);
  // An agency without a statute may choose; its choice reaches the store.
  ASSERT_TRUE(SetRetention(*db_, mo_admin_, "non_hit_reads", 90 * kDay, now_).ok());
  Result<std::map<std::string, store::RetentionRule>> rules = StoreRetention(*db_);
  ASSERT_TRUE(rules.ok());
  EXPECT_EQ(rules->at("NHSP").non_hit_ms, 3 * kMinute);
  EXPECT_EQ(rules->at("STLPD").non_hit_ms, 90 * kDay);
  Result<std::vector<RetentionSetting>> mine = GetRetention(*db_, admin_);
  ASSERT_TRUE(mine.ok());
  ASSERT_EQ(mine->size(), 5u);
  EXPECT_EQ((*mine)[3].data_class, "non_hit_reads");  // by name: audit, hits, images, …
  EXPECT_EQ((*mine)[3].statutory_max_ms, 3 * kMinute);
  EXPECT_EQ((*mine)[4].data_class, "unit_locations");
  EXPECT_EQ((*mine)[4].period_ms, kDay) << "units' positions: a day unless the agency sets more";
  EXPECT_TRUE(SetRetention(*db_, admin_, "unit_locations", 2 * kDay, now_).ok());
}

TEST_F(RetentionTest, TheAuditTrailIsKeptForTheLongestAgencysAuditPeriod) {
  EXPECT_EQ(*AuditRetentionMs(*db_), kMinAuditRetentionMs) << "a year by default";
  ASSERT_TRUE(SetRetention(*db_, mo_admin_, "audit", 3 * 365 * kDay, now_).ok());
  EXPECT_EQ(*AuditRetentionMs(*db_), 3 * 365 * kDay) << "one chain: the longest period wins";
  ASSERT_TRUE(SetRetention(*db_, mo_admin_, "audit", 400 * kDay, now_).ok());
  EXPECT_EQ(*AuditRetentionMs(*db_), 400 * kDay);
}

// Servers on one catalog reload retention when its generation moves
// (docs/cluster.md): the change counts it up in its own transaction, so a
// refused change does not and a committed one always does, even one made
// with the CLI while servers run.
TEST_F(RetentionTest, EachCommittedChangeCountsTheRetentionGenerationUpInItsOwnTransaction) {
  auto generation = [&] {
    Result<std::map<std::string, catalog::Generation>> g = catalog::Generations(*db_);
    EXPECT_TRUE(g.ok());
    return g.ok() ? g->at(std::string(catalog::kRetentionTopic)).generation : -1;
  };
  const std::int64_t before = generation();
  ASSERT_FALSE(SetRetention(*db_, admin_, "non_hit_reads", 10 * kMinute, now_).ok());
  EXPECT_EQ(generation(), before) << "refused by state law: nothing changed";
  ASSERT_TRUE(SetRetention(*db_, mo_admin_, "non_hit_reads", 90 * kDay, now_).ok());
  EXPECT_EQ(generation(), before + 1);
  HoldRequest h{"7XK3J2",    std::nullopt,    std::nullopt, std::nullopt, "court order 26-CR-1",
                "ADA Smith", now_ + 30 * kDay};
  Result<std::int64_t> hold = CreateHold(*db_, admin_, h, now_);
  ASSERT_TRUE(hold.ok());
  EXPECT_EQ(generation(), before + 2);
  ASSERT_TRUE(ReleaseHold(*db_, admin_, *hold, now_).ok());
  EXPECT_EQ(generation(), before + 3);
  EXPECT_FALSE(ReleaseHold(*db_, admin_, *hold, now_).ok()) << "released already";
  EXPECT_EQ(generation(), before + 3);
  // A change that fails after counting (its audit entry cannot be written)
  // takes the count back with it.
  ASSERT_TRUE(test::BreakAuditWrites(*db_, "audit disk full").ok());
  EXPECT_FALSE(SetRetention(*db_, mo_admin_, "non_hit_reads", 60 * kDay, now_).ok());
  EXPECT_EQ(generation(), before + 3);
}

TEST_F(RetentionTest, HoldsNameWhatTheyKeepWhyAndUntilWhenAndReachTheStoreWhileActive) {
  HoldRequest h{"7XK3J2",    std::nullopt,    std::nullopt, std::nullopt, "court order 26-CR-1",
                "ADA Smith", now_ + 30 * kDay};
  HoldRequest nothing = h;
  nothing.plate.reset();
  EXPECT_EQ(CreateHold(*db_, admin_, nothing, now_).status().code(), StatusCode::kInvalidArgument);
  HoldRequest no_basis = h;
  no_basis.basis.clear();
  EXPECT_EQ(CreateHold(*db_, admin_, no_basis, now_).status().code(), StatusCode::kInvalidArgument);
  HoldRequest past = h;
  past.expires_at = now_;
  EXPECT_EQ(CreateHold(*db_, admin_, past, now_).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(CreateHold(*db_, officer_, h, now_).status().code(), StatusCode::kPermissionDenied);

  Result<std::int64_t> id = CreateHold(*db_, admin_, h, now_);
  ASSERT_TRUE(id.ok()) << id.status().message();
  Result<std::vector<store::Hold>> active = StoreHolds(*db_, now_);
  ASSERT_EQ(active->size(), 1u);
  EXPECT_EQ((*active)[0].agency, "NHSP");
  EXPECT_EQ((*active)[0].plate->text(), "7XK3J2");
  EXPECT_EQ((*active)[0].basis, "court order 26-CR-1");
  EXPECT_TRUE(StoreHolds(*db_, now_ + 31 * kDay)->empty()) << "expired";
  EXPECT_EQ(ReleaseHold(*db_, mo_admin_, *id, now_).code(), StatusCode::kNotFound)
      << "another agency's hold";
  ASSERT_TRUE(ReleaseHold(*db_, admin_, *id, now_).ok());
  EXPECT_TRUE(StoreHolds(*db_, now_)->empty()) << "released";
}

}  // namespace
}  // namespace interdict::policy
