// The disparity view against hand-counted rows: two cameras in St. Louis city
// and one in St. Louis County, reads, hits (one stop, one back-filled), a
// mobile unit's hit placed where its read was made, area and scene searches.
#include "oversight/disparity.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "audit/audit.h"
#include "oversight/read_counts.h"
#include "support/catalog.h"
#include "support/temp_dir.h"

namespace interdict::oversight {
namespace {

constexpr std::int64_t kDay = 86'400'000;
constexpr std::int64_t kFromDay = 20'400;
constexpr std::int64_t kT = (kFromDay + 3) * kDay;

class DisparityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = test::MigratedCatalog(
        dir_.File("catalog.db"),
        {
            "INSERT INTO agencies (id, code, name, ori, state, kind, created_at) VALUES (1, "
            "'AAPD', 'A Police', 'MO0000001', 'US-MO', 'local', "
            "0)",
            // Downtown St. Louis (city), near the Arch, and in Clayton (St. Louis County).
            "INSERT INTO cameras (agency_id, code, name, lat, lon) VALUES "
            "(1, 'city1', 'x', 38.6270, -90.1994), (1, 'city2', 'x', 38.6400, -90.2500), "
            "(1, 'county1', 'x', 38.6426, -90.3237)",
            "INSERT INTO cameras (agency_id, code, name, mobile) VALUES (1, 'car7', 'x', 1)",
            "INSERT INTO hotlists (id, agency_id, name, kind, priority, one_edit, created_at, "
            "created_by) VALUES (1, 1, 'l', 'ncic', 1, 0, 0, 't')",
        });
    ASSERT_TRUE(db_);
    DayCounts counts = {{{"AAPD", "city1", kFromDay + 3}, 6000},
                        {{"AAPD", "city2", kFromDay + 4}, 4000},
                        {{"AAPD", "county1", kFromDay + 3}, 20000},
                        {{"AAPD", "county1", kFromDay - 3}, 99999}};  // before the period
    ASSERT_TRUE(AddReadCounts(*db_, counts).ok());
    Hit("city1", "{}", "stop", 0);
    Hit("city2", "{}", "misread", 0);
    Hit("city2", "{}", "arrest", 1);  // back-filled: not a live alert
    Hit("county1", "{}", "", 0);
    // The mobile unit read a plate in the county.
    Hit("car7", R"({"lat":38.6426,"lon":-90.3300})", "recovery", 0);
    Search("search.area", R"({"area":{"lat":38.628,"lon":-90.20,"radius_m":500}})");
    Search(
        "search.scenes",
        R"({"scenes":[{"area":{"lat":38.628,"lon":-90.20,"radius_m":500}},{"area":{"lat":38.629,"lon":-90.21,"radius_m":500}},{"area":{"lat":38.6426,"lon":-90.3237,"radius_m":500}}]})");
    Search("search.plate", R"({"plate":"KZ9Q81"})");  // not an area search
  }

  void Hit(const char* camera, const char* read, const char* outcome, int backfill) {
    static int n = 0;
    Result<catalog::Statement> ins = db_->Prepare(
        "INSERT INTO hits (agency_id, read_id, camera, read_time, plate, read, hotlist_id, "
        "entry_id, entry, list_age_ms, match_kind, score, backfill, step, outcome, created_at) "
        "VALUES (1, ?1, ?2, ?3, 'KZ9Q81', ?4, 1, 1, '{}', 0, 'exact', 1, ?5, ?6, ?7, ?3)");
    ASSERT_TRUE(ins.ok());
    ins->Bind(1, std::to_string(++n)).Bind(2, camera).Bind(3, kT).Bind(4, read);
    ins->Bind(5, std::int64_t{backfill}).Bind(6, *outcome ? "closed" : "new");
    if (*outcome) {
      ins->Bind(7, outcome);
    } else {
      ins->BindNull(7);
    }
    ASSERT_TRUE(ins->Run().ok());
  }

