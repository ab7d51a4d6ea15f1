// The match keys of a deconfliction target (docs/format/intel.md, "Targets";
// decision 0041): each way a plate, a phone number, an address or a person is
// written reduced to the keys two agencies' entries share when they name the
// same thing. Two targets match when they share a key.
//
//   plate    its look-alike key (ABC123 and A8C123 match, as hotlists do)
//   phone    E.164 through libphonenumber, national numbers read as US
//   address  the street line in USPS Publication 28's abbreviations, the unit
//            designator as "#" (APT 4 and #4 match); city, state and ZIP
//            are not part of the key
//   person   date of birth, the surname's Double Metaphone codes and the
//            given name's nickname groups (WILLIAM ~ BILL): a key for each
//            combination; a date of birth alone never matches
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace interdict::intel {

enum class TargetKind { kPlate, kPerson, kPhone, kAddress };
std::string_view TargetKindName(TargetKind k);
Result<TargetKind> ParseTargetKind(std::string_view s);

struct Keyed {
  std::string normalized;         // the value as stored and shown to its owner
  std::vector<std::string> keys;  // distinct, each prefixed by its kind
};

// Each refuses what it cannot read with InvalidArgument naming the field
// ("plate", "phone", "address", "name", "dob") and what is wrong.
Result<Keyed> KeyPlate(std::string_view plate);
// The key of a plate already normalized (a read's): what KeyPlate gives.
std::string PlateKey(std::string_view normalized);
Result<Keyed> KeyPhone(std::string_view phone);
Result<Keyed> KeyAddress(std::string_view address);
// `name` as "Given [Middle] Surname" or "Surname, Given [Middle]"; `dob` as
// YYYY-MM-DD. Normalized: "SURNAME, GIVEN MIDDLE YYYY-MM-DD".
Result<Keyed> KeyPerson(std::string_view name, std::string_view dob);

// A vehicle's make, colour or body style as its NCIC code when the text is a
// code or a word of data/intel/ncic-vehicle-codes.csv ("Honda" and "HOND"
// are HOND, "navy" is DBL, "SUV" is UT), else the text in upper case, trimmed.
// ASCII only, no ICU: it runs on reads.
enum class VehicleField { kMake, kColor, kBody };
std::string VehicleCode(VehicleField field, std::string_view text);

// Upper-case ASCII of any script (ICU's Any-Latin; Latin-ASCII): "José
// Núñez" is "JOSE NUNEZ". Exposed for tests and for BOLO attributes.
std::string FoldToAscii(std::string_view utf8);

// The nickname groups of a given name, upper-case ASCII: the formal names of
// every group it is in (BILL: WILLIAM), or the name itself when it is in none.
std::vector<std::string> GivenNameGroups(std::string_view given);

}  // namespace interdict::intel
