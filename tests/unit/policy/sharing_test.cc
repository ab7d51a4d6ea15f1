#include "policy/sharing.h"

#include <gtest/gtest.h>

#include <map>

#include "audit/audit.h"
#include "support/catalog.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

namespace interdict::policy {
namespace {

constexpr std::int64_t kDay = 86'400'000;

// A region of agencies and people, written straight into the catalog.
class SharingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = test::MigratedCatalog(dir_.File("catalog.db"));
    ASSERT_TRUE(db_);
    accounts_ = std::make_unique<identity::Accounts>(*db_, identity::AccountPolicy{});
    Agency("STLPD", "MO0950000", "US-MO", "local");
    Agency("SLCPD", "MO0960000", "US-MO", "county");
    Agency("ILSP", "IL0000000", "US-IL", "state");
    Agency("CHP", "CA0000000", "US-CA", "state");
    Agency("CAPD", "CA0010000", "US-CA", "local");
    Agency("FBI", "DCFBIWA00", "US-DC", "federal");
    for (const char* a : {"STLPD", "SLCPD", "ILSP", "CHP", "CAPD", "FBI"}) {
      for (const char* role : {"administrator", "supervisor", "analyst", "officer"})
        User(std::string(a) + "-" + role, a, role);
    }
  }
  void Agency(const std::string& code, const std::string& ori, const std::string& state,
              const std::string& kind) {
    agencies_[code] = test::AddAgency(*db_, code, state, kind, "", ori);
  }
  void User(const std::string& name, const std::string& agency, const std::string& role) {
    std::string username = name;
    for (char& c : username) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto st = db_->Prepare(
        "INSERT INTO users (agency_id, username, display_name, role, created_at, created_by) "
        "VALUES (?1, ?2, ?2, ?3, 0, 'test') RETURNING id");
    st->Bind(1, agencies_[agency]).Bind(2, username).Bind(3, role);
    Result<std::int64_t> id = st->RunReturningId();
    ASSERT_TRUE(id.ok()) << id.status().message();
    users_[name] = *accounts_->UserPrincipal(*id);
  }
  const identity::Principal& P(const std::string& name) { return users_.at(name); }
  std::vector<std::string> Sees(const std::string& who, DataClass cls = DataClass::kReads) {
    Result<std::vector<VisibleAgency>> v = VisibleAgencies(*db_, P(who), cls, now_);
    EXPECT_TRUE(v.ok()) << v.status().message();
    std::vector<std::string> out;
    for (const VisibleAgency& a : *v) out.push_back(a.code);
    return out;
  }
  // An agreement proposed by owner's supervisor and approved by its administrator.
  std::int64_t Share(const std::string& owner, const std::string& partner,
                     DataClass cls = DataClass::kReads) {
    AgreementRequest req{partner, cls, now_ - kDay, std::nullopt, "MOU 2026-17"};
    Result<std::int64_t> id = ProposeAgreement(*db_, P(owner + "-supervisor"), req, now_);
    EXPECT_TRUE(id.ok()) << id.status().message();
    EXPECT_TRUE(ApproveAgreement(*db_, P(owner + "-administrator"), *id, now_).ok());
    return *id;
  }

  test::TempDir dir_;
  std::unique_ptr<catalog::Database> db_;
  std::unique_ptr<identity::Accounts> accounts_;
  std::map<std::string, std::int64_t> agencies_;
  std::map<std::string, identity::Principal> users_;
  std::int64_t now_ = 1'800'000'000'000;
};

TEST_F(SharingTest, WithoutAnAgreementAnAgencySeesOnlyItsOwnData) {
  EXPECT_EQ(Sees("SLCPD-analyst"), std::vector<std::string>{"SLCPD"});
  EXPECT_EQ(*WhyNotVisible(*db_, P("SLCPD-analyst"), agencies_["STLPD"], DataClass::kReads, now_),
            "no agreement in force shares its reads with SLCPD");
}

TEST_F(SharingTest, AnAgreementCountsOnlyOnceApprovedForItsClassAndWithinItsDates) {
  AgreementRequest req{"SLCPD", DataClass::kReads, now_ + kDay, now_ + 3 * kDay, "MOU 2026-17"};
  Result<std::int64_t> id = ProposeAgreement(*db_, P("STLPD-supervisor"), req, now_);
  ASSERT_TRUE(id.ok()) << id.status().message();
  now_ += 2 * kDay;
  EXPECT_EQ(Sees("SLCPD-analyst").size(), 1u) << "proposed, not approved";
  ASSERT_TRUE(ApproveAgreement(*db_, P("STLPD-administrator"), *id, now_).ok());
  EXPECT_EQ(Sees("SLCPD-analyst"), (std::vector<std::string>{"SLCPD", "STLPD"}));
  EXPECT_EQ(Sees("SLCPD-analyst", DataClass::kHits).size(), 1u) << "reads only";
  EXPECT_EQ(Sees("STLPD-analyst").size(), 1u) << "sharing is one way";
  now_ -= 2 * kDay;
  EXPECT_EQ(Sees("SLCPD-analyst").size(), 1u) << "before its effective date";
  now_ += 3 * kDay;
  EXPECT_EQ(Sees("SLCPD-analyst").size(), 1u) << "after its end date";
}

