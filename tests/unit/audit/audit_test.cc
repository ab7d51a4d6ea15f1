#include "audit/audit.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <thread>
#include <vector>

#include <fmt/core.h>

#include "catalog/migrations.h"
#include "support/catalog.h"
#include "support/temp_dir.h"

namespace interdict::audit {
namespace {

class AuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<catalog::Database>> d = catalog::Database::Open(
        test::CatalogAt(dir_.File("catalog" + std::to_string(++files_) + ".db")));
    ASSERT_TRUE(d.ok()) << d.status().message();
    db_ = std::move(d).value();
    ASSERT_TRUE(catalog::Migrate(*db_).ok());
    for (int i = 0; i < 10; ++i) {
      Entry e;
      e.time = 1'800'000'000'000 + i;
      e.actor = "user:" + std::to_string(i % 3 + 1);
      e.agency = i % 2 + 1;
      e.event = i % 2 ? "search.plate" : "login";
      e.details = R"({"plate":"7XK3J2","purpose":"stolen-vehicle","case":"26-1234","results":3})";
      e.touched = {1, 2};
      ASSERT_TRUE(db_->Transaction([&] { return Append(*db_, e); }).ok());
      EXPECT_EQ(e.seq, i + 1);
    }
  }
  // As someone with the database itself could: the triggers that keep the
  // trail append-only out of the way first, then the change. The chain is
  // what still shows it.
  Status Sql(std::string_view sql) { return test::RunAsTamperer(*db_, sql); }
  VerifyResult Check() {
    Result<VerifyResult> r = Verify(*db_);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : VerifyResult{};
  }
  test::TempDir dir_;
  int files_ = 0;
  std::unique_ptr<catalog::Database> db_;
};

TEST_F(AuditTest, AnIntactChainVerifies) {
  const VerifyResult r = Check();
  EXPECT_EQ(r.entries, 10);
  EXPECT_FALSE(r.first_bad) << r.problem;
  EXPECT_EQ(r.head.size(), 64u);
}

TEST_F(AuditTest, AnEditedEntryIsFound) {
  ASSERT_TRUE(Sql(R"(UPDATE audit SET details = '{"plate":"OTHER1"}' WHERE seq = 4)").ok());
  const VerifyResult r = Check();
  EXPECT_EQ(r.first_bad, 4);
  EXPECT_NE(r.problem.find("edited"), std::string::npos) << r.problem;
}

TEST_F(AuditTest, AnEditedOutcomeActorOrTouchedAgencyIsFound) {
  for (const char* sql : {"UPDATE audit SET outcome = 'denied' WHERE seq = 5",
                          "UPDATE audit SET actor = 'user:9' WHERE seq = 5",
                          "DELETE FROM audit_touched WHERE seq = 5 AND agency_id = 2",
                          "UPDATE audit SET time = time + 1 WHERE seq = 5"}) {
    SetUp();  // a fresh chain in a new file
    ASSERT_TRUE(Sql(sql).ok()) << sql;
    EXPECT_TRUE(Check().first_bad.has_value()) << sql;
  }
}

TEST_F(AuditTest, ADeletedEntryIsFound) {
  ASSERT_TRUE(Sql("DELETE FROM audit_touched WHERE seq = 6").ok());
  ASSERT_TRUE(Sql("DELETE FROM audit WHERE seq = 6").ok());
  const VerifyResult r = Check();
  EXPECT_EQ(r.first_bad, 6);
  EXPECT_NE(r.problem.find("missing"), std::string::npos) << r.problem;
}

TEST_F(AuditTest, ADeletedLastEntryLeavesAChainThatStillVerifiesButWithAnEarlierHead) {
  const std::string head = Check().head;
  ASSERT_TRUE(Sql("DELETE FROM audit_touched WHERE seq = 10").ok());
  ASSERT_TRUE(Sql("DELETE FROM audit WHERE seq = 10").ok());
  const VerifyResult r = Check();
  // Truncation is what published heads are for (decision 0017): the head moved back.
  EXPECT_FALSE(r.first_bad);
  EXPECT_NE(r.head, head);
}

TEST_F(AuditTest, AnInsertedEntryIsFound) {
  // Make room by renumbering 7..10 up by one, then insert a forged 7, as
  // someone with the sqlite3 shell could (constraints off).
  ASSERT_TRUE(Sql("UPDATE audit_touched SET seq = seq + 100 WHERE seq >= 7").ok());
  ASSERT_TRUE(Sql("UPDATE audit SET seq = seq + 100 WHERE seq >= 7").ok());
  ASSERT_TRUE(Sql("UPDATE audit SET seq = seq - 99 WHERE seq >= 107").ok());
  ASSERT_TRUE(Sql("UPDATE audit_touched SET seq = seq - 99 WHERE seq >= 107").ok());
  ASSERT_TRUE(Sql("INSERT INTO audit SELECT 7, time, actor, agency_id, event, outcome, "
                  "'{\"forged\":true}', prev, hash FROM audit WHERE seq = 6")
                  .ok());
  const VerifyResult r = Check();
  EXPECT_EQ(r.first_bad, 7);
}

