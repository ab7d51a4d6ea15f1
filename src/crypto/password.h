// Password hashing with Argon2id (decision 0016), in the encoded form that
// carries its own parameters and salt.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace interdict::crypto {

struct PasswordCost {
  std::uint32_t time = 3;                // passes
  std::uint32_t memory_kib = 64 * 1024;  // 64 MiB
  std::uint32_t lanes = 1;
};

// "$argon2id$v=19$m=65536,t=3,p=1$<salt>$<hash>" with a fresh 16-byte salt.
Result<std::string> HashPassword(std::string_view password, const PasswordCost& cost);

// Whether `password` matches `encoded`. False too when `encoded` is malformed.
bool VerifyPassword(std::string_view encoded, std::string_view password);

// Whether `encoded` was made with parameters other than `cost` (then a
// successful login stores a new hash).
bool NeedsRehash(std::string_view encoded, const PasswordCost& cost);

}  // namespace interdict::crypto
