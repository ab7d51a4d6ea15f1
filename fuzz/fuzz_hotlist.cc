// A hotlist parser (INTERDICT_FUZZ_FORMAT: ncic, csv, genetec or json). Any
// bytes give entries and rejections — each rejection with a line or an index
// and a reason — or a file-level error, and the check report is always one
// line of JSON.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "hotlist/formats.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto format = *interdict::hotlist::ParseFormat(INTERDICT_FUZZ_FORMAT);
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto list = interdict::hotlist::ParseList(format, text);
  if (!list.ok()) {
    if (list.status().message().empty()) std::abort();
    return 0;
  }
  for (const auto& r : list->rejected) {
    if (r.error.empty() || (r.line == 0 && !r.index)) std::abort();
  }
  for (const auto& e : list->entries) {
    if (e.plate.empty() || e.kind.empty()) std::abort();
  }
  const std::string report = interdict::hotlist::CheckReportJson(*list);
  if (report.find('\n') != std::string::npos) std::abort();
  return 0;
}
