// The jurisdiction table: reference data, reviewable in one place. Internal to
// the plate component.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "plate/jurisdiction.h"

namespace interdict::plate::detail {

struct JurisdictionRow {
  std::string_view iso;  // ISO 3166-2 code, the canonical text form
  std::string_view short_code;
  std::string_view name;
  Country country;
  // Further spellings, separated by '|': NCIC codes that differ from the
  // short code, other names, names without accents are derived automatically.
  std::string_view aliases;
};

// Index = persisted id. Append only.
std::span<const JurisdictionRow> JurisdictionTable();

}  // namespace interdict::plate::detail
