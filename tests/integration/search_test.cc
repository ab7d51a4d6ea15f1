// POST /api/v1/search through the real server: purpose first, only what the
// requester's agency may see, every search in the audit trail.
#include <gtest/gtest.h>

#include <fmt/core.h>
#include <fmt/ranges.h>

#include "http/client.h"
#include "identity/accounts.h"
#include "identity/keys.h"
#include "support/accounts.h"
#include "support/catalog.h"
#include "support/fixtures.h"
#include "support/running_service.h"
#include "support/temp_dir.h"

namespace interdict::server {
namespace {

constexpr const char* kPurpose =
    R"("purpose":{"code":"stolen-vehicle","case":"26-004411","offense":"auto theft",)"
    R"("justification":"vehicle taken from a driveway on Market St overnight"})";

class SearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = test::MigratedCatalog(dir_.File("catalog.db"));
    ASSERT_TRUE(db);
    const std::int64_t stl =
        test::AddAgency(*db, "STLPD", "US-MO", "local", "St. Louis PD", "MO0950000");
    const std::int64_t county =
        test::AddAgency(*db, "SLCPD", "US-MO", "county", "St. Louis County PD");
    test::AddCamera(*db, stl, "market", 38.627, -90.199, "Market St");
    test::AddCamera(*db, stl, "airport", 38.7487, -90.37, "Airport");
    test::AddCamera(*db, county, "clayton", 38.6426, -90.3237, "Clayton");
    test::AddUser(*db, 1, "analyst", "analyst");
    test::AddUser(*db, 2, "county", "analyst");
    running_ = std::make_unique<test::RunningService>(dir_.path(), log_, clock_);
  }

  // Keys need an administrator: made through the catalog, as the admin tools do.
  std::string Key(const std::string& agency) {
    auto db = catalog::Database::Open(test::CatalogAt(dir_.File("catalog.db")));
    const std::int64_t id = agency == "STLPD" ? 1 : 2;
    EXPECT_TRUE((*db)
                    ->Exec(fmt::format("INSERT INTO users (agency_id, username, "
                                       "display_name, role, created_at, created_by) VALUES "
                                       "({0}, 'admin{0}', 'A', 'administrator', 0, 't') "
                                       "ON CONFLICT DO NOTHING",
                                       id))
                    .ok());
    auto q = (*db)->Prepare("SELECT id FROM users WHERE username = ?1");
    q->Bind(1, fmt::format("admin{}", id));
    EXPECT_TRUE(*q->Step());
    identity::Accounts accounts(**db, {});
    Result<identity::NewKey> key = identity::CreateKey(**db, *accounts.UserPrincipal(q->Int(0)),
                                                       {"feed", {"reads.ingest"}, std::nullopt}, 0);
    EXPECT_TRUE(key.ok()) << key.status().message();
    return key.ok() ? key->key : "";
  }

  http::ClientResponse Call(const std::string& token, const std::string& method,
                            const std::string& path, const std::string& body = "",
                            const std::string& content_type = "application/json") {
    return test::Call(running_->client(), token, method, path, body, content_type);
  }

  void Post(const std::string& key, const std::string& agency, const std::string& camera,
            const std::string& id, const std::string& plate, std::int64_t ago_ms,
            const std::string& extra = "") {
    const std::string body = R"([{"id":")" + id + R"(","agency":")" + agency + R"(","camera":")" +
                             camera + R"(","time":)" + std::to_string(clock_.NowMillis() - ago_ms) +
                             R"(,"plate":")" + plate + R"(","state":"MO")" + extra + "}]";
    auto r = Call(key, "POST", "/api/v1/reads", body);
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_NE(r.body.find(R"("accepted":1)"), std::string::npos) << r.body;
  }

  std::string Search(const std::string& token, const std::string& rest, int* status = nullptr) {
    auto r = Call(token, "POST", "/api/v1/search", "{" + rest + "," + kPurpose + "}");
    if (status != nullptr) *status = r.status;
    return r.body;
  }

  test::TempDir dir_;
  FakeClock clock_{1'800'000'000'000};
  Logger log_{[](std::string_view) {}, clock_};
  std::unique_ptr<test::RunningService> running_;
};

