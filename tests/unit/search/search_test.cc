// Every search type against answers worked out by hand on small data sets,
// through the real catalog (policy) and the real store, with a fake clock.
#include "search/search.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>

#include <fmt/core.h>
#include <rapidjson/document.h>

#include "audit/audit.h"
#include "base/json.h"
#include "base/time_format.h"
#include "policy/purpose.h"
#include "store/store.h"
#include "support/catalog.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

namespace interdict::search {
namespace {

constexpr std::int64_t kSecond = 1000;
constexpr std::int64_t kMinute = 60 * kSecond;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kDay = 24 * kHour;
constexpr std::int64_t kNow = 1'794'268'800'000;  // 2026-11-10T00:00:00Z

constexpr const char* kCase = "26-004411";

// Where the test cameras stand (St. Louis): a1 and a2 are 400 m apart, a3
// is at the airport (20 km away), a4 in the south of the city.
struct CameraSpec {
  const char* agency;
  const char* code;
  double lat, lon;
};
constexpr CameraSpec kCameras[] = {
    {"STLPD", "a1", 38.6270, -90.1994}, {"STLPD", "a2", 38.6300, -90.2020},
    {"STLPD", "a3", 38.7487, -90.3700}, {"STLPD", "a4", 38.5800, -90.2600},
    {"SLCPD", "c1", 38.6271, -90.1995}, {"ILSP", "i1", 38.6272, -90.1996},
    {"SLPD2", "d1", 38.6269, -90.1993}};

class SearchLibraryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = test::MigratedCatalog(dir_.File("catalog.db"));
    ASSERT_TRUE(db_);
    accounts_ = std::make_unique<identity::Accounts>(*db_, identity::AccountPolicy{});
    for (const char* a : {"STLPD", "SLCPD", "ILSP", "SLPD2"}) {
      agency_ids_[a] = test::AddAgency(*db_, a);
      for (const char* role : {"administrator", "supervisor", "analyst"}) User(a, role);
    }
    for (const CameraSpec& c : kCameras) {
      test::AddCamera(*db_, agency_ids_[c.agency], c.code, c.lat, c.lon);
    }
    store::StoreOptions o;
    o.dir = dir_.path() + "/store";
    o.background = false;
    Result<std::unique_ptr<store::Store>> s =
        store::Store::Open(o, store::Env::Posix(), clock_, log_);
    ASSERT_TRUE(s.ok()) << s.status().message();
    store_ = std::move(s).value();
  }

  void User(const std::string& agency, const std::string& role) {
    auto st = db_->Prepare(
        "INSERT INTO users (agency_id, username, display_name, role, created_at, created_by) "
        "VALUES (?1, ?2, ?2, ?3, 0, 'test') RETURNING id");
    st->Bind(1, agency_ids_[agency]).Bind(2, agency + "-" + role).Bind(3, role);
    Result<std::int64_t> id = st->RunReturningId();
    ASSERT_TRUE(id.ok()) << id.status().message();
    users_[agency + "-" + role] = *accounts_->UserPrincipal(*id);
  }
  const identity::Principal& P(const std::string& name) { return users_.at(name); }

  // An approval for `who`'s case: up to `days`, 4 agencies, pattern analyses.
  std::int64_t Approval(const std::string& agency, std::int64_t days = 400) {
    policy::SearchReason why{"stolen-vehicle",
                             kCase,
                             "auto theft",
                             "vehicle taken from a driveway on Market St overnight",
                             {},
                             ""};
    policy::SearchScope scope;
    scope.span_ms = days * kDay;
    scope.agencies = 4;
    scope.pattern_analysis = true;
    Result<std::int64_t> id =
        policy::RequestApproval(*db_, P(agency + "-analyst"), why, scope, clock_.NowMillis());
    EXPECT_TRUE(id.ok()) << id.status().message();
    EXPECT_TRUE(policy::Approve(*db_, P(agency + "-supervisor"), *id, clock_.NowMillis()).ok());
    return *id;
  }

  static read::Read R(const std::string& id, const std::string& plate, const std::string& camera,
                      std::int64_t time, const std::string& agency = "STLPD") {
    read::Read r;
    r.agency = agency;
    r.camera = camera;
    r.id = id;
    r.time = time;
    r.plate = *plate::Plate::FromNormalized(plate);
    r.state = *plate::Jurisdiction::Parse("MO");
    return r;
  }
  void Store(std::vector<read::Read> reads) {
    Result<store::AppendResult> r = store_->Append(std::move(reads));
    ASSERT_TRUE(r.ok()) << r.status().message();
  }