TEST_F(AuditTest, ReorderedEntriesAreFound) {
  // Swap the contents of 3 and 8, keeping their numbers.
  ASSERT_TRUE(Sql("UPDATE audit SET seq = -3 WHERE seq = 3").ok());
  ASSERT_TRUE(Sql("UPDATE audit SET seq = 3 WHERE seq = 8").ok());
  ASSERT_TRUE(Sql("UPDATE audit SET seq = 8 WHERE seq = -3").ok());
  const VerifyResult r = Check();
  EXPECT_EQ(r.first_bad, 3);
}

TEST_F(AuditTest, TheDatabaseRefusesToChangeOrDeleteEntries) {
  for (const std::string& sql :
       {std::string("UPDATE audit SET details = '{}' WHERE seq = 4"),
        std::string("DELETE FROM audit WHERE seq = 10"),
        std::string("UPDATE audit_touched SET agency_id = 9 WHERE seq = 5"),
        std::string("DELETE FROM audit_touched WHERE seq = 5"), std::string("DELETE FROM audit"),
        // The anchor cannot be pointed anywhere but at an entry's own hash.
        "INSERT INTO audit_anchor (id, seq, hash) VALUES (1, 9, " + test::BlobLiteral(*db_, "00") +
            ")"}) {
    Status st = db_->Exec(sql);
    EXPECT_FALSE(st.ok()) << sql;
    EXPECT_NE(st.message().find("audit"), std::string::npos) << st.message();
  }
  const VerifyResult r = Check();
  EXPECT_EQ(r.entries, 10);
  EXPECT_FALSE(r.first_bad);
}

TEST_F(AuditTest, APurgePastRetentionLeavesAnAnchorAndASummaryAndTheChainVerifies) {
  // Entries 1..10 are at 1'800'000'000'000 + i ms; cut before the 7th.
  Result<std::int64_t> n = PurgeBefore(*db_, 1'800'000'000'006, 1'900'000'000'000);
  ASSERT_TRUE(n.ok()) << n.status().message();
  EXPECT_EQ(*n, 6);
  const VerifyResult r = Check();
  EXPECT_FALSE(r.first_bad) << r.problem;
  EXPECT_EQ(r.entries, 5) << "7..10 and the summary";
  Result<catalog::Statement> q = db_->Prepare(
      "SELECT event, actor, details FROM audit WHERE seq = (SELECT max(seq) FROM audit)");
  ASSERT_TRUE(q.ok());
  ASSERT_TRUE(*q->Step());
  EXPECT_EQ(q->Text(0), "audit.purge");
  EXPECT_EQ(q->Text(1), "system");
  const std::string summary = q->Text(2);
  EXPECT_NE(summary.find(R"("entries":6,"from_seq":1,"through_seq":6)"), std::string::npos)
      << summary;
  EXPECT_NE(summary.find(R"("events":{"login":3,"search.plate":3})"), std::string::npos) << summary;
  EXPECT_EQ(summary.find("7XK3J2"), std::string::npos) << "the summary keeps no terms";
  // Entries within the period still cannot be deleted; the anchor cannot go back.
  EXPECT_FALSE(db_->Exec("DELETE FROM audit WHERE seq = 7").ok());
  EXPECT_FALSE(db_->Exec("UPDATE audit_anchor SET seq = 3").ok());
  EXPECT_FALSE(db_->Exec("DELETE FROM audit_anchor").ok());
  // Nothing more to purge at the same cutoff; batches stop at max_entries.
  EXPECT_EQ(*PurgeBefore(*db_, 1'800'000'000'006, 1'900'000'000'000), 0);
  EXPECT_EQ(*PurgeBefore(*db_, 1'800'000'000'009, 1'900'000'000'000, 2), 2);
  EXPECT_FALSE(Check().first_bad);
}

TEST_F(AuditTest, AFailedAppendIsCountedForTheAlarm) {
  const std::int64_t before = WriteFailures();
  ASSERT_TRUE(test::BreakAuditWrites(*db_, "disk full").ok());
  Entry e;
  e.time = 1'800'000'001'000;
  e.actor = "user:1";
  e.event = "login";
  EXPECT_FALSE(db_->Transaction([&] { return Append(*db_, e); }).ok());
  EXPECT_EQ(WriteFailures(), before + 1);
}

