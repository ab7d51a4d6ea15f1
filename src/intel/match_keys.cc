#include "intel/match_keys.h"

#include <fmt/core.h>
#include <phonenumbers/logger.h>
#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>
#include <unicode/translit.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include "base/delimited.h"
#include "base/time_format.h"
#include "base/utf8.h"
#include "intel/double_metaphone.h"
#include "plate/lookalike.h"
#include "plate/plate.h"

namespace interdict::intel {

// The tables of data/intel/ (SOURCES.md there), compiled in.
extern const char kNicknamesCsv[];
extern const char kUspsSuffixesCsv[];
extern const char kUspsDirectionalsUnitsCsv[];
extern const char kNcicVehicleCodesCsv[];

namespace {

constexpr std::size_t kMaxValueBytes = 200;

// Rows of a table of data/intel/: '#' comments, fields split by commas.
// Word → its Pub 28 abbreviation; which abbreviations are unit designators.
struct AddressTables {
  std::map<std::string, std::string, std::less<>> abbreviation;
  std::set<std::string, std::less<>> units;
};

const AddressTables& Pub28() {
  static const AddressTables tables = [] {
    AddressTables t;
    // A standard abbreviation is always itself, even where another suffix
    // lists it among its forms (MDW: MEADOW's, and a form of MEADOWS).
    std::vector<std::vector<std::string>> suffixes = TableRows(kUspsSuffixesCsv);
    for (const auto& row : suffixes) t.abbreviation[row[0]] = row[0];
    for (const auto& row : suffixes)
      for (std::size_t i = 1; i < row.size(); ++i) t.abbreviation.emplace(row[i], row[0]);
    bool directional = true;
    for (const auto& row : TableRows(kUspsDirectionalsUnitsCsv)) {
      if (row[0] == "APT") directional = false;  // the unit designators follow
      for (const std::string& word : row) t.abbreviation[word] = row[0];
      if (!directional) t.units.insert(row[0]);
    }
    return t;
  }();
  return tables;
}

// Given name → the formal names of its groups.
const std::map<std::string, std::vector<std::string>, std::less<>>& Nicknames() {
  static const auto table = [] {
    std::map<std::string, std::vector<std::string>, std::less<>> t;
    for (const auto& row : TableRows(kNicknamesCsv)) {
      for (const std::string& name : row) {
        std::vector<std::string>& groups = t[name];
        if (std::find(groups.begin(), groups.end(), row[0]) == groups.end())
          groups.push_back(row[0]);
      }
    }
    return t;
  }();
  return table;
}

// "make:HONDA" → HOND, for each field's codes and words.
const std::map<std::string, std::string, std::less<>>& VehicleCodes() {
  static const auto table = [] {
    std::map<std::string, std::string, std::less<>> t;
    for (const auto& row : TableRows(kNcicVehicleCodesCsv)) {
      if (row.size() < 2) continue;
      for (std::size_t i = 1; i < row.size(); ++i) t[row[0] + ":" + row[i]] = row[1];
    }
    return t;
  }();
  return table;
}

Status CheckText(std::string_view field, std::string_view value) {
  if (FindInvalidUtf8(value) != std::string_view::npos)
    return Status::InvalidArgument(fmt::format("{}: not valid UTF-8", field));
  if (value.size() > kMaxValueBytes)
    return Status::InvalidArgument(fmt::format("{}: longer than {} bytes", field, kMaxValueBytes));
  if (TrimBlanks(value).empty()) return Status::InvalidArgument(fmt::format("{}: empty", field));
  return Status::Ok();
}

// Words of upper-case letters and digits; '#' is a word of its own.
std::vector<std::string> Words(std::string_view folded) {
  std::vector<std::string> words;
  std::string word;
  for (char c : folded) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      word += c;
      continue;
    }
    if (!word.empty()) words.push_back(std::move(word));
    word.clear();
    if (c == '#') words.emplace_back("#");
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

std::string Join(const std::vector<std::string>& words, std::string_view sep) {
  std::string out;
  for (const std::string& w : words) {
    if (!out.empty()) out += sep;
    out += w;
  }
  return out;
}

void Distinct(std::vector<std::string>* keys) {
  std::sort(keys->begin(), keys->end());
  keys->erase(std::unique(keys->begin(), keys->end()), keys->end());
}

// Letters only, for name parts (O'BRIEN is OBRIEN).
std::string Letters(std::string_view word) {
  std::string out;
  for (char c : word)
    if (c >= 'A' && c <= 'Z') out += c;
  return out;
}

}  // namespace

std::string_view TargetKindName(TargetKind k) {
  switch (k) {
    case TargetKind::kPlate: return "plate";
    case TargetKind::kPerson: return "person";
    case TargetKind::kPhone: return "phone";
    case TargetKind::kAddress: return "address";
  }
  return "plate";
}

Result<TargetKind> ParseTargetKind(std::string_view s) {
  if (s == "plate") return TargetKind::kPlate;
  if (s == "person") return TargetKind::kPerson;
  if (s == "phone") return TargetKind::kPhone;
  if (s == "address") return TargetKind::kAddress;
  return Status::InvalidArgument("kind: plate, person, phone or address");
}

std::string FoldToAscii(std::string_view utf8) {
  // One transliterator per thread: making one parses its rules (~1 ms), and
  // ICU does not promise that one may be used from two threads at once.
  thread_local std::unique_ptr<icu::Transliterator> fold = [] {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::Transliterator> t(icu::Transliterator::createInstance(
        "Any-Latin; Latin-ASCII; Upper", UTRANS_FORWARD, status));
    return U_SUCCESS(status) ? std::move(t) : nullptr;
  }();
  std::string clean = SanitizeUtf8(utf8);
  if (!fold) {  // ICU's data missing: plain ASCII upper case still keys English names
    for (char& c : clean) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return clean;
  }
  icu::UnicodeString text = icu::UnicodeString::fromUTF8(clean);
  fold->transliterate(text);
  std::string out;
  text.toUTF8String(out);
  // Whatever Latin-ASCII leaves outside ASCII (rare symbols) is dropped.
  out.erase(std::remove_if(out.begin(), out.end(),
                           [](char c) { return static_cast<unsigned char>(c) >= 0x80; }),
            out.end());
  return out;
}

std::string VehicleCode(VehicleField field, std::string_view text) {
  std::string upper;
  for (char c : TrimBlanks(text))
    upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper.empty()) return upper;
  const std::string_view prefix = field == VehicleField::kMake    ? "make:"
                                  : field == VehicleField::kColor ? "color:"
                                                                  : "body:";
  const auto& table = VehicleCodes();
  if (auto it = table.find(std::string(prefix) + upper); it != table.end()) return it->second;
  return upper;
}