  struct Outcome {
    Status status = Status::Ok();
    Request req;
    Answer answer;
    std::string body;
    std::int64_t seq = 0;
  };
  // No protected places: these cameras stand downtown, next to the shipped
  // examples, and the tests here are about what searches find (the place
  // check has its own test below and in places_test.cc).
  Limits limits_ = [] {
    Limits l;
    l.places.fixed.clear();
    return l;
  }();
  // Runs a search as the API does: parse, policy, store, audit, render.
  Outcome Ask(const std::string& who, const std::string& terms,
              std::optional<std::int64_t> approval = std::nullopt) {
    Outcome out;
    const std::string body = fmt::format(
        R"({{{},"purpose":{{"code":"stolen-vehicle","case":"{}","offense":"auto theft","justification":"vehicle taken from a driveway on Market St overnight"{}}}}})",
        terms, kCase, approval ? fmt::format(R"(,"approval":{})", *approval) : "");
    const std::int64_t now = clock_.NowMillis();
    Result<Request> req = ParseRequest(body, now);
    if (!req.ok()) {
      out.status = req.status();
      return out;
    }
    out.req = *req;
    Result<Plan> plan = Prepare(*db_, P(who), *req, now, limits_);
    if (!plan.ok()) {
      out.status = plan.status();
      return out;
    }
    Result<Answer> answer = Execute(*store_, *req, *plan);
    if (!answer.ok()) {
      out.status = answer.status();
      return out;
    }
    out.answer = *answer;
    Result<std::int64_t> seq = Record(*db_, P(who), *req, *plan, *answer, now);
    EXPECT_TRUE(seq.ok()) << seq.status().message();
    out.seq = seq.ok() ? *seq : 0;
    out.body = Render(*req, *plan, *answer, out.seq).body;
    return out;
  }

  static std::string Window(std::int64_t from, std::int64_t to) {
    return fmt::format(R"("filters":{{"from":"{}","to":"{}"}})", FormatRfc3339(from),
                       FormatRfc3339(to));
  }

  test::TempDir dir_;
  FakeClock clock_{kNow};
  Logger log_{[](std::string_view) {}, clock_};
  std::unique_ptr<catalog::Database> db_;
  std::unique_ptr<identity::Accounts> accounts_;
  std::unique_ptr<store::Store> store_;
  std::map<std::string, std::int64_t> agency_ids_;
  std::map<std::string, identity::Principal> users_;
};

std::vector<std::string> GroupPlates(const Answer& a) {
  std::vector<std::string> out;
  for (const PlateGroup& g : a.groups) out.push_back(g.plate);
  return out;
}

