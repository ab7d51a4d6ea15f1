// Protected places act before the search (GOVERNANCE B.10, F.29): which
// places an area touches, registered places bounded in time, and approvals
// that must name every place touched and allow the radius.
#include "policy/places.h"

#include <gtest/gtest.h>

#include "policy/purpose.h"
#include "support/catalog.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

namespace interdict::policy {
namespace {

constexpr std::int64_t kDay = 86'400'000;
constexpr std::int64_t kNow = 1'800'000'000'000;

geo::Point At(double lat, double lon) {
  return geo::Point::FromDegrees(lat, lon);
}

ProtectedPlace Place(std::string name, double lat, double lon, double radius_m = 0) {
  ProtectedPlace p;
  p.name = std::move(name);
  p.kind = "clinic";
  p.at = At(lat, lon);
  p.radius_m = radius_m;
  return p;
}

SearchedArea Circle(double lat, double lon, double radius_m, std::int64_t from = kNow - kDay,
                    std::int64_t to = kNow) {
  SearchedArea a;
  a.center = At(lat, lon);
  a.radius_m = radius_m;
  a.from = from;
  a.to = to;
  return a;
}

class PlacesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = test::MigratedCatalog(dir_.File("catalog.db"));
    ASSERT_TRUE(db_);
    ASSERT_EQ(test::AddAgency(*db_, "STLPD"), 1);
    ASSERT_EQ(test::AddAgency(*db_, "SLCPD"), 2);
    ASSERT_TRUE(
        db_->Exec("INSERT INTO users (agency_id, username, display_name, role, created_at, "
                  "created_by) VALUES (1, 'ana', 'A', 'analyst', 0, 't'), "
                  "(1, 'sue', 'S', 'supervisor', 0, 't'), (2, 'tom', 'T', 'supervisor', 0, 't'),"
                  "(1, 'oli', 'O', 'officer', 0, 't')")
            .ok());
    identity::Accounts a(*db_, {});
    ana_ = *a.UserPrincipal(1);
    sue_ = *a.UserPrincipal(2);
    tom_ = *a.UserPrincipal(3);
    oli_ = *a.UserPrincipal(4);
    rules_.fixed = {Place("Forest Park clinic", 38.6335, -90.2400)};
  }

  std::vector<std::string> Touched(const std::vector<SearchedArea>& areas) {
    Result<std::vector<ProtectedPlace>> t = PlacesTouched(*db_, rules_, areas);
    EXPECT_TRUE(t.ok()) << t.status().message();
    std::vector<std::string> names;
    if (t.ok()) {
      for (const ProtectedPlace& p : *t) names.push_back(p.name);
    }
    return names;
  }

  static SearchReason Reason() {
    return {"stolen-vehicle", "26-001234",
            "auto theft",     "victim reported the car stolen from a driveway overnight",
            std::nullopt,     ""};
  }

  std::int64_t Count(std::string_view sql) {
    auto st = db_->Prepare(sql);
    EXPECT_TRUE(*st->Step());
    return st->Int(0);
  }

  test::TempDir dir_;
  std::unique_ptr<catalog::Database> db_;
  identity::Principal ana_, sue_, tom_, oli_;
  PlaceRules rules_;
};

TEST(ProtectedPlacesTest, TheShippedExamplesParseAndBadOnesAreNamed) {
  EXPECT_GE(ExamplePlaces().size(), 5u);
  Result<std::vector<ProtectedPlace>> bad = ParseProtectedPlaces(
      R"({"places":[{"name":"A","kind":"school","lat":38,"lon":-90},{"name":"B"}]})");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("places[1]"), std::string::npos);
  EXPECT_FALSE(ParseProtectedPlaces("{").ok());
  Result<std::vector<ProtectedPlace>> wide = ParseProtectedPlaces(
      R"({"places":[{"name":"A","kind":"school","lat":38,"lon":-90,"radius_m":-1}]})");
  ASSERT_FALSE(wide.ok());
  EXPECT_NE(wide.status().message().find("radius_m"), std::string::npos);
}

TEST_F(PlacesTest, AnAreaTouchesAPlaceWithinTheMarginOfItsEdge) {
  // The clinic is at 38.6335, -90.2400; 0.001° of latitude is about 111 m.
  EXPECT_EQ(Touched({Circle(38.6335, -90.2400, 50)}),
            std::vector<std::string>{"Forest Park clinic"});
  // Its edge 1 km north of a 1 km circle: within 300 m.
  EXPECT_EQ(Touched({Circle(38.6335 + 0.0108, -90.2400, 1000)}),
            std::vector<std::string>{"Forest Park clinic"});
  // Its edge about 500 m away: beyond the margin.
  EXPECT_TRUE(Touched({Circle(38.6335 + 0.0135, -90.2400, 1000)}).empty());
  rules_.margin_m = 600;
  EXPECT_EQ(Touched({Circle(38.6335 + 0.0135, -90.2400, 1000)}).size(), 1u);
  // A polygon around it, and one 1 km east of it.
  SearchedArea poly = Circle(0, 0, 0);
  poly.polygon = {At(38.63, -90.245), At(38.64, -90.245), At(38.64, -90.235), At(38.63, -90.235)};
  EXPECT_EQ(Touched({poly}).size(), 1u);
  poly.polygon = {At(38.63, -90.228), At(38.64, -90.228), At(38.64, -90.220), At(38.63, -90.220)};
  rules_.margin_m = 300;
  EXPECT_TRUE(Touched({poly}).empty());
  // A place's own extent counts: a plaza 1 km across.
  rules_.fixed = {Place("Plaza", 38.6335, -90.2400, 1000)};
  EXPECT_EQ(Touched({Circle(38.6335 + 0.0108, -90.2400, 200)}).size(), 1u);
}

