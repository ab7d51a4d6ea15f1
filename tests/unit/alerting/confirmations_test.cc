#include "alerting/confirmations.h"

#include <gtest/gtest.h>

#include "alerting/hits.h"
#include "support/accounts.h"
#include "support/catalog.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

namespace interdict::alerting {
namespace {

constexpr std::int64_t kNow = 1'800'000'000'000, kMinute = 60'000;

// GCPD's officer reads a car on MSHP's priority-1 list; MSHP's analyst answers.
class ConfirmationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = test::MigratedCatalog(dir_.File("catalog.db"));
    ASSERT_TRUE(db_);
    ASSERT_EQ(test::AddAgency(*db_, "GCPD"), 1);
    ASSERT_EQ(test::AddAgency(*db_, "MSHP"), 2);
    test::AddUser(*db_, 1, "officer", "officer");
    test::AddUser(*db_, 2, "analyst", "analyst");
    test::AddUser(*db_, 1, "gc-analyst", "analyst");
    ASSERT_TRUE(db_->Exec("INSERT INTO hotlists (agency_id, name, kind, priority, one_edit, "
                          "created_at, created_by) VALUES (2, 'Stolen', 'ncic', 1, 0, 0, 't'), "
                          "(2, 'Watch', 'custom', 3, 0, 0, 't')")
                    .ok());
    for (int list : {1, 2}) {
      auto st = db_->Prepare(
          "INSERT INTO hits (agency_id, read_id, camera, read_time, plate, read, hotlist_id, "
          "entry_id, entry, list_age_ms, match_kind, score, backfill, created_at) VALUES (1, ?1, "
          "'cam1', ?2, 'KZ9Q81', '{}', ?3, 7, '{\"kind\":\"V\"}', 0, 'exact', 1.0, 0, ?2) "
          "RETURNING id");
      st->Bind(1, "r" + std::to_string(list)).Bind(2, kNow).Bind(3, std::int64_t{list});
      const std::int64_t hit = *st->RunReturningId();
      ASSERT_TRUE(db_->Query("INSERT INTO hit_audience VALUES (?1, 1)", hit).ok());
    }
    identity::Accounts a(*db_, {});
    officer_ = *a.UserPrincipal(1);
    analyst_ = *a.UserPrincipal(2);
    gc_analyst_ = *a.UserPrincipal(3);
  }
  std::int64_t Count(const std::string& sql) { return db_->Query(sql)->Int(0); }
  test::TempDir dir_;
  std::unique_ptr<catalog::Database> db_;
  identity::Principal officer_, analyst_, gc_analyst_;
};

TEST_F(ConfirmationTest, TheDeadlineFollowsThePriorityAndAnOverdueRequestIsEscalatedOnce) {
  Result<ConfirmationRequest> c = RequestConfirmation(*db_, officer_, 1, "", kNow);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->owner, "MSHP");
  EXPECT_EQ(c->requester, "GCPD");
  EXPECT_EQ(c->priority, "urgent") << "a priority-1 list";
  EXPECT_EQ(c->due_at, kNow + 10 * kMinute);
  EXPECT_EQ(RequestConfirmation(*db_, officer_, 1, "", kNow).status().code(),
            StatusCode::kAlreadyExists)
      << "one open request a hit";
  Result<ConfirmationRequest> routine = RequestConfirmation(*db_, officer_, 2, "", kNow);
  ASSERT_TRUE(routine.ok());
  EXPECT_EQ(routine->due_at, kNow + 60 * kMinute);
  EXPECT_EQ(RequestConfirmation(*db_, officer_, 2, "soon", kNow).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Count("SELECT count(*) FROM notifications WHERE agency_id = 2 AND kind = "
                  "'confirmation'"),
            2)
      << "the owner is told";
  // The injected clock: nothing is overdue a minute early; then once only.
  EXPECT_EQ(*EscalateOverdueConfirmations(*db_, kNow + 9 * kMinute), 0);
  EXPECT_EQ(*EscalateOverdueConfirmations(*db_, kNow + 10 * kMinute), 1);
  EXPECT_EQ(*EscalateOverdueConfirmations(*db_, kNow + 11 * kMinute), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM notifications WHERE agency_id = 2 AND addressee = "
                  "'supervisors'"),
            1);
  EXPECT_EQ(Count("SELECT count(*) FROM audit WHERE event = 'confirmation.escalate'"), 1);
  EXPECT_TRUE((*LatestConfirmation(*db_, 1))->escalated_at.has_value());
  EXPECT_EQ(*EscalateOverdueConfirmations(*db_, kNow + 61 * kMinute), 1) << "the routine one";
}