TEST_F(SearchLibraryTest, ScenesRankPlatesSeenInAtLeastKScenes) {
  const std::int64_t t0 = kNow - 5 * kDay, t1 = kNow - 3 * kDay, t2 = kNow - 2 * kDay;
  Store({R("1", "AAA111", "a1", t0 + 10 * kMinute), R("2", "AAA111", "a3", t1 + 5 * kMinute),
         R("3", "AAA111", "a4", t2 + 50 * kMinute), R("4", "BBB222", "a1", t0 + 20 * kMinute),
         R("5", "BBB222", "a3", t1 + 30 * kMinute), R("6", "CCC333", "a1", t0 + 1 * kMinute),
         R("7", "CCC333", "a1", t0 + 2 * kMinute), R("8", "CCC333", "a1", t0 + 3 * kMinute),
         R("9", "DDD444", "a1", t0 + 2 * kHour),  // after the first scene's hour
         R("10", "DDD444", "a3", t1 + 10 * kMinute)});
  const auto scene = [](const CameraSpec& c, std::int64_t from) {
    return fmt::format(R"({{"center":{{"lat":{},"lon":{}}},"radius_m":300,"from":"{}","to":"{}"}})",
                       c.lat, c.lon, FormatRfc3339(from), FormatRfc3339(from + kHour));
  };
  const std::string terms =
      fmt::format(R"("type":"scenes","params":{{"k":2,"scenes":[{},{},{}]}})",
                  scene(kCameras[0], t0), scene(kCameras[2], t1), scene(kCameras[3], t2));
  // A pattern analysis needs its permission and an approval.
  Outcome refused = Ask("STLPD-analyst", terms);
  EXPECT_EQ(refused.status.code(), StatusCode::kPermissionDenied) << refused.status.message();
  Outcome o = Ask("STLPD-analyst", terms, Approval("STLPD"));
  ASSERT_TRUE(o.status.ok()) << o.status.message();
  ASSERT_EQ(GroupPlates(o.answer), (std::vector<std::string>{"AAA111", "BBB222"}));
  EXPECT_EQ(o.answer.groups[0].scenes, (std::set<int>{0, 1, 2}));
  EXPECT_EQ(o.answer.groups[1].scenes, (std::set<int>{0, 1}));
  EXPECT_EQ(o.answer.groups[1].reads, 2);
  EXPECT_NE(o.body.find(R"("scenes":[0,1,2])"), std::string::npos) << o.body;

  // k = 3: only the plate seen at every scene; k = 1: all four that were in a scene.
  o = Ask("STLPD-analyst", std::string(terms).replace(terms.find(R"("k":2)"), 5, R"("k":3)"),
          Approval("STLPD"));
  EXPECT_EQ(GroupPlates(o.answer), (std::vector<std::string>{"AAA111"}));
  o = Ask("STLPD-analyst", std::string(terms).replace(terms.find(R"("k":2)"), 5, R"("k":1)"),
          Approval("STLPD"));
  EXPECT_EQ(GroupPlates(o.answer),
            (std::vector<std::string>{"AAA111", "BBB222", "CCC333", "DDD444"}));

  // Bad scene lists are 400s naming the parameter.
  Outcome one = Ask("STLPD-analyst", fmt::format(R"("type":"scenes","params":{{"scenes":[{}]}})",
                                                 scene(kCameras[0], t0)));
  EXPECT_EQ(one.status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(one.status.message().find("params.scenes"), std::string::npos);
  Outcome k =
      Ask("STLPD-analyst", std::string(terms).replace(terms.find(R"("k":2)"), 5, R"("k":4)"));
  EXPECT_NE(k.status.message().find("params.k"), std::string::npos) << k.status.message();
}

TEST_F(SearchLibraryTest, ConvoyRanksCompanionsAboveCommutersByTheChanceBaseline) {
  const std::int64_t from = kNow - 10 * kDay;
  std::vector<read::Read> reads;
  // The target passes a1 at 08:00:30 on days 0-3, a3 on days 4-6 and a4 on days 7-9.
  int n = 0;
  for (int day = 0; day < 10; ++day) {
    const char* cam = day < 4 ? "a1" : day < 7 ? "a3" : "a4";
    const std::int64_t t = from + day * kDay + 8 * kHour + 30 * kSecond;
    reads.push_back(R(fmt::format("t{}", n++), "TGT100", cam, t));
    // The companion is 20 s behind it on 8 of the 10 passes, at all three cameras.
    if (day != 2 && day != 8)
      reads.push_back(R(fmt::format("c{}", n++), "CMP200", cam, t + 20 * kSecond));
  }
  // A misread of the target by the same camera at the same moment: left out.
  reads.push_back(R("m1", "TGT1OO", "a1", from + 8 * kHour + 30 * kSecond));
  // Someone seen with it once only.
  reads.push_back(R("o1", "ONE111", "a3", from + 5 * kDay + 8 * kHour + 40 * kSecond));
  // A commuter past a1 every 10 minutes, all day, every day: 1,440 reads,
  // with each of the target's 4 passes at a1.
  for (std::int64_t t = from; t < from + 10 * kDay; t += 10 * kMinute)
    reads.push_back(R(fmt::format("k{}", t), "COM300", "a1", t));
  Store(std::move(reads));

  const std::string terms = R"("type":"convoy","params":{"plate":"TGT100","window_s":120},)" +
                            Window(from, from + 10 * kDay);
  Outcome o = Ask("STLPD-analyst", terms, Approval("STLPD"));
  ASSERT_TRUE(o.status.ok()) << o.status.message();
  ASSERT_EQ(GroupPlates(o.answer), (std::vector<std::string>{"CMP200", "COM300"})) << o.body;
  const PlateGroup& companion = o.answer.groups[0];
  EXPECT_EQ(companion.together, 8);
  EXPECT_EQ(companion.cameras.size(), 3u);
  // Chance for the companion: the target's passes at each camera × the
  // companion's reads there (a1: 4 × 3, a3: 3 × 3, a4: 3 × 2), × 2Δt / period.
  EXPECT_NEAR(companion.expected, (4.0 * 3 + 3.0 * 3 + 3.0 * 2) * 240.0 / 864000.0, 1e-9);
  const PlateGroup& commuter = o.answer.groups[1];
  EXPECT_EQ(commuter.together, 4);
  EXPECT_NEAR(commuter.expected, 4.0 * 1440.0 * 240.0 / 864000.0, 1e-9);  // 1.6
  EXPECT_EQ(o.answer.target_reads, 10);
  EXPECT_EQ(o.answer.excluded, 1);
  EXPECT_NE(o.body.find(R"("together":8,"distinct_cameras":3)"), std::string::npos) << o.body;

  // With Δt outside 10 s – 1 h the request is refused, naming it.
  Outcome bad = Ask("STLPD-analyst", R"("type":"convoy","params":{"plate":"TGT100","window_s":5})");
  EXPECT_NE(bad.status.message().find("params.window_s"), std::string::npos);
}

TEST_F(SearchLibraryTest, LocateCountsHoursOfTheWeekInTheLocalZoneAcrossDaylightSaving) {
  // Mondays 08:15 in St. Louis: twice in daylight time (13:15 UTC), once in
  // standard time (14:15 UTC); one Saturday 22:40 local (04:40 UTC Sunday).
  Store({R("1", "LOC700", "a1", *ParseRfc3339("2026-10-19T13:15:00Z")),
         R("2", "LOC700", "a1", *ParseRfc3339("2026-10-26T13:15:00Z")),
         R("3", "LOC700", "a1", *ParseRfc3339("2026-11-02T14:15:00Z")),
         R("4", "LOC700", "a3", *ParseRfc3339("2026-11-08T04:40:00Z"))});
  Outcome o = Ask("STLPD-analyst",
                  R"("type":"locate","params":{"plate":"LOC700","time_zone":"America/Chicago"})",
                  Approval("STLPD"));
  ASSERT_TRUE(o.status.ok()) << o.status.message();
  ASSERT_EQ(o.answer.spots.size(), 2u);
  EXPECT_EQ(o.answer.spots[0].camera, "a1");
  EXPECT_EQ(o.answer.spots[0].hours, (std::map<int, std::int64_t>{{0 * 24 + 8, 3}}));
  EXPECT_EQ(o.answer.spots[1].hours, (std::map<int, std::int64_t>{{5 * 24 + 22, 1}}));
  EXPECT_NE(o.body.find(R"("hours":[{"day":"Mon","hour":8,"reads":3}])"), std::string::npos)
      << o.body;
  // In UTC the same reads fall on other hours.
  o = Ask("STLPD-analyst", R"("type":"locate","params":{"plate":"LOC700"})", Approval("STLPD"));
  EXPECT_EQ(o.answer.spots[0].hours, (std::map<int, std::int64_t>{{13, 2}, {14, 1}}));
  // Any IANA zone: London left summer time on 25 October, a week before
  // St. Louis, so the same Mondays are 14:15, 13:15 and 14:15 there.
  o = Ask("STLPD-analyst",
          R"("type":"locate","params":{"plate":"LOC700","time_zone":"Europe/London"})",
          Approval("STLPD"));
  ASSERT_TRUE(o.status.ok()) << o.status.message();
  EXPECT_EQ(o.answer.spots[0].hours, (std::map<int, std::int64_t>{{13, 1}, {14, 2}}));
  for (const char* zone : {"Mars/Olympus", "../../etc/passwd"}) {
    Outcome bad =
        Ask("STLPD-analyst",
            fmt::format(R"("type":"locate","params":{{"plate":"LOC700","time_zone":"{}"}})", zone));
    EXPECT_NE(bad.status.message().find("params.time_zone"), std::string::npos) << zone;
  }
}

TEST_F(SearchLibraryTest, RouteGivesTravelTimesAndFlagsImpossibleSpeeds) {
  const std::int64_t t = kNow - kDay;
  Store({R("1", "RTE500", "a1", t), R("2", "RTE500", "a2", t + 5 * kMinute),
         R("3", "RTE500", "a3", t + 6 * kMinute),  // 20 km in one minute: a clone or a misread
         R("4", "RTE500", "a1", t + 60 * kMinute)});
  Outcome o =
      Ask("STLPD-analyst", R"("type":"route","params":{"plate":"RTE500"})", Approval("STLPD"));
  ASSERT_TRUE(o.status.ok()) << o.status.message();
  ASSERT_EQ(o.answer.legs.size(), 4u);
  EXPECT_TRUE(o.answer.legs[0].first);
  const geo::Point a1 = geo::Point::FromDegrees(38.6270, -90.1994);
  const geo::Point a2 = geo::Point::FromDegrees(38.6300, -90.2020);
  const geo::Point a3 = geo::Point::FromDegrees(38.7487, -90.3700);
  EXPECT_NEAR(o.answer.legs[1].distance_m, geo::DistanceMeters(a1, a2), 1);
  EXPECT_EQ(o.answer.legs[1].seconds, 300);
  EXPECT_FALSE(o.answer.legs[1].impossible);
  EXPECT_NEAR(o.answer.legs[2].kmh, geo::DistanceMeters(a2, a3) / 1000 * 60, 1);
  EXPECT_TRUE(o.answer.legs[2].impossible);
  EXPECT_FALSE(o.answer.legs[3].impossible);  // 20 km in 54 minutes
  EXPECT_NE(o.body.find(R"("impossible":1,)"), std::string::npos) << o.body;
}

// A read from a mobile unit carries its own position, which is the leg's
// place: the leg names lat and lon once, or the answer would not be JSON.
TEST_F(SearchLibraryTest, RouteLegsOfReadsWithTheirOwnPositionNameItOnce) {
  const std::int64_t t = kNow - kDay;
  read::Read mobile = R("2", "RTE600", "a2", t + 5 * kMinute);
  mobile.position = geo::Point::FromDegrees(38.6400, -90.2100);
  Store({R("1", "RTE600", "a1", t), mobile});
  Outcome o =
      Ask("STLPD-analyst", R"("type":"route","params":{"plate":"RTE600"})", Approval("STLPD"));
  ASSERT_TRUE(o.status.ok()) << o.status.message();
  rapidjson::Document d;
  ASSERT_TRUE(json::Parse(o.body, &d).ok()) << o.body;
  const auto& legs = d["results"];
  ASSERT_EQ(legs.Size(), 2u);
  EXPECT_NEAR(legs[0]["lat"].GetDouble(), 38.6270, 1e-6);
  EXPECT_NEAR(legs[1]["lat"].GetDouble(), 38.6400, 1e-6);
  EXPECT_NEAR(legs[1]["lon"].GetDouble(), -90.2100, 1e-6);
}

TEST_F(SearchLibraryTest, AreaByPolygonGroupsThePlatesSeenInside) {
  const std::int64_t t = kNow - kHour;
  Store({R("1", "PLY100", "a1", t), R("2", "PLY100", "a2", t + kMinute),
         R("3", "PLY200", "a2", t + 2 * kMinute), R("4", "PLY300", "a3", t + 3 * kMinute)});
  // A square around a1 and a2 (not a3), closed as GeoJSON writes it.
  const std::string square =
      R"({"type":"Polygon","coordinates":[[[-90.21,38.62],[-90.19,38.62],[-90.19,38.64],[-90.21,38.64],[-90.21,38.62]]]})";
  Outcome o = Ask("STLPD-analyst", R"("type":"area","params":{"polygon":)" + square + "}");
  ASSERT_TRUE(o.status.ok()) << o.status.message();
  ASSERT_EQ(GroupPlates(o.answer), (std::vector<std::string>{"PLY100", "PLY200"}));
  EXPECT_EQ(o.answer.groups[0].reads, 2);
  EXPECT_EQ(o.answer.groups[0].cameras.size(), 2u);
  // A bow tie crosses itself: it has no inside.
  Outcome bow = Ask(
      "STLPD-analyst",
      R"("type":"area","params":{"polygon":{"type":"Polygon","coordinates":[[[-90.21,38.62],[-90.19,38.64],[-90.19,38.62],[-90.21,38.64]]]}})");
  EXPECT_EQ(bow.status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bow.status.message().find("params.polygon.coordinates[0]: crosses itself"),
            std::string::npos)
      << bow.status.message();
  Outcome line = Ask(
      "STLPD-analyst",
      R"("type":"area","params":{"polygon":{"type":"Polygon","coordinates":[[[-90.21,38.62],[-90.19,38.64]]]}})");
  EXPECT_NE(line.status.message().find("at least 3 distinct points"), std::string::npos);
}

TEST_F(SearchLibraryTest, PlateHistoryOffersLookalikesApartAndCursorsBelongToTheirSearch) {
  const std::int64_t t = kNow - kHour;
  Store({R("1", "KZ9Q81", "a1", t), R("2", "KZ9Q81", "a2", t + kMinute),
         R("3", "KZ9O81", "a1", t + 2 * kMinute), R("4", "KZ9Q8", "a3", t + 3 * kMinute),
         R("5", "AB1234", "a1", t + 4 * kMinute)});
  Outcome o =
      Ask("STLPD-analyst", R"("type":"plate","params":{"plate":"KZ9Q81"},"page":{"limit":1})");
  ASSERT_TRUE(o.status.ok()) << o.status.message();
  ASSERT_EQ(o.answer.reads.size(), 1u);
  EXPECT_EQ(o.answer.reads[0].read.id, "2");  // newest first
  EXPECT_EQ(GroupPlates(o.answer), (std::vector<std::string>{"KZ9O81", "KZ9Q8"}));
  EXPECT_NE(o.body.find(R"("plate":"KZ9O81","reads":1,)"), std::string::npos) << o.body;
  EXPECT_NE(o.body.find(R"("match":"lookalike","approximate":true)"), std::string::npos);
  EXPECT_EQ(o.body.find("AB1234"), std::string::npos);
  ASSERT_TRUE(o.answer.next);
  const std::string cursor = EncodeCursor(o.req, *o.answer.next);
  Outcome next = Ask("STLPD-analyst",
                     R"("type":"plate","params":{"plate":"KZ9Q81"},"page":{"limit":1,"cursor":")" +
                         cursor + R"("})");
  ASSERT_TRUE(next.status.ok()) << next.status.message();
  EXPECT_EQ(next.answer.reads[0].read.id, "1");
  // The same cursor for another plate is refused.
  Outcome other =
      Ask("STLPD-analyst",
          R"("type":"plate","params":{"plate":"AB1234"},"page":{"cursor":")" + cursor + R"("})");
  EXPECT_NE(other.status.message().find("page.cursor: belongs to a different search"),
            std::string::npos)
      << other.status.message();
}

