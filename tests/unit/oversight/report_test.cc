// The transparency report against an independent count of the rows it is made
// from: random hits, searches and read counts in three agencies, some inside
// the period and some outside, then every published figure compared, with
// small counts suppressed. And a scan of the whole report for the plates,
// people, case numbers, justifications and camera names that were seeded.
#include "oversight/report.h"

#include <fmt/core.h>
#include <gtest/gtest.h>

#include <rapidjson/document.h>
#include <set>

#include <map>
#include <random>

#include "audit/audit.h"
#include "oversight/read_counts.h"
#include "support/catalog.h"
#include "support/temp_dir.h"

namespace interdict::oversight {
namespace {

constexpr std::int64_t kDay = 86'400'000;
constexpr std::int64_t kFromDay = 20'400;  // 2025-11-08
constexpr std::int64_t kToDay = kFromDay + 30;

struct Expected {
  std::int64_t reads = 0, hits = 0, searches = 0, refused = 0;
  std::map<std::string, std::int64_t> by_kind, by_outcome, by_purpose;
};

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = test::MigratedCatalog(
        dir_.File("catalog.db"),
        {
            "INSERT INTO agencies (id, code, name, ori, state, kind, created_at) VALUES (1, "
            "'AAPD', 'A Police', 'MO0000001', 'US-MO', 'local', 0)",
            "INSERT INTO agencies (id, code, name, ori, state, kind, created_at) VALUES (2, "
            "'BBSO', 'B Sheriff', 'MO0000002', 'US-MO', 'county', "
            "0)",
            "INSERT INTO agencies (id, code, name, ori, state, kind, created_at) VALUES (3, "
            "'CCPD', 'C Police', 'IL0000003', 'US-IL', 'local', 0)",
            "INSERT INTO users (id, agency_id, username, display_name, role, created_at, "
            "created_by) VALUES (7, 1, 'jdoe.analyst', 'Jane Doe', 'analyst', 0, 'test')",
            "INSERT INTO cameras (agency_id, code, name, lat, lon) VALUES "
            "(1, 'a-cam1', 'Corner of Elm and Secret St', 38.6, -90.2)",
            "INSERT INTO hotlists (id, agency_id, name, kind, priority, one_edit, created_at, "
            "created_by) VALUES (1, 1, 'Operation Nightjar suspects', 'custom', 2, 1, 0, 'test')",
        });
    ASSERT_TRUE(db_);
  }

