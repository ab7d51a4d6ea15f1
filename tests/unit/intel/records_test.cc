// 28 CFR Part 23, rule by rule (docs/intelligence.md names each test here).
#include "intel/records.h"

#include <gtest/gtest.h>

#include "oversight/review.h"
#include "support/accounts.h"
#include "support/catalog.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

namespace interdict::intel {
namespace {

constexpr std::int64_t kDay = 86'400'000;
constexpr std::int64_t kNow = 1'800'000'000'000;

const std::string kPredicate =
    "Three informants and two controlled buys tie the subject to the resale of stolen catalytic "
    "converters through a scrap yard on Hall Street since March.";

// GCPD (1) shares criminal intelligence with MSHP (2); not with STLC (3).
class RecordTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = test::MigratedCatalog(dir_.File("catalog.db"));
    ASSERT_TRUE(db_);
    ASSERT_EQ(test::AddAgency(*db_, "GCPD"), 1);
    ASSERT_EQ(test::AddAgency(*db_, "MSHP"), 2);
    ASSERT_EQ(test::AddAgency(*db_, "STLC"), 3);
    test::AddAgreement(*db_, 1, 2, "intelligence");
    for (const auto& [agency, name, role] :
         std::vector<std::tuple<int, std::string, std::string>>{{1, "analyst", "analyst"},
                                                                {1, "analyst2", "analyst"},
                                                                {1, "sup", "supervisor"},
                                                                {1, "sup2", "supervisor"},
                                                                {2, "ms_analyst", "analyst"},
                                                                {2, "ms_officer", "officer"},
                                                                {2, "ms_analyst2", "analyst"},
                                                                {3, "stl_analyst", "analyst"}})
      test::AddUser(*db_, agency, name, role);
    identity::Accounts a(*db_, {});
    for (std::int64_t id = 1; id <= 8; ++id) people_.push_back(*a.UserPrincipal(id));
  }
  const identity::Principal& P(std::size_t i) const { return people_[i]; }
  // analyst, analyst2, sup, sup2, ms_analyst, ms_officer, ms_analyst2, stl_analyst
  enum { kAnalyst, kAnalyst2, kSup, kSup2, kMsAnalyst, kMsOfficer, kMsAnalyst2, kStlAnalyst };

  static RecordRequest Request() {
    return {"person",
            "Daniel R. Voss, born 1981-04-02",
            "trafficking in stolen auto parts",
            kPredicate,
            "Runs the yard's back gate after hours.",
            "CI-2291 (three buys)",
            "usually_reliable",
            ""};
  }
  IntelRecord Approved() {
    Result<IntelRecord> r = SubmitRecord(*db_, P(kAnalyst), Request(), kNow);
    EXPECT_TRUE(r.ok()) << r.status().message();
    Result<IntelRecord> a = ApproveRecord(*db_, P(kSup), r->id, "", kNow);
    EXPECT_TRUE(a.ok()) << a.status().message();
    return *a;
  }
  std::int64_t Count(const std::string& sql) { return db_->Query(sql)->Int(0); }

  test::TempDir dir_;
  std::unique_ptr<catalog::Database> db_;
  std::vector<identity::Principal> people_;
};