// The peers benchmark asks for a plate's reads alone, as its peers answer:
// without the offer the same reads come back and no look-alike group.
TEST_F(SearchLibraryTest, APlateSearchWithoutTheOfferAnswersItsReadsAlone) {
  const std::int64_t t = kNow - kHour;
  Store({R("1", "KZ9Q81", "a1", t), R("2", "KZ9O81", "a1", t + kMinute)});
  Outcome offered = Ask("STLPD-analyst", R"("type":"plate","params":{"plate":"KZ9Q81"})");
  ASSERT_TRUE(offered.status.ok()) << offered.status.message();
  ASSERT_EQ(GroupPlates(offered.answer), (std::vector<std::string>{"KZ9O81"}));
  Request req = offered.req;
  req.offer_lookalikes = false;
  Result<Plan> plan = Prepare(*db_, P("STLPD-analyst"), req, clock_.NowMillis(), limits_);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  Result<Answer> alone = Execute(*store_, req, *plan);
  ASSERT_TRUE(alone.ok()) << alone.status().message();
  ASSERT_EQ(alone->reads.size(), 1u);
  EXPECT_EQ(alone->reads[0].read.id, "1");
  EXPECT_TRUE(alone->groups.empty());
}

TEST_F(SearchLibraryTest, LookalikeResultsPageThroughEveryRelatedPlateOnce) {
  const std::int64_t t = kNow - kHour;
  Store({R("1", "KZ9Q81", "a1", t), R("2", "KZ9O81", "a1", t + kMinute),
         R("3", "KZ9Q8", "a3", t + 2 * kMinute), R("4", "KZ9Q81", "a2", t + 2 * kMinute),
         R("5", "AB1234", "a1", t + 4 * kMinute)});
  std::vector<std::string> ids;
  std::string cursor;
  for (int page = 0; page < 10; ++page) {
    std::string terms = R"("type":"lookalike","params":{"plate":"KZ9Q81"},"page":{"limit":1)";
    if (!cursor.empty()) terms += R"(,"cursor":")" + cursor + R"(")";
    Outcome o = Ask("STLPD-analyst", terms + "}");
    ASSERT_TRUE(o.status.ok()) << o.status.message();
    for (const Sighting& s : o.answer.reads) ids.push_back(s.read.id);
    if (!o.answer.next) break;
    cursor = EncodeCursor(o.req, *o.answer.next);
  }
  // Newest first; reads of the same millisecond by agency, camera and id.
  EXPECT_EQ(ids, (std::vector<std::string>{"4", "3", "2", "1"}));
}

