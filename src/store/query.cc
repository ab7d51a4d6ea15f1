#include "store/query.h"

#include <fmt/core.h>

namespace interdict::store {

Result<PlatePattern> PlatePattern::Parse(std::string_view text) {
  PlatePattern p;
  std::size_t literal = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c == ' ' || c == '-') continue;
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '?' || c == '*')) {
      return Status::InvalidArgument(fmt::format(
          "pattern '{}': invalid character at byte {}; use A-Z, 0-9, '?' (one character) and '*' "
          "(any run)",
          text, i));
    }
    if (c == '*' && !p.text_.empty() && p.text_.back() == '*') continue;
    if (c != '*') ++literal;
    p.text_ += c;
  }
  if (literal == 0)
    return Status::InvalidArgument("pattern needs at least one character that is not '*'");
  if (literal > plate::Plate::kMaxLength) {
    return Status::InvalidArgument(fmt::format("pattern '{}' is longer than any plate", text));
  }
  return p;
}

std::string_view PlatePattern::prefix() const {
  const std::size_t w = text_.find_first_of("?*");
  return std::string_view(text_).substr(0, w);
}

bool PlatePattern::Matches(std::string_view s) const {
  // Iterative wildcard matching with one backtrack point: linear for one '*'
  // and never exponential.
  const std::string_view p = text_;
  std::size_t pi = 0, si = 0, star = std::string_view::npos, mark = 0;
  while (si < s.size()) {
    if (pi < p.size() && (p[pi] == '?' || p[pi] == s[si])) {
      ++pi;
      ++si;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = si;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      si = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

}  // namespace interdict::store