TEST_F(SharingTest, SharingTakesASupervisorAndAnAdministratorWhoAreTwoPeople) {
  AgreementRequest req{"SLCPD", DataClass::kReads, now_, std::nullopt, "MOU 2026-17"};
  EXPECT_EQ(ProposeAgreement(*db_, P("STLPD-analyst"), req, now_).status().code(),
            StatusCode::kPermissionDenied);
  const std::int64_t id = *ProposeAgreement(*db_, P("STLPD-supervisor"), req, now_);
  Status self = ApproveAgreement(*db_, P("STLPD-supervisor"), id, now_);
  EXPECT_EQ(self.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(self.message().find("second person"), std::string::npos) << self.message();
  User("STLPD-supervisor2", "STLPD", "supervisor");
  Status two_supervisors = ApproveAgreement(*db_, P("STLPD-supervisor2"), id, now_);
  EXPECT_EQ(two_supervisors.code(), StatusCode::kPermissionDenied) << two_supervisors.message();
  EXPECT_EQ(ApproveAgreement(*db_, P("SLCPD-administrator"), id, now_).code(),
            StatusCode::kNotFound)
      << "only the owner approves";
  EXPECT_EQ(Sees("SLCPD-analyst").size(), 1u);
  EXPECT_TRUE(ApproveAgreement(*db_, P("STLPD-administrator"), id, now_).ok());
  EXPECT_EQ(Sees("SLCPD-analyst").size(), 2u);
  // Every step, refusals included, is in the audit trail.
  audit::Query q;
  q.touched_agency = agencies_["STLPD"];
  std::size_t denied = 0, approved = 0;
  Result<std::vector<audit::Entry>> entries = audit::List(*db_, q);
  ASSERT_TRUE(entries.ok());
  for (const audit::Entry& e : *entries) {
    if (e.event != "agreement.approve") continue;
    (e.outcome == audit::Outcome::kOk ? approved : denied)++;
  }
  EXPECT_EQ(denied, 2u);
  EXPECT_EQ(approved, 1u);
}

TEST_F(SharingTest, ProposalApprovalAndRevocationNotifyBothAgencies) {
  const std::int64_t id = Share("STLPD", "SLCPD");
  ASSERT_TRUE(RevokeAgreement(*db_, P("STLPD-supervisor"), id, now_).ok());
  for (const char* who : {"STLPD-officer", "SLCPD-officer"}) {
    Result<std::vector<Notice>> n = ListNotices(*db_, P(who));
    ASSERT_TRUE(n.ok()) << n.status().message();
    ASSERT_EQ(n->size(), 3u) << who;
    EXPECT_NE((*n)[0].message.find("was revoked by stlpd-supervisor of STLPD"), std::string::npos)
        << (*n)[0].message;
    EXPECT_NE((*n)[1].message.find("STLPD shares reads with SLCPD) was approved"),
              std::string::npos)
        << (*n)[1].message;
    EXPECT_NE((*n)[2].message.find("STLPD shares reads with SLCPD) was proposed"),
              std::string::npos)
        << (*n)[2].message;
    EXPECT_EQ((*n)[2].addressee, "") << "no head named: the agency's notice, unaddressed";
  }
  const std::int64_t notice = (*ListNotices(*db_, P("STLPD-officer")))[0].id;
  EXPECT_EQ(MarkNoticeRead(*db_, P("SLCPD-officer"), notice, now_).code(), StatusCode::kNotFound)
      << "another agency's notice";
  ASSERT_TRUE(MarkNoticeRead(*db_, P("STLPD-officer"), notice, now_).ok());
  EXPECT_TRUE((*ListNotices(*db_, P("STLPD-officer")))[0].read);
}

TEST_F(SharingTest, RevocationEndsSharingAtOnce) {
  const std::int64_t id = Share("STLPD", "SLCPD");
  EXPECT_EQ(Sees("SLCPD-officer").size(), 2u);
  EXPECT_EQ(RevokeAgreement(*db_, P("SLCPD-supervisor"), id, now_).code(), StatusCode::kNotFound)
      << "the partner cannot revoke the owner's agreement";
  ASSERT_TRUE(RevokeAgreement(*db_, P("STLPD-supervisor"), id, now_).ok());
  EXPECT_EQ(Sees("SLCPD-officer").size(), 1u);
}

TEST_F(SharingTest, StateLawTravelsWithTheDataWhateverTheAgreements) {
  Share("CHP", "STLPD");  // California data to a Missouri agency: the law forbids it
  Share("CHP", "CAPD");   // within California: allowed
  Share("CHP", "FBI");    // to a federal agency: forbidden
  EXPECT_EQ(Sees("STLPD-analyst"), std::vector<std::string>{"STLPD"});
  EXPECT_EQ(Sees("CAPD-analyst"), (std::vector<std::string>{"CAPD", "CHP"}));
  EXPECT_EQ(Sees("FBI-analyst"), std::vector<std::string>{"FBI"});
  const std::string why =
      *WhyNotVisible(*db_, P("STLPD-analyst"), agencies_["CHP"], DataClass::kReads, now_);
  EXPECT_NE(why.find("US-CA law forbids out-of-state access"), std::string::npos) << why;
  EXPECT_NE(WhyNotVisible(*db_, P("FBI-analyst"), agencies_["CHP"], DataClass::kReads, now_)
                ->find("forbids federal access"),
            std::string::npos);
}

TEST_F(SharingTest, FederalAgenciesSeeOnlyWhatAOneToOneAgreementGivesThem) {
  EXPECT_EQ(Sees("FBI-analyst"), std::vector<std::string>{"FBI"});
  Share("STLPD", "FBI");
  EXPECT_EQ(Sees("FBI-analyst"), (std::vector<std::string>{"FBI", "STLPD"}));
  Share("ILSP", "FBI");  // Illinois law forbids federal access
  EXPECT_EQ(Sees("FBI-analyst"), (std::vector<std::string>{"FBI", "STLPD"}));
}

}  // namespace
}  // namespace interdict::policy