std::vector<std::string> GivenNameGroups(std::string_view given) {
  const auto& table = Nicknames();
  if (auto it = table.find(given); it != table.end()) return it->second;
  return {std::string(given)};
}

Result<Keyed> KeyPlate(std::string_view text) {
  INTERDICT_RETURN_IF_ERROR(CheckText("plate", text));
  Result<std::string> normalized = plate::NormalizePlateText(text);
  if (!normalized.ok())
    return Status::InvalidArgument(fmt::format("plate: {}", normalized.status().message()));
  Keyed out;
  out.keys.push_back(PlateKey(*normalized));
  out.normalized = std::move(*normalized);
  return out;
}

std::string PlateKey(std::string_view normalized) {
  return "plate:" + plate::LookalikeClasses::Default().Key(normalized);
}

Result<Keyed> KeyPhone(std::string_view text) {
  INTERDICT_RETURN_IF_ERROR(CheckText("phone", text));
  using i18n::phonenumbers::PhoneNumber;
  using i18n::phonenumbers::PhoneNumberUtil;
  static std::once_flag quiet;
  std::call_once(quiet, [] {
    // The library logs parse failures to stderr; the caller reports them.
    PhoneNumberUtil::GetInstance()->SetLogger(new i18n::phonenumbers::NullLogger());
  });
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  PhoneNumber number;
  const PhoneNumberUtil::ErrorType parsed = util.Parse(std::string(text), "US", &number);
  if (parsed != PhoneNumberUtil::NO_PARSING_ERROR) {
    switch (parsed) {
      case PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR:
        return Status::InvalidArgument("phone: the country code is not one that exists");
      case PhoneNumberUtil::TOO_SHORT_NSN:
      case PhoneNumberUtil::TOO_SHORT_AFTER_IDD:
        return Status::InvalidArgument("phone: too short to be a phone number");
      case PhoneNumberUtil::TOO_LONG_NSN:
        return Status::InvalidArgument("phone: too long to be a phone number");
      default: return Status::InvalidArgument("phone: not a phone number");
    }
  }
  if (!util.IsValidNumber(number))
    return Status::InvalidArgument(
        "phone: not a number in use in its country's numbering plan (check the digits)");
  Keyed out;
  util.Format(number, PhoneNumberUtil::E164, &out.normalized);
  out.keys.push_back("phone:" + out.normalized);
  return out;
}

