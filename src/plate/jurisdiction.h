// Jurisdiction: who issued a plate. US states, DC and territories, Canadian
// provinces and territories, Mexican states, Mexico as a whole (its plates use
// one national series), and "unknown".
//
// Vendors spell these many ways ("MO", "us-mo", "Missouri", "US_MO", NCIC
// codes such as "PQ" for Quebec); Parse folds them into one. The canonical
// text form is the ISO 3166-2 code ("US-MO", "CA-QC", "MX-JAL"; "MX" for
// Mexico; "ZZ" for unknown).
//
// A bare two-letter code is read as a US or Canadian postal code first ("CA"
// is California; Canada's provinces are unambiguous: "ON", "QC"). Mexican
// states are named by their three-letter ISO code ("JAL", "MX-JAL") or name.
//
// id() is persisted by the read store: the table is append-only, and an id
// never changes meaning.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/status.h"

namespace interdict::plate {

enum class Country : std::uint8_t { kUnknown = 0, kUS, kCanada, kMexico };

class Jurisdiction {
 public:
  // Unknown.
  constexpr Jurisdiction() = default;

  // Parses any supported spelling, case-insensitively; surrounding whitespace
  // is ignored. "", "UNK", "UNKNOWN", "XX", "ZZ", "NONE", "N/A" and "??" are
  // Unknown. Anything else unrecognized is an error naming the text.
  static Result<Jurisdiction> Parse(std::string_view text);
  // By persisted id; NotFound for an id this binary does not know.
  static Result<Jurisdiction> FromId(std::uint8_t id);
  static constexpr Jurisdiction Unknown() { return {}; }

  std::uint8_t id() const { return id_; }
  bool known() const { return id_ != 0; }
  // ISO 3166-2 code: "US-MO".
  std::string_view code() const;
  // The code people write on forms: "MO", "ON", "JAL"; "ZZ" for unknown.
  std::string_view short_code() const;
  // English name: "Missouri".
  std::string_view name() const;
  Country country() const;

  // The number of jurisdictions in the table, unknown included.
  static std::size_t Count();

  friend constexpr bool operator==(Jurisdiction a, Jurisdiction b) { return a.id_ == b.id_; }

 private:
  constexpr explicit Jurisdiction(std::uint8_t id) : id_(id) {}
  std::uint8_t id_ = 0;
};

}  // namespace interdict::plate
