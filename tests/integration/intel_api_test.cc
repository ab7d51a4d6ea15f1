// Deconfliction over real HTTP (docs/format/intel.md): two agencies'
// conflicting operations reach both alert streams with only whom to call,
// matching targets tell both case owners, and a read of a target plate is a
// notice to the case owner, not a hit.
#include <gtest/gtest.h>

#include <fmt/core.h>

#include "base/time_format.h"
#include "http/client.h"
#include "identity/keys.h"
#include "support/accounts.h"
#include "support/catalog.h"
#include "support/fixtures.h"
#include "support/running_service.h"
#include "support/sse_client.h"
#include "support/temp_dir.h"

namespace interdict::server {
namespace {

// STLPD (1) and SLCPD (2) deconflict both ways; MSHP (3) with no one.
class IntelApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = test::MigratedCatalog(dir_.File("catalog.db"));
    ASSERT_TRUE(db);
    test::AddAgency(*db, "STLPD", "US-MO", "local", "St. Louis PD");
    test::AddAgency(*db, "SLCPD", "US-MO", "county", "St. Louis County PD");
    test::AddAgency(*db, "MSHP", "US-MO", "state", "Missouri State Highway Patrol");
    test::AddAgreement(*db, 1, 2, "deconfliction");
    test::AddAgreement(*db, 2, 1, "deconfliction");
    test::AddUser(*db, 1, "admin", "administrator");
    test::AddUser(*db, 1, "sup", "supervisor");
    test::AddUser(*db, 1, "officer", "officer");
    test::AddUser(*db, 2, "county", "officer");
    test::AddUser(*db, 3, "trooper", "officer");
    identity::Accounts accounts(*db, {});
    Result<identity::NewKey> key = identity::CreateKey(
        *db, *accounts.UserPrincipal(1), {"camera feed", {"reads.ingest"}, std::nullopt}, 0);
    ASSERT_TRUE(key.ok()) << key.status().message();
    key_ = key->key;
    running_ = std::make_unique<test::RunningService>(dir_.path(), log_, clock_, tune_);
  }

  std::string SignIn(const std::string& user) {
    clock_.Advance(std::chrono::seconds(30));  // a fresh TOTP step for every sign-in
    return test::SignIn(running_->client(), clock_, user);
  }
  http::ClientResponse Call(const std::string& token, const std::string& method,
                            const std::string& path, const std::string& body = "") {
    return test::Call(running_->client(), token, method, path, body, "application/json");
  }
  // An operation at (lat, lon) from `start_h` to `end_h` hours after now.
  std::string Operation(const std::string& kind, const std::string& case_number,
                        const std::string& contact, const std::string& phone, double lat,
                        double lon, int start_h, int end_h) {
    const std::int64_t now = clock_.NowMillis();
    return fmt::format(
        R"j({{"kind":"{}","case_number":"{}","title":"title of {}","contact_name":"{}","contact_phone":"{}","starts_at":"{}","ends_at":"{}","area":"POINT({} {})","radius_m":100}})j",
        kind, case_number, case_number, contact, phone, FormatRfc3339(now + start_h * 3'600'000LL),
        FormatRfc3339(now + end_h * 3'600'000LL), lon, lat);
  }

  test::TempDir dir_;
  FakeClock clock_{1'800'000'000'000};
  Logger log_{[](std::string_view) {}, clock_};
  std::function<void(config::Config&)> tune_;
  std::unique_ptr<test::RunningService> running_;
  std::string key_;
};

