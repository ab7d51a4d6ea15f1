// The one way to parse JSON that comes from outside the process: request
// bodies, camera messages, hotlist files, configuration fragments. Every
// parser of outside JSON in Interdict calls json::Parse; none calls
// rapidjson's Parse directly (docs/security.md, "Input limits"; decision 0026).
//
// What it guarantees, whatever the input:
//  - no recursion without bound: rapidjson's iterative parser, and a handler
//    that refuses nesting deeper than `max_depth` before building it, so a
//    body of a million '[' is a 400, not a stack overflow;
//  - at most `max_bytes` of text are looked at;
//  - valid UTF-8 only, no U+0000 inside strings or member names (C APIs
//    further down would cut the text there), no NaN or Infinity;
//  - no member name twice in one object (which of two values a reader takes
//    differs between libraries: a check could read one and an action the other);
//  - exactly one JSON text, with only whitespace after it.
// Errors name the byte offset and, for a limit, the limit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/fwd.h>

#include "base/status.h"

namespace interdict::json {

// Deeper than any real document Interdict reads: a search request with a
// polygon is 4 levels, an OpenALPR group 5, a hotlist file 3.
inline constexpr int kMaxDepth = 64;
// The HTTP server's default body limit; files pass their own.
inline constexpr std::size_t kDefaultMaxBytes = std::size_t{16} << 20;

struct ParseOptions {
  int max_depth = kMaxDepth;
  std::size_t max_bytes = kDefaultMaxBytes;
};

// Why a document was refused; counted process-wide for /metrics.
enum class Refusal {
  kSyntax,           // not JSON, or text after the document
  kEncoding,         // invalid UTF-8, or U+0000 in a string
  kDepth,            // nested deeper than max_depth
  kSize,             // longer than max_bytes
  kDuplicateMember,  // one member name twice in an object
};
inline constexpr int kRefusalKinds = 5;

// Parses `text` into `*doc` (which is replaced). On failure returns
// InvalidArgument with a message that callers prefix with where the text came
// from ("body: "): "invalid JSON at byte 17: Missing a colon after a name of
// object member.", "JSON nested deeper than the limit of 64 levels at byte
// 64", "JSON of 20000000 bytes exceeds the limit of 16777216 bytes",
// "duplicate member \"plate\" at byte 40", and leaves `*doc` null.
// Thread-safe; each call is independent.
Status Parse(std::string_view text, rapidjson::Document* doc, const ParseOptions& options = {});

// The strings of a JSON array this program wrote (a catalog column such as
// a unit's capabilities); empty for anything else, and non-strings skipped.
std::vector<std::string> StringArray(std::string_view text);

// Documents refused since the process started, by reason. Thread-safe.
std::uint64_t RefusedCount(Refusal reason);
// "syntax", "encoding", "depth", "size", "duplicate_member"
std::string_view RefusalName(Refusal reason);

}  // namespace interdict::json
