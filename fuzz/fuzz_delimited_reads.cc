// The delimited read parsers (INTERDICT_FUZZ_FORMAT: csv or seattle) of
// `interdict import reads`: the first line is the header, every further line
// gives a valid native read or a rejection with a reason.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "base/delimited.h"
#include "read/delimited_format.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using interdict::read::DelimitedFormat;
  const DelimitedFormat format = std::string_view(INTERDICT_FUZZ_FORMAT) == "csv"
                                     ? DelimitedFormat::kCsv
                                     : DelimitedFormat::kSeattle;
  interdict::LineCursor lines(std::string_view(reinterpret_cast<const char*>(data), size));
  std::string_view line;
  if (!lines.Next(&line)) return 0;
  auto parser = interdict::read::DelimitedReadParser::FromHeader(format, line, "AGENCY");
  if (!parser.ok()) {
    if (parser.status().message().empty()) std::abort();
    return 0;
  }
  while (lines.Next(&line)) {
    interdict::read::Read r;
    interdict::read::ReadRejection why;
    if (parser->Parse(line, &r, &why)) {
      interdict::read::Read back;
      if (!interdict::read::ParseNativeRead(interdict::read::FormatNativeRead(r), &back, &why)) {
        std::fprintf(stderr, "not a native read: %s: %s\n%s\n", why.field.c_str(),
                     why.message.c_str(), interdict::read::FormatNativeRead(r).c_str());
        std::abort();
      }
    } else if (why.message.empty()) {
      std::abort();
    }
  }
  return 0;
}
