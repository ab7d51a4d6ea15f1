#include "intel/match_keys.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "intel/double_metaphone.h"
#include "intel/target_index.h"
#include "support/process.h"

namespace interdict::intel {
namespace {

bool Share(const Keyed& a, const Keyed& b) {
  for (const std::string& k : a.keys)
    if (std::find(b.keys.begin(), b.keys.end(), k) != b.keys.end()) return true;
  return false;
}

Keyed Person(std::string_view name, std::string_view dob) {
  Result<Keyed> k = KeyPerson(name, dob);
  EXPECT_TRUE(k.ok()) << name << ": " << k.status().message();
  return k.ok() ? *k : Keyed{};
}

TEST(MatchKeysTest, PlatesMatchExactlyAndByLookAlikeCharacters) {
  const Keyed a = *KeyPlate("abc 123"), b = *KeyPlate("A8C-I23"), c = *KeyPlate("ABC124");
  EXPECT_EQ(a.normalized, "ABC123");
  EXPECT_TRUE(Share(a, b)) << "8/B and I/1 are look-alikes";
  EXPECT_FALSE(Share(a, c));
  EXPECT_FALSE(KeyPlate("").ok());
  EXPECT_NE(KeyPlate("").status().message().find("plate"), std::string::npos);
}

TEST(MatchKeysTest, PhonesMatchInEveryUsualWritingAndBadNumbersAreRefusedWithTheirReason) {
  const Keyed a = *KeyPhone("(314) 622-4000");
  EXPECT_EQ(a.normalized, "+13146224000");
  for (std::string_view other : {"314.622.4000", "+1 314 622 4000", "1-314-622-4000", "3146224000"})
    EXPECT_TRUE(Share(a, *KeyPhone(other))) << other;
  EXPECT_FALSE(Share(a, *KeyPhone("314-622-4001")));
  // A London number stays itself, not a US one.
  EXPECT_EQ(KeyPhone("+44 20 7946 0018")->normalized, "+442079460018");
  for (std::string_view bad : {"12", "call me", "314-622-40000000000", "(000) 622-4000"}) {
    Result<Keyed> r = KeyPhone(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().message().rfind("phone: ", 0), 0u) << r.status().message();
  }
}

TEST(MatchKeysTest, AddressesMatchThroughPub28AbbreviationsWhateverTheCityAndZip) {
  const Keyed a = *KeyAddress("1200 North Market Street, Apartment 4, St. Louis, MO 63103");
  EXPECT_EQ(a.normalized, "1200 N MARKET ST APT 4");
  EXPECT_TRUE(Share(a, *KeyAddress("1200 n. market st. #4")));
  EXPECT_TRUE(Share(a, *KeyAddress("1200 N MARKET STREET UNIT 4")))
      << "a unit designator is a unit designator";
  EXPECT_FALSE(Share(a, *KeyAddress("1200 N Market St"))) << "another door";
  EXPECT_FALSE(Share(a, *KeyAddress("1200 S Market St #4"))) << "another side of town";
  EXPECT_TRUE(Share(*KeyAddress("55 Meadows Boulevard"), *KeyAddress("55 MDWS BLVD")));
  EXPECT_FALSE(Share(*KeyAddress("55 Meadow Boulevard"), *KeyAddress("55 MDWS BLVD")));
  Result<Keyed> no_number = KeyAddress("Market Street");
  ASSERT_FALSE(no_number.ok());
  EXPECT_NE(no_number.status().message().find("house number"), std::string::npos);
  EXPECT_FALSE(KeyAddress(", ,").ok());
  // Found by fuzz_target_keys: "#" words grow when written out, past the limit.
  Result<Keyed> grown = KeyAddress("1 " + std::string(150, '#'));
  ASSERT_FALSE(grown.ok());
  EXPECT_NE(grown.status().message().find("once written out"), std::string::npos);
}

TEST(MatchKeysTest, PeopleMatchOnBirthDateSurnameSoundAndNicknames) {
  const Keyed william = Person("William J. Smith", "1980-02-03");
  EXPECT_EQ(william.normalized, "SMITH, WILLIAM J 1980-02-03");
  EXPECT_TRUE(Share(william, Person("Bill Smyth", "1980-02-03")));
  EXPECT_TRUE(Share(william, Person("Smith, Billy", "1980-02-03")));
  EXPECT_TRUE(Share(william, Person("Willy Schmidt", "1980-02-03")))
      << "Double Metaphone's alternate code: SCHMIDT reads XMT and SMT, SMITH SM0 and XMT";
  EXPECT_TRUE(Share(william, Person("William Smith Jr", "1980-02-03")));
  EXPECT_FALSE(Share(william, Person("William Smith", "1980-02-04"))) << "another birthday";
  EXPECT_FALSE(Share(william, Person("Robert Smith", "1980-02-03"))) << "another given name";
  EXPECT_FALSE(Share(william, Person("William Jones", "1980-02-03"))) << "another surname";
  EXPECT_TRUE(Share(Person("José Núñez", "1975-11-30"), Person("JOSE NUNEZ", "1975-11-30")))
      << "transliterated and case-folded";
  EXPECT_TRUE(
      Share(Person("Maria Garcia Lopez", "1990-01-01"), Person("Maria Lopez", "1990-01-01")))
      << "each part of a compound surname keys alone";
  EXPECT_TRUE(
      Share(Person("Александр Иванов", "1985-05-05"), Person("Alexander Ivanov", "1985-05-05")))
      << "Cyrillic transliterated";
}

TEST(MatchKeysTest, APersonNeedsAGivenNameASurnameAndARealBirthDate) {
  for (auto [name, dob, field] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"Smith", "1980-02-03", "name"},
           {"William Smith", "1980-02-30", "dob"},
           {"William Smith", "03/02/1980", "dob"},
           {"William Smith", "", "dob"},
           {"", "1980-02-03", "name"},
           {"William \xff Smith", "1980-02-03", "name"}}) {
    Result<Keyed> r = KeyPerson(name, dob);
    ASSERT_FALSE(r.ok()) << name << " " << dob;
    EXPECT_EQ(r.status().message().rfind(field + ": ", 0), 0u) << r.status().message();
  }
}