TEST_F(IntelApiTest, TwoAgenciesConflictingOperationsReachBothStreamsWithOnlyWhomToCall) {
  const std::string officer = SignIn("officer"), county = SignIn("county");
  const std::string trooper = SignIn("trooper");
  test::SseClient city_stream(running_->port(), "/api/v1/alerts/stream", officer);
  test::SseClient county_stream(running_->port(), "/api/v1/alerts/stream", county);
  test::SseClient state_stream(running_->port(), "/api/v1/alerts/stream", trooper);
  ASSERT_TRUE(city_stream.WaitFor(": connected"));
  ASSERT_TRUE(county_stream.WaitFor(": connected"));
  ASSERT_TRUE(state_stream.WaitFor(": connected"));

  auto raid = Call(
      officer, "POST", "/api/v1/operations",
      Operation("raid", "STL-26-0417", "Sgt. Ortiz", "(314) 622-4000", 38.6500, -90.3000, 1, 3));
  ASSERT_EQ(raid.status, 201) << raid.body;
  EXPECT_NE(raid.body.find(R"("conflicts":[])"), std::string::npos) << raid.body;
  // MSHP at the same door: it deconflicts with no one.
  auto state =
      Call(trooper, "POST", "/api/v1/operations",
           Operation("surveillance", "MS-1", "Tpr. Hale", "314-340-4000", 38.6500, -90.3000, 0, 4));
  ASSERT_EQ(state.status, 201) << state.body;
  EXPECT_NE(state.body.find(R"("conflicts":[])"), std::string::npos) << state.body;

  auto buy = Call(county, "POST", "/api/v1/operations",
                  Operation("controlled_buy", "SLC-77-1203", "Det. Kim", "314.615.5000", 38.6520,
                            -90.3000, 2, 5));
  ASSERT_EQ(buy.status, 201) << buy.body;
  EXPECT_NE(
      buy.body.find(
          R"("other":{"agency":"STLPD","agency_name":"St. Louis PD","contact_name":"Sgt. Ortiz","contact_phone":"+13146224000","kind":"raid"})"),
      std::string::npos)
      << buy.body;

  ASSERT_TRUE(city_stream.WaitFor("event: conflict", std::chrono::seconds(10)))
      << city_stream.received();
  ASSERT_TRUE(city_stream.WaitFor("\n\n"));
  EXPECT_NE(city_stream.received().find(R"("contact_name":"Det. Kim")"), std::string::npos);
  EXPECT_NE(city_stream.received().find(R"("kind":"controlled_buy")"), std::string::npos);
  EXPECT_EQ(city_stream.received().find("SLC-77-1203"), std::string::npos) << "not the case";
  EXPECT_EQ(city_stream.received().find("title of"), std::string::npos);
  ASSERT_TRUE(county_stream.WaitFor("event: conflict", std::chrono::seconds(10)));
  EXPECT_FALSE(state_stream.WaitFor("event: conflict", std::chrono::milliseconds(300)));

  // Both sides answer; the conflict closes.
  auto listed = Call(officer, "GET", "/api/v1/conflicts?open=true");
  ASSERT_EQ(listed.status, 200);
  EXPECT_NE(listed.body.find(R"("id":1,"kind":"operation")"), std::string::npos) << listed.body;
  EXPECT_EQ(
      Call(trooper, "POST", "/api/v1/conflicts/1/resolve", R"({"resolution":"proceed"})").status,
      404);
  EXPECT_EQ(
      Call(officer, "POST", "/api/v1/conflicts/1/resolve", R"({"resolution":"joint"})").status,
      200);
  auto closed = Call(county, "POST", "/api/v1/conflicts/1/resolve",
                     R"({"resolution":"joint","note":"one team"})");
  ASSERT_EQ(closed.status, 200) << closed.body;
  EXPECT_EQ(closed.body.find(R"("closed_at":null)"), std::string::npos) << closed.body;
  auto notices = Call(officer, "GET", "/api/v1/notices");
  EXPECT_NE(notices.body.find("Deconfliction: your operation 1"), std::string::npos)
      << notices.body;
  // The watch view is a supervisor's.
  EXPECT_EQ(Call(officer, "GET", "/api/v1/conflicts/watch").status, 403);
  EXPECT_EQ(Call(SignIn("sup"), "GET", "/api/v1/conflicts/watch").status, 200);
}

