// Each review rule with a search that raises it and one that does not, through
// Sweep over real audit entries shaped as search::Record writes them; then
// resolution (never one's own), and the auditor's package.
#include "oversight/review.h"

#include <fmt/core.h>
#include <gtest/gtest.h>

#include <set>

#include "audit/audit.h"
#include "identity/accounts.h"
#include "support/catalog.h"
#include "support/temp_dir.h"

namespace interdict::oversight {
namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;  // 2027-01-15T08:00:00Z (02:00 in Chicago)
constexpr std::int64_t kHour = 3'600'000;
constexpr const char* kGoodWhy = "the witness saw this car leave the carjacking on Market St";

class ReviewTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = test::MigratedCatalog(
        dir_.File("catalog.db"),
        {
            "INSERT INTO agencies (id, code, name, ori, state, kind, created_at) VALUES (1, "
            "'AAPD', 'A Police', 'MO0000001', 'US-MO', 'local', 0)",
            "INSERT INTO users (id, agency_id, username, display_name, role, created_at, "
            "created_by, shift) VALUES (1, 1, 'ana', 'Ana', 'analyst', 0, 't', '07:00-19:00')",
            "INSERT INTO users (id, agency_id, username, display_name, role, created_at, "
            "created_by, shift) VALUES (2, 1, 'nightowl', 'Nat', 'analyst', 0, 't', '22:00-06:00')",
            "INSERT INTO users (id, agency_id, username, display_name, role, created_at, "
            "created_by) VALUES (3, 1, 'sam', 'Sam', 'supervisor', 0, 't')",
            "INSERT INTO approvals (id, agency_id, requested_by, purpose, case_number, offense, "
            "justification, max_span_ms, max_agencies, pattern_analysis, requested_at, "
            "approved_by, approved_at, expires_at) VALUES (1, 1, 1, 'stolen-vehicle', '26-1', "
            "'theft', 'x', 1, 1, 0, 0, 3, 1, 9000000000000)",
        });
    ASSERT_TRUE(db_);
  }

  // A search entry as search::Record writes it; `terms` are the fields
  // after "type".
  std::int64_t Search(const std::string& actor, const std::string& type, const std::string& terms,
                      const std::string& case_number = "26-004411",
                      const std::string& why = kGoodWhy, std::int64_t time = kNow + 10 * kHour,
                      const std::string& approval = "null") {
    audit::Entry e;
    e.time = time;
    e.actor = actor;
    e.agency = 1;
    e.event = "search." + type;
    e.details = fmt::format(
        R"({{"type":"{}"{},"from":"2027-01-01T00:00:00.000Z","to":"2027-01-15T00:00:00.000Z","format":"json","purpose":"stolen-vehicle","case":"{}","offense":"auto theft","justification":"{}","approval":{},"results":3,"agencies":["AAPD"],"touched":["AAPD"]}})",
        type, terms, case_number, why, approval);
    e.touched = {1};
    EXPECT_TRUE(db_->Transaction([&] { return audit::Append(*db_, e); }).ok());
    return e.seq;
  }

  // The rules that flagged entry `seq` after a sweep.
  std::set<std::string> FlagsOf(std::int64_t seq) {
    Result<std::size_t> swept = Sweep(*db_, rules_, kNow);
    EXPECT_TRUE(swept.ok()) << swept.status().message();
    std::set<std::string> out;
    Result<catalog::Statement> q = db_->Prepare("SELECT rule FROM review_flags WHERE seq = ?1");
    EXPECT_TRUE(q.ok());
    q->Bind(1, seq);
    EXPECT_TRUE(q->ForEach([&](const catalog::Statement& r) { out.insert(r.Text(0)); }).ok());
    return out;
  }

  identity::Principal Person(std::int64_t id, const std::string& role) {
    identity::Principal p;
    p.id = id;
    p.agency_id = 1;
    p.agency_code = "AAPD";
    p.role = role;
    p.permissions = {"audit.review"};
    return p;
  }

  test::TempDir dir_;
  std::unique_ptr<catalog::Database> db_;
  ReviewRules rules_;
};

