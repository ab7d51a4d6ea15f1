#include "plate/lookalike.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace interdict::plate {
namespace {

const LookalikeClasses& D() {
  return LookalikeClasses::Default();
}

TEST(LookalikeTest, DefaultClassesMatchTheCommonOcrConfusions) {
  EXPECT_EQ(D().Spec(), "0DOQ 1IL 2Z 5S 6G 8B");
  EXPECT_TRUE(D().SameClass('8', 'B'));
  EXPECT_TRUE(D().SameClass('0', 'Q'));
  EXPECT_TRUE(D().SameClass('O', 'D'));
  EXPECT_TRUE(D().SameClass('5', 'S'));
  EXPECT_TRUE(D().SameClass('2', 'Z'));
  EXPECT_TRUE(D().SameClass('1', 'I'));
  EXPECT_TRUE(D().SameClass('L', '1'));
  EXPECT_TRUE(D().SameClass('6', 'G'));
  EXPECT_FALSE(D().SameClass('8', '3'));
  EXPECT_FALSE(D().SameClass('A', 'B'));
}

TEST(LookalikeTest, KeyMapsEachCharacterToItsClassRepresentative) {
  EXPECT_EQ(D().Key("AB8123"), "A88123");
  EXPECT_EQ(D().Key("ABB123"), "A88123");
  EXPECT_EQ(D().Key("OSZ1G0"), "052160");
  EXPECT_EQ(D().Key("XYZ"), "XY2");
}

TEST(LookalikeTest, MembersListTheWholeClass) {
  EXPECT_EQ(D().Members('O'), "0DOQ");
  EXPECT_EQ(D().Members('8'), "8B");
  EXPECT_EQ(D().Members('A'), "A");
}

TEST(LookalikeTest, ClassesAreConfigurable) {
  Result<LookalikeClasses> c = LookalikeClasses::Parse("uv, 7t 8b");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_TRUE(c->SameClass('U', 'V'));
  EXPECT_TRUE(c->SameClass('7', 'T'));
  EXPECT_FALSE(c->SameClass('0', 'O'));
  EXPECT_EQ(c->Spec(), "7T 8B UV");
}

TEST(LookalikeTest, BadSpecsAreRejectedWithTheReason) {
  EXPECT_NE(LookalikeClasses::Parse("0O O D").status().message().find("one character"),
            std::string::npos);
  EXPECT_NE(LookalikeClasses::Parse("0O OD").status().message().find("two groups"),
            std::string::npos);
  EXPECT_NE(LookalikeClasses::Parse("0O 8#B").status().message().find("invalid character"),
            std::string::npos);
  EXPECT_NE(LookalikeClasses::Parse("00").status().message().find("repeats"), std::string::npos);
}

TEST(LookalikeTest, SpecRoundTrips) {
  Result<LookalikeClasses> again = LookalikeClasses::Parse(D().Spec());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->Spec(), D().Spec());
}

// Normalized plates of 1-10 characters, rich in look-alike characters.
rc::Gen<std::string> PlateText() {
  return rc::gen::mapcat(rc::gen::inRange<std::size_t>(1, 11), [](std::size_t n) {
    return rc::gen::container<std::string>(
        n, rc::gen::element<char>('0', 'O', 'D', 'Q', '1', 'I', 'L', '2', 'Z', '5', 'S', '8', 'B',
                                  '6', 'G', 'A', 'K', 'X', '3', '7'));
  });
}

RC_GTEST_PROP(LookalikeProperty, PlatesDifferingOnlyWithinClassesShareAKey, ()) {
  const std::string a = *PlateText();
  std::string b = a;
  for (char& c : b) {
    const std::string_view members = D().Members(c);
    c = members[*rc::gen::inRange<std::size_t>(0, members.size())];
  }
  RC_ASSERT(D().Key(a) == D().Key(b));
}

RC_GTEST_PROP(LookalikeProperty, KeysDifferWhenACharacterLeavesItsClass, ()) {
  const std::string a = *PlateText();
  const std::size_t i = *rc::gen::inRange<std::size_t>(0, a.size());
  const char other = *rc::gen::element<char>('A', 'K', 'X', '3', '7', '0', '8');
  RC_PRE(!D().SameClass(a[i], other));
  std::string b = a;
  b[i] = other;
  RC_ASSERT(D().Key(a) != D().Key(b));
}

RC_GTEST_PROP(LookalikeProperty, KeyIsIdempotent, ()) {
  const std::string a = *PlateText();
  RC_ASSERT(D().Key(D().Key(a)) == D().Key(a));
}

}  // namespace
}  // namespace interdict::plate
