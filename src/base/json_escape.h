// Escaping text into JSON string literals, for the few places that write JSON
// by hand (log lines, purge reports, benchmark output). Control characters
// become \u00XX, so a hostile value can neither break the document nor forge
// a second line. Bytes are otherwise copied: callers pass valid UTF-8.
#pragma once

#include <string>
#include <string_view>

namespace interdict {

void AppendJsonEscaped(std::string& out, std::string_view s);
// "…" with the quotes.
std::string JsonQuote(std::string_view s);

}  // namespace interdict
