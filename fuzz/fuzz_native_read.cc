// The native read parser (POST /api/v1/reads, `store load`): any bytes give a
// read that formats and parses back to itself, or a rejection naming a field.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "read/native_format.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  interdict::read::Read r;
  interdict::read::ReadRejection why;
  if (!interdict::read::ParseNativeRead(text, &r, &why)) {
    if (why.message.empty()) std::abort();  // every rejection says why
    return 0;
  }
  interdict::read::Read back;
  if (!interdict::read::ParseNativeRead(interdict::read::FormatNativeRead(r), &back, &why) ||
      !(back == r)) {
    std::abort();  // a read that does not survive its own format
  }
  return 0;
}
