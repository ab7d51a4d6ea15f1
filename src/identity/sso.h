// Single sign-on through an agency's OpenID Connect provider (docs/security.md,
// "Single sign-on"): the agency's settings, the pending sign-ins (state, nonce,
// PKCE verifier, used once), and what a verified ID token does to the
// catalog: the person provisioned just in time with the role their groups map
// to, or disabled when no group maps any more. Token checking itself is in
// src/sso; this is only the catalog's side. Every outcome is audited.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "catalog/database.h"

namespace interdict::identity {

struct SsoSettings {
  std::int64_t agency_id = 0;
  std::string agency_code;
  std::string issuer;     // exactly as the provider's tokens name it
  std::string client_id;  // Interdict's client at the provider
  std::string groups_claim = "groups";
  // Provider group → Interdict role. A person in several mapped groups gets
  // the first role of kRolePrecedence among them.
  std::map<std::string, std::string> role_map;
  // The provider must assert multi-factor sign-in (amr or acr below), or the
  // person adds Interdict's own TOTP code.
  bool require_mfa = true;
  std::vector<std::string> mfa_amr = {"mfa", "otp", "hwk", "swk", "sc", "fido"};
  std::vector<std::string> mfa_acr;
  bool enabled = true;
};

inline constexpr std::string_view kRolePrecedence[] = {"administrator", "supervisor", "auditor",
                                                       "analyst",       "officer",    "clerk"};

// The settings of the agency with `code`; nullopt when it has none.
Result<std::optional<SsoSettings>> SsoSettingsFor(catalog::Database& db, std::string_view code);
// Creates or replaces an agency's settings; InvalidArgument names a bad
// field (an unknown role, an issuer that is not https, except on loopback).
// Audited as sso.configure by `actor`.
Status ConfigureSso(catalog::Database& db, const SsoSettings& settings, std::string_view actor,
                    std::int64_t now);

// A sign-in on its way to the provider, keyed by its state (stored hashed).
struct SsoLogin {
  std::int64_t agency_id = 0;
  std::string agency_code;  // filled by TakeSsoLogin
  std::string nonce, verifier, return_to;
  std::int64_t created_at = 0;
};
Status SaveSsoLogin(catalog::Database& db, std::string_view state, const SsoLogin& login);
// Marks the sign-in of `state` used and returns it. Unauthenticated when it is
// unknown, already used (a replay) or older than `max_age_ms`.
Result<SsoLogin> TakeSsoLogin(catalog::Database& db, std::string_view state, std::int64_t now,
                              std::int64_t max_age_ms);

// A sign-in the provider's answer did not complete (no code, a token that
// failed its checks): audited as sso.login, refused, with the reason.
Status RecordSsoFailure(catalog::Database& db, std::int64_t agency_id, std::string_view reason,
                        std::string_view from, std::int64_t now);

// What a verified ID token says about the person.
struct FederatedIdentity {
  std::string subject;  // "<issuer>|<sub>": stable at the provider
  std::string preferred_username, display_name;
  std::vector<std::string> groups;
  bool mfa_asserted = false;
};

// After the token checked out: maps the groups to a role, provisions or
// updates the person (or disables them when no group maps), and attaches a
// one-time ticket to the sign-in, which the console redeems for a session
// (Accounts::RedeemSsoTicket). PermissionDenied when no group maps to a role
// or the person is disabled; audited either way.
Result<std::string> CompleteSsoLogin(catalog::Database& db, std::string_view state,
                                     const SsoSettings& settings, const FederatedIdentity& who,
                                     std::string_view from, std::int64_t now);

// The role `groups` map to under `settings`, or "" when none.
std::string MappedRole(const SsoSettings& settings, const std::vector<std::string>& groups);

}  // namespace interdict::identity
