#include "intel/bolos.h"

#include <gtest/gtest.h>

#include "support/accounts.h"
#include "support/catalog.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

namespace interdict::intel {
namespace {

constexpr std::int64_t kDay = 86'400'000;
constexpr std::int64_t kNow = 1'800'000'000'000;

// GCPD (1) shares its BOLOs with MSHP (2); STLC (3) gets none of them.
class BoloTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = test::MigratedCatalog(dir_.File("catalog.db"));
    ASSERT_TRUE(db_);
    ASSERT_EQ(test::AddAgency(*db_, "GCPD", "US-MO", "local", "Grand City Police"), 1);
    ASSERT_EQ(test::AddAgency(*db_, "MSHP", "US-MO", "state", "Missouri Highway Patrol"), 2);
    ASSERT_EQ(test::AddAgency(*db_, "STLC", "US-MO", "county", "St. Louis County"), 3);
    test::AddAgreement(*db_, 1, 2, "bolos");
    test::AddUser(*db_, 1, "gc_analyst", "analyst");
    test::AddUser(*db_, 1, "gc_sup", "supervisor");
    test::AddUser(*db_, 2, "ms_officer", "officer");
    test::AddUser(*db_, 3, "stl_officer", "officer");
    test::AddUser(*db_, 1, "gc_officer", "officer");
    identity::Accounts a(*db_, {});
    gc_analyst_ = *a.UserPrincipal(1);
    gc_sup_ = *a.UserPrincipal(2);
    ms_officer_ = *a.UserPrincipal(3);
    stl_officer_ = *a.UserPrincipal(4);
    gc_officer_ = *a.UserPrincipal(5);
    with_ = [this](const std::function<Status(catalog::Database&)>& f) { return f(*db_); };
  }
  static BoloRequest Vehicle() {
    BoloRequest r;
    r.kind = "stolen_vehicle";
    r.narrative = "Taken at gunpoint from a driveway on Delmar; two men, one with a red cap.";
    r.make = "Honda";
    r.model = "Civic";
    r.color = "blue";
    r.marks = "dent on the driver's door";
    r.contact_name = "Det. Ruiz";
    r.contact_phone = "314-622-4100";
    return r;
  }
  std::vector<std::int64_t> Ids(const Result<std::vector<Bolo>>& list) {
    EXPECT_TRUE(list.ok()) << list.status().message();
    std::vector<std::int64_t> out;
    if (list.ok())
      for (const Bolo& b : *list) out.push_back(b.id);
    return out;
  }

  test::TempDir dir_;
  std::unique_ptr<catalog::Database> db_;
  identity::Principal gc_analyst_, gc_sup_, ms_officer_, stl_officer_, gc_officer_;
  alerting::WithDb with_;
};

