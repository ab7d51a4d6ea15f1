#include "intel/operations.h"

#include <gtest/gtest.h>

#include <fmt/core.h>

#include "alerting/webhooks.h"
#include "intel/targets.h"
#include "support/accounts.h"
#include "support/catalog.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

namespace interdict::intel {
namespace {

constexpr std::int64_t kHour = 3'600'000;
constexpr std::int64_t kNow = 1'800'000'000'000;

// GCPD (1) and MSHP (2) deconflict both ways; GCPD shares with STLC (3) but
// STLC does not share back, so those two do not deconflict.
class DeconflictionCatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = test::MigratedCatalog(dir_.File("catalog.db"));
    ASSERT_TRUE(db_);
    ASSERT_EQ(test::AddAgency(*db_, "GCPD", "US-MO", "local", "Grand City Police"), 1);
    ASSERT_EQ(test::AddAgency(*db_, "MSHP", "US-MO", "state", "Missouri Highway Patrol"), 2);
    ASSERT_EQ(test::AddAgency(*db_, "STLC", "US-MO", "county", "St. Louis County"), 3);
    test::AddAgreement(*db_, 1, 2, "deconfliction");
    test::AddAgreement(*db_, 2, 1, "deconfliction");
    test::AddAgreement(*db_, 1, 3, "deconfliction");
    test::AddUser(*db_, 1, "gc_officer", "officer");
    test::AddUser(*db_, 1, "gc_sup", "supervisor");
    test::AddUser(*db_, 2, "ms_sup", "supervisor");
    test::AddUser(*db_, 3, "stl_sup", "supervisor");
    test::AddUser(*db_, 1, "gc_auditor", "auditor");
    test::AddUser(*db_, 2, "ms_admin", "administrator");
    identity::Accounts a(*db_, {});
    gc_officer_ = *a.UserPrincipal(1);
    gc_sup_ = *a.UserPrincipal(2);
    ms_sup_ = *a.UserPrincipal(3);
    stl_sup_ = *a.UserPrincipal(4);
    gc_auditor_ = *a.UserPrincipal(5);
    ms_admin_ = *a.UserPrincipal(6);
  }

  static OperationRequest Raid(double lat, double lon, std::int64_t start, std::int64_t end) {
    return {"raid",
            "GC-2026-0417",
            "Warrant at the Delmar stash house",
            "Sgt. Ortiz",
            "(314) 622-4000",
            start,
            end,
            fmt::format("POINT({} {})", lon, lat),
            100.0};
  }
  static OperationRequest Surveillance(double lat, double lon, std::int64_t start,
                                       std::int64_t end) {
    return {"surveillance",
            "MS-77-1203",
            "Fence on Delmar: watch the lot",
            "Tpr. Hale",
            "314.340.4000",
            start,
            end,
            fmt::format("POINT({} {})", lon, lat),
            80.0};
  }
  std::int64_t Count(const std::string& sql) { return db_->Query(sql)->Int(0); }
  std::vector<std::string> Notices(std::int64_t agency) {
    std::vector<std::string> out;
    auto q = db_->Prepare(
        "SELECT message FROM notifications WHERE agency_id = ?1 AND kind = 'deconfliction' "
        "ORDER BY id");
    q->Bind(1, agency);
    EXPECT_TRUE(q->ForEach([&](const catalog::Statement& r) { out.push_back(r.Text(0)); }).ok());
    return out;
  }

  test::TempDir dir_;
  std::unique_ptr<catalog::Database> db_;
  identity::Principal gc_officer_, gc_sup_, ms_sup_, stl_sup_, gc_auditor_, ms_admin_;
};

