// Outcome evaluation over real HTTP (docs/outcomes.md): a supervisor makes a
// dataset from incident files (kept as monthly counts, bad lines named),
// evaluates a claim, saves it; an administrator publishes it to the public
// transparency page with its printable report. Each act is audited.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <fmt/core.h>

#include "base/json.h"
#include "http/client.h"
#include "outcomes/series.h"
#include "support/accounts.h"
#include "support/catalog.h"
#include "support/fixtures.h"
#include "support/running_service.h"
#include "support/temp_dir.h"
#include "unit/outcomes/simulated.h"

namespace interdict::server {
namespace {

class OutcomesApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = test::MigratedCatalog(dir_.File("catalog.db"));
    ASSERT_TRUE(db);
    test::AddAgency(*db, "STLPD", "US-MO", "local", "St. Louis PD");
    test::AddUser(*db, 1, "admin", "administrator");
    test::AddUser(*db, 1, "sup", "supervisor");
    test::AddUser(*db, 1, "auditor", "auditor");
    test::AddAgency(*db, "SLCPD", "US-MO", "county", "St. Louis County PD");
    test::AddUser(*db, 2, "county", "supervisor");
    running_ = std::make_unique<test::RunningService>(dir_.path(), log_, clock_);
  }
  std::string SignIn(const std::string& user) {
    clock_.Advance(std::chrono::seconds(30));
    return test::SignIn(running_->client(), clock_, user);
  }
  http::ClientResponse Call(const std::string& token, const std::string& method,
                            const std::string& path, const std::string& body = "",
                            const std::string& type = "application/json") {
    return test::Call(running_->client(), token, method, path, body, type);
  }
  static rapidjson::Document Json(const http::ClientResponse& r) {
    rapidjson::Document d;
    EXPECT_TRUE(json::Parse(r.body, &d).ok()) << r.body;
    return d;
  }
  // A simulated city's monthly counts of robbery in neighbourhoods 1–30
  // (the first three down a quarter from 2015-01) as the generic CSV, and a
  // line spoiled on purpose.
  static std::string Counts() {
    outcomes::test::Simulation s{.effect = std::log(0.75), .first = 2010 * 12};
    const outcomes::Panel p = outcomes::test::Simulate(s, 7);
    std::string csv = "date,offense,area,count\n";
    for (int a = 0; a < static_cast<int>(p.areas.size()); ++a)
      for (int t = 0; t < p.months; ++t)
        csv += fmt::format("{},robbery,{},{}\n", outcomes::FormatMonth(p.first + t),
                           p.areas[static_cast<std::size_t>(a)], p.At(a, t));
    return csv + "2015-13,robbery,4,2\n";
  }

  test::TempDir dir_;
  FakeClock clock_{1'800'000'000'000};
  Logger log_{[](std::string_view) {}, clock_};
  std::unique_ptr<test::RunningService> running_;
};

