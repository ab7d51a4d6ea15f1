// The OpenALPR / Rekor parser (POST /api/v1/ingest/openalpr, import): any
// bytes give a message whose reads format and parse back as native reads, or
// an error that says why.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "read/native_format.h"
#include "read/openalpr_format.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto m = interdict::read::ParseOpenAlpr(text, "AGENCY");
  if (!m.ok()) {
    if (m.status().message().empty()) std::abort();
    return 0;
  }
  for (const auto& r : m->reads) {
    interdict::read::Read back;
    interdict::read::ReadRejection why;
    if (!interdict::read::ParseNativeRead(interdict::read::FormatNativeRead(r), &back, &why)) {
      std::abort();  // every read the parser makes must be a valid native read
    }
  }
  for (const auto& r : m->rejected) {
    if (r.field.empty() || r.message.empty()) std::abort();
  }
  return 0;
}