TEST_F(DeconflictionCatalogTest, OverlappingOperationsNotifyBothContactsWithNothingOfTheCase) {
  Result<alerting::NewWebhook> hook =
      alerting::CreateWebhook(*db_, ms_admin_, "https://ms.example/hook", kNow);
  ASSERT_TRUE(hook.ok()) << hook.status().message();
  Result<OperationResult> raid = EnterOperation(
      *db_, gc_officer_, Raid(38.6500, -90.3000, kNow + kHour, kNow + 3 * kHour), kNow);
  ASSERT_TRUE(raid.ok()) << raid.status().message();
  EXPECT_TRUE(raid->notices.empty());
  EXPECT_EQ(raid->operation.status, "planned");
  EXPECT_EQ(raid->operation.contact_phone, "+13146224000") << "stored in E.164";

  // 0.0030° north (334 m) with radii 100 and 80: 154 m apart, inside the 200 m buffer.
  Result<OperationResult> watch = EnterOperation(
      *db_, ms_sup_, Surveillance(38.6530, -90.3000, kNow + 2 * kHour, kNow + 8 * kHour), kNow);
  ASSERT_TRUE(watch.ok()) << watch.status().message();
  ASSERT_EQ(watch->notices.size(), 2u) << "one notice to each side";
  const ConflictNotice& to_gc =
      watch->notices[0].agency == 1 ? watch->notices[0] : watch->notices[1];
  const ConflictNotice& to_ms =
      watch->notices[0].agency == 2 ? watch->notices[0] : watch->notices[1];
  EXPECT_EQ(to_gc.own_item, raid->operation.id);
  EXPECT_EQ(to_gc.other.agency_code, "MSHP");
  EXPECT_EQ(to_gc.other.contact_name, "Tpr. Hale");
  EXPECT_EQ(to_gc.other.contact_phone, "+13143404000");
  EXPECT_EQ(to_gc.other.kind, "surveillance");
  EXPECT_EQ(to_gc.from, kNow + 2 * kHour) << "the overlap starts with the later start";
  EXPECT_EQ(to_ms.other.contact_name, "Sgt. Ortiz");
  EXPECT_EQ(to_ms.other.kind, "raid");

  // Neither the notice, the stream event nor the webhook carries the other's case.
  const std::vector<std::string> gc = Notices(1), ms = Notices(2);
  ASSERT_EQ(gc.size(), 1u);
  ASSERT_EQ(ms.size(), 1u);
  EXPECT_NE(gc[0].find("Tpr. Hale"), std::string::npos) << gc[0];
  EXPECT_NE(ms[0].find("+13146224000"), std::string::npos) << ms[0];
  for (const std::string& told : {ms[0], to_ms.Json()}) {
    EXPECT_EQ(told.find("GC-2026-0417"), std::string::npos) << told;
    EXPECT_EQ(told.find("Delmar"), std::string::npos) << told;
    EXPECT_EQ(told.find("-90.3"), std::string::npos) << told;
  }
  const std::string body = db_->Query("SELECT body FROM webhook_deliveries")->Text(0);
  EXPECT_EQ(body.rfind("{\"event\":\"deconfliction\",", 0), 0u) << body;
  EXPECT_EQ(body.find("GC-2026-0417"), std::string::npos) << body;
  EXPECT_EQ(Count("SELECT count(*) FROM webhook_deliveries WHERE hit_id IS NULL"), 1)
      << "MSHP's one webhook; GCPD has none";
  EXPECT_EQ(Count("SELECT count(*) FROM audit_touched t JOIN audit a ON a.seq = t.seq WHERE "
                  "a.event = 'conflict.found'"),
            2)
      << "the finding touches both agencies";
}

