#include "ops/units.h"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "identity/keys.h"
#include "ops/adsb.h"
#include "ops/positions.h"
#include "support/accounts.h"
#include "support/catalog.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

namespace interdict::ops {
namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;
constexpr std::int64_t kHour = 3'600'000;

class UnitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = test::MigratedCatalog(dir_.File("catalog.db"));
    ASSERT_TRUE(db_);
    ASSERT_EQ(test::AddAgency(*db_, "GCPD"), 1);
    ASSERT_EQ(test::AddAgency(*db_, "MSHP"), 2);
    test::AddUser(*db_, 1, "sup", "supervisor");
    test::AddUser(*db_, 1, "off", "officer");
    test::AddUser(*db_, 2, "trooper", "supervisor");
    test::AddUser(*db_, 1, "admin", "administrator");
    identity::Accounts a(*db_, {});
    sup_ = *a.UserPrincipal(1);
    officer_ = *a.UserPrincipal(2);
    trooper_ = *a.UserPrincipal(3);
    Result<identity::NewKey> key = identity::CreateKey(
        *db_, *a.UserPrincipal(4), {"AVL", {"units.report"}, std::nullopt}, kNow);
    ASSERT_TRUE(key.ok()) << key.status().message();
    avl_ = *identity::AuthenticateKey(*db_, key->key);
  }
  std::int64_t Count(const std::string& sql) {
    auto q = db_->Query(sql);
    return q->Int(0);
  }
  // Parses each text as a position at kNow; the refusals by index.
  RecordedPositions Send(const std::vector<std::string>& texts) {
    std::vector<PositionIn> ok;
    std::vector<std::size_t> idx;
    std::vector<PositionRejection> bad;
    for (std::size_t i = 0; i < texts.size(); ++i) {
      PositionIn p;
      PositionRejection why;
      if (ParsePosition(texts[i], kNow, &p, &why)) {
        ok.push_back(p);
        idx.push_back(i);
      } else {
        why.index = i;
        bad.push_back(why);
      }
    }
    Result<RecordedPositions> r = RecordPositions(*db_, avl_, ok, idx, kNow);
    EXPECT_TRUE(r.ok()) << r.status().message();
    RecordedPositions out = r.ok() ? *r : RecordedPositions{};
    out.rejected.insert(out.rejected.end(), bad.begin(), bad.end());
    return out;
  }
  test::TempDir dir_;
  std::unique_ptr<catalog::Database> db_;
  identity::Principal sup_, officer_, trooper_, avl_;
};

TEST_F(UnitsTest, AUnitIsRegisteredOnceWithEachBadFieldNamedAndTheActAudited) {
  Result<std::int64_t> id = CreateUnit(
      *db_, sup_, {"GC-12", "patrol", {"spikes"}, "07:00-19:00", "", 38.63, -90.2}, kNow);
  ASSERT_TRUE(id.ok()) << id.status().message();
  EXPECT_EQ(CreateUnit(*db_, sup_, {"GC-12", "k9", {}, "", "", {}, {}}, kNow).status().code(),
            StatusCode::kAlreadyExists);
  EXPECT_TRUE(CreateUnit(*db_, trooper_, {"GC-12", "patrol", {}, "", "", {}, {}}, kNow).ok())
      << "call signs are unique within an agency";
  const std::vector<std::pair<UnitSpec, std::string>> bad = {
      {{"gc 12", "patrol", {}, "", "", {}, {}}, "call_sign"},
      {{" GC", "patrol", {}, "", "", {}, {}}, "call_sign"},
      {{"GC-13", "horse", {}, "", "", {}, {}}, "kind"},
      {{"GC-13", "patrol", {"Spikes!"}, "", "", {}, {}}, "capabilities"},
      {{"GC-13", "patrol", {}, "7-19", "", {}, {}}, "shift"},
      {{"GC-13", "patrol", {}, "25:00-07:00", "", {}, {}}, "shift"},
      {{"AIR 1", "aircraft", {}, "", "", {}, {}}, "icao"},
      {{"GC-13", "patrol", {}, "", "a1b2c3", {}, {}}, "icao"},
      {{"GC-13", "patrol", {}, "", "", 38.6, {}}, "home_lat and home_lon"},
      {{"GC-13", "patrol", {}, "", "", 98.6, -90.2}, "home_lat"},
  };
  for (const auto& [spec, field] : bad) {
    Result<std::int64_t> r = CreateUnit(*db_, sup_, spec, kNow);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << field;
    EXPECT_EQ(r.status().message().rfind(field + ":", 0), 0u) << r.status().message();
  }
  ASSERT_TRUE(
      CreateUnit(*db_, sup_, {"AIR 1", "aircraft", {"flir"}, "", "a1b2c3", {}, {}}, kNow).ok());
  EXPECT_EQ(CreateUnit(*db_, trooper_, {"AIR 9", "aircraft", {}, "", "a1b2c3", {}, {}}, kNow)
                .status()
                .code(),
            StatusCode::kAlreadyExists)
      << "one ICAO address, one aircraft";
  EXPECT_EQ(
      CreateUnit(*db_, officer_, {"GC-14", "patrol", {}, "", "", {}, {}}, kNow).status().code(),
      StatusCode::kPermissionDenied);
  EXPECT_EQ(Count("SELECT count(*) FROM audit WHERE event = 'unit.create'"), 3);
  Result<std::vector<UnitInfo>> mine = ListUnits(*db_, officer_);
  ASSERT_TRUE(mine.ok()) << mine.status().message();
  ASSERT_EQ(mine->size(), 2u) << "the agency's own units only";
  EXPECT_EQ((*mine)[0].spec.call_sign, "AIR 1");
  EXPECT_EQ((*mine)[1].spec.capabilities, std::vector<std::string>{"spikes"});
  EXPECT_EQ((*mine)[1].status, "available");
}