TEST_F(OutcomesApiTest, ASupervisorEvaluatesAClaimAndAnAdministratorPublishesIt) {
  const std::string sup = SignIn("sup");
  http::ClientResponse made =
      Call(sup, "POST", "/api/v1/outcomes/datasets",
           R"({"name":"Simulated city","source":"simulated for the test","format":"csv"})");
  ASSERT_EQ(made.status, 201) << made.body;
  const std::int64_t id = Json(made)["id"].GetInt64();
  // A file: its counts kept, its bad line named by line and field.
  http::ClientResponse file =
      Call(sup, "POST", fmt::format("/api/v1/outcomes/datasets/{}/files?name=counts.csv", id),
           Counts(), "text/csv");
  ASSERT_EQ(file.status, 200) << file.body;
  const rapidjson::Document report = Json(file);
  EXPECT_EQ(report["errors"].GetInt(), 1);
  EXPECT_EQ(report["first_errors"][0]["line"].GetInt(), 2522);
  EXPECT_STREQ(report["first_errors"][0]["field"].GetString(), "date");
  EXPECT_STREQ(report["dataset"]["first_month"].GetString(), "2010-01");
  EXPECT_STREQ(report["dataset"]["last_month"].GetString(), "2016-12");
  EXPECT_STREQ(report["dataset"]["categories"][0]["category"].GetString(), "robbery");
  // A file that is not the format is refused whole, naming what is missing.
  http::ClientResponse wrong =
      Call(sup, "POST", fmt::format("/api/v1/outcomes/datasets/{}/files?name=x.csv", id),
           "when,what\n2015-01,x\n", "text/csv");
  EXPECT_EQ(wrong.status, 400);
  EXPECT_NE(wrong.body.find("missing date, offense, area"), std::string::npos) << wrong.body;

  // The claim: robbery down 40 % in neighbourhoods 1–3 from 2015-01.
  const std::string claim = fmt::format(
      R"({{"dataset":{},"category":"robbery","areas":["1","2","Holly Hills"],"start":"2015-01","claimed_pct":-40}})",
      id);
  http::ClientResponse answer = Call(sup, "POST", "/api/v1/outcomes/evaluate", claim);
  ASSERT_EQ(answer.status, 200) << answer.body;
  const rapidjson::Document e = Json(answer);
  EXPECT_TRUE(e["naive_change_pct"].IsNumber());
  ASSERT_GE(e["estimates"].Size(), 3u);
  EXPECT_STREQ(e["estimates"][0]["method"].GetString(), "its");
  EXPECT_STREQ(e["areas"][2]["id"].GetString(), "3") << "a neighbourhood named";
  EXPECT_STREQ(e["areas"][2]["name"].GetString(), "Holly Hills");
  EXPECT_GT(e["ring"].Size(), 0u) << "neighbours of Carondelet, Patch and Holly Hills";
  EXPECT_STREQ(e["dataset"]["source"].GetString(), "simulated for the test");
  EXPECT_EQ(e["outputs"].Size(), e["charts"]["months"].Size());
  const std::string verdict = e["verdict"].GetString();
  EXPECT_TRUE(verdict == "consistent" || verdict == "smaller") << answer.body;

  // Saved: the server's own answer, whatever a client might send.
  http::ClientResponse saved =
      Call(sup, "POST", "/api/v1/outcomes/evaluations",
           claim.substr(0, claim.size() - 1) + R"(,"title":"Robbery, south side","result":{}})");
  ASSERT_EQ(saved.status, 201) << saved.body;
  const rapidjson::Document s = Json(saved);
  const std::int64_t eval = s["id"].GetInt64();
  EXPECT_STREQ(s["result"]["verdict"].GetString(), verdict.c_str());
  EXPECT_TRUE(s["published_at"].IsNull());
  // Not on the public page until an administrator publishes it.
  const auto published = [&] {
    return Json(*running_->client().Send("GET", "/api/v1/transparency/evaluations", "", {}));
  };
  EXPECT_EQ(published()["evaluations"].Size(), 0u);
  EXPECT_EQ(
      running_->client()
          .Send("GET", fmt::format("/api/v1/transparency/evaluations/{}/report", eval), "", {})
          ->status,
      404);
  const std::string admin = SignIn("admin");
  ASSERT_EQ(
      Call(admin, "POST", fmt::format("/api/v1/outcomes/evaluations/{}/publish", eval)).status,
      200);
  ASSERT_EQ(published()["evaluations"].Size(), 1u);
  EXPECT_STREQ(published()["evaluations"][0]["title"].GetString(), "Robbery, south side");
  EXPECT_FALSE(published()["evaluations"][0].HasMember("created_by"))
      << "the public page names the agency, never a person";
  Result<http::ClientResponse> page = running_->client().Send(
      "GET", fmt::format("/api/v1/transparency/evaluations/{}/report", eval), "", {});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->Header("Content-Type").find("text/html"), std::string_view::npos);
  EXPECT_NE(page->Header("Content-Security-Policy").find("default-src 'none'"),
            std::string_view::npos);
  EXPECT_NE(page->body.find("Robbery, south side"), std::string::npos);
  EXPECT_NE(page->body.find("<svg"), std::string::npos) << "the charts";
  EXPECT_EQ(page->body.find("<script"), std::string::npos);
  EXPECT_NE(page->body.find("Evaluated by STLPD on"), std::string::npos);
  EXPECT_EQ(page->body.find("sup of STLPD"), std::string::npos) << "no person on the public page";
  ASSERT_EQ(
      Call(admin, "POST", fmt::format("/api/v1/outcomes/evaluations/{}/unpublish", eval)).status,
      200);
  EXPECT_EQ(published()["evaluations"].Size(), 0u);

  // An auditor reads it; deleting the dataset keeps the evaluation's answer.
  const std::string auditor = SignIn("auditor");
  EXPECT_EQ(
      Call(auditor, "GET", fmt::format("/api/v1/outcomes/evaluations/{}/report", eval)).status,
      200);
  ASSERT_EQ(Call(sup, "DELETE", fmt::format("/api/v1/outcomes/datasets/{}", id)).status, 204);
  const rapidjson::Document kept =
      Json(Call(auditor, "GET", fmt::format("/api/v1/outcomes/evaluations/{}", eval)));
  EXPECT_TRUE(kept["dataset"].IsNull());
  EXPECT_STREQ(kept["dataset_name"].GetString(), "Simulated city");

  // Every act is in the audit trail.
  const std::string audit = Call(admin, "GET", "/api/v1/audit?limit=200").body;
  for (const char* event : {"outcomes.dataset", "outcomes.evaluate", "outcomes.save",
                            "outcomes.publish", "outcomes.unpublish"})
    EXPECT_NE(audit.find(fmt::format("\"{}\"", event)), std::string::npos) << event;
}

