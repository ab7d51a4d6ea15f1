#include "plate/jurisdiction.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace interdict::plate {
namespace detail {
const std::vector<std::string>& JurisdictionSpellingConflicts();
}
namespace {

std::string CodeOf(std::string_view text) {
  Result<Jurisdiction> j = Jurisdiction::Parse(text);
  EXPECT_TRUE(j.ok()) << text << ": " << j.status().message();
  return j.ok() ? std::string(j->code()) : "";
}

TEST(JurisdictionTest, VendorSpellingsFoldIntoOneCode) {
  for (const char* s :
       {"MO", "mo", "us-mo", "US-MO", "US_MO", "USA-MO", "Missouri", " missouri ", "MISSOURI"}) {
    EXPECT_EQ(CodeOf(s), "US-MO") << s;
  }
  EXPECT_EQ(CodeOf("IL"), "US-IL");
  EXPECT_EQ(CodeOf("New York"), "US-NY");
  EXPECT_EQ(CodeOf("district of columbia"), "US-DC");
  EXPECT_EQ(CodeOf("PR"), "US-PR");
}

TEST(JurisdictionTest, BareCaIsCaliforniaAndCanadianProvincesAreUnambiguous) {
  EXPECT_EQ(CodeOf("CA"), "US-CA");
  EXPECT_EQ(CodeOf("ca-on"), "CA-ON");
  EXPECT_EQ(CodeOf("ON"), "CA-ON");
  EXPECT_EQ(CodeOf("Ontario"), "CA-ON");
  EXPECT_EQ(CodeOf("QC"), "CA-QC");
}

TEST(JurisdictionTest, OlderNcicCanadianCodesAreAccepted) {
  EXPECT_EQ(CodeOf("PQ"), "CA-QC");
  EXPECT_EQ(CodeOf("NF"), "CA-NL");
}

TEST(JurisdictionTest, MexicanStatesByIsoCodeAndAccentedOrPlainName) {
  EXPECT_EQ(CodeOf("MX-JAL"), "MX-JAL");
  EXPECT_EQ(CodeOf("JAL"), "MX-JAL");
  EXPECT_EQ(CodeOf("Nuevo Le\xC3\xB3n"), "MX-NLE");
  EXPECT_EQ(CodeOf("NUEVO LEON"), "MX-NLE");
  EXPECT_EQ(CodeOf("Quer\xC3\xA9taro"), "MX-QUE");
  EXPECT_EQ(CodeOf("CDMX"), "MX-CMX");
  EXPECT_EQ(CodeOf("Mexico"), "MX");
  EXPECT_EQ(CodeOf("Estado de M\xC3\xA9xico"), "MX-MEX");
}

TEST(JurisdictionTest, UnknownSpellingsMeanUnknown) {
  for (const char* s : {"", "  ", "UNK", "unknown", "XX", "ZZ", "N/A", "??", "none"}) {
    Result<Jurisdiction> j = Jurisdiction::Parse(s);
    ASSERT_TRUE(j.ok()) << s;
    EXPECT_FALSE(j->known()) << s;
    EXPECT_EQ(j->code(), "ZZ");
  }
}

TEST(JurisdictionTest, UnrecognizedTextIsAnErrorNamingIt) {
  for (const char* s : {"QQ", "Atlantis", "US-QQ", "M@O", "\xFF"}) {
    Result<Jurisdiction> j = Jurisdiction::Parse(s);
    ASSERT_FALSE(j.ok()) << s;
    EXPECT_NE(j.status().message().find("unknown jurisdiction"), std::string::npos) << s;
  }
}

TEST(JurisdictionTest, TableCoversStatesProvincesAndMexicanStates) {
  std::set<std::string> us, ca, mx;
  for (std::size_t id = 1; id < Jurisdiction::Count(); ++id) {
    const Jurisdiction j = *Jurisdiction::FromId(static_cast<std::uint8_t>(id));
    if (j.country() == Country::kUS) us.insert(std::string(j.code()));
    if (j.country() == Country::kCanada) ca.insert(std::string(j.code()));
    if (j.country() == Country::kMexico) mx.insert(std::string(j.code()));
  }
  EXPECT_EQ(us.size(), 50u + 1u + 6u);  // states, DC, territories
  EXPECT_EQ(ca.size(), 13u);
  EXPECT_EQ(mx.size(), 32u + 1u);  // states and Mexico as a whole
}

TEST(JurisdictionTest, NoSpellingNamesTwoJurisdictions) {
  EXPECT_TRUE(detail::JurisdictionSpellingConflicts().empty())
      << detail::JurisdictionSpellingConflicts().front();
}

TEST(JurisdictionTest, PersistedIdsNeverChangeMeaning) {
  // The read store persists ids; these pins fail if the table is reordered.
  EXPECT_EQ(Jurisdiction::FromId(0)->code(), "ZZ");
  EXPECT_EQ(Jurisdiction::FromId(1)->code(), "US-AL");
  EXPECT_EQ(Jurisdiction::FromId(26)->code(), "US-MO");
  EXPECT_EQ(Jurisdiction::FromId(14)->code(), "US-IL");
  EXPECT_EQ(Jurisdiction::FromId(66)->code(), "CA-ON");
  EXPECT_EQ(Jurisdiction::FromId(84)->code(), "MX-JAL");
  EXPECT_EQ(Jurisdiction::FromId(103)->code(), "MX");
  EXPECT_FALSE(Jurisdiction::FromId(250).ok());
}

TEST(JurisdictionTest, EveryCodeParsesBackToItself) {
  for (std::size_t id = 0; id < Jurisdiction::Count(); ++id) {
    const Jurisdiction j = *Jurisdiction::FromId(static_cast<std::uint8_t>(id));
    EXPECT_EQ(*Jurisdiction::Parse(j.code()), j) << j.code();
    EXPECT_EQ(*Jurisdiction::Parse(j.name()), j) << j.name();
  }
}

}  // namespace
}  // namespace interdict::plate
