// Escaping text into JSON string literals by hand, for the three places that
// may (a lint test keeps it so): log lines, the audit chain's canonical form
// (src/audit/audit.cc, which must hash as it always has) and benchmark
// output. Every JSON document is written by json::Writer (base/json_writer.h).
// Control characters become \u00XX, so a hostile value can neither break
// the document nor forge a second line. Bytes are otherwise copied: callers
// pass valid UTF-8.
#pragma once

#include <string>
#include <string_view>

namespace interdict {

void AppendJsonEscaped(std::string& out, std::string_view s);
// "…" with the quotes.
std::string JsonQuote(std::string_view s);

}  // namespace interdict