TEST_F(IntelApiTest, ATargetPlateReadIsANoticeToTheCaseOwnerAndNotAHit) {
  const std::string admin = SignIn("admin"), officer = SignIn("officer"), county = SignIn("county");
  ASSERT_EQ(Call(admin, "POST", "/api/v1/cameras", R"({"code":"cam1","name":"Market St"})").status,
            201);
  auto target = Call(
      officer, "POST", "/api/v1/targets",
      R"({"kind":"plate","value":"kz9q81","case_number":"STL-26-0417","contact_name":"Sgt. Ortiz","contact_phone":"314-622-4000"})");
  ASSERT_EQ(target.status, 201) << target.body;
  EXPECT_NE(target.body.find(R"("value":"KZ9Q81")"), std::string::npos) << target.body;
  // SLCPD works the same plate: both case owners learn whom to call.
  auto other = Call(
      county, "POST", "/api/v1/targets",
      R"({"kind":"plate","value":"KZ9081","case_number":"SLC-1","contact_name":"Det. Kim","contact_phone":"314-615-5000"})");
  ASSERT_EQ(other.status, 201) << other.body;
  EXPECT_NE(other.body.find(R"("contact_name":"Sgt. Ortiz")"), std::string::npos) << other.body;
  EXPECT_EQ(other.body.find("STL-26-0417"), std::string::npos) << other.body;

  test::SseClient city_stream(running_->port(), "/api/v1/alerts/stream", officer);
  test::SseClient county_stream(running_->port(), "/api/v1/alerts/stream", county);
  ASSERT_TRUE(city_stream.WaitFor(": connected"));
  ASSERT_TRUE(county_stream.WaitFor(": connected"));
  const std::string read =
      fmt::format(R"([{{"id":"r1","agency":"STLPD","camera":"cam1","time":{},"plate":"KZ9Q81"}}])",
                  clock_.NowMillis());
  auto sent = Call(key_, "POST", "/api/v1/reads", read);
  ASSERT_EQ(sent.status, 200) << sent.body;
  EXPECT_NE(sent.body.find(R"("hits":0)"), std::string::npos) << "a target is not a hotlist";
  ASSERT_TRUE(city_stream.WaitFor("event: target", std::chrono::seconds(10)))
      << city_stream.received();
  ASSERT_TRUE(city_stream.WaitFor("\n\n"));
  EXPECT_NE(city_stream.received().find(R"("case":"STL-26-0417","plate":"KZ9Q81")"),
            std::string::npos)
      << city_stream.received();
  // SLCPD may not see STLPD's reads (no reads agreement): told nothing.
  EXPECT_FALSE(county_stream.WaitFor("event: target", std::chrono::milliseconds(500)));
  EXPECT_NE(Call(officer, "GET", "/api/v1/notices").body.find("Target plate KZ9Q81"),
            std::string::npos);
  EXPECT_NE(Call(officer, "GET", "/api/v1/hits").body.find(R"("hits":[])"), std::string::npos);

  // Removed: the next read tells no one.
  ASSERT_EQ(Call(officer, "POST", "/api/v1/targets/1/remove").status, 200);
  ASSERT_EQ(
      Call(key_, "POST", "/api/v1/reads",
           fmt::format(
               R"([{{"id":"r2","agency":"STLPD","camera":"cam1","time":{},"plate":"KZ9Q81"}}])",
               clock_.NowMillis() + 1000))
          .status,
      200);
  EXPECT_FALSE(city_stream.WaitFor("nothing more", std::chrono::milliseconds(500)));
  const std::string& seen = city_stream.received();
  EXPECT_EQ(seen.find("event: target"), seen.rfind("event: target")) << "one notice, not two";
}

