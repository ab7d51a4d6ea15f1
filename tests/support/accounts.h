// Users with known passwords and TOTP secrets, signing them in over the real
// API, and authenticated requests: for tests that act as several people.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "base/clock.h"
#include "catalog/database.h"
#include "crypto/password.h"
#include "crypto/totp.h"
#include "http/client.h"

namespace interdict::test {

inline const std::string kTestPassword = "correct horse battery";
inline const std::string kTestTotpSecret = "12345678901234567890";

// When test accounts were created: 2026-09-21, a few months before the
// tests' clocks (FakeClock at 2027-01-15, or the system's), so their yearly
// access review is not yet due.
inline constexpr std::int64_t kTestAccountsCreatedAt = 1'790'000'000'000;

// A user of `agency_id` with `role`, enrolled (password and TOTP), named `username`.
inline void AddUser(catalog::Database& db, std::int64_t agency_id, const std::string& username,
                    const std::string& role) {
  static const std::string hash = *crypto::HashPassword(kTestPassword, {1, 64, 1});
  auto st = db.Prepare(
      "INSERT INTO users (agency_id, username, display_name, role, password_hash, totp_secret, "
      "totp_enrolled, created_at, created_by) VALUES (?1, ?2, ?2, ?3, ?4, ?5, 1, ?6, 'test')");
  ASSERT_TRUE(st.ok());
  st->Bind(1, agency_id).Bind(2, username).Bind(3, role).Bind(4, hash).BindBlob(5, kTestTotpSecret);
  st->Bind(6, kTestAccountsCreatedAt);
  ASSERT_TRUE(st->Run().ok());
}

// Signs `username` in and returns the session token (empty on failure, with
// a test failure). Each TOTP code works once: advance the clock 30 s between
// two sign-ins of the same user.
// The login banner's version, as the console reads it before sign-in (a
// sign-in names the banner it accepted).
inline std::string BannerVersion(http::Client& client) {
  Result<http::ClientResponse> banner = client.Get("/api/v1/auth/banner");
  EXPECT_TRUE(banner.ok() && banner->status == 200);
  if (!banner.ok()) return {};
  const std::size_t v = banner->body.find("\"version\":\"");
  return v == std::string::npos ? "" : banner->body.substr(v + 11, 16);
}

inline std::string SignIn(http::Client& client, const Clock& clock, const std::string& username) {
  const std::string code = crypto::TotpCode(kTestTotpSecret, crypto::TotpStep(clock.NowMillis()));
  const std::string version = BannerVersion(client);
  Result<http::ClientResponse> r =
      client.Send("POST", "/api/v1/auth/login",
                  R"({"username":")" + username + R"(","password":")" + kTestPassword +
                      R"(","code":")" + code + R"(","banner":")" + version + R"("})");
  EXPECT_TRUE(r.ok() && r->status == 200) << username << ": " << (r.ok() ? r->body : "no answer");
  if (!r.ok() || r->status != 200) return {};
  const std::size_t at = r->body.find("\"token\":\"");
  return r->body.substr(at + 9, 64);
}

// One authenticated request (a session token or an API key); a transport
// failure fails the test and gives an empty response.
inline http::ClientResponse Call(http::Client& client, const std::string& token,
                                 const std::string& method, const std::string& path,
                                 const std::string& body = "",
                                 const std::string& content_type = "application/json") {
  Result<http::ClientResponse> r = client.Send(
      method, path, body, {{"Authorization", "Bearer " + token}, {"Content-Type", content_type}});
  EXPECT_TRUE(r.ok()) << method << " " << path;
  return r.ok() ? *r : http::ClientResponse{};
}

}  // namespace interdict::test