TEST(MatchKeysTest, VehicleWordsAndVendorCodesMeetAtTheNcicCode) {
  EXPECT_EQ(VehicleCode(VehicleField::kMake, "Honda"), "HOND");
  EXPECT_EQ(VehicleCode(VehicleField::kMake, "HOND"), "HOND");
  EXPECT_EQ(VehicleCode(VehicleField::kMake, " mercedes-benz "), "MERZ");
  EXPECT_EQ(VehicleCode(VehicleField::kColor, "navy"), "DBL");
  EXPECT_EQ(VehicleCode(VehicleField::kColor, "grey"), "GRY");
  EXPECT_EQ(VehicleCode(VehicleField::kBody, "SUV"), "UT");
  EXPECT_EQ(VehicleCode(VehicleField::kBody, "sedan"), "4D");
  EXPECT_EQ(VehicleCode(VehicleField::kMake, "Zastava"), "ZASTAVA") << "unknown: itself";
  EXPECT_EQ(VehicleCode(VehicleField::kColor, "Honda"), "HONDA") << "each field its own codes";
}

TEST(MatchKeysTest, NicknameGroupsComeFromTheTableAndUnknownNamesAreThemselves) {
  EXPECT_EQ(GivenNameGroups("BILL"), std::vector<std::string>{"WILLIAM"});
  const std::vector<std::string> al = GivenNameGroups("AL");
  for (std::string_view formal : {"ALAN", "ALBERT", "ALEXANDER", "ALFRED"})
    EXPECT_NE(std::find(al.begin(), al.end(), formal), al.end()) << formal;
  EXPECT_EQ(GivenNameGroups("ZEPHYRINUS"), std::vector<std::string>{"ZEPHYRINUS"});
}

// The published algorithm's own examples (Philips 2000).
TEST(DoubleMetaphoneTest, GivesThePublishedCodes) {
  struct Case {
    std::string_view word, primary, alternate;
  };
  for (const Case& c : std::vector<Case>{{"SMITH", "SM0", "XMT"},
                                         {"SCHMIDT", "XMT", "SMT"},
                                         {"THOMAS", "TMS", ""},
                                         {"CAESAR", "SSR", ""},
                                         {"MICHAEL", "MKL", "MXL"},
                                         {"XAVIER", "SF", "SFR"},
                                         {"JOSE", "HS", ""},
                                         {"CAMPBELL", "KMPL", ""},
                                         {"GALLEGOS", "KLKS", "KKS"},
                                         {"KNIGHT", "NT", ""},
                                         {"WRIGHT", "RT", ""},
                                         {"TOUGH", "TF", ""},
                                         {"HUGH", "H", ""},
                                         {"", "", ""}}) {
    const MetaphoneCodes m = DoubleMetaphone(c.word);
    EXPECT_EQ(m.primary, c.primary) << c.word;
    EXPECT_EQ(m.alternate, c.alternate) << c.word;
  }
}

