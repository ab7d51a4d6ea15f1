#include "base/utf8.h"

#include <fmt/core.h>

namespace interdict {
namespace {

// Length of the valid UTF-8 sequence at s[i], or 0 if it is invalid.
std::size_t ValidSequenceLength(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  std::size_t n = 0;
  unsigned lo = 0x80, hi = 0xBF;  // range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;  // no overlong forms
    if (c == 0xED) hi = 0x9F;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (b(1) < lo || b(1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k) {
    if (b(k) < 0x80 || b(k) > 0xBF) return 0;
  }
  return n;
}

}  // namespace

std::size_t FindInvalidUtf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = ValidSequenceLength(s, i);
    if (n == 0) return i;
    i += n;
  }
  return std::string_view::npos;
}

std::string SanitizeUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = ValidSequenceLength(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string_view TruncateUtf8(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  std::size_t end = max_bytes;
  // Back off continuation bytes (10xxxxxx) to the start of the cut character.
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return s.substr(0, end);
}

std::size_t Utf8Length(std::string_view s) {
  std::size_t n = 0;
  for (const char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;  // not a continuation
  return n;
}

Status CheckTextField(std::string_view field, std::string_view value, std::size_t min_chars,
                      std::size_t max_chars, bool multiline) {
  if (const std::size_t bad = FindInvalidUtf8(value); bad != std::string_view::npos)
    return Status::InvalidArgument(fmt::format("{}: not valid UTF-8 (byte {})", field, bad));
  for (std::size_t i = 0; i < value.size(); ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    if ((c < 0x20 && !(multiline && (c == '\n' || c == '\t' || c == '\r'))) || c == 0x7f)
      return Status::InvalidArgument(fmt::format("{}: a control character at byte {}", field, i));
  }
  const std::size_t chars = Utf8Length(value);
  if (chars < min_chars || chars > max_chars) {
    if (min_chars == max_chars)
      return Status::InvalidArgument(fmt::format("{}: exactly {} characters", field, min_chars));
    if (min_chars <= 1 && chars == 0)
      return Status::InvalidArgument(fmt::format("{}: empty", field));
    return Status::InvalidArgument(
        fmt::format("{}: {} to {} characters (has {})", field, min_chars, max_chars, chars));
  }
  return Status::Ok();
}

}  // namespace interdict