TEST_F(UnitsTest, AStatusChangeSaysWhoAndWhenAndStaysInsideTheAgency) {
  const std::int64_t id = *CreateUnit(*db_, sup_, {"GC-12", "patrol", {}, "", "", {}, {}}, kNow);
  ASSERT_TRUE(SetUnitStatus(*db_, sup_, id, "busy", kNow + 1000).ok());
  EXPECT_EQ(SetUnitStatus(*db_, sup_, id, "lunch", kNow).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SetUnitStatus(*db_, trooper_, id, "available", kNow).code(), StatusCode::kNotFound)
      << "another agency's unit";
  EXPECT_EQ(SetUnitStatus(*db_, officer_, id, "available", kNow).code(),
            StatusCode::kPermissionDenied);
  UnitInfo u = ListUnits(*db_, sup_)->at(0);
  EXPECT_EQ(u.status, "busy");
  EXPECT_EQ(u.status_by, sup_.Actor());
  EXPECT_EQ(u.status_at, kNow + 1000);
  ASSERT_TRUE(RetireUnit(*db_, sup_, id, kNow + 2000).ok());
  EXPECT_TRUE(ListUnits(*db_, sup_)->empty());
  EXPECT_EQ(SetUnitStatus(*db_, sup_, id, "available", kNow).code(), StatusCode::kNotFound);
  EXPECT_EQ(Count("SELECT count(*) FROM audit WHERE event IN ('unit.status', 'unit.retire')"), 2);
}