// Against python3-abydos's implementation (Debian's, a test-only
// dependency), over common US surnames and a name for each of the rules.
TEST(DoubleMetaphoneTest, AgreesWithAbydosOnSurnamesAndEveryRule) {
  const std::vector<std::string> words = {
      "SMITH",      "JOHNSON",     "WILLIAMS",     "BROWN",       "JONES",      "GARCIA",
      "MILLER",     "DAVIS",       "RODRIGUEZ",    "MARTINEZ",    "HERNANDEZ",  "LOPEZ",
      "GONZALEZ",   "WILSON",      "ANDERSON",     "THOMAS",      "TAYLOR",     "MOORE",
      "JACKSON",    "MARTIN",      "LEE",          "PEREZ",       "THOMPSON",   "WHITE",
      "HARRIS",     "SANCHEZ",     "CLARK",        "RAMIREZ",     "LEWIS",      "ROBINSON",
      "WALKER",     "YOUNG",       "ALLEN",        "KING",        "WRIGHT",     "SCOTT",
      "TORRES",     "NGUYEN",      "HILL",         "FLORES",      "GREEN",      "ADAMS",
      "NELSON",     "BAKER",       "HALL",         "RIVERA",      "CAMPBELL",   "MITCHELL",
      "CARTER",     "ROBERTS",     "GOMEZ",        "PHILLIPS",    "EVANS",      "TURNER",
      "DIAZ",       "PARKER",      "CRUZ",         "EDWARDS",     "COLLINS",    "REYES",
      "STEWART",    "MORRIS",      "MORALES",      "MURPHY",      "COOK",       "ROGERS",
      "GUTIERREZ",  "ORTIZ",       "MORGAN",       "COOPER",      "PETERSON",   "BAILEY",
      "REED",       "KELLY",       "HOWARD",       "RAMOS",       "KIM",        "COX",
      "WARD",       "RICHARDSON",  "WATSON",       "BROOKS",      "CHAVEZ",     "WOOD",
      "JAMES",      "BENNETT",     "GRAY",         "MENDOZA",     "RUIZ",       "HUGHES",
      "PRICE",      "ALVAREZ",     "CASTILLO",     "SANDERS",     "PATEL",      "MYERS",
      "LONG",       "ROSS",        "FOSTER",       "JIMENEZ",     "SCHWARZ",    "KOWALSKI",
      "WOJCIK",     "NOWAK",       "MUELLER",      "SCHULTZ",     "ZIMMERMANN", "BIAGGI",
      "ROSSI",      "ESPOSITO",    "BIANCHI",      "RICCI",       "GRECO",      "GIORDANO",
      "ARNOW",      "ARNOFF",      "BREAUX",       "CAESAR",      "CAGNEY",     "CARLISLE",
      "CHIANTI",    "CHRISTOPHER", "CZERNY",       "DUMB",        "EDGAR",      "EDGE",
      "FOCACCIA",   "GHISLANE",    "GHIRADELLI",   "HUGH",        "BOUGH",      "BROUGHTON",
      "LAUGH",      "MCLAUGHLIN",  "JANKELOWICZ",  "YANKELOVICH", "JOSE",       "BAJADOR",
      "MCCLELLAN",  "MCHUGH",      "MICHAEL",      "ORCHESTRA",   "ORCHID",     "ARCHITECT",
      "RESNAIS",    "ARTOIS",      "ROGIER",       "SCHENKER",    "SCHMIDT",    "SCHNEIDER",
      "SCHOOL",     "SCHOOLER",    "SNIDER",       "SUGAR",       "TAGLIARO",   "THUMB",
      "TOUGH",      "WASSERMAN",   "VASSERMAN",    "XAVIER",      "ZHAO",       "BACCI",
      "BERTUCCI",   "ACCIDENT",    "SUCCEED",      "BACHER",      "MACHER",     "CABRILLO",
      "FILIPOWICZ", "HOCHMEIER",   "KNIGHT",       "PSYCHOLOGY",  "WRIGHT",     "GNOME",
      "PNEUMONIA",  "ISLAND",      "ISLE",         "CHAE",        "CHARACTER",  "CHORE",
      "CHEMISTRY",  "MACCAFFREY",  "DANGER",       "RANGER",      "GINGER",     "GEIGER",
      "GYM",        "GERBER",      "HOLMES",       "HEIMSHOLM",   "SHOLZ",      "TION",
      "NATION",     "THAMES",      "WITZ",         "HOROWITZ",    "TSCHIRKY",   "ZZAPPA",
      "ZIZZA",      "TUCCI",       "MACCHIAVELLI", "CHAN",        "CHIEN",      "JUAN",
      "HAJJ",       "RAJ",         "SUZUKI",       "OKEEFE",      "ODONNELL",   "WHITAKER",
      "WHELAN",     "ASHWORTH",    "BOWIE",        "SOW",         "MEIER",      "MEYER",
      "BOYLE",      "PHELPS",      "RAPHAEL",      "QUINN",       "QUIGLEY",    "VALLEJO",
      "CEVALLOS",   "VILLA",       "ESCOBAR",      "SCIORTINO",   "SCIOLI",     "SCHERER",
      "SCHENK"};
  std::vector<std::string> argv = {
      "/usr/bin/python3", "-c",
      "import sys\nfrom abydos.phonetic import DoubleMetaphone\nd = DoubleMetaphone(max_length=4)\n"
      "for w in sys.argv[1:]:\n    print(w, d.encode(w))\n"};
  argv.insert(argv.end(), words.begin(), words.end());
  const test::RunResult r = test::RunProgram(argv);
  ASSERT_EQ(r.code, 0) << "python3-abydos (scripts/deps.txt) must be installed: " << r.err;
  std::istringstream lines(r.out);
  std::string word, codes;
  std::size_t compared = 0;
  while (lines >> word >> codes) {
    const std::size_t comma = codes.find(',');
    ASSERT_NE(comma, std::string::npos) << codes;
    const MetaphoneCodes m = DoubleMetaphone(word);
    EXPECT_EQ(m.primary, codes.substr(0, comma)) << word;
    EXPECT_EQ(m.alternate, codes.substr(comma + 1)) << word;
    ++compared;
  }
  EXPECT_EQ(compared, words.size());
}

