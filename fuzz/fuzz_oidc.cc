// What an identity provider sends (decision 0038): a JWK Set, a compact ID
// token, its claims. Any bytes give a key set or an error, a verified
// payload or Unauthenticated, checked claims or Unauthenticated; never a
// crash, and never an accepted token without a signature from a parsed key.
// The input is split at the first NUL: JWK Set before, token after; the
// whole input is also tried as claims.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sso/jose.h"
#include "sso/oidc.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::size_t nul = in.find('\0');
  const std::string_view jwks = in.substr(0, nul);
  const std::string_view token = nul == std::string_view::npos ? in : in.substr(nul + 1);
  (void)interdict::sso::KidOf(token);
  interdict::Result<interdict::sso::KeySet> keys = interdict::sso::KeySet::Parse(jwks);
  if (keys.ok()) {
    if (keys->size() == 0) std::abort();  // Parse promises at least one key
    interdict::Result<std::string> payload = keys->Verify(token);
    if (!payload.ok() && payload.status().code() != interdict::StatusCode::kUnauthenticated)
      std::abort();
  }
  interdict::sso::Expectations e{"https://idp.example", "interdict", "n-1", 1'800'000'000'000};
  interdict::Result<interdict::sso::IdClaims> claims =
      interdict::sso::CheckClaims(in, e, "groups");
  if (claims.ok() && (claims->iss != e.issuer || claims->nonce != e.nonce)) std::abort();
  return 0;
}