TEST_F(UnitsTest, EachBadPositionIsRefusedByIndexAndFieldAndTheGoodOnesAreKept) {
  ASSERT_TRUE(CreateUnit(*db_, sup_, {"GC-12", "patrol", {}, "", "", {}, {}}, kNow).ok());
  const std::string t = std::to_string(kNow - 1000);
  RecordedPositions r = Send({
      R"({"unit":"GC-12","time":)" + t +
          R"(,"lat":38.62,"lon":-90.21,"speed_mps":12.5,"heading":90})",
      R"({"unit":"GC-12","time":"2027-01-15T07:30:00Z","lat":38.63,"lon":-90.22})",
      R"({"unit":"GC-99","time":)" + t + R"(,"lat":38.6,"lon":-90.2})",
      R"({"unit":"GC-12","time":)" + t + R"(,"lat":98.6,"lon":-90.2})",
      R"({"unit":"GC-12","time":)" + std::to_string(kNow + 10 * 60'000) +
          R"(,"lat":38.6,"lon":-90.2})",
      R"({"unit":"GC-12","time":)" + std::to_string(kNow - 25 * kHour) +
          R"(,"lat":38.6,"lon":-90.2})",
      R"({"unit":"GC-12","time":)" + t + R"(,"lat":38.6,"lon":-90.2,"speed_mps":90})",
      R"({"unit":"GC-12","time":)" + t + R"(,"lat":38.6,"lon":-90.2,"heading":360})",
      R"({"unit":"GC-12","time":)" + t + R"(,"lat":38.6,"lon":-90.2,"altitude":300})",
      R"({"unit":"GC-12","lat":38.6,"lon":-90.2})",
      R"({"unit":"GC-12","time":)" + t + R"(,"lat":38.6)",
      R"(["GC-12"])",
  });
  EXPECT_EQ(r.accepted, 2u);
  std::map<std::size_t, std::string> fields;
  for (const PositionRejection& x : r.rejected) {
    EXPECT_FALSE(x.message.empty()) << x.index;
    fields[x.index] = x.field;
  }
  const std::map<std::size_t, std::string> expected = {
      {2, "unit"},    {3, "lat"},      {4, "time"}, {5, "time"}, {6, "speed_mps"},
      {7, "heading"}, {8, "altitude"}, {9, "time"}, {10, ""},    {11, ""}};
  EXPECT_EQ(fields, expected);
  Result<std::vector<UnitInfo>> units = ListUnits(*db_, officer_);
  ASSERT_TRUE(units->at(0).last.has_value());
  EXPECT_EQ(units->at(0).last->time, kNow - 1000) << "the newest of the two";
  EXPECT_EQ(units->at(0).last->speed_mps, 12.5);
  EXPECT_EQ(units->at(0).last->source, "avl");
  // A supervisor's session may not report positions: machines do.
  EXPECT_EQ(RecordPositions(*db_, sup_, {}, {}, kNow).status().code(),
            StatusCode::kPermissionDenied);
}

TEST_F(UnitsTest, PositionsGoAfterTheAgencysUnitLocationsRetention) {
  ASSERT_TRUE(CreateUnit(*db_, sup_, {"GC-12", "patrol", {}, "", "", {}, {}}, kNow).ok());
  const RecordedPositions r = Send({
      R"({"unit":"GC-12","time":)" + std::to_string(kNow - 23 * kHour) +
          R"(,"lat":38.6,"lon":-90.2})",
      R"({"unit":"GC-12","time":)" + std::to_string(kNow - kHour) + R"(,"lat":38.6,"lon":-90.2})",
  });
  ASSERT_EQ(r.accepted, 2u);
  EXPECT_EQ(*PurgeUnitPositions(*db_, kNow), 0);
  EXPECT_EQ(*PurgeUnitPositions(*db_, kNow + 2 * kHour), 1) << "a day unless the agency sets it";
  ASSERT_TRUE(db_->Exec("INSERT INTO retention VALUES (1, 'unit_locations', 1800000, 'custom', "
                        "0, 't')")
                  .ok());
  EXPECT_EQ(*PurgeUnitPositions(*db_, kNow), 1) << "half an hour, as the agency set";
  EXPECT_EQ(Count("SELECT count(*) FROM unit_positions"), 0);
}

TEST_F(UnitsTest, AReceiversAircraftJsonGivesTheAgencysAircraftAndCountsTheRest) {
  std::ifstream in(std::string(INTERDICT_SOURCE_DIR) + "/tests/data/adsb/aircraft.json");
  std::stringstream text;
  text << in.rdbuf();
  Result<AdsbParse> a = ParseAircraftJson(text.str());
  ASSERT_TRUE(a.ok()) << a.status().message();
  ASSERT_EQ(a->positions.size(), 2u) << "two placed aircraft with ICAO addresses";
  EXPECT_EQ(a->without_position, 1u);
  EXPECT_EQ(a->stale, 1u);
  const PositionIn& mshp = a->positions[0];
  EXPECT_EQ(mshp.icao, "a1b2c3");
  EXPECT_EQ(mshp.pos.time, 1'800'000'000'000 - 800) << "now - seen_pos";
  EXPECT_NEAR(*mshp.pos.speed_mps, 104 * 0.514444, 1e-6) << "knots";
  EXPECT_EQ(mshp.pos.heading, 91);
  EXPECT_EQ(mshp.pos.source, "adsb");
  ASSERT_TRUE(CreateUnit(*db_, sup_, {"AIR 1", "aircraft", {}, "", "a1b2c3", {}, {}}, kNow).ok());
  Result<RecordedPositions> r = RecordPositions(*db_, avl_, a->positions, {0, 1}, kNow);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->accepted, 1u);
  ASSERT_EQ(r->rejected.size(), 1u) << "the airliner is not the agency's";
  EXPECT_EQ(r->rejected[0].field, "icao");
  for (const char* bad : {"", "[]", R"({"aircraft":[]})", R"({"now":1,"aircraft":{}})",
                          R"({"now":"x","aircraft":[]})"}) {
    Result<AdsbParse> b = ParseAircraftJson(bad);
    EXPECT_EQ(b.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(b.status().message().find("aircraft.json"), std::string::npos) << bad;
  }
}

}  // namespace
}  // namespace interdict::ops
