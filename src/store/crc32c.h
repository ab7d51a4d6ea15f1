// CRC-32C (Castagnoli), the checksum of every record and file section in the
// store, computed by Intel's ISA-L (decision 0030).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace interdict::store {

// Extends `crc` (the CRC of earlier bytes, or 0) over `data`.
std::uint32_t Crc32cExtend(std::uint32_t crc, const void* data, std::size_t n);
inline std::uint32_t Crc32c(const void* data, std::size_t n) {
  return Crc32cExtend(0, data, n);
}
inline std::uint32_t Crc32c(std::string_view s) {
  return Crc32c(s.data(), s.size());
}

}  // namespace interdict::store