TEST_F(BoloTest, ABulletinReachesItsAudienceOnlyUnderABolosAgreement) {
  Result<Bolo> region = IssueBolo(with_, gc_analyst_, Vehicle(), kNow);
  ASSERT_TRUE(region.ok()) << region.status().message();
  EXPECT_EQ(region->audience, std::vector<std::string>{"region"});
  EXPECT_EQ(region->make, "HOND") << "the NCIC make code, as plate readers report it";
  EXPECT_EQ(region->color, "BLU");
  EXPECT_EQ(region->expires_at, kNow + 30 * kDay) << "30 days by default";
  EXPECT_EQ(region->plate_alert, "none");
  BoloRequest only_stlc = Vehicle();
  only_stlc.audience = {"STLC"};
  Result<Bolo> addressed = IssueBolo(with_, gc_analyst_, only_stlc, kNow);
  ASSERT_TRUE(addressed.ok()) << addressed.status().message();

  const BoloQuery all{};
  EXPECT_EQ(Ids(ListBolos(*db_, gc_officer_, all, kNow)),
            (std::vector<std::int64_t>{addressed->id, region->id}))
      << "the issuer's own, whatever the audience";
  EXPECT_EQ(Ids(ListBolos(*db_, ms_officer_, all, kNow)), std::vector<std::int64_t>{region->id})
      << "MSHP: under the agreement, and not the one addressed to STLC alone";
  EXPECT_TRUE(Ids(ListBolos(*db_, stl_officer_, all, kNow)).empty())
      << "STLC is addressed, but GCPD shares no BOLOs with it";
  EXPECT_EQ(GetBolo(*db_, stl_officer_, addressed->id, kNow).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(IssueBolo(with_, gc_officer_, Vehicle(), kNow).status().code(),
            StatusCode::kPermissionDenied)
      << "officers read bulletins, supervisors and analysts issue them";
}

TEST_F(BoloTest, APlateBulletinAlertsThroughItsOwnListOnceASecondPersonApproves) {
  BoloRequest r = Vehicle();
  r.plate = "kz9 q81";
  r.plate_state = "MO";
  r.audience = {"MSHP"};
  Result<Bolo> b = IssueBolo(with_, gc_analyst_, r, kNow);
  ASSERT_TRUE(b.ok()) << b.status().message();
  EXPECT_EQ(b->plate, "KZ9Q81");
  ASSERT_TRUE(b->list.has_value());
  EXPECT_EQ(b->plate_alert, "pending") << "a custom entry waits for a second person";
  EXPECT_EQ(db_->Query("SELECT kind FROM hotlists WHERE id = ?1", *b->list)->Text(0), "custom");
  EXPECT_EQ(alerting::ApprovePending(*db_, gc_analyst_, *b->list, kNow).status().code(),
            StatusCode::kPermissionDenied);
  ASSERT_TRUE(alerting::ApprovePending(*db_, gc_sup_, *b->list, kNow).ok());
  EXPECT_EQ(GetBolo(*db_, gc_analyst_, b->id, kNow)->plate_alert, "active");
  // Found by a look-alike of its plate.
  BoloQuery by_plate;
  by_plate.plate = "KZ9081";
  EXPECT_EQ(Ids(ListBolos(*db_, ms_officer_, by_plate, kNow)), std::vector<std::int64_t>{b->id});
  // Cancelled: the list is emptied at once.
  Result<Bolo> was = CancelBolo(with_, gc_analyst_, b->id, kNow + 1000);
  ASSERT_TRUE(was.ok());
  EXPECT_EQ(was->plate, "KZ9Q81") << "the route reloads the hotlists for it";
  EXPECT_EQ(db_->Query("SELECT count(*) FROM hotlist_entries e JOIN hotlists h ON h.id = "
                       "e.hotlist_id AND e.generation = h.generation WHERE h.id = ?1",
                       *b->list)
                ->Int(0),
            0);
  EXPECT_TRUE(Ids(ListBolos(*db_, ms_officer_, by_plate, kNow)).empty());
}

TEST_F(BoloTest, BulletinsExpireByThemselvesAndRenewalIsAuditedAndBounded) {
  BoloRequest r = Vehicle();
  r.expires_at = kNow + kDay;
  Result<Bolo> b = IssueBolo(with_, gc_analyst_, r, kNow);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*ExpireBolos(*db_, kNow + kDay - 1), 0);
  Result<Bolo> renewed = RenewBolo(with_, gc_analyst_, b->id, std::nullopt, kNow + 1000);
  ASSERT_TRUE(renewed.ok()) << renewed.status().message();
  EXPECT_EQ(renewed->expires_at, kNow + 1000 + 30 * kDay);
  EXPECT_EQ(renewed->renewed_at, kNow + 1000);
  EXPECT_EQ(RenewBolo(with_, gc_analyst_, b->id, kNow + 91 * kDay, kNow).status().code(),
            StatusCode::kInvalidArgument)
      << "at most 90 days";
  EXPECT_EQ(db_->Query("SELECT count(*) FROM audit WHERE event = 'bolo.renew'")->Int(0), 1);
  EXPECT_EQ(*ExpireBolos(*db_, kNow + 1000 + 30 * kDay), 1);
  EXPECT_TRUE(Ids(ListBolos(*db_, gc_analyst_, {}, kNow + 31 * kDay)).empty());
  BoloQuery history;
  history.active_only = false;
  Result<std::vector<Bolo>> all = ListBolos(*db_, gc_analyst_, history, kNow + 31 * kDay);
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ(all->front().status, "expired");
  EXPECT_EQ(RenewBolo(with_, gc_analyst_, b->id, std::nullopt, kNow + 31 * kDay).status().code(),
            StatusCode::kNotFound);
}

