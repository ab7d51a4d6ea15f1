// Ingest, hotlists and hits end to end through the real server: a camera key
// posts reads, an NCIC extract is loaded, matching reads raise hits that the
// right agencies see, and an officer works a hit to its outcome.
#include <gtest/gtest.h>

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

#include "alerting/webhooks.h"
#include "base/time_format.h"
#include "crypto/keyring.h"
#include "http/client.h"
#include "identity/accounts.h"
#include "identity/keys.h"
#include "store/store.h"
#include "support/accounts.h"
#include "support/catalog.h"
#include "support/fixtures.h"
#include "support/http_receiver.h"
#include "support/running_service.h"
#include "support/sse_client.h"
#include "support/temp_dir.h"

namespace interdict::server {
namespace {

std::string ReadFileText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

const std::string kHotlists = std::string(INTERDICT_SOURCE_DIR) + "/tests/data/hotlists/";

class IngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = test::MigratedCatalog(dir_.File("catalog.db"));
    ASSERT_TRUE(db);
    test::AddAgency(*db, "STLPD", "US-MO", "local", "St. Louis PD");
    test::AddAgency(*db, "SLCPD", "US-MO", "county", "St. Louis County PD");
    test::AddAgency(*db, "MSHP", "US-MO", "state", "Missouri State Highway Patrol");
    test::AddUser(*db, 1, "admin", "administrator");
    test::AddUser(*db, 1, "sup", "supervisor");
    test::AddUser(*db, 1, "officer", "officer");
    test::AddUser(*db, 2, "county", "officer");
    test::AddUser(*db, 3, "trooper", "officer");
    identity::Accounts accounts(*db, {});
    Result<identity::NewKey> key =
        identity::CreateKey(*db, *accounts.UserPrincipal(1),
                            {"camera feed", {"reads.ingest", "hotlists.load"}, std::nullopt}, 0);
    ASSERT_TRUE(key.ok()) << key.status().message();
    key_ = key->key;
    running_ = std::make_unique<test::RunningService>(dir_.path(), log_, clock_, tune_);
    admin_ = SignIn("admin");
  }

  std::string SignIn(const std::string& user) {
    clock_.Advance(std::chrono::seconds(30));  // a fresh TOTP step for every sign-in
    return test::SignIn(running_->client(), clock_, user);
  }

  http::ClientResponse Call(const std::string& token, const std::string& method,
                            const std::string& path, const std::string& body = "",
                            const std::string& content_type = "application/json") {
    return test::Call(running_->client(), token, method, path, body, content_type);
  }

  // A camera, an NCIC list loaded from the sample extract, V and P enabled.
  void SetUpStlpd() {
    // The supervisor who will approve the files, signed in first so that the
    // list is fresh (age 0) when the tests read.
    const std::string sup = SignIn("sup");
    ASSERT_EQ(
        Call(admin_, "POST", "/api/v1/cameras", R"({"code":"cam1","name":"Market St"})").status,
        201);
    auto created =
        Call(admin_, "POST", "/api/v1/hotlists",
             R"({"name":"NCIC extract","kind":"ncic","priority":1,"audience":["SLCPD","MSHP"]})");
    ASSERT_EQ(created.status, 201) << created.body;
    auto loaded = Call(key_, "PUT", "/api/v1/hotlists/1/entries?format=ncic",
                       ReadFileText(kHotlists + "ncic-extract.txt"), "text/plain");
    ASSERT_EQ(loaded.status, 200) << loaded.body;
    EXPECT_NE(loaded.body.find(R"("active":7)"), std::string::npos) << loaded.body;
    // Two people turn the files on: the administrator asks, a supervisor approves.
    auto asked = Call(admin_, "POST", "/api/v1/hotlist-kinds", R"({"enable":["V","P","A","W"]})");
    ASSERT_EQ(asked.status, 202) << asked.body;
    for (int id = 1; id <= 4; ++id) {
      ASSERT_EQ(
          Call(sup, "POST", fmt::format("/api/v1/hotlist-kinds/requests/{}/approve", id)).status,
          200);
    }
  }

  // The webhook list once it contains `want` (the sender records an
  // attempt's outcome just after the receiver has seen it), or after 10 s.
  std::string WebhooksOnce(const std::string& want) {
    std::string body;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      body = Call(admin_, "GET", "/api/v1/webhooks").body;
      if (body.find(want) != std::string::npos) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return body;
  }

  std::string Read(const std::string& id, const std::string& plate, const std::string& state,
                   std::int64_t time) {
    return R"({"id":")" + id + R"(","agency":"STLPD","camera":"cam1","time":)" +
           std::to_string(time) + R"(,"plate":")" + plate + R"(")" +
           (state.empty() ? "" : R"(,"state":")" + state + R"(")") + "}";
  }

  test::TempDir dir_;
  FakeClock clock_{1'800'000'000'000};
  Logger log_{[](std::string_view l) {
                if (getenv("TEST_LOG"))
                  fprintf(stderr, "%.*s\n", static_cast<int>(l.size()), l.data());
              },
              clock_};
  std::function<void(config::Config&)> tune_;
  std::unique_ptr<test::RunningService> running_;
  std::string key_, admin_;
};

TEST_F(IngestTest, MatchingReadsRaiseHitsAndOthersDoNot) {
  SetUpStlpd();
  const std::int64_t now = clock_.NowMillis();
  const std::string batch = Read("r1", "KZ9Q81", "MO", now) + "\n" +    // exact (V)
                            Read("r2", "KZ9O81", "MO", now) + "\n" +    // Q read as O
                            Read("r3", "CV83211", "MO", now) + "\n" +   // listed in IL
                            Read("r4", "IMM1234", "MO", now) + "\n" +   // I file: not enabled
                            Read("r5", "RT5501", "", now) + "\n" +      // plate only (P)
                            Read("r6", "NOTLISTED", "MO", now) + "\n";  // nothing
  auto r = Call(key_, "POST", "/api/v1/reads", batch, "application/x-ndjson");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body,
            R"({"accepted":6,"duplicates":0,"expired":0,"backfill":0,"hits":3,"rejected":[]})");

  const std::string officer = SignIn("officer");
  auto hits = Call(officer, "GET", "/api/v1/hits");
  ASSERT_EQ(hits.status, 200) << hits.body;
  EXPECT_NE(hits.body.find(R"("plate":"KZ9Q81","match":"exact","approximate":false,"score":1.0)"),
            std::string::npos)
      << hits.body;
  EXPECT_NE(
      hits.body.find(R"("plate":"KZ9O81","match":"lookalike","approximate":true,"score":0.8)"),
      std::string::npos)
      << hits.body;
  EXPECT_NE(hits.body.find(R"("plate":"RT5501","match":"plate_only")"), std::string::npos)
      << hits.body;
  EXPECT_EQ(hits.body.find("CV83211"), std::string::npos) << "wrong state must not hit";
  EXPECT_EQ(hits.body.find("IMM1234"), std::string::npos) << "a file STLPD has not enabled";
  // Every hit shows its list's age.
  EXPECT_NE(hits.body.find(R"("age_s":0,"stale":false)"), std::string::npos) << hits.body;

  // The listed vehicle and the one read side by side, mismatches marked.
  r = Call(key_, "POST", "/api/v1/reads",
           R"([{"id":"v1","agency":"STLPD","camera":"cam1","time":)" + std::to_string(now) +
               R"(,"plate":"KZ9Q81","state":"MO","vehicle":{"make":"toyt","color":"RED"}}])");
  ASSERT_EQ(r.status, 200) << r.body;
  hits = Call(officer, "GET", "/api/v1/hits?before=100");
  EXPECT_NE(
      hits.body.find(R"("comparison":[{"field":"make","read":"toyt","listed":"TOYT","same":true},)"
                     R"({"field":"color","read":"RED","listed":"WHI/BLK","same":false}])"),
      std::string::npos)
      << hits.body;

  // Abbreviated NCIC models and two-tone colours are the same vehicle.
  r = Call(
      key_, "POST", "/api/v1/reads",
      R"([{"id":"v2","agency":"STLPD","camera":"cam1","time":)" + std::to_string(now) +
          R"(,"plate":"KZ9Q81","state":"MO","vehicle":{"make":"TOYT","model":"toyota_camry","color":"BLK"}}])");
  ASSERT_EQ(r.status, 200) << r.body;
  hits = Call(officer, "GET", "/api/v1/hits?before=100");
  EXPECT_NE(hits.body.find(R"({"field":"model","read":"toyota_camry","listed":"CAM","same":true})"),
            std::string::npos)
      << hits.body;
  EXPECT_NE(hits.body.find(R"({"field":"color","read":"BLK","listed":"WHI/BLK","same":true})"),
            std::string::npos)
      << hits.body;

  // A re-sent read is a duplicate and raises no second hit.
  r = Call(key_, "POST", "/api/v1/reads", "[" + Read("r1", "KZ9Q81", "MO", now) + "]");
  EXPECT_EQ(r.body,
            R"({"accepted":0,"duplicates":1,"expired":0,"backfill":0,"hits":0,"rejected":[]})");
}

