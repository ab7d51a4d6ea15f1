// OpenID Connect, the relying party's side (authorization code flow with
// PKCE, decision 0038): the provider's discovery document and keys, cached
// per issuer and refetched when the provider rotates its keys; the code
// exchanged for an ID token; the token's signature and claims checked.
// Thread-safe. Providers are reached over HTTPS (plain HTTP on loopback only,
// for tests and a provider on the same host).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/log.h"
#include "base/status.h"
#include "identity/sso.h"
#include "sso/jose.h"

namespace interdict::sso {

struct Discovery {
  std::string issuer, authorization_endpoint, token_endpoint, jwks_uri;
};

// What the claims of an ID token must say (OpenID Connect Core 3.1.3.7).
struct Expectations {
  std::string issuer, client_id, nonce;
  std::int64_t now_ms = 0;
  std::int64_t skew_ms = 120'000;  // clocks of provider and server may differ this much
};

struct IdClaims {
  std::string iss, sub, nonce, azp, acr, preferred_username, name, email;
  std::vector<std::string> aud, amr, groups;
  std::int64_t exp = 0, iat = 0;
};

// Checks the claims of a token whose signature was verified: iss, aud (and
// azp when several audiences), exp, iat, nonce. Unauthenticated naming the
// claim that fails. `groups_claim` names where the groups are (an array of
// strings, or one string).
Result<IdClaims> CheckClaims(std::string_view payload, const Expectations& e,
                             std::string_view groups_claim);

// Whether the token asserts multi-factor sign-in under the agency's rule:
// one of its amr values, or its acr, is among the settings' lists.
bool MfaAsserted(const IdClaims& c, const identity::SsoSettings& s);

// PKCE (RFC 7636): the S256 challenge of a verifier, base64url.
std::string CodeChallenge(std::string_view verifier);
std::string Base64Url(std::string_view bytes);
// application/x-www-form-urlencoded (and URL query) encoding of one value.
std::string FormEncode(std::string_view value);

std::string AuthorizationUrl(const Discovery& d, std::string_view client_id,
                             std::string_view redirect_uri, std::string_view state,
                             std::string_view nonce, std::string_view code_challenge);

class Providers {
 public:
  Providers(const Clock& clock, Logger& log) : clock_(clock), log_(log) {}

  // The provider's discovery document, cached for an hour. Its "issuer" must
  // be `issuer` exactly (a mix-up defence).
  Result<Discovery> Discover(const std::string& issuer);
  // Exchanges an authorization code for the provider's ID token (compact).
  // With a client secret: HTTP Basic authentication (client_secret_basic).
  Result<std::string> ExchangeCode(const Discovery& d, std::string_view client_id,
                                   std::string_view client_secret, std::string_view code,
                                   std::string_view redirect_uri, std::string_view verifier);
  // The ID token's payload once its signature verifies under the issuer's
  // keys. A key id not in the cached set refetches the set (the provider
  // rotated), at most once a minute per issuer.
  Result<std::string> Verify(const Discovery& d, std::string_view id_token);

 private:
  Result<std::string> Fetch(std::string_view method, const std::string& url, std::string_view body,
                            std::string_view authorization);
  struct Cached {
    Discovery discovery;
    std::int64_t discovered_at = 0;
    std::shared_ptr<const KeySet> keys;
    std::int64_t keys_at = 0;
  };
  const Clock& clock_;
  Logger& log_;
  std::mutex mu_;
  std::map<std::string, Cached> by_issuer_;
};

}  // namespace interdict::sso