Result<Keyed> KeyAddress(std::string_view text) {
  INTERDICT_RETURN_IF_ERROR(CheckText("address", text));
  const AddressTables& pub28 = Pub28();
  const std::string folded = FoldToAscii(text);
  // The street line is the first part; a later part that starts with a
  // unit designator ("Apt 4", "#4") belongs to it; city, state and ZIP do not.
  std::vector<std::string> street;
  std::size_t start = 0;
  for (int part = 0; start <= folded.size(); ++part) {
    const std::size_t comma = std::min(folded.find(',', start), folded.size());
    std::vector<std::string> words = Words(std::string_view(folded).substr(start, comma - start));
    start = comma + 1;
    if (words.empty()) continue;
    for (std::string& w : words)
      if (auto it = pub28.abbreviation.find(w); it != pub28.abbreviation.end()) w = it->second;
    const bool unit = words.front() == "#" || pub28.units.count(words.front()) > 0;
    if (part == 0 || street.empty() || unit)
      street.insert(street.end(), words.begin(), words.end());
  }
  if (street.empty()) return Status::InvalidArgument("address: no street line");
  if (!std::any_of(street.front().begin(), street.front().end(),
                   [](char c) { return c >= '0' && c <= '9'; }))
    return Status::InvalidArgument(
        "address: starts without a house number (a target address is a place: 1200 N Market St)");
  Keyed out;
  out.normalized = Join(street, " ");
  if (out.normalized.size() > kMaxValueBytes)
    return Status::InvalidArgument(
        fmt::format("address: longer than {} bytes once written out", kMaxValueBytes));
  // The key: unit designators as "#" ("APT 4" and "# 4" are one door).
  std::vector<std::string> key = street;
  for (std::string& w : key)
    if (pub28.units.count(w) > 0) w = "#";
  out.keys.push_back("address:" + Join(key, " "));
  return out;
}

Result<Keyed> KeyPerson(std::string_view name, std::string_view dob) {
  INTERDICT_RETURN_IF_ERROR(CheckText("name", name));
  INTERDICT_RETURN_IF_ERROR(CheckText("dob", dob));
  Result<UnixMillis> born = ParseDate(dob);
  if (!born.ok() || dob.size() != 10)
    return Status::InvalidArgument("dob: a date of birth as YYYY-MM-DD");
  const std::string folded = FoldToAscii(name);
  std::vector<std::string> given, surname;
  if (const std::size_t comma = folded.find(','); comma != std::string::npos) {
    surname = Words(std::string_view(folded).substr(0, comma));
    given = Words(std::string_view(folded).substr(comma + 1));
  } else {
    std::vector<std::string> words = Words(folded);
    if (!words.empty()) {
      surname.push_back(words.back());
      words.pop_back();
    }
    given = std::move(words);
  }
  auto letters_only = [](std::vector<std::string>* words) {
    for (std::string& w : *words) w = Letters(w);
    words->erase(std::remove(words->begin(), words->end(), std::string()), words->end());
  };
  letters_only(&given);
  letters_only(&surname);
  // Generational suffixes are not names (JR, SR, II, III, IV).
  static const std::set<std::string, std::less<>> kSuffixes = {"JR", "SR", "II", "III", "IV"};
  if (!surname.empty() && kSuffixes.count(surname.back()) > 0 && !given.empty() &&
      folded.find(',') == std::string::npos) {
    surname.back() = given.back();
    given.pop_back();
  }
  if (surname.empty() || given.empty())
    return Status::InvalidArgument(
        "name: a given name and a surname (\"Maria Lopez\" or \"Lopez, Maria\")");
  const std::string birth(dob);
  Keyed out;
  out.normalized = fmt::format("{}, {} {}", Join(surname, " "), Join(given, " "), birth);
  // Every part of a compound surname (GARCIA LOPEZ, SMITH-JONES) keys alone,
  // since records often carry one part; the given name is the first one.
  std::vector<std::string> codes;
  for (const std::string& part : surname) {
    MetaphoneCodes m = DoubleMetaphone(part);
    if (!m.primary.empty()) codes.push_back(m.primary);
    if (!m.alternate.empty()) codes.push_back(m.alternate);
  }
  Distinct(&codes);
  for (const std::string& group : GivenNameGroups(given.front()))
    for (const std::string& code : codes)
      out.keys.push_back(fmt::format("person:{}:{}:{}", birth, code, group));
  Distinct(&out.keys);
  if (out.keys.empty()) return Status::InvalidArgument("name: no letters in the surname");
  return out;
}

}  // namespace interdict::intel