TEST_F(IngestTest, ACsvBatchIsMatchedLikeJsonAndRejectionsNameTheRow) {
  SetUpStlpd();
  const std::int64_t t = clock_.NowMillis();
  const std::string csv = "id,agency,camera,time,plate,state,plate_confidence\r\n" +
                          fmt::format("c1,STLPD,cam1,{},KZ9Q81,MO,0.93\r\n", t) +
                          fmt::format("c2,STLPD,cam1,{},,MO,0.90\r\n", t) +
                          fmt::format("c3,STLPD,cam1,{},AB1234,MO,1.5\r\n", t);
  auto r = Call(key_, "POST", "/api/v1/reads", csv, "text/csv");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(R"("accepted":1)"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("hits":1)"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"({"index":1,"field":"plate")"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"({"index":2,"field":"plate_confidence")"), std::string::npos) << r.body;
  auto bad = Call(key_, "POST", "/api/v1/reads", "id,agency,when\nx,STLPD,0\n", "text/csv");
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_NE(bad.body.find("line 1"), std::string::npos) << bad.body;
}

TEST_F(IngestTest, HitsReachTheAudienceOnlyUnderAHitsAgreement) {
  SetUpStlpd();
  // STLPD shares its hits with SLCPD (two people: supervisor proposes, admin approves).
  const std::string sup = SignIn("sup");
  auto proposed = Call(sup, "POST", "/api/v1/agreements",
                       R"({"partner":"SLCPD","data_class":"hits","effective_from":")"
                       "2020-01-01T00:00:00Z"
                       R"(","document":"MOU 7"})");
  ASSERT_EQ(proposed.status, 201) << proposed.body;
  ASSERT_EQ(Call(admin_, "POST", "/api/v1/agreements/1/approve").status, 200);
  auto r = Call(key_, "POST", "/api/v1/reads",
                "[" + Read("r1", "KZ9Q81", "MO", clock_.NowMillis()) + "]");
  ASSERT_EQ(r.status, 200) << r.body;
  auto county = Call(SignIn("county"), "GET", "/api/v1/hits");
  EXPECT_NE(county.body.find("KZ9Q81"), std::string::npos) << county.body;
  // The highway patrol is in the list's audience but has no agreement.
  auto trooper = Call(SignIn("trooper"), "GET", "/api/v1/hits");
  EXPECT_EQ(trooper.body, R"({"hits":[]})");
  EXPECT_EQ(Call(SignIn("trooper"), "GET", "/api/v1/hits/1").status, 404);
}

TEST_F(IngestTest, AHitIsWorkedToAnOutcomeAndAStopNeedsConfirmationFirst) {
  SetUpStlpd();
  ASSERT_EQ(Call(key_, "POST", "/api/v1/reads",
                 "[" + Read("r1", "KZ9Q81", "MO", clock_.NowMillis()) + "]")
                .status,
            200);
  const std::string officer = SignIn("officer");
  EXPECT_EQ(Call(officer, "POST", "/api/v1/hits/1/close", R"({"outcome":"stop"})").status, 409);
  EXPECT_EQ(Call(officer, "POST", "/api/v1/hits/1/acknowledge").status, 200);
  auto early = Call(officer, "POST", "/api/v1/hits/1/close", R"({"outcome":"arrest"})");
  EXPECT_EQ(early.status, 409);
  EXPECT_NE(early.body.find("confirmed with the source first"), std::string::npos) << early.body;
  EXPECT_NE(early.body.find(R"("code":"confirmation_required")"), std::string::npos) << early.body;
  EXPECT_EQ(
      Call(officer, "POST", "/api/v1/hits/1/visual-check", R"({"plate_matches":true})").status,
      400);
  EXPECT_EQ(Call(officer, "POST", "/api/v1/hits/1/visual-check",
                 R"({"plate_matches":true,"state_matches":true,"vehicle_matches":true})")
                .status,
            200);
  EXPECT_EQ(Call(officer, "POST", "/api/v1/hits/1/confirm", R"({"source_confirmed":true})").status,
            200);
  auto closed = Call(officer, "POST", "/api/v1/hits/1/close",
                     R"({"outcome":"recovery","note":"vehicle recovered, owner notified"})");
  ASSERT_EQ(closed.status, 200) << closed.body;
  EXPECT_NE(closed.body.find(R"("step":"closed","outcome":"recovery")"), std::string::npos)
      << closed.body;
  // Each step's record keeps what the officer recorded, the note with it.
  {
    auto db = catalog::Database::OpenReadOnly(test::CatalogAt(dir_.File("catalog.db")));
    ASSERT_TRUE(db.ok());
    Result<std::vector<std::string>> details =
        (*db)->List<std::string>("SELECT detail FROM hit_events WHERE hit_id = 1 ORDER BY id",
                                 [](const catalog::Statement& r) { return r.Text(0); });
    ASSERT_TRUE(details.ok()) << details.status().message();
    EXPECT_EQ(fmt::format("{}", fmt::join(*details, " | ")),
              R"({} | {"plate_matches":true,"state_matches":true,"vehicle_matches":true} | )"
              R"({"source_confirmed":true} | )"
              R"({"outcome":"recovery","note":"vehicle recovered, owner notified"})");
  }
  // Every step is in the audit trail.
  auto audit = Call(admin_, "GET", "/api/v1/audit");
  for (const char* event :
       {"hit.raise", "hit.acknowledge", "hit.visual_check", "hit.confirm", "hit.close"}) {
    EXPECT_NE(audit.body.find(event), std::string::npos) << event;
  }
}

TEST_F(IngestTest, AnOfficerMayProceedWithoutConfirmationOnlyWithAReasonAndNeverAfterADenial) {
  SetUpStlpd();
  for (const char* id : {"r1", "r2"}) {
    ASSERT_EQ(Call(key_, "POST", "/api/v1/reads",
                   "[" + Read(id, "KZ9Q81", "MO", clock_.NowMillis()) + "]")
                  .status,
              200);
    clock_.Advance(std::chrono::seconds(1));
  }
  const std::string officer = SignIn("officer");
  for (const char* hit : {"1", "2"}) {
    const std::string at = std::string("/api/v1/hits/") + hit;
    ASSERT_EQ(Call(officer, "POST", at + "/acknowledge").status, 200);
    // Before the visual check, no reason is enough.
    EXPECT_EQ(
        Call(officer, "POST", at + "/close",
             R"({"outcome":"stop","proceed_reason":"the driver is ramming cars at a school"})")
            .status,
        409);
    ASSERT_EQ(Call(officer, "POST", at + "/visual-check",
                   R"({"plate_matches":true,"state_matches":true,"vehicle_matches":true})")
                  .status,
              200);
  }
  EXPECT_EQ(Call(officer, "POST", "/api/v1/hits/1/close", R"({"outcome":"stop"})").status, 409);
  EXPECT_EQ(
      Call(officer, "POST", "/api/v1/hits/1/close", R"({"outcome":"stop","proceed_reason":"x"})")
          .status,
      400)
      << "a reason is sentences, not a letter";
  auto r = Call(
      officer, "POST", "/api/v1/hits/1/close",
      R"({"outcome":"arrest","proceed_reason":"driver fled a crash with injuries; NCIC down"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(R"("outcome":"arrest")"), std::string::npos) << r.body;
  {
    auto db = catalog::Database::OpenReadOnly(test::CatalogAt(dir_.File("catalog.db")));
    ASSERT_TRUE(db.ok());
    auto q = (*db)->Query("SELECT detail FROM hit_events WHERE hit_id = 1 ORDER BY id DESC");
    EXPECT_NE(q->Text(0).find(R"("proceeded_without_confirmation":"driver fled a crash)"),
              std::string::npos)
        << q->Text(0);
  }
  // The list's owner says the entry is not valid: no reason makes a stop right.
  ASSERT_EQ(Call(officer, "POST", "/api/v1/hits/2/confirmation").status, 201);
  ASSERT_EQ(Call(SignIn("sup"), "POST", "/api/v1/confirmations/1/answer",
                 R"({"answer":"denied","note":"recovered yesterday"})")
                .status,
            200);
  r = Call(officer, "POST", "/api/v1/hits/2/close",
           R"({"outcome":"stop","proceed_reason":"driver fled a crash with injuries; NCIC down"})");
  EXPECT_EQ(r.status, 409);
  EXPECT_NE(r.body.find("denied"), std::string::npos) << r.body;
}

TEST_F(IngestTest, AFullReloadRemovesEntriesAbsentFromTheNewExtractAtOnce) {
  SetUpStlpd();
  // The new extract no longer lists KZ9Q81.
  std::string extract = ReadFileText(kHotlists + "ncic-extract.txt");
  const std::size_t at = extract.find("V200000001");
  extract.erase(at, extract.find('\n', at) - at + 1);
  auto loaded = Call(key_, "PUT", "/api/v1/hotlists/1/entries?format=ncic", extract, "text/plain");
  ASSERT_EQ(loaded.status, 200) << loaded.body;
  EXPECT_NE(loaded.body.find(R"("generation":2,"active":6,"pending":0,"replaced":7)"),
            std::string::npos)
      << loaded.body;
  auto r = Call(key_, "POST", "/api/v1/reads",
                "[" + Read("r1", "KZ9Q81", "MO", clock_.NowMillis()) + "]");
  EXPECT_NE(r.body.find(R"("hits":0)"), std::string::npos) << r.body;
}

TEST_F(IngestTest, AFileIsCheckedBeforeLoadingAndTheCheckStoresNothing) {
  SetUpStlpd();
  const std::string extract =
      ReadFileText(kHotlists + "ncic-extract.txt") + "not an NCIC record at all\n";
  auto checked =
      Call(admin_, "POST", "/api/v1/hotlists/1/check?format=ncic", extract, "text/plain");
  ASSERT_EQ(checked.status, 200) << checked.body;
  EXPECT_NE(checked.body.find(R"("entries":7,)"), std::string::npos) << checked.body;
  EXPECT_NE(checked.body.find(R"({"line":11,"error":"line: 25 characters)"), std::string::npos)
      << checked.body;
  // Nothing changed: still the first generation, seven entries.
  auto lists = Call(admin_, "GET", "/api/v1/hotlists");
  EXPECT_NE(lists.body.find(R"("generation":1,)"), std::string::npos) << lists.body;
  // The same refusals as a load: a format the list does not take, a list of another agency.
  auto wrong = Call(admin_, "POST", "/api/v1/hotlists/1/check?format=json", "{}");
  EXPECT_EQ(wrong.status, 400) << wrong.body;
  EXPECT_NE(wrong.body.find("format"), std::string::npos) << wrong.body;
  EXPECT_EQ(Call(admin_, "POST", "/api/v1/hotlists/9/check?format=ncic", extract).status, 404);
}

TEST_F(IngestTest, AnAgencyListsItsOwnEntriesAndNoOneElses) {
  SetUpStlpd();
  auto all = Call(admin_, "GET", "/api/v1/hotlists/1/entries");
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_NE(all.body.find(R"("plate":"KZ9Q81","state":"US-MO","kind":"V","status":"active")"),
            std::string::npos)
      << all.body;
  EXPECT_EQ(Call(admin_, "GET", "/api/v1/hotlists/1/entries?status=pending").body,
            R"({"entries":[]})");
  auto page = Call(admin_, "GET", "/api/v1/hotlists/1/entries?after=3");
  EXPECT_EQ(page.body.find(R"({"id":3,)"), std::string::npos) << page.body;
  EXPECT_NE(page.body.find(R"({"id":4,)"), std::string::npos) << page.body;
  EXPECT_EQ(Call(admin_, "GET", "/api/v1/hotlists/1/entries?status=gone").status, 400);
  // A recipient of the list's hits does not get its entries.
  EXPECT_EQ(Call(SignIn("trooper"), "GET", "/api/v1/hotlists/1/entries").status, 404);
  EXPECT_NE(Call(admin_, "GET", "/api/v1/audit?event=hotlist.entries.read")
                .body.find(R"("hotlist":1,"status":"pending")"),
            std::string::npos);
}

TEST_F(IngestTest, AClerkTellsAResidentWhatIsHeldOnTheirPlateAndTheRequestIsRecorded) {
  SetUpStlpd();
  {
    auto db = catalog::Database::Open(test::CatalogAt(dir_.File("catalog.db")));
    test::AddUser(**db, 1, "clerk", "clerk");
  }
  const std::int64_t t = clock_.NowMillis();
  // Two reads of a listed plate (two hits) and one of another plate.
  auto r = Call(key_, "POST", "/api/v1/reads",
                "[" + Read("c1", "KZ9Q81", "MO", t - 86'400'000) + "," +
                    Read("c2", "KZ9Q81", "MO", t) + "," + Read("c3", "ABC123", "MO", t) + "]");
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string clerk = SignIn("clerk");
  auto answer = Call(
      clerk, "POST", "/api/v1/resident-requests",
      R"({"plate":"kz9 q81","state":"MO","requester":"the registered owner","reference":"PRR-2027-031"})");
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_NE(answer.body.find(R"("plate":"KZ9Q81","agency":"STLPD")"), std::string::npos)
      << answer.body;
  EXPECT_NE(answer.body.find(R"("reads":{"count":2,"more_than":false,"first_day":")"),
            std::string::npos)
      << answer.body;
  EXPECT_NE(answer.body.find(R"("hits":{"count":2,)"), std::string::npos) << answer.body;
  // This agency has no retention rule yet: nothing is scheduled for deletion.
  EXPECT_NE(answer.body.find(R"("deleted_from":null,)"), std::string::npos) << answer.body;
  // Never where: no camera, no time of day.
  EXPECT_EQ(answer.body.find("cam1"), std::string::npos) << answer.body;
  for (const std::int64_t when : {t, t - 86'400'000}) {
    EXPECT_EQ(answer.body.find(FormatRfc3339(when).substr(10, 9)), std::string::npos)
        << answer.body;
  }
  // A plate never read: nothing held.
  auto none = Call(clerk, "POST", "/api/v1/resident-requests",
                   R"({"plate":"ZZZ999","requester":"a resident","reference":"PRR-2027-032"})");
  EXPECT_NE(none.body.find(R"("reads":{"count":0,)"), std::string::npos) << none.body;
  // Bad input names the field; officers may not answer residents.
  EXPECT_EQ(Call(clerk, "POST", "/api/v1/resident-requests",
                 R"({"plate":"!!","requester":"x","reference":"y"})")
                .status,
            400);
  EXPECT_EQ(Call(SignIn("officer"), "POST", "/api/v1/resident-requests",
                 R"({"plate":"KZ9Q81","requester":"x","reference":"y"})")
                .status,
            403);
  EXPECT_NE(
      Call(admin_, "GET", "/api/v1/audit?event=records.")
          .body.find(
              R"("plate":"KZ9Q81","state":"US-MO","requester":"the registered owner","reference":"PRR-2027-031","reads":2,"hits":2)"),
      std::string::npos);
}

TEST_F(IngestTest, AStaleListIsFlaggedOnItsHits) {
  SetUpStlpd();
  auto loaded =
      Call(key_, "PUT", "/api/v1/hotlists/1/entries?format=ncic&published_at=2027-01-13T00:00:00Z",
           ReadFileText(kHotlists + "ncic-extract.txt"), "text/plain");
  ASSERT_EQ(loaded.status, 200) << loaded.body;
  // The fake clock is at 2027-01-15T08:00Z: the extract is 56 hours old.
  Call(key_, "POST", "/api/v1/reads", "[" + Read("r1", "KZ9Q81", "MO", clock_.NowMillis()) + "]");
  auto hit = Call(SignIn("officer"), "GET", "/api/v1/hits/1");
  EXPECT_NE(hit.body.find(R"("stale":true)"), std::string::npos) << hit.body;
  auto lists = Call(admin_, "GET", "/api/v1/hotlists");
  EXPECT_NE(lists.body.find(R"("stale":true)"), std::string::npos) << lists.body;
}

TEST_F(IngestTest, BadReadsAreRejectedOneByOneAndBadBodiesWholly) {
  SetUpStlpd();
  const std::int64_t now = clock_.NowMillis();
  const std::string batch =
      "[" + Read("ok", "ABC123", "MO", now) + "," + Read("future", "ABC123", "MO", now + 600'000) +
      "," + R"({"id":"x","agency":"STLPD","camera":"nocam","time":)" + std::to_string(now) +
      R"(,"plate":"ABC123"})" + "," + R"({"id":"y","agency":"SLCPD","camera":"cam1","time":)" +
      std::to_string(now) + R"(,"plate":"ABC123"})" + "," +
      R"({"id":"z","agency":"STLPD","camera":"cam1","time":)" + std::to_string(now) +
      R"(,"plate":"AB?12"})" + "," + Read("old", "ABC124", "MO", now - 3 * 86'400'000LL) + "]";
  auto r = Call(key_, "POST", "/api/v1/reads", batch);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(R"("accepted":2,)"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("backfill":1,)"), std::string::npos) << r.body;
  EXPECT_NE(
      r.body.find(R"({"index":1,"field":"time","error":"more than 5 minutes in the future"})"),
      std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find(R"({"index":2,"field":"camera","error":"unknown camera 'nocam')"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find(R"({"index":3,"field":"agency")"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"({"index":4,"field":"plate")"), std::string::npos) << r.body;

  auto bad = Call(key_, "POST", "/api/v1/reads", R"([{"id": "a",])");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("byte 12"), std::string::npos) << bad.body;
  std::string many = "[";
  for (int i = 0; i <= 10'000; ++i) many += (i ? "," : "") + Read("m", "ABC123", "MO", now);
  EXPECT_EQ(Call(key_, "POST", "/api/v1/reads", many + "]").status, 413);
}

TEST_F(IngestTest, OpenAlprResultsGroupsAndHeartbeatsArriveFromTheVendorsOwnJson) {
  SetUpStlpd();
  ASSERT_EQ(Call(admin_, "POST", "/api/v1/cameras", R"({"code":"site7-cam1"})").status, 201);
  ASSERT_EQ(Call(admin_, "POST", "/api/v1/cameras", R"({"code":"agentA-cam3"})").status, 201);
  const std::string base = std::string(INTERDICT_SOURCE_DIR) + "/tests/data/openalpr/";
  // The daemon's frame: KZ9Q81 is on the NCIC list; the second result is unreadable.
  std::string results = ReadFileText(base + "alpr_results.json");
  const std::string epoch = std::to_string(clock_.NowMillis());
  results.replace(results.find("1800000000123"), 13, epoch);
  auto r = Call(key_, "POST", "/api/v1/ingest/openalpr", results);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(R"("accepted":1,)"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("hits":1,)"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"({"index":1,"field":"results[1].plate")"), std::string::npos) << r.body;
  // The agent's vehicle pass: RT5501 is a stolen plate (P) in the extract.
  std::string group = ReadFileText(base + "alpr_group.json");
  group.replace(group.find("1800000000500"), 13, epoch);
  r = Call(key_, "POST", "/api/v1/ingest/openalpr", group);
  EXPECT_NE(r.body.find(R"("accepted":1,)"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("hits":1,)"), std::string::npos) << r.body;
  // A heartbeat updates the camera's health and stores no read.
  r = Call(key_, "POST", "/api/v1/ingest/openalpr", ReadFileText(base + "heartbeat.json"));
  EXPECT_EQ(r.body, R"({"heartbeat":true,"cameras":1,"unknown":0})");
  auto cams = Call(admin_, "GET", "/api/v1/cameras");
  EXPECT_NE(cams.body.find(R"("code":"agentA-cam3")"), std::string::npos);
  EXPECT_NE(cams.body.find(R"("agent_version":"4.1.2")"), std::string::npos) << cams.body;
  // Rejections name the result: here the unreadable first one, and the second
  // one's unknown camera.
  r = Call(
      key_, "POST", "/api/v1/ingest/openalpr",
      R"({"data_type":"alpr_results","epoch_time":)" + epoch +
          R"(,"camera_id":9,"site_id":"nowhere","results":[{"plate":""},{"plate":"ABC123"}]})");
  EXPECT_NE(r.body.find(R"("rejected":[{"index":0,"field":"results[0].plate")"), std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find(R"({"index":1,"field":"camera")"), std::string::npos) << r.body;
  // Garbage is a 400 naming the place.
  r = Call(key_, "POST", "/api/v1/ingest/openalpr", R"({"data_type":"alpr_results",)");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("byte 28"), std::string::npos) << r.body;
}

TEST_F(IngestTest, AHitKeepsItsReadsImagesForTheVisualCheck) {
  SetUpStlpd();
  const std::string jpeg = std::string("\xFF\xD8\xFF\xE0", 4) + "plate crop" + "\xFF\xD9";
  auto up = Call(key_, "POST", "/api/v1/images", jpeg, "image/jpeg");
  ASSERT_EQ(up.status, 201) << up.body;
  const std::string address = up.body.substr(up.body.find("sha256:"), 71);
  EXPECT_EQ(Call(key_, "POST", "/api/v1/images", "GIF89a", "image/gif").status, 400);
  const std::string read = R"({"id":"i1","agency":"STLPD","camera":"cam1","time":)" +
                           std::to_string(clock_.NowMillis()) +
                           R"(,"plate":"KZ9Q81","state":"MO","images":{"plate":")" + address +
                           R"("}})";
  const std::string unknown = R"({"id":"i2","agency":"STLPD","camera":"cam1","time":)" +
                              std::to_string(clock_.NowMillis()) +
                              R"(,"plate":"ABC123","images":{"overview":"sha256:)" +
                              std::string(64, '0') + R"("}})";
  auto r = Call(key_, "POST", "/api/v1/reads", "[" + read + "," + unknown + "]");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(R"("accepted":1,)"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"({"index":1,"field":"images.overview")"), std::string::npos) << r.body;
  {
    // The accepted read's image knows its read, for holds (the rejected one's does not).
    auto db = catalog::Database::OpenReadOnly(test::CatalogAt(dir_.File("catalog.db")));
    auto q = (*db)->Prepare("SELECT count(*), min(plate) FROM image_reads");
    ASSERT_TRUE(*q->Step());
    EXPECT_EQ(q->Int(0), 1);
  }
  const std::string officer = SignIn("officer");
  auto img = Call(officer, "GET", "/api/v1/hits/1/plate-image");
  ASSERT_EQ(img.status, 200) << img.body;
  EXPECT_EQ(img.body, jpeg);
  EXPECT_EQ(img.Header("Content-Type"), "image/jpeg");
  EXPECT_EQ(Call(officer, "GET", "/api/v1/hits/1/overview-image").status, 404);
  EXPECT_EQ(Call(SignIn("trooper"), "GET", "/api/v1/hits/1/plate-image").status, 404);
  EXPECT_NE(Call(admin_, "GET", "/api/v1/audit").body.find("hit.image"), std::string::npos);
}

// Encryption at rest on (decision 0036): images are sealed under the agency's
// images key; the hit's visual check still gets the bytes.
class SealedIngestTest : public IngestTest {
 protected:
  void SetUp() override {
    ASSERT_TRUE(crypto::FileMasterKey::Create(keys_.File("master.key")).ok());
    tune_ = [this](config::Config& c) {
      c.encryption.master_key_file = keys_.File("master.key");
      c.encryption.keys_dir = keys_.File("keys");
    };
    IngestTest::SetUp();
  }
  test::TempDir keys_;
};

TEST_F(SealedIngestTest, AHitsSealedImageIsServedAndNoFileHoldsItsBytes) {
  SetUpStlpd();
  const std::string jpeg = std::string("\xFF\xD8\xFF\xE0", 4) + "sealed crop" + "\xFF\xD9";
  auto up = Call(key_, "POST", "/api/v1/images", jpeg, "image/jpeg");
  ASSERT_EQ(up.status, 201) << up.body;
  const std::string address = up.body.substr(up.body.find("sha256:"), 71);
  EXPECT_EQ(Call(key_, "POST", "/api/v1/images", jpeg, "image/jpeg").status, 201) << "again";
  test::HttpReceiver cad({200});
  ASSERT_EQ(Call(admin_, "POST", "/api/v1/webhooks", R"({"url":")" + cad.url() + R"("})").status,
            201);
  // A mobile unit's read: where it was made, and the vehicle, are in the hit.
  const std::string read = R"({"id":"s1","agency":"STLPD","camera":"cam1","time":)" +
                           std::to_string(clock_.NowMillis()) +
                           R"(,"plate":"KZ9Q81","state":"MO","lat":38.6271,"lon":-90.1994,)"
                           R"("vehicle":{"make":"QXMAKE"},"images":{"plate":")" +
                           address + R"("}})";
  auto r = Call(key_, "POST", "/api/v1/reads", "[" + read + "]");
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string officer = SignIn("officer");
  auto img = Call(officer, "GET", "/api/v1/hits/1/plate-image");
  ASSERT_EQ(img.status, 200) << img.body;
  EXPECT_EQ(img.body, jpeg);
  EXPECT_EQ(img.Header("Content-Type"), "image/jpeg");
  auto hit = Call(officer, "GET", "/api/v1/hits/1");
  ASSERT_EQ(hit.status, 200) << hit.body;
  EXPECT_NE(hit.body.find("QXMAKE"), std::string::npos) << "opened for the API: " << hit.body;
  ASSERT_TRUE(cad.WaitForCount(1));
  EXPECT_NE(cad.received()[0].body.find("QXMAKE"), std::string::npos)
      << "and for the webhook: " << cad.received()[0].body;
  auto disparity = Call(SignIn("sup"), "GET", "/api/v1/disparity?areas=counties");
  EXPECT_EQ(disparity.status, 200)
      << "a sealed hit's place is read for the report: " << disparity.body;
  const std::size_t city = disparity.body.find(R"("name":"St. Louis city")");
  ASSERT_NE(city, std::string::npos);
  EXPECT_NE(disparity.body.substr(city, disparity.body.find('}', city) - city).find(R"("hits":1)"),
            std::string::npos)
      << "counted where the read was made, not at the camera (which has no place)";
  auto report = Call("", "GET", "/api/v1/transparency");
  EXPECT_EQ(report.status, 200) << "a sealed hit's list kind is read for the report: "
                                << report.body;
  EXPECT_NE(report.body.find(R"("hits_by_list_kind":{"V":null})"), std::string::npos)
      << "the entry's kind (its count under min_count): " << report.body;
  {
    auto db = catalog::Database::OpenReadOnly(test::CatalogAt(dir_.File("catalog.db")));
    auto q = (*db)->Prepare(
        "SELECT h.read, h.entry, d.body FROM hits h JOIN webhook_deliveries d "
        "ON d.hit_id = h.id");
    ASSERT_TRUE(*q->Step());
    for (int c = 0; c < 3; ++c) EXPECT_TRUE(catalog::IsSealedValue(q->Text(c))) << q->Text(c);
  }
  running_.reset();  // every file closed and checkpointed
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir_.path())) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes.find("sealed crop"), std::string::npos) << e.path();
    EXPECT_EQ(bytes.find("QXMAKE"), std::string::npos) << e.path();
  }
  EXPECT_TRUE(std::filesystem::exists(
      dir_.File("images/sealed/STLPD/" + address.substr(7, 2) + "/" + address.substr(7))));
}