TEST_F(RecordTest, ARecordNeedsACriminalPredicateANamedSourceAndItsReliability) {
  RecordRequest r = Request();
  r.predicate = "He seems shady.";
  Result<IntelRecord> thin = SubmitRecord(*db_, P(kAnalyst), r, kNow);
  ASSERT_EQ(thin.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(thin.status().message().rfind("predicate: 100 to 4000 characters", 0), 0u)
      << thin.status().message();
  EXPECT_NE(thin.status().message().find("23.20"), std::string::npos);
  r = Request();
  r.source = "";
  EXPECT_EQ(SubmitRecord(*db_, P(kAnalyst), r, kNow).status().message().rfind("source", 0), 0u);
  r = Request();
  r.reliability = "trust me";
  EXPECT_EQ(SubmitRecord(*db_, P(kAnalyst), r, kNow).status().message().rfind("reliability", 0),
            0u);
  EXPECT_EQ(SubmitRecord(*db_, P(kMsOfficer), Request(), kNow).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(Count("SELECT count(*) FROM intel_records"), 0);
  Result<IntelRecord> ok = SubmitRecord(*db_, P(kAnalyst), Request(), kNow);
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->state, "submitted");
  EXPECT_EQ(ok->review_due_at, kNow + kRecordReviewMs);
}

TEST_F(RecordTest, FirstAmendmentInformationIsRefusedUnlessItsRelationToTheCrimeIsStated) {
  RecordRequest r = Request();
  r.narrative = "Seen at the rally downtown and at his church on Sundays.";
  Result<IntelRecord> refused = SubmitRecord(*db_, P(kAnalyst), r, kNow);
  ASSERT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(refused.status().message().rfind("first_amendment: the record speaks of", 0), 0u);
  EXPECT_NE(refused.status().message().find("\"rally\""), std::string::npos);
  EXPECT_NE(refused.status().message().find("\"church\""), std::string::npos);
  EXPECT_EQ(FirstAmendmentTerms("Churchill Downs, marching band, since March"),
            std::vector<std::string>{})
      << "whole words only, and not the month";
  r.first_amendment =
      "The church's parking lot is where the converters change hands on Sunday mornings; the "
      "rally is where he met the buyer. Nothing about his beliefs is kept.";
  Result<IntelRecord> stated = SubmitRecord(*db_, P(kAnalyst), r, kNow);
  ASSERT_TRUE(stated.ok()) << stated.status().message();
  // The approver restates it in their own words.
  EXPECT_EQ(ApproveRecord(*db_, P(kSup), stated->id, "ok", kNow).status().code(),
            StatusCode::kInvalidArgument);
  Result<IntelRecord> approved = ApproveRecord(
      *db_, P(kSup), stated->id,
      "The lot is the place of the sales, and the rally the first meeting with the buyer; no "
      "view or belief is recorded.",
      kNow);
  ASSERT_TRUE(approved.ok()) << approved.status().message();
  // The review queue looks at such an approval again.
  ASSERT_TRUE(oversight::Sweep(*db_, oversight::ReviewRules{}, kNow).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM review_flags WHERE rule = 'first_amendment'"), 1);
}

TEST_F(RecordTest,
       ASupervisorWhoDidNotSubmitApprovesAndUntilThenOnlyTheSubmitterAndApproversSeeIt) {
  Result<IntelRecord> mine = SubmitRecord(*db_, P(kSup), Request(), kNow);
  ASSERT_TRUE(mine.ok()) << mine.status().message();
  EXPECT_EQ(ApproveRecord(*db_, P(kSup), mine->id, "", kNow).status().code(),
            StatusCode::kPermissionDenied)
      << "not one's own";
  EXPECT_EQ(ApproveRecord(*db_, P(kAnalyst), mine->id, "", kNow).status().code(),
            StatusCode::kPermissionDenied)
      << "analysts do not approve";
  EXPECT_EQ(GetRecord(*db_, P(kAnalyst), mine->id, kNow).status().code(), StatusCode::kNotFound)
      << "another analyst does not see it before approval";
  EXPECT_TRUE(GetRecord(*db_, P(kSup2), mine->id, kNow).ok()) << "the agency's approvers do";
  ASSERT_TRUE(ApproveRecord(*db_, P(kSup2), mine->id, "", kNow).ok());
  EXPECT_TRUE(GetRecord(*db_, P(kAnalyst), mine->id, kNow).ok());
  EXPECT_EQ(GetRecord(*db_, P(kMsAnalyst), mine->id, kNow).status().code(), StatusCode::kNotFound)
      << "another agency sees nothing until it is disseminated";
  EXPECT_EQ(Count("SELECT count(*) FROM audit WHERE event = 'intel.read' AND outcome = 'denied'"),
            2);
}

TEST_F(RecordTest, ARefusedRecordKeepsNothingOfItsContent) {
  Result<IntelRecord> r = SubmitRecord(*db_, P(kAnalyst), Request(), kNow);
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(RefuseRecord(*db_, P(kSup), r->id, "no criminal predicate shown", kNow).ok());
  EXPECT_EQ(
      db_->Query("SELECT subject || predicate || narrative || source FROM intel_records")->Text(0),
      "");
  EXPECT_EQ(GetRecord(*db_, P(kSup), r->id, kNow).status().code(), StatusCode::kNotFound);
}

TEST_F(RecordTest, DisseminationNeedsARightAndANeedToKnowAndEveryReleaseIsLogged) {
  const IntelRecord r = Approved();
  const std::string need = "MSHP's interdiction of the converters on I-70 (case C-77)";
  EXPECT_EQ(Disseminate(*db_, P(kAnalyst), r.id, "stl_analyst", need, kNow).status().code(),
            StatusCode::kPermissionDenied)
      << "no intelligence agreement with STLC: no right to know";
  EXPECT_EQ(Disseminate(*db_, P(kAnalyst), r.id, "ms_officer", need, kNow).status().code(),
            StatusCode::kPermissionDenied)
      << "an officer's role holds no intel.read";
  EXPECT_EQ(Disseminate(*db_, P(kAnalyst), r.id, "ms_analyst", "curious", kNow)
                .status()
                .message()
                .rfind("purpose", 0),
            0u)
      << "the need is written out";
  Result<Dissemination> d = Disseminate(*db_, P(kAnalyst), r.id, "ms_analyst", need, kNow);
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->agency, "MSHP");
  EXPECT_TRUE(GetRecord(*db_, P(kMsAnalyst), r.id, kNow).ok()) << "the recipient reads it";
  EXPECT_EQ(GetRecord(*db_, P(kMsAnalyst2), r.id, kNow).status().code(), StatusCode::kNotFound)
      << "a colleague who did not receive it does not";
  Result<std::vector<Dissemination>> log = DisseminationLog(*db_, P(kAnalyst2), r.id);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 1u);
  EXPECT_EQ(log->front().purpose, need);
  EXPECT_NE(log->front().recipient.find("ms_analyst"), std::string::npos);
  EXPECT_EQ(DisseminationLog(*db_, P(kMsAnalyst), r.id).status().code(), StatusCode::kNotFound)
      << "the log is the owner's";
  EXPECT_EQ(Count("SELECT count(*) FROM notifications WHERE agency_id = 2 AND kind = "
                  "'intelligence'"),
            1);
}