  // Random rows; `want` gets what each agency should report.
  void Seed(std::uint32_t seed, std::map<std::int64_t, Expected>& want) {
    std::mt19937 rng(seed);
    auto pick = [&](auto const& v) { return v[rng() % v.size()]; };
    const std::vector<std::string> kinds = {"V", "P", "W", "A", "custom"};
    const std::vector<std::string> steps = {"new", "acknowledged", "visually_checked",
                                            "confirmed_with_source", "closed"};
    const std::vector<std::string> outcomes = {
        "misread", "stale_entry", "stop", "arrest", "recovery", "no_action", "vehicle_mismatch"};
    const std::vector<std::string> purposes = {"stolen-vehicle", "violent-crime", "narcotics"};
    const std::vector<std::string> events = {"search.plate",  "search.partial", "search.area",
                                             "search.export", "search.refused", "login"};
    ASSERT_TRUE(
        db_->Transaction([&]() -> Status {
             for (int i = 0; i < 400; ++i) {
               const std::int64_t agency = 1 + static_cast<std::int64_t>(rng() % 3);
               const std::int64_t day = kFromDay - 5 + static_cast<std::int64_t>(rng() % 40);
               const std::int64_t t = day * kDay + static_cast<std::int64_t>(rng() % kDay);
               const bool backfill = rng() % 10 == 0;
               const std::string kind = pick(kinds);
               const std::string step = pick(steps);
               const std::string outcome = step == "closed" ? pick(outcomes) : "";
               Result<catalog::Statement> ins = db_->Prepare(
                   "INSERT INTO hits (agency_id, read_id, camera, read_time, plate, read, "
                   "hotlist_id, entry_id, entry, list_age_ms, match_kind, score, backfill, "
                   "step, outcome, created_at) VALUES (?1, ?2, 'a-cam1', ?3, 'KZ9Q81', '{}', "
                   "1, 1, ?4, 0, 'exact', 1.0, ?5, ?6, ?7, ?3)");
               if (!ins.ok()) return ins.status();
               ins->Bind(1, agency).Bind(2, fmt::format("r{}", i)).Bind(3, t);
               ins->Bind(4, fmt::format(R"({{"plate":"KZ9Q81","kind":"{}"}})", kind));
               ins->Bind(5, std::int64_t{backfill ? 1 : 0}).Bind(6, step);
               if (outcome.empty()) {
                 ins->BindNull(7);
               } else {
                 ins->Bind(7, outcome);
               }
               INTERDICT_RETURN_IF_ERROR(ins->Run());
               if (backfill || day < kFromDay || day >= kToDay) continue;
               Expected& e = want[agency];
               ++e.hits;
               ++e.by_kind[kind];
               ++e.by_outcome[!outcome.empty()                  ? outcome
                              : step == "confirmed_with_source" ? "confirmed"
                                                                : "open"];
             }
             return Status::Ok();
           })
            .ok());
    for (int i = 0; i < 300; ++i) {
      const std::int64_t agency = 1 + static_cast<std::int64_t>(rng() % 3);
      const std::int64_t day = kFromDay - 5 + static_cast<std::int64_t>(rng() % 40);
      audit::Entry e;
      e.time = day * kDay + static_cast<std::int64_t>(rng() % kDay);
      e.actor = "user:7";
      e.agency = agency;
      e.event = pick(events);
      const bool ok = rng() % 8 != 0;
      e.outcome = ok ? audit::Outcome::kOk : audit::Outcome::kDenied;
      const std::string purpose = pick(purposes);
      e.details = fmt::format(
          R"({{"purpose":"{}","case":"26-SECRET-{}","justification":"a witness saw jdoe's car","params":{{"plate":"KZ9Q81"}}}})",
          purpose, i);
      e.touched = {agency};
      ASSERT_TRUE(db_->Transaction([&] { return audit::Append(*db_, e); }).ok());
      if (day < kFromDay || day >= kToDay) continue;
      Expected& x = want[agency];
      if (e.event == "search.refused") {
        ++x.refused;
      } else if (e.event != "search.export" && e.event != "login" && ok) {
        ++x.searches;
        ++x.by_purpose[purpose];
      }
    }
    DayCounts counts;
    for (int i = 0; i < 200; ++i) {
      const std::int64_t agency = 1 + static_cast<std::int64_t>(rng() % 3);
      const std::int64_t day = kFromDay - 5 + static_cast<std::int64_t>(rng() % 40);
      const std::int64_t n = static_cast<std::int64_t>(rng() % 50);
      counts[{agency == 1   ? "AAPD"
              : agency == 2 ? "BBSO"
                            : "CCPD",
              rng() % 2 ? "c1" : "c2", day}] += n;
      if (day >= kFromDay && day < kToDay) want[agency].reads += n;
    }
    ASSERT_TRUE(AddReadCounts(*db_, counts).ok());
  }

  rapidjson::Document Report(std::int64_t min_count) {
    Result<std::string> r = TransparencyReport(*db_, {kFromDay, kToDay}, kToDay * kDay + 5000,
                                               {min_count, "06:00-22:00"});
    EXPECT_TRUE(r.ok()) << r.status().message();
    text_ = r.ok() ? *r : "{}";
    rapidjson::Document doc;
    doc.Parse(text_.c_str());
    EXPECT_FALSE(doc.HasParseError());
    return doc;
  }

  test::TempDir dir_;
  std::unique_ptr<catalog::Database> db_;
  std::string text_;
};

// The published value: the count, or -1 for null (suppressed).
std::int64_t Published(const rapidjson::Value& o, const char* key) {
  if (!o.HasMember(key)) return 0;  // a map without the key: nothing counted
  return o[key].IsNull() ? -1 : o[key].GetInt64();
}

std::int64_t Expect(std::int64_t n, std::int64_t min_count) {
  return n > 0 && n < min_count ? -1 : n;
}

