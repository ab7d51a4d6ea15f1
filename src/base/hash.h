// A fast hash that is not a secret: xxHash's XXH3 (64 bits), for in-memory
// indexes and for digests that only tell two things apart (a search cursor's
// terms). Never for anything an attacker could profit from colliding: keys,
// passwords and plates kept confidential use keyed HMACs (crypto/). Decision
// 0030.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string_view>

namespace interdict {

std::uint64_t Hash64(std::string_view bytes, std::uint64_t seed = 0);

// Several strings in order, each seeding the next: ("ab", "c") and
// ("a", "bc") hash apart.
std::uint64_t Hash64(std::initializer_list<std::string_view> parts);

}  // namespace interdict