TEST_F(RecordTest, AnImminentDangerDisclosureIsLoggedAndGoesToTheReviewQueue) {
  const IntelRecord r = Approved();
  Result<Dissemination> d = DiscloseImminentDanger(
      *db_, P(kAnalyst), r.id, "Lt. Ames, Illinois State Police",
      "The subject said he would shoot the trooper who stopped him last week", kNow);
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_TRUE(d->imminent_danger);
  EXPECT_TRUE(DisseminationLog(*db_, P(kAnalyst), r.id)->front().imminent_danger);
  ASSERT_TRUE(oversight::Sweep(*db_, oversight::ReviewRules{}, kNow).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM review_flags WHERE rule = 'imminent_danger' AND "
                  "agency_id = 1"),
            1);
}

TEST_F(RecordTest, EveryRecordIsReviewedWithinFiveYearsReValidatedWithANewJustificationOrPurged) {
  const IntelRecord r = Approved();
  ASSERT_TRUE(Disseminate(*db_, P(kAnalyst), r.id, "ms_analyst",
                          "MSHP's interdiction of the converters on I-70 (case C-77)", kNow)
                  .ok());
  // New identifiers are not a re-validation.
  Result<IntelRecord> updated =
      UpdateSubject(*db_, P(kAnalyst), r.id, "Daniel Ray Voss, born 1981-04-02", kNow + kDay);
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->review_due_at, kNow + kRecordReviewMs);
  const std::int64_t due = kNow + kRecordReviewMs;
  EXPECT_EQ(ReviewRecords(*db_, due - 1)->first, 0);
  EXPECT_EQ(ReviewRecords(*db_, due)->first, 1) << "noted once";
  EXPECT_EQ(ReviewRecords(*db_, due + 1)->first, 0);
  ASSERT_TRUE(oversight::Sweep(*db_, oversight::ReviewRules{}, due).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM review_flags WHERE rule = 'intel_review_due'"), 1);
  // Re-validated: five more years, and the same words will not do next time.
  const std::string why =
      "Two new controlled buys in 2031 and the yard's new owner's statement keep the predicate.";
  Result<IntelRecord> again = RevalidateRecord(*db_, P(kSup2), r.id, why, due + kDay);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->review_due_at, due + kDay + kRecordReviewMs);
  EXPECT_EQ(RevalidateRecord(*db_, P(kSup2), r.id, why, due + 2 * kDay).status().code(),
            StatusCode::kInvalidArgument);
  // Not re-validated the next time: purged by itself 90 days after, recipients told.
  const std::int64_t next = due + kDay + kRecordReviewMs;
  EXPECT_EQ(ReviewRecords(*db_, next + kOverdueGraceMs - 1)->second, 0);
  EXPECT_EQ(ReviewRecords(*db_, next + kOverdueGraceMs)->second, 1);
  EXPECT_EQ(db_->Query("SELECT state || subject || predicate FROM intel_records")->Text(0),
            "purged");
  EXPECT_EQ(Count("SELECT count(*) FROM notifications WHERE agency_id = 2 AND message LIKE "
                  "'%was purged%'"),
            1);
}

TEST_F(RecordTest, APurgeByHandTellsEveryRecipient) {
  const IntelRecord r = Approved();
  ASSERT_TRUE(Disseminate(*db_, P(kAnalyst), r.id, "ms_analyst",
                          "MSHP's interdiction of the converters on I-70 (case C-77)", kNow)
                  .ok());
  ASSERT_TRUE(PurgeRecord(*db_, P(kSup), r.id, "the informant recanted", kNow).ok());
  EXPECT_EQ(GetRecord(*db_, P(kMsAnalyst), r.id, kNow).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Count("SELECT count(*) FROM notifications WHERE agency_id = 2 AND message LIKE "
                  "'%was purged (the informant recanted)%'"),
            1);
  EXPECT_EQ(Count("SELECT count(*) FROM audit WHERE event = 'intel.purge'"), 1);
}

}  // namespace
}  // namespace interdict::intel
