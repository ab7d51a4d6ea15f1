#include "crypto/password.h"

#include <argon2.h>
#include <fmt/core.h>

#include <vector>

#include "crypto/crypto.h"

namespace interdict::crypto {
namespace {
constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;
}  // namespace

Result<std::string> HashPassword(std::string_view password, const PasswordCost& cost) {
  const std::string salt = RandomBytes(kSaltBytes);
  const std::size_t len =
      argon2_encodedlen(cost.time, cost.memory_kib, cost.lanes, kSaltBytes, kHashBytes, Argon2_id);
  std::vector<char> encoded(len);
  const int rc = argon2id_hash_encoded(cost.time, cost.memory_kib, cost.lanes, password.data(),
                                       password.size(), salt.data(), salt.size(), kHashBytes,
                                       encoded.data(), encoded.size());
  if (rc != ARGON2_OK)
    return Status::Internal(fmt::format("argon2id: {}", argon2_error_message(rc)));
  return std::string(encoded.data());
}

bool VerifyPassword(std::string_view encoded, std::string_view password) {
  const std::string e(encoded);  // argon2 wants a C string
  if (e.rfind("$argon2id$", 0) != 0) return false;
  return argon2id_verify(e.c_str(), password.data(), password.size()) == ARGON2_OK;
}

bool NeedsRehash(std::string_view encoded, const PasswordCost& cost) {
  const std::string want =
      fmt::format("$argon2id$v=19$m={},t={},p={}$", cost.memory_kib, cost.time, cost.lanes);
  return encoded.rfind(want, 0) != 0;
}

}  // namespace interdict::crypto
