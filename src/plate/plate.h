// Plate: a normalized license plate text. Every plate inside Interdict is one
// of these; raw vendor text is normalized once, at the boundary.
//
// Normalization: ASCII letters are upper-cased; whitespace, ASCII punctuation
// and a few Unicode separators (no-break space, middle dot, bullet, dashes)
// are removed; only A-Z and 0-9 remain. Rejected with a reason: an empty
// result, more than kMaxLength characters, the wildcards '?' and '*' (they
// belong in partial-plate searches, and an OCR engine's '?' means "unread"),
// control characters and any other non-ASCII text.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace interdict::plate {

enum class PlateRejection : std::uint8_t {
  kNone = 0,
  kEmpty,             // nothing left after removing separators
  kTooLong,           // more than Plate::kMaxLength characters
  kWildcard,          // '?' or '*'
  kInvalidCharacter,  // control character or non-ASCII text that is not a separator
};

std::string_view PlateRejectionName(PlateRejection r);

class Plate {
 public:
  static constexpr std::size_t kMaxLength = 10;

  Plate() = default;

  // Normalizes vendor text. On failure the status names the reason and the
  // byte offset in `raw`; `why`, when given, receives the machine-readable reason.
  static Result<Plate> Parse(std::string_view raw, PlateRejection* why = nullptr);

  // Accepts only text that is already normalized (1-10 of A-Z, 0-9).
  static Result<Plate> FromNormalized(std::string_view text);
  static bool IsNormalized(std::string_view text);

  std::string_view text() const { return {chars_.data(), size_}; }
  std::string str() const { return std::string(text()); }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  char operator[](std::size_t i) const { return chars_[i]; }

  // A 64-bit form for indexes: 6 bits per character (0-9 -> 1..10, A-Z -> 11..36,
  // 0 = end), the first character in the highest bits. Packed values sort in
  // the same order as the texts.
  std::uint64_t Pack() const;
  static Plate Unpack(std::uint64_t packed);

  friend bool operator==(const Plate& a, const Plate& b) { return a.text() == b.text(); }
  friend std::strong_ordering operator<=>(const Plate& a, const Plate& b) {
    return a.text() <=> b.text();
  }

 private:
  std::array<char, kMaxLength> chars_{};
  std::uint8_t size_ = 0;
};

// Normalizes without constructing a Plate; same rules as Plate::Parse.
Result<std::string> NormalizePlateText(std::string_view raw, PlateRejection* why = nullptr);

}  // namespace interdict::plate