constexpr std::int64_t kNow = 1'800'000'000'000;

TEST(TargetIndexTest, MatchesOtherAgenciesTargetsThatShareAKeyAndAreAllowedAndUnexpired) {
  TargetIndex index;
  const std::vector<std::string> keys = KeyPlate("ABC123")->keys;
  index.Put({1, 10, TargetKind::kPlate, kNow + 1000}, keys);
  index.Put({2, 20, TargetKind::kPlate, kNow + 1000}, KeyPlate("A8C123")->keys);
  index.Put({3, 30, TargetKind::kPlate, kNow + 1000}, keys);
  index.Put({4, 40, TargetKind::kPlate, kNow}, keys);  // expires now
  index.Put({5, 50, TargetKind::kPlate, kNow + 1000}, KeyPlate("XYZ999")->keys);
  auto allowed = [](std::int64_t agency) { return agency != 30; };
  std::vector<IndexedTarget> found = index.Match(keys, 10, allowed, kNow);
  ASSERT_EQ(found.size(), 1u) << "not its own (10), not 30 (no agreement), not 40 (expired)";
  EXPECT_EQ(found[0].id, 2);
  index.Remove(2);
  EXPECT_TRUE(index.Match(keys, 10, allowed, kNow).empty());
  index.Put({5, 50, TargetKind::kPlate, kNow + 1000}, keys);  // replaced: its old keys are gone
  EXPECT_EQ(index.Match(keys, 10, allowed, kNow).size(), 1u);
  EXPECT_TRUE(index.Match(KeyPlate("XYZ999")->keys, 10, allowed, kNow).empty());
  EXPECT_EQ(index.size(), 4u);
}

TEST(TargetIndexTest, ATargetSharingSeveralKeysIsReportedOnce) {
  TargetIndex index;
  const Keyed schmidt = Person("Willy Schmidt", "1980-02-03");
  index.Put({7, 20, TargetKind::kPerson, kNow + 1000}, schmidt.keys);
  const Keyed smith = Person("William Smith", "1980-02-03");
  const auto all = [](std::int64_t) { return true; };
  std::vector<IndexedTarget> found = index.Match(smith.keys, 10, all, kNow);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].id, 7);
}

}  // namespace
}  // namespace interdict::intel