TEST_F(ReviewTest, AnOrdinarySearchRaisesNothing) {
  EXPECT_EQ(FlagsOf(Search("user:1", "plate", R"(,"plate":"KZ9Q81")")), std::set<std::string>{});
}

TEST_F(ReviewTest, APlaceholderCaseNumberIsFlaggedAndARealOneIsNot) {
  EXPECT_EQ(FlagsOf(Search("user:1", "plate", R"(,"plate":"AB1")", "N/A")),
            std::set<std::string>{"no_case"});
  EXPECT_EQ(FlagsOf(Search("user:1", "plate", R"(,"plate":"AB2")", "26-0001")),
            std::set<std::string>{});
}

TEST_F(ReviewTest, AThinOrGenericJustificationIsFlagged) {
  EXPECT_EQ(
      FlagsOf(Search("user:1", "plate", R"(,"plate":"AB1")", "26-1", "ongoing investigation")),
      std::set<std::string>{"thin_justification"});
  EXPECT_EQ(FlagsOf(Search("user:1", "plate", R"(,"plate":"AB2")", "26-1", "checking on it")),
            std::set<std::string>{"thin_justification"});
  EXPECT_EQ(FlagsOf(Search("user:1", "plate", R"(,"plate":"AB3")")), std::set<std::string>{});
}

TEST_F(ReviewTest, TheThirdSearchOfOnePlateByOnePersonInAWeekIsFlagged) {
  Search("user:1", "plate", R"(,"plate":"KZ9Q81")", "26-1", kGoodWhy,
         kNow + 10 * kHour - 3 * 86'400'000);
  EXPECT_EQ(FlagsOf(Search("user:1", "route", R"(,"plate":"KZ9Q81")")), std::set<std::string>{});
  // Another person's search of it does not count towards ana's.
  Search("user:2", "plate", R"(,"plate":"KZ9Q81")", "26-1", kGoodWhy, kNow + 23 * kHour);
  EXPECT_EQ(FlagsOf(Search("user:1", "plate", R"(,"plate":"KZ9Q81")")),
            std::set<std::string>{"repeated_plate"});
  // Eight days later the count starts again.
  EXPECT_EQ(FlagsOf(Search("user:1", "plate", R"(,"plate":"KZ9Q81")", "26-1", kGoodWhy,
                           kNow + 10 * kHour + 8 * 86'400'000)),
            std::set<std::string>{});
}

TEST_F(ReviewTest, ASearchOutsideThePersonsShiftIsFlagged) {
  // kNow + 10 h = 18:00 UTC = 12:00 in Chicago (CST): inside 07-19, outside 22-06.
  EXPECT_EQ(FlagsOf(Search("user:1", "plate", R"(,"plate":"AB1")")), std::set<std::string>{});
  EXPECT_EQ(FlagsOf(Search("user:2", "plate", R"(,"plate":"AB2")")),
            std::set<std::string>{"off_shift"});
  // 02:00 in Chicago: inside the night shift that passes midnight, outside the day one.
  EXPECT_EQ(FlagsOf(Search("user:2", "plate", R"(,"plate":"AB3")", "26-1", kGoodWhy, kNow)),
            std::set<std::string>{});
  EXPECT_EQ(FlagsOf(Search("user:1", "plate", R"(,"plate":"AB4")", "26-1", kGoodWhy, kNow)),
            std::set<std::string>{"off_shift"});
  // No shift set: the default one (06:00-22:00) applies, and the flag says so.
  const std::int64_t night = Search("user:3", "plate", R"(,"plate":"AB5")", "26-1", kGoodWhy, kNow);
  EXPECT_EQ(FlagsOf(night), std::set<std::string>{"off_shift"});
  Result<std::vector<Flag>> flags = ListFlags(*db_, Person(1, "auditor"), "open", 10);
  ASSERT_TRUE(flags.ok());
  EXPECT_NE(flags->front().detail.find("06:00-22:00 (the default: none set)"), std::string::npos)
      << flags->front().detail;
  // A deployment may turn the default off: then only set shifts count.
  rules_.default_shift = "";
  EXPECT_EQ(FlagsOf(Search("user:3", "plate", R"(,"plate":"AB6")", "26-1", kGoodWhy, kNow)),
            std::set<std::string>{});
}