  void Search(const char* event, const char* details) {
    audit::Entry e;
    e.time = kT;
    e.actor = "user:1";
    e.agency = 1;
    e.event = event;
    e.details = details;
    ASSERT_TRUE(db_->Transaction([&] { return audit::Append(*db_, e); }).ok());
  }

  rapidjson::Document Get(const char* kind, bool geometry = false) {
    identity::Principal p;
    p.id = 1;
    p.agency_id = 1;
    p.permissions = {"audit.review"};
    Result<std::string> r =
        Disparity(*db_, p, kind, {kFromDay, kFromDay + 30}, geometry, kT + kDay);
    EXPECT_TRUE(r.ok()) << r.status().message();
    text_ = r.ok() ? *r : "{}";
    rapidjson::Document d;
    d.Parse(text_.c_str());
    return d;
  }

  const rapidjson::Value& Area(const rapidjson::Document& d, const char* id) {
    for (const auto& a : d["areas"].GetArray())
      if (std::string(a["id"].GetString()) == id) return a;
    ADD_FAILURE() << "no area " << id;
    return d;
  }

  test::TempDir dir_;
  std::unique_ptr<catalog::Database> db_;
  std::string text_;
};

TEST_F(DisparityTest, CountiesCountCamerasReadsHitsStopsAndSearchesWhereTheyHappened) {
  rapidjson::Document d = Get("counties");
  ASSERT_TRUE(d.IsObject()) << text_;
  const auto& city = Area(d, "29510");
  EXPECT_EQ(city["cameras"].GetInt64(), 2);
  EXPECT_EQ(city["reads"].GetInt64(), 10000);
  EXPECT_EQ(city["hits"].GetInt64(), 2);      // the back-filled one is left out
  EXPECT_EQ(city["stops"].GetInt64(), 1);     // the stop; the misread is not one
  EXPECT_EQ(city["searches"].GetInt64(), 2);  // the area search and the scenes (once)
  EXPECT_NEAR(city["rates"]["hits_per_1000_reads"].GetDouble(), 0.2, 1e-9);
  EXPECT_NEAR(city["rates"]["stops_per_100k_residents"].GetDouble(), 1e5 / 316030.0, 1e-3);
  const auto& county = Area(d, "29189");
  EXPECT_EQ(county["cameras"].GetInt64(), 1);
  EXPECT_EQ(county["reads"].GetInt64(), 20000);  // the read count before the period is not
  EXPECT_EQ(county["hits"].GetInt64(), 2);       // its camera's and the mobile unit's
  EXPECT_EQ(county["stops"].GetInt64(), 1);      // the recovery
  EXPECT_EQ(county["searches"].GetInt64(), 1);
  EXPECT_EQ(d["all_areas"]["hits"].GetInt64(), 4);
  EXPECT_EQ(d["all_areas"]["population"].GetInt64(), 2734868);
  EXPECT_EQ(d["outside"]["cameras"].GetInt64(), 0);
  EXPECT_EQ(text_.find("\"rings\""), std::string::npos);
}

TEST_F(DisparityTest, AreasWithoutPopulationHaveNoPerResidentRatesAndMapsGetOutlines) {
  rapidjson::Document d = Get("neighborhoods", true);
  ASSERT_TRUE(d.IsObject()) << text_;
  std::int64_t cameras = 0;
  for (const auto& a : d["areas"].GetArray()) {
    cameras += a["cameras"].GetInt64();
    EXPECT_TRUE(a["rates"]["stops_per_100k_residents"].IsNull());
    EXPECT_TRUE(a["rings"].IsArray());
  }
  EXPECT_EQ(cameras, 2);  // the city's two; the county's camera is outside the city
  EXPECT_EQ(d["outside"]["cameras"].GetInt64(), 1);
}

TEST_F(DisparityTest, AnUnknownKindOfAreaIsRefusedByName) {
  identity::Principal p;
  p.permissions = {"audit.review"};
  Result<std::string> r = Disparity(*db_, p, "states", {kFromDay, kFromDay + 30}, false, kT);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().message().starts_with("areas:")) << r.status().message();
}

}  // namespace
}  // namespace interdict::oversight