TEST_F(OutcomesApiTest, BadClaimsAreRefusedNamingTheField) {
  const std::string sup = SignIn("sup");
  ASSERT_EQ(Call(sup, "POST", "/api/v1/outcomes/datasets",
                 R"({"name":"Empty","source":"nothing yet","format":"csv"})")
                .status,
            201);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"category":"robbery","areas":["1"],"start":"2015-01"})", "dataset"},
      {R"({"dataset":1,"areas":["1"],"start":"2015-01"})", "category"},
      {R"({"dataset":1,"category":"robbery","start":"2015-01"})", "areas"},
      {R"({"dataset":1,"category":"robbery","areas":[],"start":"2015-01"})", "areas"},
      {R"({"dataset":1,"category":"robbery","areas":["1"],"start":"2015-13"})", "start"},
      {R"({"dataset":1,"category":"robbery","areas":["1"],"start":"2015-01","claimed_pct":-120})",
       "claimed_pct"},
      {R"({"dataset":1,"category":"robbery","areas":["1"],"start":"2015-01","pre_months":0})",
       "pre_months"},
      {R"({"dataset":1,"category":"robbery","areas":[1],"start":"2015-01"})", "areas"},
  };
  for (const auto& [body, field] : cases) {
    http::ClientResponse r = Call(sup, "POST", "/api/v1/outcomes/evaluate", body);
    EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
    EXPECT_NE(r.body.find(field), std::string::npos) << body << " -> " << r.body;
  }
  http::ClientResponse empty =
      Call(sup, "POST", "/api/v1/outcomes/evaluate",
           R"({"dataset":1,"category":"robbery","areas":["1"],"start":"2015-01"})");
  EXPECT_EQ(empty.status, 409) << empty.body;
  EXPECT_NE(empty.body.find("no files yet"), std::string::npos) << empty.body;
  EXPECT_EQ(Call(sup, "POST", "/api/v1/outcomes/evaluate",
                 R"({"dataset":99,"category":"robbery","areas":["1"],"start":"2015-01"})")
                .status,
            404);
  http::ClientResponse twice = Call(sup, "POST", "/api/v1/outcomes/datasets",
                                    R"({"name":"Empty","source":"again","format":"csv"})");
  EXPECT_EQ(twice.status, 409) << twice.body;
}

TEST_F(OutcomesApiTest, OnlyTheAgencyThatMadeADatasetChangesItAndEveryAgencyReadsIt) {
  const std::string sup = SignIn("sup"), county = SignIn("county");
  http::ClientResponse made = Call(sup, "POST", "/api/v1/outcomes/datasets",
                                   R"({"name":"City","source":"the city's files","format":"csv"})");
  ASSERT_EQ(made.status, 201) << made.body;
  const std::int64_t id = Json(made)["id"].GetInt64();
  const std::string files = fmt::format("/api/v1/outcomes/datasets/{}/files?name=x.csv", id);
  EXPECT_EQ(
      Call(county, "POST", files, "date,offense,area\n2015-01,robbery,1\n", "text/csv").status,
      404);
  EXPECT_EQ(Call(county, "DELETE", fmt::format("/api/v1/outcomes/datasets/{}", id)).status, 404);
  EXPECT_EQ(Call(county, "GET", fmt::format("/api/v1/outcomes/datasets/{}", id)).status, 200)
      << "public statistics: every agency reads them";
  EXPECT_EQ(Call(sup, "POST", files, "date,offense,area\n2015-01,robbery,1\n", "text/csv").status,
            200);
  EXPECT_EQ(Call(sup, "DELETE", fmt::format("/api/v1/outcomes/datasets/{}", id)).status, 204);
}

}  // namespace
}  // namespace interdict::server
