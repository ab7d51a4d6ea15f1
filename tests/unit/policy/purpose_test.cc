#include "policy/purpose.h"

#include <gtest/gtest.h>

#include "support/catalog.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

namespace interdict::policy {
namespace {

constexpr std::int64_t kDay = 86'400'000;

class PurposeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = test::MigratedCatalog(dir_.File("catalog.db"));
    ASSERT_TRUE(db_);
    ASSERT_EQ(test::AddAgency(*db_, "STLPD"), 1);
    ASSERT_TRUE(
        db_->Exec("INSERT INTO users (agency_id, username, display_name, role, created_at, "
                  "created_by) VALUES (1, 'ana', 'A', 'analyst', 0, 't'), "
                  "(1, 'bob', 'B', 'analyst', 0, 't'), (1, 'sue', 'S', 'supervisor', 0, 't'), "
                  "(1, 'sam', 'S2', 'supervisor', 0, 't')")
            .ok());
    identity::Accounts a(*db_, {});
    ana_ = *a.UserPrincipal(1);
    bob_ = *a.UserPrincipal(2);
    sue_ = *a.UserPrincipal(3);
    sam_ = *a.UserPrincipal(4);
  }
  static SearchReason Reason(std::string purpose = "stolen-vehicle") {
    return {std::move(purpose), "26-001234",
            "auto theft",       "victim reported the car stolen from a driveway overnight",
            std::nullopt,       ""};
  }
  std::int64_t Count(std::string_view sql) {
    auto st = db_->Prepare(sql);
    EXPECT_TRUE(*st->Step());
    return st->Int(0);
  }
  test::TempDir dir_;
  std::unique_ptr<catalog::Database> db_;
  identity::Principal ana_, bob_, sue_, sam_;
  std::int64_t now_ = 1'800'000'000'000;
  static SearchScope Scope(std::int64_t span_ms, std::size_t agencies, bool pattern) {
    SearchScope s;
    s.span_ms = span_ms;
    s.agencies = agencies;
    s.pattern_analysis = pattern;
    return s;
  }
  const SearchScope narrow_ = Scope(7 * kDay, 1, false);
  const SearchScope wide_ = Scope(90 * kDay, 3, false);
};

TEST_F(PurposeTest, ProhibitedPurposesAreRefusedAndEveryAttemptIsAudited) {
  for (const char* code :
       {"civil-immigration", "reproductive-care", "first-amendment", "protected-class"}) {
    Status st = CheckSearch(*db_, ana_, Reason(code), narrow_, now_);
    EXPECT_EQ(st.code(), StatusCode::kPermissionDenied) << code;
    EXPECT_NE(st.message().find("prohibited"), std::string::npos) << st.message();
    EXPECT_EQ(RequestApproval(*db_, ana_, Reason(code), wide_, now_).status().code(),
              StatusCode::kPermissionDenied)
        << "nor can it be approved";
  }
  EXPECT_EQ(
      Count("SELECT count(*) FROM audit WHERE event = 'search.refused' AND outcome = 'denied'"), 4);
  Result<std::vector<Purpose>> all = ListPurposes(*db_);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(std::count_if(all->begin(), all->end(), [](const Purpose& p) { return p.prohibited; }),
            4);
}

TEST_F(PurposeTest, TheVocabularyGrowsButProhibitedPurposesStayProhibited) {
  ASSERT_TRUE(
      SetPurpose(*db_, {"hit-and-run", "Hit and run", "a driver who left a crash", false}, now_)
          .ok());
  EXPECT_TRUE(CheckSearch(*db_, ana_, Reason("hit-and-run"), narrow_, now_).ok());
  EXPECT_EQ(
      SetPurpose(*db_, {"civil-immigration", "Immigration", "now allowed?", false}, now_).code(),
      StatusCode::kFailedPrecondition);
  EXPECT_EQ(CheckSearch(*db_, ana_, Reason("civil-immigration"), narrow_, now_).code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(SetPurpose(*db_, {"Bad Code", "x", "y", false}, now_).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Count("SELECT count(*) FROM audit WHERE event = 'purpose.set'"), 1);
}

TEST_F(PurposeTest, EverySearchNamesPurposeCaseOffenseAndJustification) {
  EXPECT_TRUE(CheckSearch(*db_, ana_, Reason(), narrow_, now_).ok());
  struct Case {
    void (*edit)(SearchReason&);
    const char* field;
  };
  const Case cases[] = {
      {[](SearchReason& r) { r.purpose = "curiosity"; }, "purpose"},
      {[](SearchReason& r) { r.case_number.clear(); }, "case_number"},
      {[](SearchReason& r) { r.offense.clear(); }, "offense"},
      {[](SearchReason& r) { r.justification = "because"; }, "justification"},
  };
  for (const Case& c : cases) {
    SearchReason r = Reason();
    c.edit(r);
    Status st = CheckSearch(*db_, ana_, r, narrow_, now_);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << c.field;
    EXPECT_EQ(st.message().rfind(c.field, 0), 0u) << st.message();
  }
}

TEST_F(PurposeTest, WideSearchesNeedASupervisorsApprovalForThatPersonCaseAndScope) {
  EXPECT_EQ(CheckSearch(*db_, ana_, Reason(), wide_, now_).code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(CheckSearch(*db_, ana_, Reason(), Scope(7 * kDay, 1, true), now_).code(),
            StatusCode::kPermissionDenied)
      << "pattern analyses always need approval";
  const std::int64_t id = *RequestApproval(*db_, ana_, Reason(), wide_, now_);
  SearchReason with = Reason();
  with.approval = id;
  EXPECT_EQ(CheckSearch(*db_, ana_, with, wide_, now_).code(), StatusCode::kPermissionDenied)
      << "requested, not yet approved";
  EXPECT_EQ(Approve(*db_, ana_, id, now_).code(), StatusCode::kPermissionDenied)
      << "an analyst cannot approve";
  ASSERT_TRUE(Approve(*db_, sue_, id, now_).ok());
  EXPECT_TRUE(CheckSearch(*db_, ana_, with, wide_, now_ + kDay / 2).ok());
  EXPECT_FALSE(CheckSearch(*db_, bob_, with, wide_, now_).ok()) << "someone else's approval";
  SearchReason other_case = with;
  other_case.case_number = "26-999999";
  EXPECT_FALSE(CheckSearch(*db_, ana_, other_case, wide_, now_).ok());
  EXPECT_FALSE(CheckSearch(*db_, ana_, with, Scope(180 * kDay, 3, false), now_).ok()) << "wider";
  EXPECT_FALSE(CheckSearch(*db_, ana_, with, wide_, now_ + kApprovalValidityMs).ok()) << "expired";

  const std::int64_t own = *RequestApproval(*db_, sam_, Reason(), wide_, now_);
  EXPECT_EQ(Approve(*db_, sam_, own, now_).code(), StatusCode::kPermissionDenied)
      << "no approving one's own search";
  EXPECT_TRUE(Approve(*db_, sue_, own, now_).ok());
}

}  // namespace
}  // namespace interdict::policy