TEST_F(ConfirmationTest, OnlyTheOwnerAnswersOnceAndADenialStopsTheConfirmStep) {
  const std::int64_t id = RequestConfirmation(*db_, officer_, 1, "urgent", kNow)->id;
  EXPECT_EQ(AnswerConfirmation(*db_, gc_analyst_, id, "confirmed", "", kNow).status().code(),
            StatusCode::kNotFound)
      << "GCPD does not own the list";
  EXPECT_EQ(AnswerConfirmation(*db_, officer_, id, "confirmed", "", kNow).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(AnswerConfirmation(*db_, analyst_, id, "maybe", "", kNow).status().code(),
            StatusCode::kInvalidArgument);
  ASSERT_EQ(ConfirmationsToAnswer(*db_, analyst_)->size(), 1u);
  Result<ConfirmationRequest> a =
      AnswerConfirmation(*db_, analyst_, id, "denied", "recovered yesterday", kNow + kMinute);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->answer, "denied");
  EXPECT_EQ(AnswerConfirmation(*db_, analyst_, id, "confirmed", "", kNow).status().code(),
            StatusCode::kFailedPrecondition)
      << "answered once";
  EXPECT_EQ(Count("SELECT count(*) FROM hit_events WHERE hit_id = 1 AND step = 'confirmation'"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM notifications WHERE agency_id = 1"), 1) << "GCPD is told";
  // The officer cannot record the source's confirmation over the owner's denial.
  ASSERT_TRUE(db_->Exec("UPDATE hits SET step = 'visually_checked' WHERE id = 1").ok());
  HitStep confirm;
  confirm.action = HitAction::kConfirm;
  confirm.source_confirmed = true;
  Result<std::string> step = AdvanceHit(*db_, officer_, 1, confirm, kNow + 2 * kMinute);
  EXPECT_EQ(step.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(step.status().message().find("denied"), std::string::npos) << step.status().message();
  // A new request, confirmed this time: the step needs nothing more.
  const std::int64_t again = RequestConfirmation(*db_, officer_, 1, "", kNow + 3 * kMinute)->id;
  ASSERT_TRUE(AnswerConfirmation(*db_, analyst_, again, "confirmed", "", kNow + 4 * kMinute).ok());
  confirm.source_confirmed.reset();
  step = AdvanceHit(*db_, officer_, 1, confirm, kNow + 5 * kMinute);
  ASSERT_TRUE(step.ok()) << step.status().message();
  EXPECT_NE(step->find(R"("confirmation":{"request":)"), std::string::npos) << *step;
  EXPECT_NE(step->find(R"("answer":"confirmed")"), std::string::npos) << *step;
  EXPECT_EQ(Count("SELECT count(*) FROM audit WHERE event LIKE 'confirmation.%'"), 4);
}

TEST_F(ConfirmationTest, TheRequestAlsoGoesToTheOwnersWebhooksAndNoOtherAgencys) {
  for (const auto& [agency, url] :
       {std::pair<std::int64_t, const char*>{2, "https://cad.mshp.example/hook"},
        {1, "https://cad.gcpd.example/hook"},
        {2, "https://old.mshp.example/hook"}}) {
    auto ins = db_->Prepare(
        "INSERT INTO webhooks (agency_id, url, secret, created_at, created_by) VALUES (?1, ?2, "
        "?3, 0, 't')");
    ASSERT_TRUE(ins.ok());
    ins->Bind(1, agency).Bind(2, url).BindBlob(3, std::string(1, '\0'));
    ASSERT_TRUE(ins->Run().ok());
  }
  ASSERT_TRUE(db_->Exec("UPDATE webhooks SET disabled_at = 1 WHERE id = 3").ok());
  ASSERT_TRUE(RequestConfirmation(*db_, officer_, 1, "", kNow).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM webhook_deliveries"), 1) << "MSHP's active webhook only";
  auto q = db_->Query("SELECT webhook_id, hit_id, body, next_attempt_at FROM webhook_deliveries");
  EXPECT_EQ(q->Int(0), 1);
  EXPECT_EQ(q->Int(1), 1);
  const std::string body = q->Text(2);
  EXPECT_NE(body.find(R"("event":"confirmation_request")"), std::string::npos) << body;
  EXPECT_NE(body.find(R"("requester":"GCPD")"), std::string::npos) << body;
  EXPECT_NE(body.find(R"("plate":"KZ9Q81")"), std::string::npos) << body;
  EXPECT_NE(body.find(R"("priority":"urgent")"), std::string::npos) << body;
  EXPECT_EQ(q->Int(3), kNow) << "due for sending at once";
}

}  // namespace
}  // namespace interdict::alerting
