#include "store/crc32c.h"

#include <algorithm>
#include <climits>

#include <isa-l/crc.h>

namespace interdict::store {

// ISA-L's crc32_iscsi picks the CPU's best code at run time (SSE 4.2 with
// carry-less multiplication folding, AVX-512 where present) and takes the
// CRC register as is: the standard pre- and post-inversion are ours.
// Decision 0030 has the measurements.
std::uint32_t Crc32cExtend(std::uint32_t crc, const void* data, std::size_t n) {
  auto* p = static_cast<unsigned char*>(const_cast<void*>(data));  // ISA-L does not write
  crc = ~crc;
  while (n > 0) {
    const std::size_t chunk = std::min<std::size_t>(n, INT_MAX);
    crc = crc32_iscsi(p, static_cast<int>(chunk), crc);
    p += chunk;
    n -= chunk;
  }
  return ~crc;
}

}  // namespace interdict::store