// `hidden`: figures (by name, "hits" or "hits_by_outcome.stop") suppressed
// whatever their count — in a region total, those of which some agency's
// count is suppressed.
void CheckActivity(const rapidjson::Value& got, const Expected& want, std::int64_t min_count,
                   const std::string& where, const std::set<std::string>& hidden = {}) {
  SCOPED_TRACE(where);
  const auto expect = [&](const std::string& name, std::int64_t n) {
    return n > 0 && hidden.count(name) ? -1 : Expect(n, min_count);
  };
  EXPECT_EQ(Published(got, "reads"), expect("reads", want.reads));
  EXPECT_EQ(Published(got, "hits"), expect("hits", want.hits));
  EXPECT_EQ(Published(got, "searches"), expect("searches", want.searches));
  EXPECT_EQ(Published(got, "refused_searches"), expect("refused_searches", want.refused));
  for (const auto& [map, counts] : {std::pair{"hits_by_list_kind", &want.by_kind},
                                    std::pair{"hits_by_outcome", &want.by_outcome},
                                    std::pair{"searches_by_purpose", &want.by_purpose}}) {
    ASSERT_TRUE(got.HasMember(map)) << map;
    EXPECT_EQ(got[map].MemberCount(), counts->size()) << map;
    for (const auto& [k, n] : *counts) {
      EXPECT_EQ(Published(got[map], k.c_str()), expect(std::string(map) + "." + k, n))
          << map << "." << k;
    }
  }
  for (const char* outcome : {"stop", "arrest", "recovery"}) {
    auto it = want.by_outcome.find(outcome);
    const std::int64_t n = it == want.by_outcome.end() ? 0 : it->second;
    const char* key = outcome == std::string("stop")     ? "stops"
                      : outcome == std::string("arrest") ? "arrests"
                                                         : "recoveries";
    EXPECT_EQ(Published(got, key), expect(key, n)) << outcome;
  }
}

// The figures some agency publishes suppressed.
std::set<std::string> SuppressedAnywhere(const std::map<std::int64_t, Expected>& want,
                                         std::int64_t min_count) {
  std::set<std::string> out;
  const auto add = [&](const std::string& name, std::int64_t n) {
    if (n > 0 && n < min_count) out.insert(name);
  };
  for (const auto& [id, e] : want) {
    add("reads", e.reads);
    add("hits", e.hits);
    add("searches", e.searches);
    add("refused_searches", e.refused);
    for (const auto& [k, n] : e.by_kind) add("hits_by_list_kind." + k, n);
    for (const auto& [k, n] : e.by_outcome) add("hits_by_outcome." + k, n);
    for (const auto& [k, n] : e.by_purpose) add("searches_by_purpose." + k, n);
    for (const auto& [outcome, key] : {std::pair{"stop", "stops"}, std::pair{"arrest", "arrests"},
                                       std::pair{"recovery", "recoveries"}}) {
      auto it = e.by_outcome.find(outcome);
      add(key, it == e.by_outcome.end() ? 0 : it->second);
    }
  }
  return out;
}

TEST_F(ReportTest, EveryFigureEqualsAnIndependentCountOfTheRows) {
  std::map<std::int64_t, Expected> want;
  Seed(20261129, want);
  for (std::int64_t min_count : {1, 5, 12}) {
    rapidjson::Document doc = Report(min_count);
    ASSERT_TRUE(doc.IsObject());
    EXPECT_EQ(std::string(doc["period"]["from"].GetString()), "2025-11-08");
    Expected region;
    for (const auto& [id, e] : want) {
      region.reads += e.reads;
      region.hits += e.hits;
      region.searches += e.searches;
      region.refused += e.refused;
      for (const auto& [k, n] : e.by_kind) region.by_kind[k] += n;
      for (const auto& [k, n] : e.by_outcome) region.by_outcome[k] += n;
      for (const auto& [k, n] : e.by_purpose) region.by_purpose[k] += n;
    }
    CheckActivity(doc["region"], region, min_count, fmt::format("region, min {}", min_count),
                  SuppressedAnywhere(want, min_count));
    const auto& agencies = doc["agencies"].GetArray();
    ASSERT_EQ(agencies.Size(), 3u);
    for (std::int64_t id = 1; id <= 3; ++id) {
      CheckActivity(agencies[static_cast<rapidjson::SizeType>(id - 1)], want[id], min_count,
                    fmt::format("agency {}, min {}", id, min_count));
    }
  }
}