TEST_F(ReviewTest, TheQueuePagesNewestFirstWithoutGapsOrRepeats) {
  // Five searches with a placeholder case: five flags.
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(FlagsOf(Search("user:1", "plate", fmt::format(R"(,"plate":"PG{}")", i), "N/A")),
              std::set<std::string>{"no_case"});
  }
  Result<std::vector<Flag>> all = ListFlags(*db_, Person(1, "auditor"), "open", 100);
  ASSERT_TRUE(all.ok());
  ASSERT_GE(all->size(), 5u);
  std::vector<std::int64_t> paged;
  std::int64_t before = 0;
  for (int page = 0; page < 10; ++page) {
    Result<std::vector<Flag>> got = ListFlags(*db_, Person(1, "auditor"), "open", 2, before);
    ASSERT_TRUE(got.ok());
    if (got->empty()) break;
    EXPECT_LE(got->size(), 2u);
    for (const Flag& f : *got) paged.push_back(f.id);
    before = got->back().id;
  }
  std::vector<std::int64_t> ids;
  for (const Flag& f : *all) ids.push_back(f.id);
  EXPECT_EQ(paged, ids);
}

TEST_F(ReviewTest, TheDataOwnerSeesFlagsOnPartnersSearchesOfItsDataButDoesNotResolveThem) {
  ASSERT_TRUE(db_->Exec("INSERT INTO agencies (id, code, name, ori, state, kind, created_at) "
                        "VALUES (2, 'BBSO', 'B Sheriff', 'MO0000002', "
                        "'US-MO', 'county', 0); INSERT INTO users (id, agency_id, username, "
                        "display_name, role, created_at, created_by, shift) VALUES (4, 2, 'bob', "
                        "'Bob', 'analyst', 0, 't', '00:00-23:59')")
                  .ok());
  // BBSO's analyst searches, with a placeholder case, data that AAPD owns.
  audit::Entry e;
  e.time = kNow + 10 * kHour;
  e.actor = "user:4";
  e.agency = 2;
  e.event = "search.plate";
  e.details =
      R"({"type":"plate","plate":"AB7","from":"2027-01-01T00:00:00.000Z","to":"2027-01-15T00:00:00.000Z","purpose":"stolen-vehicle","case":"n/a","offense":"auto theft","justification":"the witness saw this car leave the carjacking on Market St","approval":null,"results":1,"agencies":["AAPD","BBSO"],"touched":["AAPD"]})";
  e.touched = {1, 2};
  ASSERT_TRUE(db_->Transaction([&] { return audit::Append(*db_, e); }).ok());
  EXPECT_EQ(FlagsOf(e.seq), std::set<std::string>{"no_case"});
  Result<std::vector<Flag>> seen = ListFlags(*db_, Person(1, "auditor"), "open", 10);
  ASSERT_TRUE(seen.ok());
  ASSERT_EQ(seen->size(), 1u);
  EXPECT_TRUE(seen->front().partner);
  EXPECT_EQ(seen->front().agency, "BBSO");
  EXPECT_EQ(seen->front().actor_name, "bob");
  EXPECT_EQ(Resolve(*db_, Person(1, "auditor"), seen->front().id, "justified",
                    "not ours to resolve, but seen", kNow)
                .code(),
            StatusCode::kNotFound);
}