TEST_F(SearchTest, PlatePartialAndAreaAnswerOnlyWhatTheAgencyMaySeeAndAreAudited) {
  const std::string stl = Key("STLPD"), county_key = Key("SLCPD");
  Post(stl, "STLPD", "market", "a1", "KZ9Q81", 3'600'000, R"(,"vehicle":{"make":"TOYT"})");
  Post(stl, "STLPD", "airport", "a2", "KZ9Q81", 60'000);
  Post(stl, "STLPD", "market", "a3", "XKZ9Q8", 120'000);
  Post(county_key, "SLCPD", "clayton", "c1", "KZ9Q81", 30'000);
  clock_.Advance(std::chrono::seconds(30));
  const std::string analyst = test::SignIn(running_->client(), clock_, "analyst");

  // Plate history: STLPD's own reads only (no agreement with SLCPD), newest first.
  int status = 0;
  std::string r = Search(analyst, R"("type":"plate","params":{"plate":"kz9-q81"})", &status);
  ASSERT_EQ(status, 200) << r;
  EXPECT_NE(r.find(R"("count":2,)"), std::string::npos) << r;
  EXPECT_LT(r.find(R"("id":"a2")"), r.find(R"("id":"a1")")) << "newest first: " << r;
  EXPECT_EQ(r.find(R"("id":"c1")"), std::string::npos) << "SLCPD's read without an agreement";
  EXPECT_NE(r.find(R"("agencies":["STLPD"])"), std::string::npos) << r;

  // Partial plate: a witness's "KZ9" substring and a pattern.
  r = Search(analyst, R"("type":"partial","params":{"pattern":"KZ9"})");
  EXPECT_NE(r.find(R"("count":3,)"), std::string::npos) << r;
  EXPECT_NE(r.find(R"({"plate":"KZ9Q81","reads":2})"), std::string::npos) << r;
  r = Search(analyst, R"("type":"partial","params":{"pattern":"KZ9?8*"})");
  EXPECT_NE(r.find(R"("count":2,)"), std::string::npos) << r;

  // Area: 1 km around Market St touches City Hall and Kiener Plaza (shipped
  // protected places), so it is refused before it runs, and on the record.
  const std::string area =
      R"("type":"area","params":{"center":{"lat":38.6275,"lon":-90.1985},"radius_m":1000})";
  r = Search(analyst, area, &status);
  EXPECT_EQ(status, 403) << r;
  EXPECT_NE(r.find(R"("code":"approval_required")"), std::string::npos) << r;
  EXPECT_NE(r.find("St. Louis City Hall"), std::string::npos) << r;
  // A supervisor's approval that names them lets it run.
  {
    auto db = catalog::Database::Open(test::CatalogAt(dir_.File("catalog.db")));
    test::AddUser(**db, 1, "boss", "supervisor");
  }
  const std::string boss = test::SignIn(running_->client(), clock_, "boss");
  auto asked = Call(
      analyst, "POST", "/api/v1/approvals",
      R"({"purpose":"stolen-vehicle","case_number":"26-004411","offense":"auto theft","justification":"vehicle taken from a driveway on Market St overnight","max_days":30,"max_agencies":1,"places":["Biddle Housing Opportunities Center","Kiener Plaza","St. Louis City Hall"]})");
  ASSERT_EQ(asked.status, 201) << asked.body;
  const std::string id = asked.body.substr(6, asked.body.find(',') - 6);
  ASSERT_EQ(Call(boss, "POST", "/api/v1/approvals/" + id + "/approve").status, 200);
  EXPECT_NE(Call(boss, "GET", "/api/v1/approvals").body.find(R"("places":["Biddle)"),
            std::string::npos);
  const std::string approved =
      std::string(kPurpose).insert(std::string(kPurpose).size() - 1, R"(,"approval":)" + id);
  auto ran = Call(analyst, "POST", "/api/v1/search", "{" + area + "," + approved + "}");
  ASSERT_EQ(ran.status, 200) << ran.body;
  // It holds the market camera, not the airport.
  EXPECT_NE(ran.body.find(R"("count":2,)"), std::string::npos) << ran.body;
  EXPECT_EQ(ran.body.find(R"("camera":"airport")"), std::string::npos) << ran.body;

  // Vehicle attributes filter what the reads carry.
  r = Search(analyst, R"("type":"plate","params":{"plate":"KZ9Q81"},"filters":{"make":"toyt"})");
  EXPECT_NE(r.find(R"("count":1,)"), std::string::npos) << r;

  // Paging with an opaque cursor.
  r = Search(analyst, R"("type":"plate","params":{"plate":"KZ9Q81"},"page":{"limit":1})");
  EXPECT_NE(r.find(R"("truncated":true)"), std::string::npos) << r;
  const std::size_t at = r.find(R"("next":")") + 8;
  const std::string cursor = r.substr(at, r.find('"', at) - at);
  r = Search(analyst, R"("type":"plate","params":{"plate":"KZ9Q81"},"page":{"limit":1,"cursor":")" +
                          cursor + R"("})");
  EXPECT_NE(r.find(R"("id":"a1")"), std::string::npos) << r;

  // Naming an agency it may not see is refused with the reason.
  r = Search(analyst,
             R"("type":"plate","params":{"plate":"KZ9Q81"},"filters":{"agencies":["SLCPD"]})",
             &status);
  EXPECT_EQ(status, 403) << r;
  EXPECT_NE(r.find("no agreement in force"), std::string::npos) << r;

  // Every search is on the record with its terms, purpose and result count.
  auto db = catalog::Database::OpenReadOnly(test::CatalogAt(dir_.File("catalog.db")));
  auto q = (*db)->Prepare(
      "SELECT count(*) FROM audit WHERE event = 'search.plate' AND details LIKE "
      "'%\"case\":\"26-004411\"%' AND details LIKE '%\"results\":2%'");
  ASSERT_TRUE(*q->Step());
  EXPECT_EQ(q->Int(0), 1);
  auto refused = (*db)->Prepare(
      "SELECT count(*) FROM audit WHERE event = 'search.refused' AND details LIKE "
      "'%St. Louis City Hall%'");
  ASSERT_TRUE(*refused->Step());
  EXPECT_EQ(refused->Int(0), 1);
  auto area_ran = (*db)->Prepare(
      "SELECT count(*) FROM audit WHERE event = 'search.area' AND details LIKE "
      "'%\"places\":[\"Biddle%'");
  ASSERT_TRUE(*area_ran->Step());
  EXPECT_EQ(area_ran->Int(0), 1);
}

TEST_F(SearchTest, AProtestRegisteredForItsHoursRefusesAreaSearchesOfThoseHours) {
  {
    auto db = catalog::Database::Open(test::CatalogAt(dir_.File("catalog.db")));
    test::AddUser(**db, 1, "boss", "supervisor");
  }
  const std::string analyst = test::SignIn(running_->client(), clock_, "analyst");
  const std::string boss = test::SignIn(running_->client(), clock_, "boss");
  // Near the airport camera: no shipped place there.
  const std::string area =
      R"("type":"area","params":{"center":{"lat":38.7487,"lon":-90.37},"radius_m":500})";
  int status = 0;
  std::string r = Search(analyst, area, &status);
  ASSERT_EQ(status, 200) << r;
  // Analysts may not register places or see the list; supervisors may.
  // It is 08:00Z on 2027-01-15; a rally runs from 06:00 to 20:00.
  const std::string protest =
      R"({"name":"Airport workers' rally","kind":"lawful assembly","lat":38.7490,"lon":-90.3702,"radius_m":200,"from":"2027-01-15T06:00:00Z","to":"2027-01-15T20:00:00Z"})";
  EXPECT_EQ(Call(analyst, "POST", "/api/v1/protected-places", protest).status, 403);
  EXPECT_EQ(Call(analyst, "GET", "/api/v1/protected-places").status, 403);
  auto bad = Call(boss, "POST", "/api/v1/protected-places", R"({"name":"x","kind":"y","lat":91})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("lat:"), std::string::npos) << bad.body;
  auto made = Call(boss, "POST", "/api/v1/protected-places", protest);
  ASSERT_EQ(made.status, 201) << made.body;
  auto list = Call(boss, "GET", "/api/v1/protected-places");
  EXPECT_NE(list.body.find(R"("name":"Airport workers' rally")"), std::string::npos) << list.body;
  EXPECT_NE(list.body.find(R"("source":"configured")"), std::string::npos) << list.body;
  // The default window (the last 30 days, to now) covers its first two hours.
  r = Search(analyst, area, &status);
  EXPECT_EQ(status, 403) << r;
  EXPECT_NE(r.find("Airport workers' rally"), std::string::npos) << r;
  // The week before it is not protected.
  const std::string before =
      area + R"(,"filters":{"from":"2027-01-01T00:00:00Z","to":"2027-01-14T00:00:00Z"})";
  r = Search(analyst, before, &status);
  EXPECT_EQ(status, 200) << r;
  // Ended early, the hours it ran stay protected; other agencies cannot end it.
  const std::string place_id = made.body.substr(6, made.body.find('}') - 6);
  ASSERT_EQ(Call(boss, "POST", "/api/v1/protected-places/" + place_id + "/end").status, 200);
  EXPECT_EQ(Call(boss, "POST", "/api/v1/protected-places/" + place_id + "/end").status, 404);
  r = Search(analyst, area, &status);
  EXPECT_EQ(status, 403) << r;
  r = Search(analyst, before, &status);
  EXPECT_EQ(status, 200) << r;
}

// The cap counts the last 24 hours by the hour (a window of 24 to 25 hours):
// a day later the same searches are refused, 25 hours later they are not.
TEST_F(SearchTest, TheDailyResultsCapForgetsSearchesTwentyFiveHoursOld) {
  running_.reset();
  running_ = std::make_unique<test::RunningService>(
      dir_.path(), log_, clock_, [](config::Config& c) { c.search.daily_results_cap = 2; });
  const std::string stl = Key("STLPD");
  for (int i = 0; i < 3; ++i)
    Post(stl, "STLPD", "market", fmt::format("c{}", i), "KZ9Q82", 60'000 * (i + 1));
  const std::string terms = R"("type":"plate","params":{"plate":"KZ9Q82"})";
  std::string analyst = test::SignIn(running_->client(), clock_, "analyst");
  int status = 0;
  std::string r = Search(analyst, terms, &status);
  ASSERT_EQ(status, 200) << r;  // three results: the cap is passed
  r = Search(analyst, terms, &status);
  EXPECT_EQ(status, 403) << r;
  clock_.Advance(std::chrono::hours(24));
  analyst = test::SignIn(running_->client(), clock_, "analyst");
  r = Search(analyst, terms, &status);
  EXPECT_EQ(status, 403) << "24 hours later, the first search's hour still counts: " << r;
  clock_.Advance(std::chrono::hours(1));
  analyst = test::SignIn(running_->client(), clock_, "analyst");
  r = Search(analyst, terms, &status);
  EXPECT_EQ(status, 200) << "25 hours later: " << r;
}

TEST_F(SearchTest, PastTheDailyResultsCapFurtherPagesNeedAnApproval) {
  running_.reset();
  running_ = std::make_unique<test::RunningService>(
      dir_.path(), log_, clock_, [](config::Config& c) { c.search.daily_results_cap = 3; });
  const std::string stl = Key("STLPD");
  for (int i = 0; i < 5; ++i)
    Post(stl, "STLPD", "market", fmt::format("b{}", i), "KZ9Q81", 60'000 * (i + 1));
  {
    auto db = catalog::Database::Open(test::CatalogAt(dir_.File("catalog.db")));
    test::AddUser(**db, 1, "boss", "supervisor");
  }
  const std::string analyst = test::SignIn(running_->client(), clock_, "analyst");
  // Page by page, one read each: three pages reach the cap...
  const std::string terms = R"("type":"plate","params":{"plate":"KZ9Q81"},"page":{"limit":1)";
  std::string cursor;
  for (int page = 0; page < 3; ++page) {
    int status = 0;
    const std::string r = Search(
        analyst, terms + (cursor.empty() ? "" : R"(,"cursor":")" + cursor + "\"") + "}", &status);
    ASSERT_EQ(status, 200) << page << ": " << r;
    const std::size_t at = r.find(R"("next":")") + 8;
    cursor = r.substr(at, r.find('"', at) - at);
  }
  // ...and the fourth needs a supervisor's approval, whatever the search.
  int status = 0;
  std::string r = Search(analyst, terms + R"(,"cursor":")" + cursor + "\"}", &status);
  EXPECT_EQ(status, 403) << r;
  EXPECT_NE(r.find("3 results in the last 24 hours"), std::string::npos) << r;
  r = Search(analyst, R"("type":"partial","params":{"pattern":"KZ9"})", &status);
  EXPECT_EQ(status, 403) << r;
  const std::string boss = test::SignIn(running_->client(), clock_, "boss");
  auto asked = Call(
      analyst, "POST", "/api/v1/approvals",
      R"({"purpose":"stolen-vehicle","case_number":"26-004411","offense":"auto theft","justification":"vehicle taken from a driveway on Market St overnight","max_days":30,"max_agencies":1,"max_daily_results":100})");
  ASSERT_EQ(asked.status, 201) << asked.body;
  const std::string id = asked.body.substr(6, asked.body.find(',') - 6);
  ASSERT_EQ(Call(boss, "POST", "/api/v1/approvals/" + id + "/approve").status, 200);
  auto next = Call(
      analyst, "POST", "/api/v1/search",
      "{" + terms + R"(,"cursor":")" + cursor + "\"}," +
          std::string(kPurpose).insert(std::string(kPurpose).size() - 1, R"(,"approval":)" + id) +
          "}");
  EXPECT_EQ(next.status, 200) << next.body;
}

TEST_F(SearchTest, ASearchOnBehalfOfAFederalPartnerSeesOnlyWhatThatPartnerMayAndIsOnTheRecord) {
  // Counts of one are shown here, so the report can be checked.
  running_.reset();
  running_ = std::make_unique<test::RunningService>(
      dir_.path(), log_, clock_, [](config::Config& c) { c.oversight.min_count = 1; });
  {
    auto db = catalog::Database::Open(test::CatalogAt(dir_.File("catalog.db")));
    ASSERT_TRUE((*db)
                    ->Exec("INSERT INTO agencies (code, name, ori, state, kind, created_at) VALUES "
                           "('FBISL', 'FBI St. Louis', 'MOFBISL00', 'US-MO', 'federal', 0)")
                    .ok());
    test::AddUser(**db, 1, "boss", "supervisor");
    // SLCPD shares reads with STLPD; STLPD shares with the FBI, one to one.
    auto share = (*db)->Prepare(
        "INSERT INTO agreements (owner_id, partner_id, data_class, effective_from, document, "
        "proposed_by, approved_by, approved_at, created_at) VALUES (?1, ?2, 'reads', 0, 'MOU', "
        "1, 2, 0, 0)");
    share->Bind(1, std::int64_t{2}).Bind(2, std::int64_t{1});
    ASSERT_TRUE(share->Run().ok());
    share->Reset();
    share->Bind(1, std::int64_t{1}).Bind(2, std::int64_t{3});
    ASSERT_TRUE(share->Run().ok());
  }
  const std::string stl = Key("STLPD"), county = Key("SLCPD");
  Post(stl, "STLPD", "market", "s1", "KZ9Q81", 60'000);
  Post(county, "SLCPD", "clayton", "c1", "KZ9Q81", 30'000);
  const std::string analyst = test::SignIn(running_->client(), clock_, "analyst");
  const std::string boss = test::SignIn(running_->client(), clock_, "boss");
  const std::string behalf =
      std::string(kPurpose).insert(std::string(kPurpose).size() - 1, R"(,"on_behalf_of":"FBISL")");
  // Without an approval naming the FBI: refused.
  auto refused = Call(analyst, "POST", "/api/v1/search",
                      R"({"type":"plate","params":{"plate":"KZ9Q81"},)" + behalf + "}");
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_NE(refused.body.find("on behalf of FBISL"), std::string::npos) << refused.body;
  auto asked = Call(
      analyst, "POST", "/api/v1/approvals",
      R"({"purpose":"stolen-vehicle","case_number":"26-004411","offense":"auto theft","justification":"vehicle taken from a driveway on Market St overnight","max_days":30,"max_agencies":2,"on_behalf_of":"FBISL"})");
  ASSERT_EQ(asked.status, 201) << asked.body;
  const std::string id = asked.body.substr(6, asked.body.find(',') - 6);
  ASSERT_EQ(Call(boss, "POST", "/api/v1/approvals/" + id + "/approve").status, 200);
  const std::string approved = behalf.substr(0, behalf.size() - 1) + R"(,"approval":)" + id + "}";
  // On the FBI's behalf, STLPD's reads only: SLCPD shares with STLPD, not the FBI.
  auto ran = Call(analyst, "POST", "/api/v1/search",
                  R"({"type":"plate","params":{"plate":"KZ9Q81"},)" + approved + "}");
  ASSERT_EQ(ran.status, 200) << ran.body;
  EXPECT_NE(ran.body.find(R"("id":"s1")"), std::string::npos) << ran.body;
  EXPECT_EQ(ran.body.find(R"("id":"c1")"), std::string::npos) << "SLCPD shares with STLPD only";
  auto named =
      Call(analyst, "POST", "/api/v1/search",
           R"({"type":"plate","params":{"plate":"KZ9Q81"},"filters":{"agencies":["SLCPD"]},)" +
               approved + "}");
  EXPECT_EQ(named.status, 403) << named.body;
  EXPECT_NE(named.body.find("SLCPD: on behalf of FBISL"), std::string::npos) << named.body;
  EXPECT_NE(named.body.find(R"("code":"agreement_missing")"), std::string::npos) << named.body;
  // On the record, and in the public report.
  auto db = catalog::Database::OpenReadOnly(test::CatalogAt(dir_.File("catalog.db")));
  auto q = (*db)->Prepare(fmt::format(
      "SELECT count(*) FROM audit a JOIN audit_touched t ON t.seq = a.seq AND t.agency_id = 3 "
      "WHERE a.event = 'search.plate' AND {} = 'FBISL'",
      (*db)->JsonText("a.details", "on_behalf_of")));
  ASSERT_TRUE(*q->Step());
  EXPECT_EQ(q->Int(0), 1) << "in the FBI's own audit view too";
  auto report = running_->client().Get("/api/v1/transparency");
  ASSERT_TRUE(report.ok());
  EXPECT_NE(report->body.find(R"("searches_on_behalf_of":{"FBISL":1})"), std::string::npos)
      << report->body;
}

TEST_F(SearchTest, LookalikeSearchFindsMisreadsAndLabelsEachPlate) {
  const std::string stl = Key("STLPD");
  Post(stl, "STLPD", "market", "a1", "KZ9Q81", 60'000);
  Post(stl, "STLPD", "market", "b1", "KZ9O81", 50'000);   // Q read as O
  Post(stl, "STLPD", "market", "b2", "KZ9Q8", 40'000);    // a character dropped
  Post(stl, "STLPD", "market", "b3", "AB1234", 30'000);   // unrelated
  Post(stl, "STLPD", "market", "b4", "KZ9Q8IX", 20'000);  // two edits away
  clock_.Advance(std::chrono::seconds(30));
  const std::string analyst = test::SignIn(running_->client(), clock_, "analyst");
  int status = 0;
  const std::string r =
      Search(analyst, R"("type":"lookalike","params":{"plate":"KZ9Q81"})", &status);
  ASSERT_EQ(status, 200) << r;
  EXPECT_NE(r.find(R"("count":3,)"), std::string::npos) << r;
  EXPECT_NE(r.find(R"({"plate":"KZ9Q81","reads":1,"match":"exact","approximate":false})"),
            std::string::npos)
      << r;
  EXPECT_NE(r.find(R"({"plate":"KZ9O81","reads":1,"match":"lookalike","approximate":true})"),
            std::string::npos)
      << r;
  EXPECT_NE(r.find(R"({"plate":"KZ9Q8","reads":1,"match":"one_edit","approximate":true})"),
            std::string::npos)
      << r;
  EXPECT_EQ(r.find("AB1234"), std::string::npos) << r;
  EXPECT_EQ(r.find("KZ9Q8IX"), std::string::npos) << r;
}

TEST_F(SearchTest, BadParametersAndMissingPurposeAre400sAndProhibitedPurposes403) {
  const std::string analyst = test::SignIn(running_->client(), clock_, "analyst");
  int status = 0;
  std::string r = Search(analyst, R"("type":"partial","params":{"pattern":"**?"})", &status);
  EXPECT_EQ(status, 400);
  EXPECT_NE(r.find("params.pattern"), std::string::npos) << r;
  r = Search(analyst, R"("type":"area","params":{"center":{"lat":38.6,"lon":-90.2},"radius_m":5})",
             &status);
  EXPECT_EQ(status, 400);
  EXPECT_NE(r.find("params.radius_m"), std::string::npos) << r;
  r = Search(
      analyst,
      R"("type":"plate","params":{"plate":"ABC123"},"filters":{"from":"2027-01-02T00:00:00Z","to":"2027-01-01T00:00:00Z"})",
      &status);
  EXPECT_EQ(status, 400);
  EXPECT_NE(r.find("filters.from"), std::string::npos) << r;
  r = Search(analyst, R"("type":"teleport","params":{})", &status);
  EXPECT_EQ(status, 400);
  auto nopurpose =
      Call(analyst, "POST", "/api/v1/search", R"({"type":"plate","params":{"plate":"ABC123"}})");
  EXPECT_EQ(nopurpose.status, 400);
  EXPECT_NE(nopurpose.body.find("purpose"), std::string::npos) << nopurpose.body;
  auto prohibited = Call(
      analyst, "POST", "/api/v1/search",
      R"({"type":"plate","params":{"plate":"ABC123"},"purpose":{"code":"civil-immigration","case":"1","offense":"x","justification":"this must be refused whatever it says"}})");
  EXPECT_EQ(prohibited.status, 403) << prohibited.body;
  EXPECT_NE(prohibited.body.find(R"("code":"purpose_prohibited")"), std::string::npos)
      << prohibited.body;
  // A window over 30 days needs an approval.
  r = Search(
      analyst,
      R"("type":"plate","params":{"plate":"ABC123"},"filters":{"from":"2026-01-01T00:00:00Z"})",
      &status);
  EXPECT_EQ(status, 403) << r;
  EXPECT_NE(r.find(R"("code":"approval_required")"), std::string::npos) << r;
  // Naming an approval that does not exist does not cover it either.
  auto unknown = Call(
      analyst, "POST", "/api/v1/search",
      R"({"type":"plate","params":{"plate":"ABC123"},"filters":{"from":"2026-01-01T00:00:00Z"},"purpose":{"code":"stolen-vehicle","case":"26-1","offense":"auto theft","justification":"an approval that was never given","approval":999}})");
  EXPECT_EQ(unknown.status, 403) << unknown.body;
  EXPECT_NE(unknown.body.find(R"("code":"approval_insufficient")"), std::string::npos)
      << unknown.body;
}

TEST_F(SearchTest, PatternAnalysesNeedTheirOwnPermissionAndExportsComeAsAuditedFiles) {
  const std::string stl = Key("STLPD");
  Post(stl, "STLPD", "market", "r1", "KZ9Q81", 3'600'000);
  Post(stl, "STLPD", "airport", "r2", "KZ9Q81", 3'400'000);  // 20 km in 200 s
  clock_.Advance(std::chrono::seconds(30));
  {
    auto db = catalog::Database::Open(test::CatalogAt(dir_.File("catalog.db")));
    test::AddUser(**db, 1, "officer", "officer");
    test::AddUser(**db, 1, "boss", "supervisor");
  }
  const std::string officer = test::SignIn(running_->client(), clock_, "officer");
  const std::string analyst = test::SignIn(running_->client(), clock_, "analyst");
  const std::string boss = test::SignIn(running_->client(), clock_, "boss");
  // An officer may search reads but not run pattern analyses.
  int status = 0;
  std::string r = Search(officer, R"("type":"route","params":{"plate":"KZ9Q81"})", &status);
  EXPECT_EQ(status, 403) << r;
  EXPECT_NE(r.find("search.patterns"), std::string::npos) << r;
  // An analyst needs a supervisor's approval for the case.
  r = Search(analyst, R"("type":"route","params":{"plate":"KZ9Q81"})", &status);
  EXPECT_EQ(status, 403) << r;
  auto asked = Call(
      analyst, "POST", "/api/v1/approvals",
      R"({"purpose":"stolen-vehicle","case_number":"26-004411","offense":"auto theft","justification":"vehicle taken from a driveway on Market St overnight","max_days":30,"max_agencies":1,"pattern_analysis":true})");
  ASSERT_EQ(asked.status, 201) << asked.body;
  const std::string id = asked.body.substr(6, asked.body.find(',') - 6);
  // The supervisor sees the request waiting; the officer does not see the analyst's.
  auto waiting = Call(boss, "GET", "/api/v1/approvals");
  ASSERT_EQ(waiting.status, 200) << waiting.body;
  EXPECT_NE(waiting.body.find(R"("id":)" + id + R"(,"requested_by":"analyst")"), std::string::npos)
      << waiting.body;
  EXPECT_NE(waiting.body.find(R"("pattern_analysis":true,)"), std::string::npos);
  EXPECT_NE(waiting.body.find(R"("state":"requested")"), std::string::npos) << waiting.body;
  EXPECT_EQ(Call(officer, "GET", "/api/v1/approvals").body, R"({"approvals":[]})");
  ASSERT_EQ(Call(boss, "POST", "/api/v1/approvals/" + id + "/approve").status, 200);
  auto mine = Call(analyst, "GET", "/api/v1/approvals");
  EXPECT_NE(mine.body.find(R"("state":"approved","approved_by":"boss")"), std::string::npos)
      << mine.body;
  auto route = Call(
      analyst, "POST", "/api/v1/search",
      R"({"type":"route","params":{"plate":"KZ9Q81"},"format":"geojson",)" +
          std::string(kPurpose).insert(std::string(kPurpose).size() - 1, R"(,"approval":)" + id) +
          "}");
  ASSERT_EQ(route.status, 200) << route.body;
  EXPECT_EQ(route.Header("Content-Type"), "application/geo+json");
  EXPECT_NE(route.Header("Content-Disposition").find("attachment"), std::string::npos);
  EXPECT_NE(route.body.find(R"("type":"LineString")"), std::string::npos) << route.body;
  EXPECT_NE(route.body.find(R"("impossible":true)"), std::string::npos) << route.body;
  // A CSV export of a plate history.
  auto csv = Call(analyst, "POST", "/api/v1/search",
                  R"({"type":"plate","params":{"plate":"KZ9Q81"},"format":"csv",)" +
                      std::string(kPurpose) + "}");
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_EQ(csv.Header("Content-Type"), "text/csv; charset=utf-8");
  EXPECT_NE(csv.body.find(",STLPD,airport,r2,KZ9Q81,"), std::string::npos) << csv.body;
  auto db = catalog::Database::OpenReadOnly(test::CatalogAt(dir_.File("catalog.db")));
  Result<std::vector<std::string>> exports = (*db)->List<std::string>(
      "SELECT details FROM audit WHERE event = 'search.export' ORDER BY seq",
      [](const catalog::Statement& row) { return row.Text(0); });
  ASSERT_TRUE(exports.ok()) << exports.status().message();
  const std::string all = fmt::format("{}", fmt::join(*exports, " "));
  EXPECT_NE(all.find(R"("type":"route","format":"geojson")"), std::string::npos);
  EXPECT_NE(all.find(R"("type":"plate","format":"csv")"), std::string::npos);
  // A polygon that crosses itself is a 400 naming it.
  r = Search(
      analyst,
      R"("type":"area","params":{"polygon":{"type":"Polygon","coordinates":[[[-90.21,38.62],[-90.19,38.64],[-90.19,38.62],[-90.21,38.64]]]}})",
      &status);
  EXPECT_EQ(status, 400);
  EXPECT_NE(r.find("params.polygon.coordinates[0]: crosses itself"), std::string::npos) << r;
}

TEST_F(SearchTest, NoPublicAnswerNamesAPlateAPersonACaseOrAPlace) {
  // Reads, a search with a case number and a justification, and a resident
  // request's worth of people in the catalog; then every public route.
  const std::string stl = Key("STLPD");
  Post(stl, "STLPD", "market", "a1", "KZ9Q81", 3'600'000, R"(,"vehicle":{"make":"TOYT"})");
  clock_.Advance(std::chrono::seconds(30));
  const std::string analyst = test::SignIn(running_->client(), clock_, "analyst");
  int status = 0;
  Search(analyst, R"("type":"plate","params":{"plate":"KZ9Q81"})", &status);
  ASSERT_EQ(status, 200);
  clock_.Advance(std::chrono::seconds(2));  // the read counts are written each second
  std::size_t checked = 0;
  for (const http::Route& route : running_->service().router().routes()) {
    if (!route.access.is_public() || route.method != "GET" ||
        route.pattern.find('{') != std::string::npos)
      continue;
    auto r = Call("", "GET", route.pattern);
    ++checked;
    for (const char* secret :
         {"KZ9Q81", "26-004411", "Market St", "driveway", "analyst", "admin1", "MO0950000"}) {
      EXPECT_EQ(r.body.find(secret), std::string::npos)
          << route.pattern << " names " << secret << ": " << r.body.substr(0, 400);
    }
  }
  EXPECT_GE(checked, 4u);  // /healthz, /metrics, the banner, the report, the console's pages
  // The report did see the one search, and publishes it suppressed (1 < 5).
  const std::string report = Call("", "GET", "/api/v1/transparency").body;
  EXPECT_NE(report.find(R"("searches":null,"searches_by_purpose":{"stolen-vehicle":null})"),
            std::string::npos)
      << report.substr(0, 600);
}

}  // namespace
}  // namespace interdict::server
