#include "plate/plate.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace interdict::plate {
namespace {

std::string Normalized(std::string_view raw) {
  Result<Plate> p = Plate::Parse(raw);
  EXPECT_TRUE(p.ok()) << raw << ": " << p.status().message();
  return p.ok() ? p->str() : "";
}

PlateRejection RejectionOf(std::string_view raw) {
  PlateRejection why = PlateRejection::kNone;
  Result<Plate> p = Plate::Parse(raw, &why);
  EXPECT_FALSE(p.ok()) << raw << " was accepted as " << (p.ok() ? p->str() : "");
  return why;
}

TEST(PlateTest, UpperCasesAndDropsSeparators) {
  EXPECT_EQ(Normalized("abc 123"), "ABC123");
  EXPECT_EQ(Normalized("AB-C.12_3"), "ABC123");
  EXPECT_EQ(Normalized("  7xk-3j2\t"), "7XK3J2");
  EXPECT_EQ(Normalized("ABC/123"), "ABC123");
  EXPECT_EQ(Normalized("ABC\xC2\xB7"
                       "123"),
            "ABC123");  // middle dot
  EXPECT_EQ(Normalized("ABC\xE2\x80\x93"
                       "123"),
            "ABC123");  // en dash
  EXPECT_EQ(Normalized("ABC\xC2\xA0"
                       "123"),
            "ABC123");  // no-break space
  EXPECT_EQ(Normalized("1234567890"), "1234567890");
}

TEST(PlateTest, EmptyPlatesAreRejected) {
  EXPECT_EQ(RejectionOf(""), PlateRejection::kEmpty);
  EXPECT_EQ(RejectionOf(" - . "), PlateRejection::kEmpty);
}

TEST(PlateTest, PlatesOverTenCharactersAreRejected) {
  EXPECT_EQ(RejectionOf("ABCDE123456"), PlateRejection::kTooLong);
  EXPECT_EQ(RejectionOf("ABCDE-12345-6"), PlateRejection::kTooLong);
}

TEST(PlateTest, WildcardsAreRejectedBecauseTheyMeanUnread) {
  EXPECT_EQ(RejectionOf("AB?123"), PlateRejection::kWildcard);
  EXPECT_EQ(RejectionOf("7*K3"), PlateRejection::kWildcard);
}

TEST(PlateTest, ControlAndNonAsciiCharactersAreRejectedWithTheirOffset) {
  EXPECT_EQ(RejectionOf("AB\x01"
                        "12"),
            PlateRejection::kInvalidCharacter);
  EXPECT_EQ(RejectionOf("\xC3\x91"
                        "AB12"),
            PlateRejection::kInvalidCharacter);  // Ñ
  EXPECT_EQ(RejectionOf("AB12\xFF"), PlateRejection::kInvalidCharacter);
  Result<Plate> p = Plate::Parse("AB12\xFF");
  EXPECT_NE(p.status().message().find("at byte 4"), std::string::npos) << p.status().message();
}

TEST(PlateTest, FromNormalizedAcceptsOnlyNormalizedText) {
  EXPECT_TRUE(Plate::FromNormalized("ABC123").ok());
  EXPECT_FALSE(Plate::FromNormalized("abc123").ok());
  EXPECT_FALSE(Plate::FromNormalized("ABC 123").ok());
  EXPECT_FALSE(Plate::FromNormalized("").ok());
}

TEST(PlateTest, PlatesCompareByText) {
  EXPECT_EQ(*Plate::Parse("abc123"), *Plate::Parse("ABC-123"));
  EXPECT_LT(*Plate::Parse("ABC122"), *Plate::Parse("ABC123"));
}

// Strings drawn from characters vendors actually send, plus hostile ones.
rc::Gen<std::string> VendorText() {
  return rc::gen::container<std::string>(
      rc::gen::element<char>('A', 'b', 'Z', 'o', 'O', '0', '8', '9', ' ', '-', '.', '_', '/', '\t',
                             '?', '*', '\x01', '\xC2', '\xB7', '\xFF', '#'));
}

RC_GTEST_PROP(PlateProperty, NormalizationIsIdempotent, ()) {
  const std::string raw = *VendorText();
  Result<std::string> once = NormalizePlateText(raw);
  if (once.ok()) {
    Result<std::string> twice = NormalizePlateText(*once);
    RC_ASSERT(twice.ok());
    RC_ASSERT(*twice == *once);
  }
}

RC_GTEST_PROP(PlateProperty, AcceptedPlatesAreOneToTenOfAZAndDigits, ()) {
  const std::string raw = *rc::gen::arbitrary<std::string>();
  Result<Plate> p = Plate::Parse(raw);
  if (p.ok()) RC_ASSERT(Plate::IsNormalized(p->text()));
}

RC_GTEST_PROP(PlateProperty, SeparatorsNeverChangeThePlate, ()) {
  const std::string plate = *rc::gen::container<std::string>(
      *rc::gen::inRange<std::size_t>(1, 11), rc::gen::element<char>('A', 'K', 'Z', '0', '5', '9'));
  std::string spaced;
  for (char c : plate) {
    spaced += c;
    spaced += *rc::gen::element<std::string>("", " ", "-", ".", "\xC2\xB7");
  }
  RC_ASSERT(*NormalizePlateText(spaced) == plate);
}

}  // namespace
}  // namespace interdict::plate

namespace interdict::plate {
namespace {

RC_GTEST_PROP(PlateProperty, PackingRoundTripsAndKeepsTextOrder, ()) {
  const auto text = [] {
    return rc::gen::mapcat(rc::gen::inRange<std::size_t>(1, 11), [](std::size_t n) {
      return rc::gen::container<std::string>(n,
                                             rc::gen::element<char>('0', '1', '9', 'A', 'B', 'Z'));
    });
  };
  const Plate a = *Plate::FromNormalized(*text());
  const Plate b = *Plate::FromNormalized(*text());
  RC_ASSERT(Plate::Unpack(a.Pack()) == a);
  RC_ASSERT((a.Pack() < b.Pack()) == (a.text() < b.text()));
}

}  // namespace
}  // namespace interdict::plate