TEST_F(SearchLibraryTest, ExpiredReadsNeverAppearAndHeldOnesNameTheirHold) {
  // STLPD keeps non-hit reads 30 days; one old read is under an evidence hold.
  store_->SetRetention({{"STLPD", store::RetentionRule{30 * kDay}}});
  store::Hold hold;
  hold.id = "hold-9";
  hold.agency = "STLPD";
  hold.plate = *plate::Plate::FromNormalized("EXP100");
  hold.from = kNow - 41 * kDay;
  hold.to = kNow - 39 * kDay;
  hold.expires_at = kNow + 90 * kDay;
  hold.basis = "court order 26-CR-1";
  store_->SetHolds({hold});
  // Written when they were fresh, then the clock moves on 40 days.
  clock_.SetWall(kNow - 40 * kDay);
  const std::int64_t t = kNow - 40 * kDay;
  Store({R("old1", "EXP100", "a1", t), R("old2", "EXP100", "a2", t + 2 * kMinute),
         R("old3", "EXP200", "a1", t + kMinute),
         R("new1", "EXP100", "a1", kNow - kDay + 5 * kMinute),
         R("new2", "EXP200", "a1", kNow - kDay + 6 * kMinute)});
  store_->SetHolds({hold});
  clock_.SetWall(kNow);
  // The hold covers EXP100 in its window, so old1 and old2 are kept; old3
  // (EXP200) has expired.
  const std::int64_t approval = Approval("STLPD");
  const std::string window = Window(kNow - 50 * kDay, kNow);
  const std::string area = R"("center":{"lat":38.6285,"lon":-90.2007},"radius_m":1000)";
  const std::string scenes = fmt::format(
      R"({{"center":{{"lat":38.627,"lon":-90.1994}},"radius_m":500,"from":"{}","to":"{}"}})",
      FormatRfc3339(t - kHour), FormatRfc3339(t + kHour));
  const std::string scenes2 = fmt::format(
      R"({{"center":{{"lat":38.627,"lon":-90.1994}},"radius_m":500,"from":"{}","to":"{}"}})",
      FormatRfc3339(kNow - kDay), FormatRfc3339(kNow - kDay + kHour));
  for (const std::string& terms :
       {R"("type":"plate","params":{"plate":"EXP200"},)" + window,
        R"("type":"partial","params":{"pattern":"EXP"},)" + window,
        R"("type":"lookalike","params":{"plate":"EXP200"},)" + window,
        R"("type":"area","params":{)" + area + "}," + window,
        R"("type":"scenes","params":{"k":1,"scenes":[)" + scenes + "," + scenes2 + "]}",
        R"("type":"convoy","params":{"plate":"EXP100","window_s":600},)" + window,
        R"("type":"locate","params":{"plate":"EXP200"},)" + window,
        R"("type":"route","params":{"plate":"EXP200"},)" + window}) {
    Outcome o = Ask("STLPD-analyst", terms, approval);
    ASSERT_TRUE(o.status.ok()) << terms << ": " << o.status.message();
    EXPECT_EQ(o.body.find("old3"), std::string::npos) << terms << ": " << o.body;
    EXPECT_EQ(o.body.find(FormatRfc3339(t + kMinute)), std::string::npos) << o.body;
  }
  // The held reads appear, naming the hold that keeps them.
  Outcome held =
      Ask("STLPD-analyst", R"("type":"plate","params":{"plate":"EXP100"},)" + window, approval);
  ASSERT_EQ(held.answer.reads.size(), 3u) << held.body;
  EXPECT_EQ(held.answer.reads[0].hold, "");
  EXPECT_EQ(held.answer.reads[1].hold, "hold-9");
  EXPECT_NE(held.body.find(R"("hold":"hold-9")"), std::string::npos) << held.body;
}