TEST_F(BoloTest, ReadsWhoseVehicleMatchesEveryGivenAttributeAreWeakMatchesTheIssuerMaySee) {
  BoloRequest r = Vehicle();
  r.model = "";  // make and colour only
  Result<Bolo> b = IssueBolo(with_, gc_analyst_, r, kNow);
  ASSERT_TRUE(b.ok());
  Result<std::vector<VehicleBolo>> loaded = LoadVehicleBolos(*db_, kNow);
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded->size(), 1u);
  const VehicleBolo& v = loaded->front();
  EXPECT_TRUE(VehicleMatches(v, "HOND", "ACCORD", "BLU", "4D")) << "codes, as readers send them";
  EXPECT_TRUE(VehicleMatches(v, "honda", "Accord", "Blue", "sedan")) << "or words";
  EXPECT_FALSE(VehicleMatches(v, "Honda", "Civic", "red", ""));
  EXPECT_FALSE(VehicleMatches(v, "", "", "blue", "")) << "an unknown make is not a match";
  // GCPD sees its own cameras' reads; MSHP shares none with it.
  Result<std::int64_t> n = RecordSightings(*db_,
                                           {{b->id, 1, "GCPD", "cam1", "ABC123", kNow - 5000},
                                            {b->id, 1, "MSHP", "car12", "XYZ9", kNow}},
                                           kNow);
  ASSERT_TRUE(n.ok()) << n.status().message();
  EXPECT_EQ(*n, 1);
  Result<Bolo> seen = GetBolo(*db_, gc_analyst_, b->id, kNow);
  ASSERT_EQ(seen->sightings.size(), 1u);
  EXPECT_EQ(seen->sightings[0].plate, "ABC123");
  EXPECT_TRUE(GetBolo(*db_, ms_officer_, b->id, kNow)->sightings.empty())
      << "the weak matches are the issuer's";
}

TEST_F(BoloTest, APhotoIsAJpegOrPngSeenWithTheBulletinAndDroppedWhenItEnds) {
  Result<Bolo> b = IssueBolo(with_, gc_analyst_, Vehicle(), kNow);
  ASSERT_TRUE(b.ok());
  EXPECT_FALSE(b->photo);
  const std::string jpeg = std::string("\xFF\xD8\xFF\xE0", 4) + "a JPEG's body";
  EXPECT_EQ(SetBoloPhoto(*db_, gc_analyst_, b->id, "GIF89a...", kNow)
                .message()
                .rfind("photo: a JPEG or PNG", 0),
            0u);
  EXPECT_EQ(SetBoloPhoto(*db_, gc_analyst_, b->id, std::string(kMaxPhotoBytes + 1, '\xFF'), kNow)
                .message(),
            "photo: at most 2 MiB");
  EXPECT_EQ(SetBoloPhoto(*db_, ms_officer_, b->id, jpeg, kNow).code(),
            StatusCode::kPermissionDenied);
  ASSERT_TRUE(SetBoloPhoto(*db_, gc_analyst_, b->id, jpeg, kNow).ok());
  Result<Photo> seen = BoloPhoto(*db_, ms_officer_, b->id, kNow);
  ASSERT_TRUE(seen.ok()) << seen.status().message();
  EXPECT_EQ(seen->bytes, jpeg);
  EXPECT_EQ(seen->content_type, "image/jpeg");
  EXPECT_EQ(BoloPhoto(*db_, stl_officer_, b->id, kNow).status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(CancelBolo(with_, gc_analyst_, b->id, kNow).ok());
  EXPECT_EQ(db_->Query("SELECT count(*) FROM bolos WHERE photo IS NOT NULL")->Int(0), 0);
}

TEST_F(BoloTest, BadBulletinsAreRefusedNamingTheField) {
  struct Case {
    std::function<void(BoloRequest&)> spoil;
    std::string field;
  };
  for (const Case& c : std::vector<Case>{
           {[](BoloRequest& r) { r.kind = "gossip"; }, "kind"},
           {[](BoloRequest& r) { r.narrative = ""; }, "narrative"},
           {[](BoloRequest& r) { r.narrative = std::string(4001, 'x'); }, "narrative"},
           {[](BoloRequest& r) { r.plate = "!!"; }, "plate"},
           {[](BoloRequest& r) { r.plate_state = "MO"; }, "plate_state"},
           {[](BoloRequest& r) { r.contact_phone = "12"; }, "contact_phone"},
           {[](BoloRequest& r) { r.audience = {"NOPE"}; }, "audience"},
           {[](BoloRequest& r) { r.audience = std::vector<std::string>(101, "MSHP"); }, "audience"},
           {[](BoloRequest& r) { r.expires_at = kNow + 91 * kDay; }, "expires_at"},
           {[](BoloRequest& r) { r.make = r.model = r.color = r.body = r.person = ""; },
            "vehicle or person"}}) {
    BoloRequest r = Vehicle();
    c.spoil(r);
    Result<Bolo> got = IssueBolo(with_, gc_analyst_, r, kNow);
    ASSERT_EQ(got.status().code(), StatusCode::kInvalidArgument) << c.field;
    EXPECT_EQ(got.status().message().rfind(c.field, 0), 0u) << got.status().message();
  }
  EXPECT_EQ(db_->Query("SELECT count(*) FROM bolos")->Int(0), 0);
}

}  // namespace
}  // namespace interdict::intel
