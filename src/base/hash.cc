#include "base/hash.h"

#include <xxhash.h>

namespace interdict {

std::uint64_t Hash64(std::string_view bytes, std::uint64_t seed) {
  return XXH3_64bits_withSeed(bytes.data(), bytes.size(), seed);
}

std::uint64_t Hash64(std::initializer_list<std::string_view> parts) {
  std::uint64_t h = 0;
  for (std::string_view p : parts) h = XXH3_64bits_withSeed(p.data(), p.size(), h);
  return h;
}

}  // namespace interdict