TEST_F(ReviewTest, AnAreaSearchThatTouchedAProtectedPlaceIsFlagged) {
  policy::ProtectedPlace mosque;
  mosque.name = "Example Mosque";
  mosque.kind = "place of worship";
  mosque.at = geo::Point::FromDegrees(38.60, -90.40);
  rules_.places.fixed = {mosque};
  // Centred 100 m away.
  EXPECT_EQ(
      FlagsOf(Search("user:1", "area", R"(,"area":{"lat":38.6009,"lon":-90.40,"radius_m":200})")),
      std::set<std::string>{"protected_place"});
  // A scene that covers it.
  EXPECT_EQ(
      FlagsOf(Search(
          "user:1", "scenes",
          R"(,"k":2,"scenes":[{"area":{"lat":38.605,"lon":-90.40,"radius_m":800},"from":"2027-01-02T00:00:00Z","to":"2027-01-02T01:00:00Z"}])")),
      std::set<std::string>{"protected_place"});
  // A polygon around it.
  EXPECT_EQ(
      FlagsOf(Search(
          "user:1", "area",
          R"(,"area":{"polygon":[[-90.401,38.599],[-90.399,38.599],[-90.399,38.601],[-90.401,38.601],[-90.401,38.599]]})")),
      std::set<std::string>{"protected_place"});
  // Two kilometres away, 500 m across: 1.5 km short of it.
  EXPECT_EQ(
      FlagsOf(Search("user:1", "area", R"(,"area":{"lat":38.618,"lon":-90.40,"radius_m":500})")),
      std::set<std::string>{});
}

TEST_F(ReviewTest, TheCheckersFindingIsFlaggedWhetherTheSearchRanOrWasRefused) {
  // As search::Record writes an approved search that touched a place.
  const std::int64_t ran = Search("user:1", "area",
                                  R"(,"area":{"lat":38.63,"lon":-90.24,"radius_m":300})"
                                  R"(,"places":["Reproductive health clinic"])",
                                  "26-1", kGoodWhy, kNow + 10 * kHour, "1");
  EXPECT_EQ(FlagsOf(ran), std::set<std::string>{"protected_place"});
  // As policy::CheckSearch writes a refusal.
  audit::Entry e;
  e.time = kNow + 10 * kHour;
  e.actor = "user:1";
  e.agency = 1;
  e.event = "search.refused";
  e.details =
      R"({"purpose":"stolen-vehicle","case":"26-1","offense":"theft","justification":"x","approval":null,"reason":"needs approval","span_ms":1,"agencies":1,"pattern":false,"radius_m":300,"places":["Example Mosque"]})";
  e.touched = {1};
  ASSERT_TRUE(db_->Transaction([&] { return audit::Append(*db_, e); }).ok());
  EXPECT_EQ(FlagsOf(e.seq), std::set<std::string>{"protected_place"});
  // A refusal that touched no place raises nothing.
  e.details =
      R"({"purpose":"stolen-vehicle","case":"26-1","offense":"theft","justification":"x","approval":null,"reason":"needs approval","span_ms":1,"agencies":1,"pattern":true,"radius_m":0,"places":[]})";
  ASSERT_TRUE(db_->Transaction([&] { return audit::Append(*db_, e); }).ok());
  EXPECT_EQ(FlagsOf(e.seq), std::set<std::string>{});
}

TEST_F(ReviewTest, AWideSearchIsFlagged) {
  audit::Entry e;
  e.time = kNow + 10 * kHour;
  e.actor = "user:1";
  e.agency = 1;
  e.event = "search.partial";
  e.details = fmt::format(
      R"({{"type":"partial","pattern":"7?K","from":"2026-06-01T00:00:00.000Z","to":"2027-01-15T00:00:00.000Z","purpose":"stolen-vehicle","case":"26-1","justification":"{}","approval":null,"agencies":["A","B","C","D","E","F"]}})",
      kGoodWhy);
  e.touched = {1};
  ASSERT_TRUE(db_->Transaction([&] { return audit::Append(*db_, e); }).ok());
  EXPECT_EQ(FlagsOf(e.seq), std::set<std::string>{"wide"});
  EXPECT_EQ(
      FlagsOf(Search("user:1", "area", R"(,"area":{"lat":38.7,"lon":-90.1,"radius_m":6000})")),
      std::set<std::string>{"wide"});
  EXPECT_EQ(FlagsOf(Search("user:1", "area", R"(,"area":{"lat":38.7,"lon":-90.1,"radius_m":900})")),
            std::set<std::string>{});
}

