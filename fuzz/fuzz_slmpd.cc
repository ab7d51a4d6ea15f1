// An SLMPD monthly crime file as published (docs/format/outcomes.md): any
// bytes give a report or a header error that says why; every bad line is
// named with its line and field, and every incident read is in range.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "outcomes/incidents.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace interdict::outcomes;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto r = ReadSlmpd(text);
  if (!r.ok()) {
    if (r.status().message().empty()) std::abort();
    return 0;
  }
  if (r->incidents.size() + r->errors.size() > r->lines) std::abort();
  for (const LineError& e : r->errors)
    if (e.line < 2 || e.message.empty()) std::abort();
  for (const Incident& i : r->incidents) {
    if ((i.count != 1 && i.count != -1) || i.category.empty() || i.crime.size() != 6) std::abort();
    if (i.neighborhood < 0 || i.neighborhood > 88 || i.district < 0 || i.district > 9) std::abort();
  }
  return 0;
}