// Issue 24: where a stolen car goes next, learned from the region's own
// reads, and which unit can get there first (docs/format/units.md).
TEST_F(IngestTest, AHitSuggestsTheUnitThatCanStageAtTheCameraVehiclesUsuallyPassNext) {
  SetUpStlpd();
  ASSERT_EQ(Call(admin_, "POST", "/api/v1/cameras",
                 R"({"code":"west","name":"Forest Park Pkwy","lat":"38.6350","lon":"-90.2600"})")
                .status,
            201);
  // Thirty vehicles read at cam1 and, five to six minutes later, at west.
  const std::int64_t t0 = clock_.NowMillis() - 1000 * 1000;
  std::string body = "[";
  for (int v = 0; v < 30; ++v) {
    body += fmt::format(
        R"({{"id":"a{0}","agency":"STLPD","camera":"cam1","time":{1},"plate":"TRV{0:03}","plate_confidence":0.95}},)",
        v, t0 + v * 1000);
  }
  for (int v = 0; v < 30; ++v) {
    body += fmt::format(
        R"({{"id":"b{0}","agency":"STLPD","camera":"west","time":{1},"plate":"TRV{0:03}","plate_confidence":0.95}})",
        v, t0 + v * 1000 + (300 + v * 2) * 1000);
    body += v < 29 ? "," : "]";
  }
  auto r = Call(key_, "POST", "/api/v1/reads", body);
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_NE(r.body.find(R"("accepted":60)"), std::string::npos) << r.body;
  // A patrol car half a kilometre from west, and one far away; an AVL key.
  const std::string sup = SignIn("sup");
  ASSERT_EQ(Call(sup, "POST", "/api/v1/units", R"({"call_sign":"GC-7","kind":"patrol"})").status,
            201);
  ASSERT_EQ(Call(sup, "POST", "/api/v1/units", R"({"call_sign":"GC-9","kind":"patrol"})").status,
            201);
  auto avl = Call(admin_, "POST", "/api/v1/integrations",
                  R"({"name":"AVL","permissions":["units.report"]})");
  ASSERT_EQ(avl.status, 201) << avl.body;
  const std::size_t at = avl.body.find(R"("key":")") + 7;
  const std::string avl_key = avl.body.substr(at, avl.body.find('"', at) - at);
  const std::string now = std::to_string(clock_.NowMillis());
  r = Call(avl_key, "POST", "/api/v1/units/positions",
           R"([{"unit":"GC-7","time":)" + now +
               R"(,"lat":38.6360,"lon":-90.2540},)"
               R"({"unit":"GC-9","time":)" +
               now + R"(,"lat":38.7500,"lon":-90.4500}])");
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_NE(r.body.find(R"("accepted":2)"), std::string::npos) << r.body;

  // The stolen car passes cam1.
  r = Call(key_, "POST", "/api/v1/reads",
           "[" + Read("s1", "KZ9Q81", "MO", clock_.NowMillis()) + "]");
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_NE(r.body.find(R"("hits":1)"), std::string::npos) << r.body;
  auto plan = Call(SignIn("officer"), "GET", "/api/v1/hits/1/intercept");
  ASSERT_EQ(plan.status, 200) << plan.body;
  EXPECT_NE(plan.body.find(R"("next":[{"camera":"STLPD/west","p":1.0)"), std::string::npos)
      << plan.body;
  EXPECT_NE(plan.body.find(R"("suggestions":[{"unit":1,"call_sign":"GC-7")"), std::string::npos)
      << plan.body;
  EXPECT_EQ(plan.body.find("GC-9"), std::string::npos) << "too far to get there first";
  EXPECT_NE(plan.body.find("never a pursuit"), std::string::npos) << "the policy comes with it";
  EXPECT_NE(Call(admin_, "GET", "/api/v1/audit").body.find("hit.intercept"), std::string::npos);
  EXPECT_EQ(Call(SignIn("trooper"), "GET", "/api/v1/hits/1/intercept").status, 404)
      << "another agency's officer does not see the hit";

  // The dispatcher sends GC-7 to the suggested point; the officers' streams
  // get it at once, and the unit is no longer suggested elsewhere.
  test::SseClient car(running_->port(), "/api/v1/alerts/stream", SignIn("officer"));
  ASSERT_TRUE(car.WaitFor(": connected"));
  r = Call(sup, "POST", "/api/v1/hits/1/assign",
           R"({"unit":1,"lat":38.635,"lon":-90.26,"camera":"STLPD/west","eta_s":60})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_NE(r.body.find(R"("call_sign":"GC-7")"), std::string::npos) << r.body;
  EXPECT_TRUE(car.WaitFor("event: assignment"));
  EXPECT_TRUE(car.WaitFor(R"("camera":"STLPD/west")"));
  EXPECT_EQ(
      Call(sup, "POST", "/api/v1/hits/1/assign", R"({"unit":1,"lat":38.6,"lon":-90.2})").status,
      409)
      << "GC-7 is assigned";
  EXPECT_EQ(Call(sup, "POST", "/api/v1/hits/1/assign", R"({"lat":38.6,"lon":-90.2})").status, 400);
  EXPECT_EQ(Call(SignIn("officer"), "POST", "/api/v1/hits/1/assign",
                 R"({"unit":1,"lat":38.6,"lon":-90.2})")
                .status,
            403)
      << "an officer does not dispatch";
  plan = Call(SignIn("officer"), "GET", "/api/v1/hits/1/intercept");
  EXPECT_EQ(plan.body.find(R"("call_sign":"GC-7")"), std::string::npos) << "not available now";
  auto out = Call(SignIn("officer"), "GET", "/api/v1/hits/1/assignments");
  ASSERT_EQ(out.status, 200) << out.body;
  EXPECT_NE(out.body.find(R"("released_at":null)"), std::string::npos) << out.body;
  ASSERT_EQ(Call(sup, "POST", "/api/v1/hits/1/assignments/1/release").status, 200);
  EXPECT_NE(Call(sup, "GET", "/api/v1/units").body.find(R"("status":"available")"),
            std::string::npos);
  EXPECT_NE(Call(admin_, "GET", "/api/v1/audit").body.find("hit.assign"), std::string::npos);

  // A restart keeps what the model learned (DATA/movement.bin), and no plate
  // is in that file.
  running_.reset();
  std::ifstream file(dir_.File("movement.bin"), std::ios::binary);
  const std::string saved((std::istreambuf_iterator<char>(file)), {});
  EXPECT_NE(saved.find("STLPD/west"), std::string::npos);
  EXPECT_EQ(saved.find("TRV0"), std::string::npos);
  running_ = std::make_unique<test::RunningService>(dir_.path(), log_, clock_, tune_);
  r = Call(key_, "POST", "/api/v1/reads",
           "[" + Read("s2", "KZ9Q81", "MO", clock_.NowMillis() + 1000) + "]");
  ASSERT_NE(r.body.find(R"("hits":1)"), std::string::npos) << r.body;
  plan = Call(SignIn("officer"), "GET", "/api/v1/hits/2/intercept");
  EXPECT_NE(plan.body.find(R"("next":[{"camera":"STLPD/west","p":1.0)"), std::string::npos)
      << plan.body;

  // The agency's own rules: its policy text, and the aircraft for stolen cars.
  const std::string sup2 = SignIn("sup");
  auto rules = Call(sup2, "PUT", "/api/v1/dispatch-rules",
                    R"({"policy":"STLPD GO 7-14: stage and observe; no pursuit.",)"
                    R"("aircraft_kinds":["V"],"k9_kinds":[],"medic_kinds":[]})");
  ASSERT_EQ(rules.status, 200) << rules.body;
  EXPECT_NE(rules.body.find(R"("defaults":false)"), std::string::npos) << rules.body;
  EXPECT_EQ(Call(sup2, "PUT", "/api/v1/dispatch-rules",
                 R"({"policy":"short","aircraft_kinds":[],"k9_kinds":[],"medic_kinds":[]})")
                .status,
            400);
  plan = Call(SignIn("officer"), "GET", "/api/v1/hits/2/intercept");
  EXPECT_NE(plan.body.find(R"("policy":"STLPD GO 7-14: stage and observe; no pursuit.")"),
            std::string::npos)
      << plan.body;
  EXPECT_NE(plan.body.find(R"("aircraft":{"suggested":true,"reason":"the agency's rules call)"),
            std::string::npos)
      << plan.body;
}

TEST_F(IngestTest, AnOfficerAsksTheListsOwnerToConfirmTheEntryAndTheHitShowsTheAnswer) {
  SetUpStlpd();
  auto r = Call(key_, "POST", "/api/v1/reads",
                "[" + Read("c1", "KZ9Q81", "MO", clock_.NowMillis()) + "]");
  ASSERT_NE(r.body.find(R"("hits":1)"), std::string::npos) << r.body;
  const std::string officer = SignIn("officer");
  r = Call(officer, "POST", "/api/v1/hits/1/confirmation", R"({"priority":"urgent"})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_NE(r.body.find(R"("owner":"STLPD")"), std::string::npos) << r.body;
  EXPECT_EQ(Call(officer, "POST", "/api/v1/hits/1/confirmation").status, 409) << "one open";
  auto hit = Call(officer, "GET", "/api/v1/hits/1");
  EXPECT_NE(hit.body.find(R"("confirmation":{"request":1,"owner":"STLPD","priority":"urgent")"),
            std::string::npos)
      << hit.body;
  EXPECT_NE(hit.body.find(R"("answer":null)"), std::string::npos) << "open: the card counts down";
  // The owner's supervisor sees it due, and answers.
  const std::string sup = SignIn("sup");
  auto list = Call(sup, "GET", "/api/v1/confirmations");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_NE(list.body.find(R"("plate":"KZ9Q81")"), std::string::npos) << list.body;
  r = Call(sup, "POST", "/api/v1/confirmations/1/answer", R"({"answer":"yes"})");
  EXPECT_EQ(r.status, 400) << r.body;
  r = Call(sup, "POST", "/api/v1/confirmations/1/answer",
           R"({"answer":"confirmed","note":"NCIC record current, owner reached"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Call(sup, "POST", "/api/v1/confirmations/1/answer", R"({"answer":"denied"})").status,
            409);
  hit = Call(officer, "GET", "/api/v1/hits/1");
  EXPECT_NE(hit.body.find(R"("answer":"confirmed")"), std::string::npos) << hit.body;
  EXPECT_EQ(Call(officer, "GET", "/api/v1/confirmations").status, 403)
      << "an officer asks, the list's people answer";
}

TEST_F(IngestTest, OpenAlprPlateCropsBecomeTheHitsImages) {
  SetUpStlpd();
  ASSERT_EQ(Call(admin_, "POST", "/api/v1/cameras", R"({"code":"site7-cam1"})").status, 201);
  std::string results =
      ReadFileText(std::string(INTERDICT_SOURCE_DIR) + "/tests/data/openalpr/alpr_results.json");
  results.replace(results.find("1800000000123"), 13, std::to_string(clock_.NowMillis()));
  const std::string jpeg = std::string("\xFF\xD8\xFF\xE0", 4) + "crop" + "\xFF\xD9";
  // "/9j/4GNyb3D/2Q==" is that JPEG in base64.
  results.replace(results.find(R"("region": "us-mo")"), 0,
                  R"("plate_crop_jpeg": "/9j/4GNyb3D/2Q==", )");
  auto r = Call(key_, "POST", "/api/v1/ingest/openalpr", results);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(R"("hits":1,)"), std::string::npos) << r.body;
  const std::string officer = SignIn("officer");
  auto img = Call(officer, "GET", "/api/v1/hits/1/plate-image");
  ASSERT_EQ(img.status, 200) << img.body;
  EXPECT_EQ(img.body, jpeg);
  // The agent's alpr_group carries the best plate's crop inside best_plate.
  ASSERT_EQ(Call(admin_, "POST", "/api/v1/cameras", R"({"code":"agentA-cam3"})").status, 201);
  std::string group =
      ReadFileText(std::string(INTERDICT_SOURCE_DIR) + "/tests/data/openalpr/alpr_group.json");
  group.replace(group.find("1800000000500"), 13, std::to_string(clock_.NowMillis()));
  const std::size_t best = group.find(R"("best_plate")");
  ASSERT_NE(best, std::string::npos);
  group.insert(group.find('{', best) + 1, R"("plate_crop_jpeg": "/9j/4GNyb3D/2Q==", )");
  r = Call(key_, "POST", "/api/v1/ingest/openalpr", group);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(R"("hits":1,)"), std::string::npos) << r.body;
  img = Call(officer, "GET", "/api/v1/hits/2/plate-image");
  ASSERT_EQ(img.status, 200) << img.body;
  EXPECT_EQ(img.body, jpeg);
}

TEST_F(IngestTest, AnAutoRegisteredCameraIsPendingItsReadsStoredButNotAlerted) {
  SetUpStlpd();
  ASSERT_EQ(Call(admin_, "POST", "/api/v1/camera-settings", R"({"auto_register":true})").status,
            200);
  test::SseClient officer(running_->port(), "/api/v1/alerts/stream", SignIn("officer"));
  ASSERT_TRUE(officer.WaitFor(": connected"));
  auto r = Call(key_, "POST", "/api/v1/reads",
                R"([{"id":"p1","agency":"STLPD","camera":"newcam","time":)" +
                    std::to_string(clock_.NowMillis()) + R"(,"plate":"KZ9Q81","state":"MO"}])");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(R"("accepted":1,)"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("hits":1,)"), std::string::npos) << r.body;
  EXPECT_FALSE(officer.WaitFor("event: hit", std::chrono::milliseconds(500)));
  auto cams = Call(admin_, "GET", "/api/v1/cameras");
  EXPECT_NE(cams.body.find(R"("code":"newcam","name":"newcam","vendor":"","status":"pending")"),
            std::string::npos)
      << cams.body;
}

TEST_F(IngestTest, AnNcicFileIsOnOnlyOnceASupervisorAndAnAdministratorAgreeAndTheReportSaysSo) {
  const std::string sup = SignIn("sup");
  const std::string officer = SignIn("officer");
  // An officer cannot ask; asking does not turn it on.
  EXPECT_EQ(Call(officer, "POST", "/api/v1/hotlist-kinds", R"({"enable":["I"]})").status, 403);
  auto asked = Call(sup, "POST", "/api/v1/hotlist-kinds", R"({"enable":["I"]})");
  ASSERT_EQ(asked.status, 202) << asked.body;
  EXPECT_NE(asked.body.find(R"("requests":[1])"), std::string::npos) << asked.body;
  auto kinds = Call(admin_, "GET", "/api/v1/hotlist-kinds");
  EXPECT_NE(kinds.body.find(R"("kind":"I","name":)"), std::string::npos);
  EXPECT_EQ(kinds.body.find(R"(Immigration violator","enabled":true)"), std::string::npos)
      << kinds.body;
  EXPECT_NE(kinds.body.find(R"("requested_by":"sup","role":"supervisor")"), std::string::npos)
      << kinds.body;
  auto public_before = running_->client().Get("/api/v1/transparency")->body;
  EXPECT_EQ(public_before.find(R"("list_kinds":["I"])"), std::string::npos) << public_before;
  // The supervisor cannot approve their own request; another supervisor
  // neither (the same role); the administrator can.
  EXPECT_EQ(Call(sup, "POST", "/api/v1/hotlist-kinds/requests/1/approve").status, 403);
  EXPECT_EQ(Call(officer, "POST", "/api/v1/hotlist-kinds/requests/1/approve").status, 403);
  ASSERT_EQ(Call(admin_, "POST", "/api/v1/hotlist-kinds/requests/1/approve").status, 200);
  kinds = Call(admin_, "GET", "/api/v1/hotlist-kinds");
  EXPECT_NE(kinds.body.find(R"("requests":[])"), std::string::npos) << kinds.body;
  // Public: the report lists the file as on for STLPD.
  auto public_after = running_->client().Get("/api/v1/transparency")->body;
  EXPECT_NE(public_after.find(R"("list_kinds":["I"])"), std::string::npos) << public_after;
  // Off again at once, by one person.
  ASSERT_EQ(Call(sup, "POST", "/api/v1/hotlist-kinds", R"({"disable":["I"]})").status, 200);
  EXPECT_EQ(running_->client().Get("/api/v1/transparency")->body.find(R"("list_kinds":["I"])"),
            std::string::npos);
  auto audit = Call(admin_, "GET", "/api/v1/audit?event=hotlist.kinds");
  EXPECT_NE(audit.body.find("hotlist.kinds.request"), std::string::npos) << audit.body;
  EXPECT_NE(audit.body.find("hotlist.kinds.approve"), std::string::npos) << audit.body;
}

TEST_F(IngestTest, CustomEntriesNeedAReasonACaseAndASecondPersonAndExpireUnlessRevalidated) {
  const std::string sup = SignIn("sup");
  auto created = Call(sup, "POST", "/api/v1/hotlists",
                      R"({"name":"Burglary series","kind":"custom","priority":2})");
  ASSERT_EQ(created.status, 201) << created.body;
  // The entry without a case number is refused by index; the others wait.
  auto loaded = Call(
      sup, "PUT", "/api/v1/hotlists/1/entries?format=json",
      R"({"entries":[{"plate":"BUR1001","state":"MO","reason":"seen at two burglaries","case_number":"26-B-1"},{"plate":"BUR1002","reason":"associate"}]})");
  ASSERT_EQ(loaded.status, 200) << loaded.body;
  EXPECT_NE(loaded.body.find(R"("active":0,"pending":1)"), std::string::npos) << loaded.body;
  EXPECT_NE(loaded.body.find("case_number: required"), std::string::npos) << loaded.body;
  // A supervisor's own entries wait for a second person too.
  EXPECT_EQ(Call(sup, "POST", "/api/v1/hotlists/1/approve").status, 409);
  ASSERT_EQ(Call(admin_, "POST", "/api/v1/hotlists/1/approve").status, 200);
  auto entries = Call(sup, "GET", "/api/v1/hotlists/1/entries");
  ASSERT_NE(entries.body.find(R"("status":"active")"), std::string::npos) << entries.body;
  const std::size_t at = entries.body.find(R"("id":)") + 5;
  const std::string entry = entries.body.substr(at, entries.body.find(',', at) - at);
  // Renewed only for a new reason.
  EXPECT_EQ(Call(sup, "POST", "/api/v1/hotlists/1/entries/" + entry + "/revalidate",
                 R"({"reason":"seen at two burglaries"})")
                .status,
            400);
  clock_.Advance(std::chrono::hours(24 * 20));
  auto renewed = Call(SignIn("sup"), "POST", "/api/v1/hotlists/1/entries/" + entry + "/revalidate",
                      R"({"reason":"a third burglary on Delmar matched the vehicle"})");
  ASSERT_EQ(renewed.status, 200) << renewed.body;
  entries = Call(SignIn("sup"), "GET", "/api/v1/hotlists/1/entries");
  EXPECT_NE(entries.body.find("a third burglary on Delmar"), std::string::npos) << entries.body;
  EXPECT_NE(entries.body.find(R"("expires_at":"2027-03-06)"), std::string::npos) << entries.body;
}

// Every byte under the data directory, as someone with a copy of the disk
// would read them.
std::string EveryByteUnder(const std::string& dir) {
  std::string all;
  for (const auto& f : std::filesystem::recursive_directory_iterator(dir)) {
    if (!f.is_regular_file()) continue;
    std::ifstream in(f.path(), std::ios::binary);
    all += std::string((std::istreambuf_iterator<char>(in)), {});
  }
  return all;
}

TEST_F(IngestTest, AnAddressConfidentialPlateIsDroppedAtIngestNeverSearchedAndLeavesNoTrace) {
  SetUpStlpd();
  {
    auto db = catalog::Database::Open(test::CatalogAt(dir_.File("catalog.db")));
    test::AddUser(**db, 1, "clerk", "clerk");
  }
  // A read of the plate before it was listed: stored, but never returned after.
  const std::int64_t t = clock_.NowMillis();
  ASSERT_EQ(
      Call(key_, "POST", "/api/v1/reads", "[" + Read("before", "KZ9Q81", "MO", t) + "]").status,
      200);
  const std::string clerk = SignIn("clerk");
  const std::string officer = SignIn("officer");
  EXPECT_EQ(Call(officer, "POST", "/api/v1/confidential-plates/changes",
                 R"({"plate":"SAFE777","action":"add"})")
                .status,
            403);
  // Two people: the clerk proposes, the administrator approves (never the same one).
  for (const char* plate : {"SAFE777", "KZ9Q81"}) {
    auto proposed = Call(clerk, "POST", "/api/v1/confidential-plates/changes",
                         fmt::format(R"({{"plate":"{}","action":"add"}})", plate));
    ASSERT_EQ(proposed.status, 201) << proposed.body;
    const std::string id = proposed.body.substr(6, proposed.body.find(',') - 6);
    EXPECT_EQ(Call(clerk, "POST", "/api/v1/confidential-plates/changes/" + id + "/approve").status,
              403);
    ASSERT_EQ(Call(admin_, "POST", "/api/v1/confidential-plates/changes/" + id + "/approve").status,
              200);
  }
  // Answered like any read, but not stored and not matched, though KZ9Q81 is listed.
  auto r = Call(key_, "POST", "/api/v1/reads",
                "[" + Read("p1", "SAFE777", "MO", t + 1000) + "," +
                    Read("p2", "KZ9Q81", "MO", t + 1000) + "," +
                    Read("p3", "ABC123", "MO", t + 1000) + "]");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(R"("accepted":3,)"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("hits":0,)"), std::string::npos) << r.body;
  // No search returns it, even reads taken before it was listed.
  const std::string analyst = SignIn("sup");
  const std::string purpose =
      R"("purpose":{"code":"stolen-vehicle","case":"26-1","offense":"auto theft","justification":"vehicle taken from a driveway on Market St overnight"})";
  // (A search names its plate in the audit trail, as every search's terms:
  // the listed plate that was only ever dropped is not searched here.)
  auto found = Call(analyst, "POST", "/api/v1/search",
                    R"({"type":"plate","params":{"plate":"KZ9Q81"},)" + purpose + "}");
  ASSERT_EQ(found.status, 200) << found.body;
  EXPECT_NE(found.body.find(R"("count":0,)"), std::string::npos) << found.body;
  auto partial = Call(analyst, "POST", "/api/v1/search",
                      R"({"type":"partial","params":{"pattern":"A"},)" + purpose + "}");
  ASSERT_EQ(partial.status, 200) << partial.body;
  EXPECT_EQ(partial.body.find("SAFE777"), std::string::npos) << partial.body;
  EXPECT_NE(partial.body.find("ABC123"), std::string::npos) << partial.body;
  auto metrics = running_->client().Get("/metrics")->body;
  EXPECT_NE(metrics.find("interdict_reads_confidential_dropped_total 2"), std::string::npos);
  // The store holds the read taken before the listing and ABC123, not the two dropped.
  EXPECT_NE(metrics.find("\ninterdict_store_reads 2\n"), std::string::npos) << metrics;
  // The one exception: a supervisor and an administrator approve matching the
  // listed plate against the hotlists (a warrant); its reads are still not stored.
  auto asked =
      Call(analyst, "POST", "/api/v1/confidential-plates/matching", R"({"plate":"KZ9Q81"})");
  ASSERT_EQ(asked.status, 201) << asked.body;
  const std::string request = asked.body.substr(6, asked.body.find(',') - 6);
  EXPECT_EQ(
      Call(analyst, "POST", "/api/v1/confidential-plates/matching/" + request + "/approve").status,
      403)
      << "not the asker";
  ASSERT_EQ(
      Call(admin_, "POST", "/api/v1/confidential-plates/matching/" + request + "/approve").status,
      200);
  auto matched =
      Call(key_, "POST", "/api/v1/reads", "[" + Read("p4", "KZ9Q81", "MO", t + 2000) + "]");
  EXPECT_NE(matched.body.find(R"("accepted":1,)"), std::string::npos) << matched.body;
  EXPECT_NE(matched.body.find(R"("hits":1,)"), std::string::npos) << matched.body;
  found = Call(analyst, "POST", "/api/v1/search",
               R"({"type":"plate","params":{"plate":"KZ9Q81"},)" + purpose + "}");
  EXPECT_NE(found.body.find(R"("count":0,)"), std::string::npos) << "still not stored";
  // Not in the catalog, its log, the audit trail or the store: the plate
  // that was only ever listed and dropped appears nowhere on disk.
  running_.reset();  // the store flushes and the catalog closes
  std::string everything = EveryByteUnder(dir_.path());
  if (test::OnPostgres())
    everything += test::EveryCatalogRow(*test::OpenCatalog(dir_.File("catalog.db")));
  EXPECT_EQ(everything.find("SAFE777"), std::string::npos);
  EXPECT_NE(everything.find("KZ9Q81"), std::string::npos) << "the scan works";
  // The store compresses its files, so ask it too, with nothing excluded.
  store::StoreOptions so;
  so.dir = dir_.File("store");
  so.background = false;
  Result<std::unique_ptr<store::Store>> st =
      store::Store::Open(so, store::Env::Posix(), clock_, log_);
  ASSERT_TRUE(st.ok()) << st.status().message();
  for (const auto& [plate, reads] :
       {std::pair{"SAFE777", std::size_t{0}}, std::pair{"ABC123", std::size_t{1}}}) {
    store::ReadQuery q;
    q.agencies = {"STLPD"};
    q.plate = *plate::Plate::FromNormalized(plate);
    Result<store::QueryResult> got = (*st)->Query(q);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->reads.size(), reads) << plate;
  }
}

TEST_F(IngestTest, AStaleListRaisesTheAlarmMetric) {
  SetUpStlpd();
  ASSERT_EQ(
      Call(key_, "PUT", "/api/v1/hotlists/1/entries?format=ncic&published_at=2027-01-13T00:00:00Z",
           ReadFileText(kHotlists + "ncic-extract.txt"), "text/plain")
          .status,
      200);
  std::string metrics;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline &&
         metrics.find("interdict_hotlists_stale 1") == std::string::npos) {
    metrics = running_->client().Get("/metrics")->body;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_NE(metrics.find("interdict_hotlists_stale 1"), std::string::npos);
}

TEST_F(IngestTest, AHitArrivesOnTheStreamOfEveryRecipientAndNoOther) {
  SetUpStlpd();
  test::SseClient officer(running_->port(), "/api/v1/alerts/stream", SignIn("officer"));
  test::SseClient county(running_->port(), "/api/v1/alerts/stream", SignIn("county"));
  ASSERT_TRUE(officer.WaitFor(": connected")) << officer.received();
  ASSERT_TRUE(county.WaitFor(": connected")) << county.received();
  EXPECT_NE(officer.received().find("Content-Type: text/event-stream"), std::string::npos);

  ASSERT_EQ(Call(key_, "POST", "/api/v1/reads",
                 "[" + Read("r1", "KZ9O81", "MO", clock_.NowMillis()) + "]")
                .status,
            200);
  ASSERT_TRUE(officer.WaitFor("\n\n", std::chrono::seconds(10)));
  ASSERT_TRUE(officer.WaitFor(R"("match":"lookalike","approximate":true)")) << officer.received();
  EXPECT_NE(officer.received().find("id: 1\nevent: hit\ndata: {\"hit\":1,"), std::string::npos)
      << officer.received();
  // SLCPD has no hits agreement with STLPD: nothing for it.
  EXPECT_FALSE(county.WaitFor("event: hit", std::chrono::milliseconds(500))) << county.received();

  // Back-fill raises hits but no alerts.
  ASSERT_EQ(Call(key_, "POST", "/api/v1/reads",
                 "[" + Read("old", "KZ9Q81", "MO", clock_.NowMillis() - 2 * 86'400'000LL) + "]")
                .status,
            200);
  EXPECT_FALSE(officer.WaitFor("id: 2", std::chrono::milliseconds(500))) << officer.received();

  // A client that reconnects with Last-Event-ID gets what it missed.
  ASSERT_EQ(Call(key_, "POST", "/api/v1/reads",
                 "[" + Read("r3", "KZ9Q81", "MO", clock_.NowMillis()) + "]")
                .status,
            200);
  test::SseClient again(running_->port(), "/api/v1/alerts/stream", SignIn("officer"),
                        "Last-Event-ID: 1\r\n");
  ASSERT_TRUE(again.WaitFor("id: 3\nevent: hit")) << again.received();
  EXPECT_EQ(again.received().find("id: 1\n"), std::string::npos);
  EXPECT_EQ(again.received().find("id: 2\n"), std::string::npos) << "back-fill is not replayed";
}

TEST_F(IngestTest, AWebhookIsSignedAndRetriedUntilTheReceiverTakesIt) {
  SetUpStlpd();
  test::HttpReceiver cad({503, 503});
  auto created = Call(admin_, "POST", "/api/v1/webhooks", R"({"url":")" + cad.url() + R"("})");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::size_t at = created.body.find("whsec_");
  const std::string secret = created.body.substr(at, created.body.find('"', at) - at);

  ASSERT_EQ(Call(key_, "POST", "/api/v1/reads",
                 "[" + Read("r1", "KZ9Q81", "MO", clock_.NowMillis()) + "]")
                .status,
            200);
  ASSERT_TRUE(cad.WaitForCount(1));
  clock_.Advance(std::chrono::seconds(2));  // past the first backoff (1 s)
  ASSERT_TRUE(cad.WaitForCount(2));
  clock_.Advance(std::chrono::seconds(3));  // past the second (2 s)
  ASSERT_TRUE(cad.WaitForCount(3));

  const auto got = cad.received();
  ASSERT_EQ(got.size(), 3u);
  for (const auto& r : got) {
    EXPECT_EQ(r.delivery, got[0].delivery) << "one delivery, retried";
    EXPECT_NE(r.body.find(R"("plate":"KZ9Q81","match":"exact")"), std::string::npos) << r.body;
    // The receiver checks the signature with the secret it was shown once.
    const std::string t = r.signature.substr(2, r.signature.find(',') - 2);
    EXPECT_EQ(r.signature, alerting::SignatureHeader(secret, r.body, std::stoll(t)));
    EXPECT_EQ(r.signature.find("v1="), t.size() + 3) << r.signature;
  }
  const std::string hooks = WebhooksOnce(R"("delivered":1,"pending":0,"dead":0)");
  EXPECT_NE(hooks.find(R"("delivered":1,"pending":0,"dead":0)"), std::string::npos) << hooks;
  auto metrics = running_->client().Get("/metrics");
  EXPECT_NE(metrics->body.find("interdict_webhook_attempts_total 3"), std::string::npos);
  EXPECT_NE(metrics->body.find("interdict_webhook_failures_total 2"), std::string::npos);
}

class WebhookDeadLetterTest : public IngestTest {
 protected:
  void SetUp() override {
    tune_ = [](config::Config& c) { c.alerts.webhook_max_attempts = 2; };
    IngestTest::SetUp();
  }
};

TEST_F(WebhookDeadLetterTest, AfterTheLastAttemptADeliveryIsDeadLettered) {
  SetUpStlpd();
  test::HttpReceiver cad({500, 500, 500});
  ASSERT_EQ(Call(admin_, "POST", "/api/v1/webhooks", R"({"url":")" + cad.url() + R"("})").status,
            201);
  ASSERT_EQ(Call(key_, "POST", "/api/v1/reads",
                 "[" + Read("r1", "KZ9Q81", "MO", clock_.NowMillis()) + "]")
                .status,
            200);
  ASSERT_TRUE(cad.WaitForCount(1));
  clock_.Advance(std::chrono::seconds(2));
  ASSERT_TRUE(cad.WaitForCount(2));
  // No third attempt, however long we wait.
  clock_.Advance(std::chrono::hours(1));
  EXPECT_FALSE(cad.WaitForCount(3, std::chrono::seconds(2)));
  admin_ = SignIn("admin");  // the idle session ended with the hour
  const std::string body = WebhooksOnce(R"("dead":1)");
  EXPECT_NE(body.find(R"("delivered":0,"pending":0,"dead":1)"), std::string::npos) << body;
  auto metrics = running_->client().Get("/metrics");
  EXPECT_NE(metrics->body.find("interdict_webhook_dead_letters_total 1"), std::string::npos);
  EXPECT_NE(metrics->body.find("interdict_webhook_dead_letter_depth 1"), std::string::npos);
}

}  // namespace
}  // namespace interdict::server