TEST_F(ReviewTest, ASearchUnderAnApprovalTheSearcherGaveIsFlagged) {
  // Approval 1 was given by sam (user 3), requested by ana (user 1).
  EXPECT_EQ(FlagsOf(Search("user:3", "route", R"(,"plate":"Q1")", "26-1", kGoodWhy,
                           kNow + 10 * kHour, "1")),
            std::set<std::string>{"self_approved"});
  EXPECT_EQ(FlagsOf(Search("user:1", "route", R"(,"plate":"Q2")", "26-1", kGoodWhy,
                           kNow + 10 * kHour, "1")),
            std::set<std::string>{});
}

TEST_F(ReviewTest, AProhibitedPurposeAttemptIsFlagged) {
  audit::Entry e;
  e.time = kNow;
  e.actor = "user:1";
  e.agency = 1;
  e.event = "search.refused";
  e.outcome = audit::Outcome::kDenied;
  e.details =
      R"({"purpose":"civil-immigration","case":"N/A","offense":"x","justification":"x","reason":"prohibited purpose"})";
  ASSERT_TRUE(db_->Transaction([&] { return audit::Append(*db_, e); }).ok());
  EXPECT_EQ(FlagsOf(e.seq), std::set<std::string>{"prohibited_attempt"});
}

TEST_F(ReviewTest, FlagsAreRaisedOnceAndResolvedBySomeoneElseWithANote) {
  const std::int64_t seq = Search("user:3", "plate", R"(,"plate":"AB1")", "none");
  ASSERT_EQ(FlagsOf(seq), std::set<std::string>{"no_case"});
  ASSERT_TRUE(Sweep(*db_, rules_, kNow).ok());  // a second sweep raises nothing new
  Result<std::vector<Flag>> open = ListFlags(*db_, Person(3, "supervisor"), "open", 10);
  ASSERT_TRUE(open.ok()) << open.status().message();
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ((*open)[0].actor_name, "sam");
  const std::int64_t id = (*open)[0].id;
  // Sam may not clear a flag on his own search.
  EXPECT_EQ(
      Resolve(*db_, Person(3, "supervisor"), id, "justified", "my own search, fine", kNow).code(),
      StatusCode::kPermissionDenied);
  EXPECT_EQ(Resolve(*db_, Person(1, "auditor"), id, "justified", "short", kNow).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Resolve(*db_, Person(1, "auditor"), id, "ignored", "a long enough note", kNow).code(),
            StatusCode::kInvalidArgument);
  ASSERT_TRUE(Resolve(*db_, Person(1, "auditor"), id, "training",
                      "case number added after the fact; reminded of the rule", kNow)
                  .ok());
  EXPECT_EQ(ListFlags(*db_, Person(1, "auditor"), "open", 10)->size(), 0u);
  EXPECT_EQ((*ListFlags(*db_, Person(1, "auditor"), "resolved", 10))[0].resolved_by, "ana");
  EXPECT_EQ(Resolve(*db_, Person(1, "auditor"), id, "training", "again, a long note", kNow).code(),
            StatusCode::kFailedPrecondition);

  Result<std::string> pkg =
      ExportPackage(*db_, Person(1, "auditor"), rules_, kNow - 86'400'000, kNow + 86'400'000, kNow);
  ASSERT_TRUE(pkg.ok()) << pkg.status().message();
  EXPECT_NE(pkg->find(R"("verification":{"intact":true)"), std::string::npos) << *pkg;
  EXPECT_NE(pkg->find(R"("rule":"no_case")"), std::string::npos) << *pkg;
  EXPECT_NE(pkg->find(R"("resolution":"training")"), std::string::npos) << *pkg;
  EXPECT_NE(pkg->find(R"("event":"review.resolve")"), std::string::npos) << *pkg;
  EXPECT_NE(pkg->find(R"("sha256":")"), std::string::npos);
}

}  // namespace
}  // namespace interdict::oversight