TEST_F(SearchLibraryTest, ExportsAreCsvOrGeoJsonAndAuditedAsExports) {
  const std::int64_t t = kNow - kHour;
  Store({R("1", "CSV100", "a1", t), R("2", "CSV100", "a2", t + kMinute)});
  Outcome csv =
      Ask("STLPD-analyst", R"("type":"plate","params":{"plate":"CSV100"},"format":"csv")");
  ASSERT_TRUE(csv.status.ok()) << csv.status.message();
  EXPECT_EQ(csv.body.substr(0, csv.body.find("\r\n")),
            "time,agency,camera,id,plate,state,lat,lon,make,model,color,hold");
  EXPECT_NE(
      csv.body.find(FormatRfc3339(t + kMinute) + ",STLPD,a2,2,CSV100,US-MO,38.630000,-90.202000"),
      std::string::npos)
      << csv.body;
  Outcome geo =
      Ask("STLPD-analyst", R"("type":"plate","params":{"plate":"CSV100"},"format":"geojson")");
  EXPECT_EQ(geo.body.rfind(R"({"type":"FeatureCollection","features":[)", 0), 0u) << geo.body;
  EXPECT_NE(geo.body.find(R"("coordinates":[-90.1994,38.627])"), std::string::npos) << geo.body;
  Outcome json = Ask("STLPD-analyst", R"("type":"plate","params":{"plate":"CSV100"})");
  // Two exports, each on the record apart from its search; the JSON search is not an export.
  auto q = db_->Prepare("SELECT count(*), min(details) FROM audit WHERE event = 'search.export'");
  ASSERT_TRUE(*q->Step());
  EXPECT_EQ(q->Int(0), 2);
  EXPECT_NE(q->Text(1).find(
                fmt::format(R"("search":{},"type":"plate","format":"csv","results":2)", csv.seq)),
            std::string::npos)
      << q->Text(1);
  auto s = db_->Prepare("SELECT count(*) FROM audit WHERE event = 'search.plate'");
  ASSERT_TRUE(*s->Step());
  EXPECT_EQ(s->Int(0), 3);
  EXPECT_GT(json.seq, geo.seq);
}