TEST_F(AuditTest, AnAgencySeesEveryEntryTouchingItsData) {
  Entry other;
  other.time = 1'800'000'001'000;
  other.actor = "user:7";
  other.agency = 3;
  other.event = "search.plate";
  other.touched = {3};
  ASSERT_TRUE(db_->Transaction([&] { return Append(*db_, other); }).ok());
  Query q;
  q.touched_agency = 2;
  Result<std::vector<Entry>> seen = List(*db_, q);
  ASSERT_TRUE(seen.ok()) << seen.status().message();
  EXPECT_EQ(seen->size(), 10u);
  for (const Entry& e : *seen) {
    EXPECT_NE(e.details.find("7XK3J2"), std::string::npos) << "unredacted";
  }
  q.touched_agency = 3;
  seen = List(*db_, q);
  ASSERT_EQ(seen->size(), 1u);
  EXPECT_EQ((*seen)[0].actor, "user:7");
}

TEST_F(AuditTest, FiltersNarrowTheTrailAndPageNewestFirst) {
  Entry other;
  other.time = 1'800'000'001'000;
  other.actor = "user:7";
  other.agency = 3;
  other.event = "search.partial";
  other.touched = {2, 3};
  ASSERT_TRUE(db_->Transaction([&] { return Append(*db_, other); }).ok());
  Query q;
  q.touched_agency = 2;
  q.actor_agency = 2;
  // Searches by anyone on agency 2's data, by event prefix.
  q.event_prefix = "search.";
  Result<std::vector<Entry>> seen = List(*db_, q);
  ASSERT_TRUE(seen.ok()) << seen.status().message();
  EXPECT_EQ(seen->size(), 6u);  // five search.plate of 1..10 and the partial one
  for (const Entry& e : *seen) EXPECT_TRUE(e.event.starts_with("search.")) << e.event;
  // Only other agencies' entries on our data: agency 1's five (they touch
  // agency 2's data too) and agency 3's search; none of agency 2's own.
  q.event_prefix.clear();
  q.others_only = true;
  seen = List(*db_, q);
  ASSERT_TRUE(seen.ok());
  for (const Entry& e : *seen) EXPECT_NE(e.agency, std::optional<std::int64_t>(2)) << e.seq;
  EXPECT_EQ(seen->size(), 6u);  // the five by agency 1, and agency 3's
  // One actor, newest first, in pages.
  q.others_only = false;
  q.actor = "user:1";
  q.newest_first = true;
  q.limit = 2;
  seen = List(*db_, q);
  ASSERT_TRUE(seen.ok());
  ASSERT_EQ(seen->size(), 2u);
  EXPECT_EQ((*seen)[0].seq, 10);
  EXPECT_EQ((*seen)[1].seq, 7);
  q.before_seq = (*seen)[1].seq;
  seen = List(*db_, q);
  ASSERT_TRUE(seen.ok());
  ASSERT_EQ(seen->size(), 2u);
  EXPECT_EQ((*seen)[0].seq, 4);
  EXPECT_EQ((*seen)[1].seq, 1);
}

// Two processes append at once, each from several connections of its own: the
// trail stays one chain with no gap and no fork (on PostgreSQL, two servers;
// on SQLite, two processes on one file). Every append is counted.
TEST_F(AuditTest, AppendsFromManyConnectionsOfTwoProcessesMakeOneGaplessChain) {
  const catalog::Location where =
      test::CatalogAt(dir_.File("catalog" + std::to_string(files_) + ".db"));
  constexpr int kConnections = 4, kEach = 25;
  auto append_many = [&](const std::string& who) {
    std::vector<std::thread> threads;
    std::atomic<int> failed{0};
    for (int c = 0; c < kConnections; ++c) {
      threads.emplace_back([&, c] {
        Result<std::unique_ptr<catalog::Database>> db = catalog::Database::Open(where);
        if (!db.ok()) {
          failed += kEach;
          return;
        }
        for (int i = 0; i < kEach; ++i) {
          Entry e;
          e.time = 1'800'000'100'000 + i;
          e.actor = fmt::format("{}:{}", who, c);
          e.event = "search.plate";
          e.details = fmt::format(R"({{"n":{}}})", i);
          e.touched = {1};
          if (!(*db)->Transaction([&] { return Append(**db, e); }).ok()) ++failed;
        }
      });
    }
    for (std::thread& t : threads) t.join();
    return failed.load();
  };
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The child leaves without destructors: the parent's connections are not its own.
    std::_Exit(append_many("child") == 0 ? 0 : 1);
  }
  EXPECT_EQ(append_many("parent"), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the child's appends failed";
  const VerifyResult r = Check();
  EXPECT_FALSE(r.first_bad) << r.problem;
  EXPECT_EQ(r.entries, 10 + 2 * kConnections * kEach);
  Result<Head> head = CurrentHead(*db_);
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->seq, 10 + 2 * kConnections * kEach) << "no gap: the last number is the count";
}

}  // namespace
}  // namespace interdict::audit
