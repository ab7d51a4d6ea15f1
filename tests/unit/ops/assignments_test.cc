#include "ops/assignments.h"

#include <gtest/gtest.h>

#include "ops/units.h"
#include "support/accounts.h"
#include "support/catalog.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

namespace interdict::ops {
namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;

// GCPD (1) sees hit 1, on a stolen-vehicle list of MSHP (2); MSHP does not.
class AssignmentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = test::MigratedCatalog(dir_.File("catalog.db"));
    ASSERT_TRUE(db_);
    ASSERT_EQ(test::AddAgency(*db_, "GCPD"), 1);
    ASSERT_EQ(test::AddAgency(*db_, "MSHP"), 2);
    test::AddUser(*db_, 1, "sup", "supervisor");
    test::AddUser(*db_, 1, "officer", "officer");
    test::AddUser(*db_, 2, "trooper", "supervisor");
    ASSERT_TRUE(db_->Exec("INSERT INTO hotlists (agency_id, name, kind, priority, one_edit, "
                          "created_at, created_by) VALUES (2, 'Stolen', 'ncic', 1, 0, 0, 't')")
                    .ok());
    auto st = db_->Prepare(
        "INSERT INTO hits (agency_id, read_id, camera, read_time, plate, read, hotlist_id, "
        "entry_id, entry, list_age_ms, match_kind, score, backfill, created_at) VALUES (1, 'r1', "
        "'cam1', ?1, 'KZ9Q81', '{}', 1, 7, '{\"kind\":\"V\"}', 0, 'exact', 1.0, 0, ?1) "
        "RETURNING id");
    st->Bind(1, kNow);
    hit_ = *st->RunReturningId();
    ASSERT_TRUE(db_->Query("INSERT INTO hit_audience VALUES (?1, 1)", hit_).ok());
    identity::Accounts a(*db_, {});
    sup_ = *a.UserPrincipal(1);
    officer_ = *a.UserPrincipal(2);
    trooper_ = *a.UserPrincipal(3);
    Result<std::int64_t> u = CreateUnit(*db_, sup_, {"GC-12", "patrol", {}, "", "", {}, {}}, kNow);
    ASSERT_TRUE(u.ok()) << u.status().message();
    unit_ = *u;
    Result<std::int64_t> t =
        CreateUnit(*db_, trooper_, {"CAR 21", "patrol", {}, "", "", {}, {}}, kNow);
    ASSERT_TRUE(t.ok());
    trooper_unit_ = *t;
  }
  std::int64_t Count(const std::string& sql) { return db_->Query(sql)->Int(0); }
  std::string StatusOf(std::int64_t unit) {
    return db_->Query("SELECT status FROM units WHERE id = ?1", unit)->Text(0);
  }
  test::TempDir dir_;
  std::unique_ptr<catalog::Database> db_;
  identity::Principal sup_, officer_, trooper_;
  std::int64_t hit_ = 0, unit_ = 0, trooper_unit_ = 0;
};

TEST_F(AssignmentTest, ADispatcherSendsAnAvailableUnitToAPointAndReleasesIt) {
  AssignRequest r{unit_, 38.6271, -90.1994, "GCPD/gcpd-cam19", kNow + 95'000};
  Result<Assignment> a = AssignUnit(*db_, sup_, hit_, r, kNow);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->call_sign, "GC-12");
  EXPECT_DOUBLE_EQ(a->lat, 38.6271);
  EXPECT_EQ(a->camera, "GCPD/gcpd-cam19");
  EXPECT_EQ(a->eta_at, kNow + 95'000);
  EXPECT_FALSE(a->released_at.has_value());
  EXPECT_EQ(StatusOf(unit_), "assigned");
  EXPECT_EQ(Count("SELECT count(*) FROM audit WHERE event = 'hit.assign'"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM notifications WHERE kind = 'dispatch' AND agency_id = 1 "
                  "AND message LIKE 'GC-12 sent to hit 1:%'"),
            1);
  // Assigned: not available for another hit until released.
  Result<Assignment> again = AssignUnit(*db_, sup_, hit_, r, kNow + 1);
  EXPECT_EQ(again.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(again.status().message().find("assigned, not available"), std::string::npos);

  Result<std::vector<Assignment>> list = HitAssignments(*db_, officer_, hit_, kNow + 2);
  ASSERT_TRUE(list.ok()) << list.status().message();
  ASSERT_EQ(list->size(), 1u) << "an officer sees who is on the way";
  ASSERT_TRUE(ReleaseUnit(*db_, sup_, hit_, unit_, kNow + 60'000).ok());
  EXPECT_EQ(StatusOf(unit_), "available");
  EXPECT_EQ(HitAssignments(*db_, officer_, hit_, kNow + 61'000)->front().released_at,
            kNow + 60'000);
  EXPECT_EQ(ReleaseUnit(*db_, sup_, hit_, unit_, kNow + 62'000).code(), StatusCode::kNotFound)
      << "released once";
  EXPECT_EQ(Count("SELECT count(*) FROM audit WHERE event = 'hit.release'"), 1);
}

TEST_F(AssignmentTest, OnlyADispatcherOfTheUnitsAgencyWhoMaySeeTheHitSendsIt) {
  const AssignRequest r{unit_, 38.6, -90.2, "", std::nullopt};
  EXPECT_EQ(AssignUnit(*db_, officer_, hit_, r, kNow).status().code(),
            StatusCode::kPermissionDenied)
      << "an officer does not dispatch";
  EXPECT_EQ(AssignUnit(*db_, trooper_, hit_, {trooper_unit_, 38.6, -90.2, "", std::nullopt}, kNow)
                .status()
                .code(),
            StatusCode::kNotFound)
      << "MSHP may not see GCPD's hit";
  EXPECT_EQ(AssignUnit(*db_, sup_, hit_, {trooper_unit_, 38.6, -90.2, "", std::nullopt}, kNow)
                .status()
                .code(),
            StatusCode::kNotFound)
      << "another agency's unit";
  EXPECT_EQ(
      AssignUnit(*db_, sup_, hit_, {unit_, 91, -90.2, "", std::nullopt}, kNow).status().code(),
      StatusCode::kInvalidArgument);
  EXPECT_EQ(AssignUnit(*db_, sup_, hit_, {unit_, 38.6, -90.2, "", kNow + 5 * 3'600'000}, kNow)
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  ASSERT_TRUE(SetUnitStatus(*db_, sup_, unit_, "busy", kNow).ok());
  EXPECT_EQ(AssignUnit(*db_, sup_, hit_, r, kNow).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(Count("SELECT count(*) FROM hit_assignments"), 0);
  EXPECT_EQ(HitAssignments(*db_, trooper_, hit_, kNow).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace interdict::ops
