#include "identity/keys.h"

#include <gtest/gtest.h>

#include "crypto/crypto.h"
#include "support/catalog.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

namespace interdict::identity {
namespace {

class KeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = test::MigratedCatalog(dir_.File("catalog.db"));
    ASSERT_TRUE(db_);
    test::AddAgency(*db_, "STLPD");
    test::AddAgency(*db_, "SLCPD", "US-MO", "county");
    ASSERT_TRUE(db_->Exec("INSERT INTO users (agency_id, username, display_name, role, "
                          "created_at, created_by) VALUES "
                          "(1, 'admin', 'A', 'administrator', 0, 't'), "
                          "(1, 'sup', 'S', 'supervisor', 0, 't'), "
                          "(2, 'other', 'O', 'administrator', 0, 't')")
                    .ok());
    Accounts accounts(*db_, {});
    admin_ = *accounts.UserPrincipal(1);
    supervisor_ = *accounts.UserPrincipal(2);
    other_admin_ = *accounts.UserPrincipal(3);
  }
  std::int64_t Count(std::string_view sql) {
    auto st = db_->Prepare(sql);
    EXPECT_TRUE(*st->Step());
    return st->Int(0);
  }
  test::TempDir dir_;
  std::unique_ptr<catalog::Database> db_;
  Principal admin_, supervisor_, other_admin_;
};

TEST_F(KeysTest, AKeyActsForItsAgencyWithOnlyItsPermissionsAndCameras) {
  Result<NewKey> k =
      CreateKey(*db_, admin_, {"Flock feed", {"reads.ingest"}, {{"cam1", "cam2"}}}, 0);
  ASSERT_TRUE(k.ok()) << k.status().message();
  EXPECT_TRUE(IsApiKey(k->key));
  Result<Principal> p = AuthenticateKey(*db_, k->key);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->kind, Principal::Kind::kIntegration);
  EXPECT_EQ(p->agency_code, "STLPD");
  EXPECT_EQ(p->Actor(), "integration:1");
  EXPECT_TRUE(p->Can("reads.ingest"));
  EXPECT_FALSE(p->Can("cameras.heartbeat"));
  EXPECT_EQ(p->cameras, (std::vector<std::string>{"cam1", "cam2"}));
  EXPECT_EQ(Count("SELECT count(*) FROM audit WHERE event = 'integration.create'"), 1);
}

TEST_F(KeysTest, OnlyAnAdministratorCreatesKeysAndOnlyWithIntegrationPermissions) {
  EXPECT_EQ(CreateKey(*db_, supervisor_, {"x", {"reads.ingest"}, std::nullopt}, 0).status().code(),
            StatusCode::kPermissionDenied);
  Result<NewKey> wide = CreateKey(*db_, admin_, {"x", {"search.reads"}, std::nullopt}, 0);
  EXPECT_EQ(wide.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(wide.status().message().find("search.reads"), std::string::npos);
  EXPECT_EQ(CreateKey(*db_, admin_, {"", {"reads.ingest"}, std::nullopt}, 0).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Count("SELECT count(*) FROM integrations"), 0);
}

TEST_F(KeysTest, RotationAndRevocationTakeEffectAtOnce) {
  const NewKey first = *CreateKey(*db_, admin_, {"CAD", {"cameras.heartbeat"}, std::nullopt}, 0);
  EXPECT_EQ(RotateKey(*db_, other_admin_, first.id, 1).status().code(), StatusCode::kNotFound)
      << "another agency's administrator";
  Result<NewKey> second = RotateKey(*db_, admin_, first.id, 1);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->id, first.id);
  EXPECT_FALSE(AuthenticateKey(*db_, first.key).ok()) << "the old key stops at once";
  EXPECT_TRUE(AuthenticateKey(*db_, second->key).ok());
  ASSERT_TRUE(RevokeKey(*db_, admin_, first.id, 2).ok());
  EXPECT_EQ(AuthenticateKey(*db_, second->key).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(RotateKey(*db_, admin_, first.id, 3).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(Count("SELECT count(*) FROM audit WHERE event LIKE 'integration.%'"), 3);
}

TEST_F(KeysTest, MalformedOrForgedKeysAreRefusedAlike) {
  const NewKey k = *CreateKey(*db_, admin_, {"CAD", {"reads.ingest"}, std::nullopt}, 0);
  std::string forged = k.key;
  forged.back() = forged.back() == '0' ? '1' : '0';
  for (const std::string& bad : {forged, std::string("idk_"), k.key.substr(0, k.key.size() - 1),
                                 std::string("not a key"), k.key + "0"}) {
    Result<Principal> p = AuthenticateKey(*db_, bad);
    EXPECT_EQ(p.status().code(), StatusCode::kUnauthenticated) << bad;
    EXPECT_EQ(p.status().message(), "unknown or revoked API key");
  }
  // The secret is stored only as a digest.
  const std::string secret = k.key.substr(k.key.rfind('_') + 1);
  auto st = db_->Prepare("SELECT secret_hash FROM integrations");
  ASSERT_TRUE(*st->Step());
  EXPECT_EQ(st->Blob(0), crypto::AsBytes(crypto::Sha256(secret)));
}

}  // namespace
}  // namespace interdict::identity