TEST_F(ReportTest, ThePolicySaysWhichShiftIsAssumedForPeopleWithoutOne) {
  Report(5);
  EXPECT_NE(text_.find("for people without a registered shift, the shift is 06:00-22:00 local"),
            std::string::npos);
}

TEST_F(ReportTest, RetentionPartnersInForceAndNcicFilesInUseArePublicPerAgency) {
  const std::int64_t now = kToDay * kDay + 5000;
  ASSERT_TRUE(
      db_->Exec(fmt::format(
                    "INSERT INTO retention VALUES (1, 'non_hit_reads', {0}, 'US-MO', 0, 't');"
                    "INSERT INTO users (id, agency_id, username, display_name, role, created_at, "
                    "created_by) VALUES (8, 1, 'sup', 'S', 'supervisor', 0, 't');"
                    // In force, ended, and not yet approved: only the first is a partner.
                    "INSERT INTO agreements (owner_id, partner_id, data_class, effective_from, "
                    "document, proposed_by, approved_by, approved_at, created_at) VALUES "
                    "(1, 2, 'reads', 0, 'MOU', 7, 8, 0, 0), (1, 3, 'hits', 0, 'MOU', 7, 8, 0, 0);"
                    "UPDATE agreements SET revoked_at = 1 WHERE partner_id = 3;"
                    "INSERT INTO agreements (owner_id, partner_id, data_class, effective_from, "
                    "document, proposed_by, created_at) VALUES (1, 3, 'reads', 0, 'MOU', 7, 0);"
                    "INSERT INTO agency_list_kinds VALUES (1, 'V', 1, 0, 't'), (1, 'I', 0, 0, "
                    "'t'), (2, 'W', 1, 0, 't')",
                    30 * kDay))
          .ok());
  Result<std::string> r = TransparencyReport(*db_, {kFromDay, kToDay}, now, {5, ""});
  ASSERT_TRUE(r.ok()) << r.status().message();
  rapidjson::Document doc;
  doc.Parse(r->c_str());
  const auto& aapd = doc["agencies"][0];
  EXPECT_EQ(aapd["retention"]["non_hit_reads"]["days"].GetInt64(), 30);
  EXPECT_EQ(std::string(aapd["retention"]["non_hit_reads"]["preset"].GetString()), "US-MO");
  ASSERT_TRUE(aapd["shares_with"].HasMember("reads"));
  EXPECT_EQ(aapd["shares_with"]["reads"].Size(), 1u);
  EXPECT_EQ(std::string(aapd["shares_with"]["reads"][0].GetString()), "BBSO");
  EXPECT_FALSE(aapd["shares_with"].HasMember("hits")) << "revoked";
  ASSERT_EQ(aapd["list_kinds"].Size(), 1u) << "I is off";
  EXPECT_EQ(std::string(aapd["list_kinds"][0].GetString()), "V");
  EXPECT_EQ(std::string(doc["agencies"][1]["list_kinds"][0].GetString()), "W");
}

TEST_F(ReportTest, SmallCountsAreSuppressedAndNamed) {
  DayCounts counts = {{{"AAPD", "c1", kFromDay}, 3}, {{"BBSO", "c1", kFromDay}, 40}};
  ASSERT_TRUE(AddReadCounts(*db_, counts).ok());
  rapidjson::Document doc = Report(5);
  const auto& a = doc["agencies"][0];
  EXPECT_TRUE(a["reads"].IsNull());
  EXPECT_EQ(std::string(a["suppressed"][0].GetString()), "reads");
  EXPECT_EQ(doc["agencies"][1]["reads"].GetInt64(), 40);
  EXPECT_EQ(doc["agencies"][2]["reads"].GetInt64(), 0);  // zero reveals nothing: published
  // 43 in the region less BBSO's 40 and CCPD's 0 would give AAPD's 3 away.
  EXPECT_TRUE(doc["region"]["reads"].IsNull());
  EXPECT_EQ(std::string(doc["region"]["suppressed"][0].GetString()), "reads");
}