// Whatever the agreements, no search of any type ever shows an agency's reads
// to another agency without an agreement for reads in force, and every read
// of the agencies it may see is found.
TEST_F(SearchLibraryTest, NoQueryTypeShowsAnAgencysReadsWithoutAnAgreement) {
  const std::vector<std::string> agencies = {"STLPD", "SLCPD", "ILSP", "SLPD2"};
  const std::map<std::string, std::string> camera = {
      {"STLPD", "a1"}, {"SLCPD", "c1"}, {"ILSP", "i1"}, {"SLPD2", "d1"}};
  // Every agency's camera stands at the same corner and reads the same cars
  // at nearly the same moments.
  std::vector<read::Read> reads;
  const std::int64_t t = kNow - 2 * kDay;
  for (std::size_t a = 0; a < agencies.size(); ++a) {
    for (int i = 0; i < 5; ++i) {
      const std::int64_t at = t + i * kHour + static_cast<std::int64_t>(a) * 10 * kSecond;
      reads.push_back(R(fmt::format("{}-{}t", agencies[a], i), "PRP100", camera.at(agencies[a]), at,
                        agencies[a]));
      reads.push_back(R(fmt::format("{}-{}c", agencies[a], i), "QXW845", camera.at(agencies[a]),
                        at + 5 * kSecond, agencies[a]));
    }
  }
  Store(std::move(reads));
  std::map<std::string, std::int64_t> approvals;
  for (const std::string& a : agencies) approvals[a] = Approval(a, 30);
  const std::string scene = fmt::format(
      R"({{"center":{{"lat":38.627,"lon":-90.1994}},"radius_m":500,"from":"{}","to":"{}"}})",
      FormatRfc3339(t - kHour), FormatRfc3339(t + 6 * kHour));
  const std::vector<std::string> queries = {
      R"("type":"plate","params":{"plate":"PRP100"})",
      R"("type":"partial","params":{"pattern":"PRP?00"})",
      R"("type":"lookalike","params":{"plate":"PRP100"})",
      R"("type":"area","params":{"center":{"lat":38.627,"lon":-90.1994},"radius_m":500})",
      R"("type":"scenes","params":{"k":2,"scenes":[)" + scene + "," + scene + "]}",
      R"("type":"convoy","params":{"plate":"PRP100","window_s":60,"min_together":1})",
      R"("type":"locate","params":{"plate":"PRP100"})",
      R"("type":"route","params":{"plate":"PRP100"})"};

  std::mt19937 rng(20261129);
  for (int round = 0; round < 12; ++round) {
    // Random reads agreements (owner → partner), some later revoked.
    ASSERT_TRUE(db_->Exec("DELETE FROM agreements").ok());
    std::map<std::string, std::set<std::string>> may_see;  // partner → owners
    for (const std::string& owner : agencies) {
      for (const std::string& partner : agencies) {
        if (owner == partner) continue;
        const auto roll = rng() % 10;
        if (roll >= 6) continue;  // no agreement
        const bool revoked = roll == 5;
        const std::string cls = roll == 4 ? "hits" : "reads";  // another class gives no reads
        ASSERT_TRUE(
            db_->Exec(fmt::format("INSERT INTO agreements (owner_id, partner_id, data_class, "
                                  "effective_from, document, proposed_by, approved_by, "
                                  "approved_at, revoked_at, created_at) VALUES ({}, {}, '{}', 0, "
                                  "'MOU', {}, {}, 0, {}, 0)",
                                  agency_ids_[owner], agency_ids_[partner], cls,
                                  P(owner + "-supervisor").id, P(owner + "-administrator").id,
                                  revoked ? std::to_string(kNow - kHour) : "NULL"))
                .ok());
        if (!revoked && cls == "reads") may_see[partner].insert(owner);
      }
    }
    for (const std::string& who : agencies) {
      std::set<std::string> allowed = may_see[who];
      allowed.insert(who);
      for (const std::string& terms : queries) {
        Outcome o = Ask(who + "-analyst", terms, approvals[who]);
        ASSERT_TRUE(o.status.ok()) << who << " " << terms << ": " << o.status.message();
        std::set<std::string> seen = o.answer.owners;
        for (const Sighting& s : o.answer.reads) seen.insert(s.read.agency);
        for (const PlateGroup& g : o.answer.groups) {
          seen.insert(g.agencies.begin(), g.agencies.end());
          for (const Sighting& s : g.sightings) seen.insert(s.read.agency);
        }
        for (const Leg& l : o.answer.legs) seen.insert(l.at.read.agency);
        for (const Spot& s : o.answer.spots) seen.insert(s.agency);
        for (const std::string& a : seen) {
          EXPECT_TRUE(allowed.count(a)) << who << " saw " << a << " in " << terms;
        }
        for (const std::string& a : agencies) {
          if (!allowed.count(a)) {
            EXPECT_EQ(o.body.find(a + "-"), std::string::npos) << who << " " << terms;
          }
        }
        // Completeness: the plate's history holds every read of every agency it may see.
        if (terms.find(R"("type":"plate")") != std::string::npos) {
          EXPECT_EQ(o.answer.reads.size(), 5 * allowed.size()) << who;
        }
      }
    }
  }
}

