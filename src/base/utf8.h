// UTF-8 validation at the edges: text that came from outside may be any bytes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"

namespace interdict {

// The byte offset of the first invalid UTF-8 sequence (overlong forms,
// surrogates and code points above U+10FFFF are invalid), or npos.
std::size_t FindInvalidUtf8(std::string_view s);

// The characters (code points) of valid UTF-8 `s`: what a person counts.
std::size_t Utf8Length(std::string_view s);

// A copy with each invalid sequence replaced by U+FFFD.
std::string SanitizeUtf8(std::string_view s);

// At most `max_bytes` of valid UTF-8 `s`, cut before a character, never in one.
std::string_view TruncateUtf8(std::string_view s, std::size_t max_bytes);

// A field of free text from outside: valid UTF-8, `min_chars` to `max_chars`
// characters, no control characters (but newlines and tabs when
// `multiline`). InvalidArgument naming `field` and what is wrong.
Status CheckTextField(std::string_view field, std::string_view value, std::size_t min_chars,
                      std::size_t max_chars, bool multiline = false);

}  // namespace interdict