TEST_F(ReportTest, NoPlatePersonCaseJustificationOrPlaceNameIsPublished) {
  std::map<std::int64_t, Expected> want;
  Seed(7, want);
  Report(1);  // nothing suppressed: the most the report can say
  for (const char* secret : {"KZ9Q81", "jdoe", "Jane Doe", "user:7", "26-SECRET", "a witness saw",
                             "Secret St", "Nightjar", "MO0000001"}) {
    EXPECT_EQ(text_.find(secret), std::string::npos) << secret << " in " << text_;
  }
  // What is public: the camera's code and position, the list's kind.
  EXPECT_NE(text_.find(R"("code":"a-cam1","lat":38.6)"), std::string::npos) << text_;
  EXPECT_NE(text_.find(R"("lists_by_kind":{"custom":1})"), std::string::npos) << text_;
}

TEST(ReadCounterTest, CountsOnlyStoredReadsByAgencyCameraAndDayAndWritesThemOnce) {
  test::TempDir dir;
  auto db = test::MigratedCatalog(dir.File("catalog.db"));
  ASSERT_TRUE(db->Exec("INSERT INTO agencies (id, code, name, ori, state, kind, created_at) VALUES "
                       "(1, 'AAPD', 'A', 'MO0000001', 'US-MO', "
                       "'local', 0)")
                  .ok());
  std::vector<read::Read> reads(7);
  const char* cameras[] = {"c1", "c1", "c2", "c1", "c1", "c1", "c1"};
  const std::int64_t days[] = {10, 10, 10, 10, 11, 11, 11};
  for (std::size_t i = 0; i < reads.size(); ++i) {
    reads[i].agency = "AAPD";
    reads[i].camera = cameras[i];
    reads[i].time = days[i] * kDay + static_cast<std::int64_t>(i);
  }
  ReadCounter counter;
  EXPECT_TRUE(counter.Empty());
  // The sixth read was a duplicate: not stored, not counted.
  counter.Add(reads, {true, true, true, true, true, false, true});
  ASSERT_TRUE(counter.Flush(*db).ok());
  EXPECT_TRUE(counter.Empty());
  ASSERT_TRUE(counter.Flush(*db).ok());  // nothing twice
  std::map<std::string, std::int64_t> got;
  auto q = db->Prepare("SELECT camera || '/' || day, reads FROM read_counts");
  ASSERT_TRUE(q.ok());
  ASSERT_TRUE(q->ForEach([&](const catalog::Statement& r) { got[r.Text(0)] = r.Int(1); }).ok());
  EXPECT_EQ(got, (std::map<std::string, std::int64_t>{{"c1/10", 3}, {"c2/10", 1}, {"c1/11", 2}}));
}

TEST(PeriodTest, ParsesWholeDaysAndNamesBadBounds) {
  const std::int64_t now = 20'420 * kDay + 3600'000;
  Result<Period> def = ParsePeriod(std::nullopt, std::nullopt, now);
  ASSERT_TRUE(def.ok());
  EXPECT_EQ(def->to_day, 20'421);  // today included
  EXPECT_EQ(def->from_day, 20'391);
  Result<Period> p = ParsePeriod("2025-11-08", "2025-12-08", now);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->from_day, kFromDay);
  EXPECT_EQ(p->to_day, kFromDay + 30);
  for (const auto& [from, to, field] :
       {std::tuple{"2025-11-8", "2025-12-08", "from"}, std::tuple{"2025-11-08", "yesterday", "to"},
        std::tuple{"2025-12-08", "2025-11-08", "to"},
        std::tuple{"2024-01-01", "2025-12-08", "to"}}) {
    Result<Period> bad = ParsePeriod(from, to, now);
    ASSERT_FALSE(bad.ok()) << from << " " << to;
    EXPECT_TRUE(bad.status().message().starts_with(field)) << bad.status().message();
  }
}

}  // namespace
}  // namespace interdict::oversight
