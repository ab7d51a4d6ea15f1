#include "plate/plate.h"

#include <fmt/core.h>

namespace interdict::plate {
namespace {

bool IsAsciiSeparator(char c) {
  if (c == ' ' || c == '\t') return true;
  // ASCII punctuation other than the wildcards.
  return (c >= '!' && c <= '/' && c != '*') || (c >= ':' && c <= '@' && c != '?') ||
         (c >= '[' && c <= '`') || (c >= '{' && c <= '~');
}

// Length in bytes of a Unicode separator starting at s[i], or 0.
std::size_t UnicodeSeparatorLength(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  if (i + 1 < s.size() && b(0) == 0xC2 && (b(1) == 0xA0 || b(1) == 0xB7))
    return 2;  // NBSP, middle dot
  if (i + 2 < s.size() && b(0) == 0xE2 && b(1) == 0x80) {
    const unsigned c = b(2);
    // U+2002..U+200A spaces, U+2010..U+2015 dashes, U+2022 bullet, U+2027 hyphenation point.
    if ((c >= 0x82 && c <= 0x8A) || (c >= 0x90 && c <= 0x95) || c == 0xA2 || c == 0xA7) return 3;
  }
  return 0;
}

Status Reject(PlateRejection reason, PlateRejection* why, std::string message) {
  if (why) *why = reason;
  return Status::InvalidArgument(std::move(message));
}

}  // namespace

std::string_view PlateRejectionName(PlateRejection r) {
  switch (r) {
    case PlateRejection::kNone: return "none";
    case PlateRejection::kEmpty: return "empty";
    case PlateRejection::kTooLong: return "too_long";
    case PlateRejection::kWildcard: return "wildcard";
    case PlateRejection::kInvalidCharacter: return "invalid_character";
  }
  return "unknown";
}

Result<std::string> NormalizePlateText(std::string_view raw, PlateRejection* why) {
  if (why) *why = PlateRejection::kNone;
  std::string out;
  out.reserve(Plate::kMaxLength);
  for (std::size_t i = 0; i < raw.size();) {
    const char c = raw[i];
    if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
      out += c;
      ++i;
    } else if (c >= 'a' && c <= 'z') {
      out += static_cast<char>(c - 'a' + 'A');
      ++i;
    } else if (c == '?' || c == '*') {
      return Reject(PlateRejection::kWildcard, why,
                    fmt::format("plate contains wildcard '{}' at byte {}; wildcards are for "
                                "partial-plate searches",
                                c, i));
    } else if (IsAsciiSeparator(c)) {
      ++i;
    } else if (const std::size_t n = UnicodeSeparatorLength(raw, i); n > 0) {
      i += n;
    } else {
      return Reject(PlateRejection::kInvalidCharacter, why,
                    fmt::format("plate contains invalid byte 0x{:02X} at byte {}; only A-Z, 0-9 "
                                "and separators are allowed",
                                static_cast<unsigned>(static_cast<unsigned char>(c)), i));
    }
    if (out.size() > Plate::kMaxLength) {
      return Reject(
          PlateRejection::kTooLong, why,
          fmt::format("plate is longer than {} characters after normalization", Plate::kMaxLength));
    }
  }
  if (out.empty()) {
    return Reject(PlateRejection::kEmpty, why, "plate is empty after normalization");
  }
  return out;
}

Result<Plate> Plate::Parse(std::string_view raw, PlateRejection* why) {
  Result<std::string> text = NormalizePlateText(raw, why);
  if (!text.ok()) return text.status();
  Plate p;
  std::copy(text->begin(), text->end(), p.chars_.begin());
  p.size_ = static_cast<std::uint8_t>(text->size());
  return p;
}

bool Plate::IsNormalized(std::string_view text) {
  if (text.empty() || text.size() > kMaxLength) return false;
  for (char c : text) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

Result<Plate> Plate::FromNormalized(std::string_view text) {
  if (!IsNormalized(text)) {
    return Status::InvalidArgument(fmt::format("'{}' is not a normalized plate", text));
  }
  Plate p;
  std::copy(text.begin(), text.end(), p.chars_.begin());
  p.size_ = static_cast<std::uint8_t>(text.size());
  return p;
}

std::uint64_t Plate::Pack() const {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < size_; ++i) {
    const char c = chars_[i];
    const std::uint64_t code = (c <= '9') ? static_cast<std::uint64_t>(c - '0' + 1)
                                          : static_cast<std::uint64_t>(c - 'A' + 11);
    v |= code << (58 - 6 * i);
  }
  return v;
}

Plate Plate::Unpack(std::uint64_t packed) {
  Plate p;
  for (std::size_t i = 0; i < kMaxLength; ++i) {
    const auto code = static_cast<unsigned>((packed >> (58 - 6 * i)) & 0x3F);
    if (code == 0) break;
    p.chars_[i] =
        code <= 10 ? static_cast<char>('0' + code - 1) : static_cast<char>('A' + code - 11);
    p.size_ = static_cast<std::uint8_t>(i + 1);
  }
  return p;
}

}  // namespace interdict::plate