TEST_F(DeconflictionCatalogTest,
       OnlyAgenciesDeconflictingBothWaysAreCheckedAndOwnOperationsAlways) {
  ASSERT_TRUE(EnterOperation(*db_, gc_sup_, Raid(38.65, -90.30, kNow, kNow + kHour), kNow).ok());
  // STLC: GCPD shares with it, it does not share back.
  Result<OperationResult> stl =
      EnterOperation(*db_, stl_sup_, Surveillance(38.65, -90.30, kNow, kNow + kHour), kNow);
  ASSERT_TRUE(stl.ok());
  EXPECT_TRUE(stl->notices.empty());
  // Two squads of GCPD at one door: deconflicted within the agency too.
  Result<OperationResult> own =
      EnterOperation(*db_, gc_officer_, Surveillance(38.65, -90.30, kNow, kNow + kHour), kNow);
  ASSERT_TRUE(own.ok());
  EXPECT_EQ(own->notices.size(), 2u);
  // MSHP revokes its side: no more deconfliction with GCPD.
  ASSERT_TRUE(db_->Exec("UPDATE agreements SET revoked_at = 1 WHERE owner_id = 2").ok());
  Result<OperationResult> ms =
      EnterOperation(*db_, ms_sup_, Surveillance(38.65, -90.30, kNow, kNow + kHour), kNow);
  ASSERT_TRUE(ms.ok());
  EXPECT_TRUE(ms->notices.empty());
}

TEST_F(DeconflictionCatalogTest, WindowsThatTouchConflictAndAMillisecondApartDoNot) {
  ASSERT_TRUE(
      EnterOperation(*db_, gc_sup_, Raid(38.65, -90.30, kNow, kNow + 2 * kHour), kNow).ok());
  Result<OperationResult> after = EnterOperation(
      *db_, ms_sup_, Surveillance(38.65, -90.30, kNow + 2 * kHour + 1, kNow + 3 * kHour), kNow);
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->notices.empty()) << "a millisecond after the raid ends";
  // Moved a millisecond earlier: it starts as the raid ends, and the change is checked.
  Result<OperationResult> touching =
      UpdateOperation(*db_, ms_sup_, after->operation.id,
                      Surveillance(38.65, -90.30, kNow + 2 * kHour, kNow + 3 * kHour), kNow);
  ASSERT_TRUE(touching.ok()) << touching.status().message();
  EXPECT_EQ(touching->notices.size(), 2u);
  // Moved 1 km away: checked again, nothing new.
  Result<OperationResult> moved =
      UpdateOperation(*db_, ms_sup_, after->operation.id,
                      Surveillance(38.66, -90.30, kNow + kHour, kNow + 3 * kHour), kNow);
  ASSERT_TRUE(moved.ok()) << moved.status().message();
  EXPECT_TRUE(moved->notices.empty());
}

TEST_F(DeconflictionCatalogTest,
       AConflictClosesWhenBothSidesHaveAnsweredAndCancellingAnswersForOne) {
  auto raid = EnterOperation(*db_, gc_sup_, Raid(38.65, -90.30, kNow, kNow + kHour), kNow);
  auto watch = EnterOperation(*db_, ms_sup_, Surveillance(38.65, -90.30, kNow, kNow + kHour), kNow);
  ASSERT_TRUE(raid.ok() && watch.ok());
  const std::int64_t id = watch->notices.at(0).conflict;
  Result<Conflict> one = ResolveConflict(*db_, gc_sup_, id, "delay", "Moved to Thursday", kNow);
  ASSERT_TRUE(one.ok()) << one.status().message();
  EXPECT_EQ(one->own_resolution, "delay");
  EXPECT_FALSE(one->other_resolution);
  EXPECT_FALSE(one->closed_at);
  EXPECT_EQ(ResolveConflict(*db_, stl_sup_, id, "proceed", "", kNow).status().code(),
            StatusCode::kNotFound)
      << "not STLC's conflict";
  EXPECT_EQ(ResolveConflict(*db_, ms_sup_, id, "ignore", "", kNow).status().code(),
            StatusCode::kInvalidArgument);
  Result<Conflict> two = ResolveConflict(*db_, ms_sup_, id, "joint", "", kNow + 1);
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->closed_at, kNow + 1);
  EXPECT_EQ(two->other_resolution, "delay");
  EXPECT_EQ(ResolveConflict(*db_, ms_sup_, id, "joint", "", kNow + 2).status().code(),
            StatusCode::kFailedPrecondition);

  // A new overlap; GCPD cancels its raid: its side answers "cancel".
  auto again = EnterOperation(*db_, gc_sup_, Raid(38.65, -90.30, kNow, kNow + kHour), kNow);
  ASSERT_TRUE(again.ok());
  ASSERT_FALSE(again->notices.empty());
  ASSERT_TRUE(SetOperationStatus(*db_, gc_sup_, again->operation.id, "cancelled", kNow).ok());
  Result<std::vector<Conflict>> open = ListConflicts(*db_, ms_sup_, true);
  ASSERT_TRUE(open.ok());
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ(open->at(0).other_resolution, "cancel");
  EXPECT_EQ(open->at(0).other.contact_name, "Sgt. Ortiz");
}

