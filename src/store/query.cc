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
  if (p.text_.size() >= 3 && p.text_.front() == '*' && p.text_.back() == '*' &&
      p.text_.substr(1, p.text_.size() - 2).find_first_of("?*") == std::string::npos) {
    const std::string lit = p.text_.substr(1, p.text_.size() - 2);
    p.substring_only_ = true;
    p.lit_len_ = lit.size();
    p.lit_code_ = plate::Plate::FromNormalized(lit)->Pack() >> (64 - 6 * lit.size());
  }
  return p;
}

std::string_view PlatePattern::prefix() const {
  const std::size_t w = text_.find_first_of("?*");
  return std::string_view(text_).substr(0, w);
}

bool PlatePattern::MatchesPacked(std::uint64_t packed) const {
  if (substring_only_) {
    // Slide a window of the literal's width over the 10 character slots;
    // slots past the end are 0, which no literal code contains.
    const std::uint64_t mask = (std::uint64_t{1} << (6 * lit_len_)) - 1;
    for (std::size_t at = 0; at + lit_len_ <= plate::Plate::kMaxLength; ++at) {
      const std::size_t shift = 64 - 6 * (at + lit_len_);
      if (((packed >> shift) & mask) == lit_code_) return true;
    }
    return false;
  }
  const plate::Plate p = plate::Plate::Unpack(packed);
  return Matches(p.text());
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