TEST_F(PlacesTest, ARegisteredProtestProtectsItsHoursOnlyAndEndsWhenEnded) {
  rules_.fixed.clear();
  ProtectedPlace march = Place("March for clinic access", 38.6247, -90.1899, 400);
  march.kind = "lawful assembly";
  march.from = kNow + kDay;
  march.to = kNow + kDay + 6 * 3'600'000;
  EXPECT_EQ(RegisterPlace(*db_, oli_, march, kNow).status().code(), StatusCode::kPermissionDenied)
      << "officers do not manage places";
  Result<std::int64_t> id = RegisterPlace(*db_, sue_, march, kNow);
  ASSERT_TRUE(id.ok()) << id.status().message();
  EXPECT_EQ(Count("SELECT count(*) FROM audit WHERE event = 'place.register'"), 1);
  // A search of the day before does not touch it; one covering its hours does.
  EXPECT_TRUE(Touched({Circle(38.6247, -90.1899, 200, kNow - kDay, kNow)}).empty());
  EXPECT_EQ(Touched({Circle(38.6247, -90.1899, 200, kNow, kNow + 2 * kDay)}),
            std::vector<std::string>{"March for clinic access"});
  // Another agency's supervisor cannot end it; its own can, and then it is gone.
  EXPECT_EQ(EndPlace(*db_, tom_, *id, kNow).code(), StatusCode::kNotFound);
  ASSERT_TRUE(EndPlace(*db_, sue_, *id, kNow + 1).ok());
  EXPECT_TRUE(Touched({Circle(38.6247, -90.1899, 200, kNow, kNow + 2 * kDay)}).empty());
  EXPECT_EQ(Count("SELECT count(*) FROM audit WHERE event = 'place.end'"), 1);
  // Bad registrations name the field.
  ProtectedPlace bad = march;
  bad.to = *bad.from - 1;
  Status st = RegisterPlace(*db_, sue_, bad, kNow).status();
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message().rfind("to:", 0), 0u) << st.message();
}

TEST_F(PlacesTest, ASearchTouchingAPlaceIsRefusedAndAuditedUntilAnApprovalNamesIt) {
  SearchScope scope;
  scope.span_ms = kDay;
  scope.radius_m = 500;
  scope.places = {"Forest Park clinic"};
  Status st = CheckSearch(*db_, ana_, Reason(), scope, kNow);
  ASSERT_EQ(st.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(st.message().find("Forest Park clinic"), std::string::npos) << st.message();
  EXPECT_EQ(Count("SELECT count(*) FROM audit WHERE event = 'search.refused' AND "
                  "details LIKE '%\"places\":[\"Forest Park clinic\"]%'"),
            1);

  // An approval of the same case that does not name the place does not do.
  SearchScope unnamed = scope;
  unnamed.places.clear();
  const std::int64_t plain = *RequestApproval(*db_, ana_, Reason(), unnamed, kNow);
  ASSERT_TRUE(Approve(*db_, sue_, plain, kNow).ok());
  SearchReason why = Reason();
  why.approval = plain;
  st = CheckSearch(*db_, ana_, why, scope, kNow);
  EXPECT_EQ(st.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(st.message().find("does not name the protected places Forest Park clinic"),
            std::string::npos)
      << st.message();

  // One that names it does.
  const std::int64_t named = *RequestApproval(*db_, ana_, Reason(), scope, kNow);
  ASSERT_TRUE(Approve(*db_, sue_, named, kNow).ok());
  why.approval = named;
  EXPECT_TRUE(CheckSearch(*db_, ana_, why, scope, kNow).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM audit WHERE event = 'search.refused'"), 2);
}

TEST_F(PlacesTest, AnAreaWiderThanTheDefaultRadiusNeedsAnApprovalOfThatRadius) {
  SearchScope scope;
  scope.span_ms = kDay;
  scope.radius_m = kDefaultMaxRadiusM;
  EXPECT_TRUE(CheckSearch(*db_, ana_, Reason(), scope, kNow).ok()) << "at the limit";
  scope.radius_m = 12'000;
  Status st = CheckSearch(*db_, ana_, Reason(), scope, kNow);
  EXPECT_EQ(st.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(st.message().find("5000 m"), std::string::npos) << st.message();
  SearchScope approved = scope;
  approved.radius_m = 10'000;
  const std::int64_t small = *RequestApproval(*db_, ana_, Reason(), approved, kNow);
  ASSERT_TRUE(Approve(*db_, sue_, small, kNow).ok());
  SearchReason why = Reason();
  why.approval = small;
  EXPECT_EQ(CheckSearch(*db_, ana_, why, scope, kNow).code(), StatusCode::kPermissionDenied)
      << "approved for 10 km, asked 12 km";
  approved.radius_m = 15'000;
  const std::int64_t big = *RequestApproval(*db_, ana_, Reason(), approved, kNow);
  ASSERT_TRUE(Approve(*db_, sue_, big, kNow).ok());
  why.approval = big;
  EXPECT_TRUE(CheckSearch(*db_, ana_, why, scope, kNow).ok());
}

}  // namespace
}  // namespace interdict::policy
