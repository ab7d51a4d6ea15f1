#include "plate/jurisdiction.h"

#include <string>
#include <unordered_map>
#include <vector>

#include <fmt/core.h>

#include "plate/jurisdiction_table.h"

namespace interdict::plate {
namespace {

// Latin-1 letters (the second byte of a UTF-8 sequence starting 0xC3) folded
// to their base letter, or 0 when not a letter we fold.
char FoldLatin1(unsigned char b) {
  const unsigned lower = (b >= 0xA0) ? b - 0x20u : b;  // 0xA0..0xBF -> 0x80..0x9F
  if (lower >= 0x80 && lower <= 0x85) return 'A';
  if (lower == 0x87) return 'C';
  if (lower >= 0x88 && lower <= 0x8B) return 'E';
  if (lower >= 0x8C && lower <= 0x8F) return 'I';
  if (lower == 0x91) return 'N';
  if (lower >= 0x92 && lower <= 0x96) return 'O';
  if (lower >= 0x99 && lower <= 0x9C) return 'U';
  if (lower == 0x9D || lower == 0x9F) return 'Y';
  return 0;
}

// Upper-cases, folds accents and drops separators, so "Nuevo León", "nuevo-leon"
// and "NUEVOLEON" compare equal. Returns false on characters no spelling uses.
bool Fold(std::string_view in, std::string* out, std::size_t* bad_at) {
  out->clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    const auto u = static_cast<unsigned char>(c);
    if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
      *out += c;
    } else if (c >= 'a' && c <= 'z') {
      *out += static_cast<char>(c - 'a' + 'A');
    } else if (c == ' ' || c == '-' || c == '_' || c == '.' || c == '\'' || c == '/' || c == '?' ||
               c == '\t' || c == ',' || c == '(' || c == ')') {
      // separator
    } else if (u == 0xC3 && i + 1 < in.size()) {
      const char f = FoldLatin1(static_cast<unsigned char>(in[i + 1]));
      if (f == 0) {
        *bad_at = i;
        return false;
      }
      *out += f;
      ++i;
    } else {
      *bad_at = i;
      return false;
    }
  }
  return true;
}

struct Index {
  std::unordered_map<std::string, std::uint8_t> by_key;
  std::vector<std::string> conflicts;

  void Add(std::string_view spelling, std::uint8_t id) {
    std::string key;
    std::size_t bad = 0;
    if (!Fold(spelling, &key, &bad)) {
      conflicts.push_back(fmt::format("unfoldable spelling '{}'", spelling));
      return;
    }
    auto [it, inserted] = by_key.emplace(key, id);
    if (!inserted && it->second != id) {
      conflicts.push_back(fmt::format("'{}' names both {} and {}", spelling,
                                      detail::JurisdictionTable()[it->second].iso,
                                      detail::JurisdictionTable()[id].iso));
    }
  }
};

const Index& GetIndex() {
  static const Index index = [] {
    Index ix;
    const auto rows = detail::JurisdictionTable();
    // Unknown's spellings.
    for (std::string_view s : {"", "UNK", "UNKNOWN", "XX", "ZZ", "NONE", "N/A"}) ix.Add(s, 0);
    for (std::size_t i = 1; i < rows.size(); ++i) {
      const auto id = static_cast<std::uint8_t>(i);
      const detail::JurisdictionRow& r = rows[i];
      ix.Add(r.iso, id);
      ix.Add(r.short_code, id);
      ix.Add(r.name, id);
      std::string_view aliases = r.aliases;
      while (!aliases.empty()) {
        const std::size_t bar = aliases.find('|');
        ix.Add(aliases.substr(0, bar), id);
        aliases = bar == std::string_view::npos ? std::string_view{} : aliases.substr(bar + 1);
      }
      // Country prefixes vendors use: "USA-MO", "CAN-ON", "MEX-JAL".
      if (r.country == Country::kUS) ix.Add(std::string("USA-") + std::string(r.short_code), id);
      if (r.country == Country::kCanada)
        ix.Add(std::string("CAN-") + std::string(r.short_code), id);
      if (r.country == Country::kMexico && r.short_code != "MX") {
        ix.Add(std::string("MEX-") + std::string(r.short_code), id);
      }
    }
    return ix;
  }();
  return index;
}

}  // namespace

namespace detail {
// Spellings that name two jurisdictions; a test keeps this empty.
const std::vector<std::string>& JurisdictionSpellingConflicts() {
  return GetIndex().conflicts;
}
}  // namespace detail

Result<Jurisdiction> Jurisdiction::Parse(std::string_view text) {
  std::string key;
  std::size_t bad = 0;
  if (text.size() > 64) {
    return Status::InvalidArgument(
        fmt::format("jurisdiction is {} bytes long; no spelling is longer than 64", text.size()));
  }
  if (!Fold(text, &key, &bad)) {
    return Status::InvalidArgument(
        fmt::format("unknown jurisdiction '{}': unexpected character at byte {}", text, bad));
  }
  const Index& ix = GetIndex();
  if (auto it = ix.by_key.find(key); it != ix.by_key.end()) return Jurisdiction(it->second);
  return Status::InvalidArgument(fmt::format(
      "unknown jurisdiction '{}' (expected a state, province or territory code such as 'MO', "
      "'us-mo', 'ON', 'MX-JAL', or its name)",
      text));
}

Result<Jurisdiction> Jurisdiction::FromId(std::uint8_t id) {
  if (id >= detail::JurisdictionTable().size()) {
    return Status::NotFound(fmt::format("jurisdiction id {} is not known to this binary", id));
  }
  return Jurisdiction(id);
}

std::string_view Jurisdiction::code() const {
  return detail::JurisdictionTable()[id_].iso;
}
std::string_view Jurisdiction::short_code() const {
  return detail::JurisdictionTable()[id_].short_code;
}
std::string_view Jurisdiction::name() const {
  return detail::JurisdictionTable()[id_].name;
}
Country Jurisdiction::country() const {
  return detail::JurisdictionTable()[id_].country;
}
std::size_t Jurisdiction::Count() {
  return detail::JurisdictionTable().size();
}

}  // namespace interdict::plate
