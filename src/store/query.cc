#include "store/query.h"

#include <algorithm>
#include <utility>

#include <fmt/core.h>

namespace interdict::store {
namespace {

// For each entry, whether the literal (`kLen` characters, codes in `code`)
// appears at any of the 10 character slots. The slots are unrolled at compile
// time (shifts by constants, no loop), so the entry loop vectorizes — AVX2
// where the CPU has it; CMakeLists.txt gives this file GCC's dynamic cost
// model, without which -O2 keeps it scalar. A loop over the slots stayed
// scalar either way, shifting by a register: ~3.4 ns a plate against ~0.6.
// (Clang, which builds the fuzz targets, cannot clone templates: one version there.)
#if defined(__clang__)
#define INTERDICT_VECTOR_CLONES
#else
#define INTERDICT_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#endif
template <std::size_t kLen, std::size_t... kAt>
inline std::uint64_t LiteralAt(std::uint64_t v, std::uint64_t code, std::index_sequence<kAt...>) {
  constexpr std::uint64_t kMask = (std::uint64_t{1} << (6 * kLen)) - 1;
  return ((((v >> (64 - 6 * (kAt + kLen))) & kMask) == code ? std::uint64_t{1} : 0) | ...);
}

template <std::size_t kLen>
INTERDICT_VECTOR_CLONES void ScanLiteral(const std::uint64_t* d, std::size_t n, std::uint64_t code,
                                         std::uint8_t* hit) {
  constexpr auto kSlots = std::make_index_sequence<plate::Plate::kMaxLength - kLen + 1>();
  for (std::size_t i = 0; i < n; ++i)
    hit[i] = static_cast<std::uint8_t>(LiteralAt<kLen>(d[i], code, kSlots));
}

using ScanFn = void (*)(const std::uint64_t*, std::size_t, std::uint64_t, std::uint8_t*);
constexpr ScanFn kScans[] = {nullptr,        ScanLiteral<1>, ScanLiteral<2>, ScanLiteral<3>,
                             ScanLiteral<4>, ScanLiteral<5>, ScanLiteral<6>, ScanLiteral<7>,
                             ScanLiteral<8>, ScanLiteral<9>, ScanLiteral<10>};

}  // namespace

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

void PlatePattern::MatchDictionary(const std::uint64_t* dict, std::size_t n,
                                   std::vector<std::uint32_t>* out) const {
  if (!substring_only_) {
    for (std::size_t i = 0; i < n; ++i) {
      if (MatchesPacked(dict[i])) out->push_back(static_cast<std::uint32_t>(i));
    }
    return;
  }
  constexpr std::size_t kChunk = 4096;
  std::uint8_t hit[kChunk];
  for (std::size_t base = 0; base < n; base += kChunk) {
    const std::size_t m = std::min(kChunk, n - base);
    kScans[lit_len_](dict + base, m, lit_code_, hit);
    for (std::size_t i = 0; i < m; ++i) {
      if (hit[i]) out->push_back(static_cast<std::uint32_t>(base + i));
    }
  }
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