TEST_F(DeconflictionCatalogTest, TheWatchViewListsOpenConflictsSoonestFirstForSupervisorsOnly) {
  ASSERT_TRUE(
      EnterOperation(*db_, gc_sup_, Raid(38.65, -90.30, kNow + 5 * kHour, kNow + 6 * kHour), kNow)
          .ok());
  ASSERT_TRUE(
      EnterOperation(*db_, gc_sup_, Raid(38.70, -90.30, kNow + kHour, kNow + 2 * kHour), kNow)
          .ok());
  ASSERT_TRUE(
      EnterOperation(*db_, ms_sup_, Surveillance(38.65, -90.30, kNow, kNow + 9 * kHour), kNow)
          .ok());
  ASSERT_TRUE(
      EnterOperation(*db_, ms_sup_, Surveillance(38.70, -90.30, kNow, kNow + 9 * kHour), kNow)
          .ok());
  Result<std::vector<Conflict>> watch = WatchConflicts(*db_, gc_sup_, kNow);
  ASSERT_TRUE(watch.ok()) << watch.status().message();
  ASSERT_EQ(watch->size(), 2u);
  EXPECT_EQ(watch->at(0).urgency_at, kNow + kHour);
  EXPECT_EQ(watch->at(1).urgency_at, kNow + 5 * kHour);
  EXPECT_EQ(WatchConflicts(*db_, gc_officer_, kNow).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(Count("SELECT count(*) FROM audit WHERE event = 'conflict.watch'"), 1);
}

TEST_F(DeconflictionCatalogTest,
       BadOperationsAreRefusedNamingTheFieldAndOthersOperationsAreNotSeen) {
  struct Case {
    std::function<void(OperationRequest&)> spoil;
    std::string field;
  };
  for (const Case& c : std::vector<Case>{
           {[](OperationRequest& r) { r.kind = "party"; }, "kind"},
           {[](OperationRequest& r) { r.case_number = ""; }, "case_number"},
           {[](OperationRequest& r) { r.title = std::string(201, 'x'); }, "title"},
           {[](OperationRequest& r) { r.contact_name = "A\x01"; }, "contact_name"},
           {[](OperationRequest& r) { r.contact_phone = "555"; }, "contact_phone"},
           {[](OperationRequest& r) { r.ends_at = r.starts_at + 15 * 24 * kHour; }, "ends_at"},
           {[](OperationRequest& r) {
              r.ends_at = kNow - 1;
              r.starts_at = kNow - kHour;
            },
            "ends_at"},
           {[](OperationRequest& r) { r.area = "POINT(-90.3 38.65"; }, "area"},
           {[](OperationRequest& r) { r.radius_m = 10; }, "radius_m"}}) {
    OperationRequest r = Raid(38.65, -90.30, kNow, kNow + kHour);
    c.spoil(r);
    Result<OperationResult> got = EnterOperation(*db_, gc_sup_, r, kNow);
    ASSERT_EQ(got.status().code(), StatusCode::kInvalidArgument) << c.field;
    EXPECT_EQ(got.status().message().rfind(c.field, 0), 0u) << got.status().message();
  }
  EXPECT_EQ(Count("SELECT count(*) FROM operations"), 0);
  EXPECT_EQ(EnterOperation(*db_, gc_auditor_, Raid(38.65, -90.30, kNow, kNow + kHour), kNow)
                .status()
                .code(),
            StatusCode::kPermissionDenied);
  auto raid = EnterOperation(*db_, gc_sup_, Raid(38.65, -90.30, kNow, kNow + kHour), kNow);
  ASSERT_TRUE(raid.ok());
  EXPECT_EQ(GetOperation(*db_, ms_sup_, raid->operation.id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(SetOperationStatus(*db_, ms_sup_, raid->operation.id, "cancelled", kNow).code(),
            StatusCode::kNotFound);
  EXPECT_TRUE(ListOperations(*db_, ms_sup_, kNow)->empty());
  EXPECT_EQ(ListOperations(*db_, gc_officer_, kNow)->size(), 1u);
}

TEST_F(DeconflictionCatalogTest, OperationsBecomeActiveWhenTheyBeginAndEndedAfterTheirEnd) {
  auto raid =
      EnterOperation(*db_, gc_sup_, Raid(38.65, -90.30, kNow + kHour, kNow + 2 * kHour), kNow);
  ASSERT_TRUE(raid.ok());
  EXPECT_EQ(raid->operation.status, "planned");
  ASSERT_EQ(*AdvanceOperations(*db_, kNow + kHour), 1);
  EXPECT_EQ(GetOperation(*db_, gc_sup_, raid->operation.id)->status, "active");
  EXPECT_EQ(*AdvanceOperations(*db_, kNow + 2 * kHour), 0) << "closed windows: still on at its end";
  ASSERT_EQ(*AdvanceOperations(*db_, kNow + 2 * kHour + 1), 1);
  EXPECT_EQ(GetOperation(*db_, gc_sup_, raid->operation.id)->status, "ended");
  // An ended operation runs into nothing new.
  auto later = EnterOperation(*db_, ms_sup_, Surveillance(38.65, -90.30, kNow, kNow + 3 * kHour),
                              kNow + 2 * kHour + 1);
  ASSERT_TRUE(later.ok());
  EXPECT_TRUE(later->notices.empty());
}

TargetRequest PersonTarget(std::string name, std::string dob, std::string case_number) {
  return {"person", std::move(name), std::move(dob), std::move(case_number),
          {},       "Det. Ruiz",     "314-622-4100", {}};
}

TEST_F(DeconflictionCatalogTest, MatchingTargetsGiveBothCaseOwnersEachOthersContactOnly) {
  Result<TargetResult> first =
      EnterTarget(*db_, ms_sup_, PersonTarget("Bill Smyth", "1980-02-03", "MS-77-1203"), kNow);
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_TRUE(first->notices.empty());
  EXPECT_EQ(first->target.value, "SMYTH, BILL 1980-02-03");
  Result<TargetResult> second =
      EnterTarget(*db_, gc_sup_, PersonTarget("William Smith", "1980-02-03", "GC-2026-0417"), kNow);
  ASSERT_TRUE(second.ok()) << second.status().message();
  ASSERT_EQ(second->notices.size(), 2u);
  for (const ConflictNotice& n : second->notices) {
    EXPECT_EQ(n.kind, "target");
    EXPECT_EQ(n.other.kind, "person");
    const std::string json = n.Json();
    for (std::string_view secret : {"SMITH", "SMYTH", "1980", "GC-2026", "MS-77"})
      EXPECT_EQ(json.find(secret), std::string::npos) << json;
  }
  for (const std::string& notice : Notices(1)) EXPECT_EQ(notice.find("SMYTH"), std::string::npos);
  EXPECT_EQ(Count("SELECT count(*) FROM conflicts WHERE kind = 'target'"), 1);

  // Plates by look-alike; a phone in another writing; not the agency's own.
  ASSERT_TRUE(EnterTarget(*db_, ms_sup_,
                          {"plate", "KZ9Q81", "", "MS-1", {}, "Tpr. Hale", "3143404000", {}}, kNow)
                  .ok());
  Result<TargetResult> plate = EnterTarget(
      *db_, gc_sup_, {"plate", "KZ9081", "", "GC-1", {}, "Det. Ruiz", "3146224100", {}}, kNow);
  ASSERT_TRUE(plate.ok());
  EXPECT_EQ(plate->notices.size(), 2u) << "Q and 0 look alike";
  Result<TargetResult> own = EnterTarget(
      *db_, gc_officer_, {"plate", "KZ9Q81", "", "GC-2", {}, "Det. Ruiz", "3146224100", {}}, kNow);
  ASSERT_TRUE(own.ok());
  EXPECT_EQ(own->notices.size(), 2u) << "MSHP's matches; GCPD's own KZ9081 does not";
  // STLC does not deconflict with GCPD or MSHP.
  Result<TargetResult> stl = EnterTarget(
      *db_, stl_sup_, {"plate", "KZ9Q81", "", "STL-1", {}, "Det. Kim", "3146154000", {}}, kNow);
  ASSERT_TRUE(stl.ok());
  EXPECT_TRUE(stl->notices.empty());
}

TEST_F(DeconflictionCatalogTest, ExpiredAndRemovedTargetsMatchNothingAndExpiryBlanksTheValue) {
  Result<TargetResult> phone = EnterTarget(
      *db_, ms_sup_,
      {"phone", "(314) 622-4999", "", "MS-1", {}, "Tpr. Hale", "3143404000", kNow + kHour}, kNow);
  ASSERT_TRUE(phone.ok()) << phone.status().message();
  Result<TargetResult> later = EnterTarget(
      *db_, gc_sup_, {"phone", "+1 314 622 4999", "", "GC-1", {}, "Det. Ruiz", "3146224100", {}},
      kNow + kHour);
  ASSERT_TRUE(later.ok());
  EXPECT_TRUE(later->notices.empty()) << "MSHP's target expired at that instant";
  Result<std::int64_t> expired = ExpireTargets(*db_, kNow + kHour);
  ASSERT_TRUE(expired.ok());
  EXPECT_EQ(*expired, 1);
  EXPECT_EQ(db_->Query("SELECT value FROM targets WHERE id = ?1", phone->target.id)->Text(0), "");
  EXPECT_EQ(Count("SELECT count(*) FROM target_keys WHERE target_id = 1"), 0);
  ASSERT_TRUE(RemoveTarget(*db_, gc_sup_, later->target.id, kNow + kHour).ok());
  EXPECT_TRUE(ListTargets(*db_, gc_sup_, kNow + kHour)->empty());
  EXPECT_EQ(RemoveTarget(*db_, ms_sup_, later->target.id, kNow + kHour).code(),
            StatusCode::kNotFound);
  EXPECT_EQ(
      EnterTarget(
          *db_, gc_sup_,
          {"plate", "KZ9Q81", "", "GC-1", {}, "Det. Ruiz", "3146224100", kNow + 400LL * 24 * kHour},
          kNow)
          .status()
          .message()
          .rfind("expires_at", 0),
      0u);
  EXPECT_EQ(EnterTarget(
                *db_, gc_sup_,
                {"person", "Smith", "1980-02-03", "GC-1", {}, "Det. Ruiz", "3146224100", {}}, kNow)
                .status()
                .message()
                .rfind("value: ", 0),
            0u);
}

TEST_F(DeconflictionCatalogTest, PlateTargetsLoadIntoTheIndexLiveReadsAreCheckedAgainst) {
  ASSERT_TRUE(EnterTarget(*db_, ms_sup_,
                          {"plate", "KZ9Q81", "", "MS-1", {}, "Tpr. Hale", "3143404000", {}}, kNow)
                  .ok());
  ASSERT_TRUE(
      EnterTarget(*db_, ms_sup_, PersonTarget("Bill Smyth", "1980-02-03", "MS-2"), kNow).ok());
  TargetIndex index;
  ASSERT_TRUE(LoadPlateTargets(*db_, &index, kNow).ok());
  EXPECT_EQ(index.size(), 1u);
  const auto all = [](std::int64_t) { return true; };
  EXPECT_EQ(index.Match(KeyPlate("KZ9081")->keys, 0, all, kNow).size(), 1u);
}

}  // namespace
}  // namespace interdict::intel