// Every stated limit of the search request, at and one past it (issue 18).
class SearchRequestLimitsTest : public ::testing::Test {
 protected:
  static constexpr std::int64_t kNow = 1'800'000'000'000;
  static std::string Purpose() {
    return R"("purpose":{"code":"stolen-vehicle","case":"26-1","offense":"auto theft",)"
           R"("justification":"a stolen car seen on Market St at night"})";
  }
  // An open ring of n vertices on a circle: never self-crossing.
  static std::string Ring(int n) {
    std::string out = "[";
    for (int i = 0; i < n; ++i) {
      const double a = 2 * 3.141592653589793 * i / n;
      out += fmt::format("{}[{:.6f},{:.6f}]", i ? "," : "", -90.2 + 0.01 * std::cos(a),
                         38.6 + 0.01 * std::sin(a));
    }
    return out + "]";
  }
  static Result<Request> Area(int vertices) {
    return ParseRequest(R"({"type":"area","params":{"polygon":{"type":"Polygon","coordinates":[)" +
                            Ring(vertices) + "]}}," + Purpose() + "}",
                        kNow);
  }
  static Result<Request> Scenes(int n) {
    std::string scenes;
    for (int i = 0; i < n; ++i) {
      scenes += fmt::format(R"({}{{"center":{{"lat":38.6,"lon":-90.2}},"radius_m":500,)"
                            R"("from":"2026-11-{:02}T02:00:00Z","to":"2026-11-{:02}T03:00:00Z"}})",
                            i ? "," : "", i + 1, i + 1);
    }
    return ParseRequest(
        R"({"type":"scenes","params":{"k":2,"scenes":[)" + scenes + "]}," + Purpose() + "}", kNow);
  }
  static Result<Request> Page(int limit) {
    return ParseRequest(R"({"type":"plate","params":{"plate":"ABC123"},"page":{"limit":)" +
                            std::to_string(limit) + "}," + Purpose() + "}",
                        kNow);
  }
};

TEST_F(SearchRequestLimitsTest, APolygonMayHave1000VerticesNotOneMore) {
  Result<Request> at = Area(static_cast<int>(kMaxPolygonVertices));
  EXPECT_TRUE(at.ok()) << at.status().message();
  Result<Request> past = Area(static_cast<int>(kMaxPolygonVertices) + 2);
  ASSERT_FALSE(past.ok());
  EXPECT_NE(past.status().message().find("at most 1000 vertices"), std::string::npos)
      << past.status().message();
}

TEST_F(SearchRequestLimitsTest, AScenesSearchMayHave10ScenesNotOneMore) {
  Result<Request> at = Scenes(static_cast<int>(kMaxScenes));
  EXPECT_TRUE(at.ok()) << at.status().message();
  Result<Request> past = Scenes(static_cast<int>(kMaxScenes) + 1);
  ASSERT_FALSE(past.ok());
  EXPECT_NE(past.status().message().find("params.scenes: from 2 to 10 scenes"), std::string::npos)
      << past.status().message();
}

TEST_F(SearchRequestLimitsTest, APageMayHold1000ResultsNotOneMore) {
  Result<Request> at = Page(static_cast<int>(kMaxPageJson));
  ASSERT_TRUE(at.ok()) << at.status().message();
  EXPECT_EQ(at->limit, kMaxPageJson);
  Result<Request> past = Page(static_cast<int>(kMaxPageJson) + 1);
  ASSERT_FALSE(past.ok());
  EXPECT_NE(past.status().message().find("page.limit"), std::string::npos)
      << past.status().message();
}

TEST_F(SearchLibraryTest, AnAreaAtAProtectedPlaceIsRefusedBeforeTheStoreIsAsked) {
  limits_.places = policy::PlaceRules{};  // the shipped examples, City Hall among them
  const std::string terms =
      R"("type":"area","params":{"center":{"lat":38.6274,"lon":-90.1989},"radius_m":200})";
  Outcome o = Ask("STLPD-analyst", terms, Approval("STLPD"));
  EXPECT_EQ(o.status.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(o.status.message().find("does not name the protected places St. Louis City Hall"),
            std::string::npos)
      << o.status.message();
}

}  // namespace
}  // namespace interdict::search
