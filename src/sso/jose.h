// JOSE for single sign-on (decision 0038): a provider's JWK Set and the
// checking of a compact JWS signature, through Debian's cjose (the library of
// Apache's mod_auth_openidc). The only user of cjose. Only asymmetric
// algorithms are accepted: a token signed with "none" or an HMAC is refused
// whatever its keys say.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace interdict::sso {

// The algorithms an ID token may be signed with.
inline constexpr std::string_view kAllowedAlgs[] = {"RS256", "RS384", "RS512", "PS256", "PS384",
                                                    "PS512", "ES256", "ES384", "ES512"};

class KeySet {
 public:
  // A JWK Set document ({"keys":[…]}). Keys cjose cannot import or that are
  // not for signatures ("use":"enc") are left out; InvalidArgument when the
  // document is not a JWK Set or holds no usable key.
  static Result<KeySet> Parse(std::string_view jwks_json);
  KeySet();
  ~KeySet();
  KeySet(KeySet&&) noexcept;
  KeySet& operator=(KeySet&&) noexcept;

  bool Has(std::string_view kid) const;
  std::size_t size() const;

  // Checks `compact` (header.payload.signature) against the key its header's
  // "kid" names (or, without a kid, the only key there is) and returns the
  // payload. Unauthenticated, saying what failed: not a JWS, an algorithm not
  // allowed, no such key, a bad signature.
  Result<std::string> Verify(std::string_view compact) const;

 private:
  struct Key;
  std::vector<std::unique_ptr<Key>> keys_;
};

// The "kid" of a compact JWS's header, unchecked ("" when none or malformed):
// to tell whether the provider rotated its keys before verifying.
std::string KidOf(std::string_view compact);

}  // namespace interdict::sso