TEST_F(IntelApiTest, APlateBoloHitsOnceApprovedAndAVehicleBoloCollectsWeakMatches) {
  const std::string admin = SignIn("admin"), sup = SignIn("sup"), officer = SignIn("officer");
  ASSERT_EQ(Call(admin, "POST", "/api/v1/cameras", R"({"code":"cam1","name":"Market St"})").status,
            201);
  auto plate = Call(
      sup, "POST", "/api/v1/bolos",
      R"({"kind":"stolen_vehicle","narrative":"Carjacked on Delmar at 21:40","plate":"KZ9Q81","plate_state":"MO","make":"Toyota","color":"white","contact_name":"Det. Ruiz","contact_phone":"314-622-4100"})");
  ASSERT_EQ(plate.status, 201) << plate.body;
  EXPECT_NE(plate.body.find(R"("plate_alert":"pending")"), std::string::npos) << plate.body;
  auto vehicle = Call(
      sup, "POST", "/api/v1/bolos",
      R"({"kind":"wanted_person","narrative":"Robbery suspects fled in a blue Honda CR-V","make":"Honda","color":"blue","body":"SUV","person":"two men, twenties","contact_name":"Det. Ruiz","contact_phone":"314-622-4100","audience":["SLCPD"]})");
  ASSERT_EQ(vehicle.status, 201) << vehicle.body;
  const std::string time = std::to_string(clock_.NowMillis());
  auto read = [&](const std::string& id, const std::string& plate_text, const std::string& v) {
    return Call(key_, "POST", "/api/v1/reads",
                R"([{"id":")" + id + R"(","agency":"STLPD","camera":"cam1","time":)" + time +
                    R"(,"plate":")" + plate_text + R"(","state":"MO")" + v + "}]");
  };
  // Pending: the plate passes, no hit.
  auto before = read("r1", "KZ9Q81", "");
  ASSERT_EQ(before.status, 200) << before.body;
  EXPECT_NE(before.body.find(R"("hits":0)"), std::string::npos) << before.body;
  // Another person approves the BOLO's list entry: the next read is a hit.
  auto bolo = Call(officer, "GET", "/api/v1/bolos?plate=KZ9081");
  ASSERT_EQ(bolo.status, 200);
  const std::size_t at = bolo.body.find(R"("list":)");
  ASSERT_NE(at, std::string::npos) << bolo.body;
  const std::string list = bolo.body.substr(at + 7, bolo.body.find(',', at) - at - 7);
  ASSERT_EQ(Call(admin, "POST", "/api/v1/hotlists/" + list + "/approve").status, 200);
  auto after = read("r2", "KZ9Q81", "");
  EXPECT_NE(after.body.find(R"("hits":1)"), std::string::npos) << after.body;

  // A blue Honda SUV as the vendor codes it: a weak match, never a hit.
  auto weak = read("r3", "ZZZ111",
                   R"(,"vehicle":{"make":"HOND","model":"CR-V","color":"BLU","body":"UT"})");
  EXPECT_NE(weak.body.find(R"("hits":0)"), std::string::npos) << weak.body;
  read("r4", "ZZZ222", R"(,"vehicle":{"make":"HOND","model":"CIVIC","color":"RED","body":"4D"})");
  auto listed = Call(officer, "GET", "/api/v1/bolos/2");
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_NE(listed.body.find(R"("sightings":[{"agency":"STLPD","camera":"cam1","plate":"ZZZ111")"),
            std::string::npos)
      << listed.body;
  EXPECT_EQ(listed.body.find("ZZZ222"), std::string::npos) << "a red Civic is not a blue SUV";
  // SLCPD is addressed, but STLPD shares no BOLOs with it.
  EXPECT_EQ(Call(SignIn("county"), "GET", "/api/v1/bolos/2").status, 404);
}

TEST_F(IntelApiTest, BadRequestsGetAJsonErrorNamingTheField) {
  const std::string officer = SignIn("officer");
  for (const auto& [body, field] : std::vector<std::pair<std::string, std::string>>{
           {"{", "body"},
           {R"({"kind":"raid"})", "case_number"},
           {Operation("raid", "", "Sgt. Ortiz", "3146224000", 38.65, -90.3, 1, 2), "case_number"},
           {Operation("raid", "1", "Sgt. Ortiz", "12", 38.65, -90.3, 1, 2), "contact_phone"},
           {Operation("raid", "1", "Sgt. Ortiz", "3146224000", 98.65, -90.3, 1, 2), "area"},
           {Operation("raid", "1", "Sgt. Ortiz", "3146224000", 38.65, -90.3, 1, 400), "ends_at"}}) {
    auto r = Call(officer, "POST", "/api/v1/operations", body);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_NE(r.body.find(R"("message":")" + field), std::string::npos) << r.body;
  }
  auto t = Call(
      officer, "POST", "/api/v1/targets",
      R"({"kind":"person","value":"William Smith","dob":"1980-13-01","case_number":"1","contact_name":"A","contact_phone":"3146224000"})");
  EXPECT_EQ(t.status, 400);
  EXPECT_NE(t.body.find(R"("message":"dob)"), std::string::npos) << t.body;
}

}  // namespace
}  // namespace interdict::server
