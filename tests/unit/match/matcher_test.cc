#include "match/matcher.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace interdict::match {
namespace {

plate::Plate P(std::string_view s) {
  return *plate::Plate::FromNormalized(s);
}
plate::Jurisdiction J(std::string_view s) {
  return *plate::Jurisdiction::Parse(s);
}

read::Read ReadOf(std::string_view plate, std::string_view state = "") {
  read::Read r;
  r.plate = P(plate);
  if (!state.empty()) r.state = J(state);
  return r;
}

std::shared_ptr<const Index> IndexOf(std::vector<Index::Item> items) {
  return Index::Build(items, plate::LookalikeClasses::Default());
}

std::vector<Candidate> MatchOf(const Index& ix, const read::Read& r) {
  std::vector<Candidate> out;
  ix.Match(r, &out);
  return out;
}

TEST(WithinOneEdit, CountsInsertDeleteAndSubstituteButNotTransposition) {
  EXPECT_TRUE(WithinOneEdit("ABC123", "ABC123"));
  EXPECT_TRUE(WithinOneEdit("ABC123", "ABC12"));
  EXPECT_TRUE(WithinOneEdit("ABC123", "XABC123"));
  EXPECT_TRUE(WithinOneEdit("ABC123", "ABD123"));
  EXPECT_TRUE(WithinOneEdit("ABC123", "AB123"));
  EXPECT_FALSE(WithinOneEdit("ABC123", "BAC123"));
  EXPECT_FALSE(WithinOneEdit("ABC123", "ABC1"));
  EXPECT_FALSE(WithinOneEdit("ABC123", "XBC12Y"));
}

// Real OCR confusions a stolen-vehicle check must catch, each the listed plate
// read one or two characters wrong within a look-alike class.
struct Confusion {
  const char* listed;
  const char* read;
  MatchKind kind;
};

TEST(Matcher, CatchesRealOcrConfusionsAsLookalikes) {
  const Confusion cases[] = {
      {"8ABC123", "BABC123", MatchKind::kLookalike},  // 8 read as B
      {"ABC8123", "ABCB123", MatchKind::kLookalike},
      {"OAK1234", "0AK1234", MatchKind::kLookalike},  // O read as 0
      {"DRT5501", "0RT5501", MatchKind::kLookalike},  // D read as 0
      {"QX12345", "OX12345", MatchKind::kLookalike},  // Q read as O
      {"S0UTH55", "50UTH55", MatchKind::kLookalike},  // S read as 5
      {"ZED2222", "2ED2222", MatchKind::kLookalike},  // Z read as 2
      {"I123ABC", "1123ABC", MatchKind::kLookalike},  // I read as 1
      {"8OB1234", "BOB1234", MatchKind::kLookalike},
  };
  for (const Confusion& c : cases) {
    auto ix = IndexOf({{P(c.listed), J("MO"), 7}});
    const auto got = MatchOf(*ix, ReadOf(c.read, "MO"));
    ASSERT_EQ(got.size(), 1u) << c.listed << " read as " << c.read;
    EXPECT_EQ(got[0].kind, c.kind) << c.listed << " read as " << c.read;
    EXPECT_EQ(got[0].ref, 7u);
    EXPECT_TRUE(IsApproximate(got[0].kind));
  }
}

TEST(Matcher, ThreeLookalikeSubstitutionsAreNotAHit) {
  auto ix = IndexOf({{P("B0B1234"), J("MO"), 1}});
  EXPECT_TRUE(MatchOf(*ix, ReadOf("8O81234", "MO")).empty());
  // Two are.
  EXPECT_EQ(MatchOf(*ix, ReadOf("8OB1234", "MO")).at(0).kind, MatchKind::kLookalike);
  EXPECT_FLOAT_EQ(MatchOf(*ix, ReadOf("8OB1234", "MO")).at(0).score, 0.7F);
  EXPECT_FLOAT_EQ(MatchOf(*ix, ReadOf("80B1234", "MO")).at(0).score, 0.8F);
}

TEST(Matcher, SubstitutionsOutsideTheClassesAreOnlyOneEdit) {
  auto ix = IndexOf({{P("ABC1234"), J("MO"), 1}});
  const auto one = MatchOf(*ix, ReadOf("ABC1235", "MO"));  // 4 and 5 are not look-alikes
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].kind, MatchKind::kOneEdit);
  // Two unrelated substitutions: nothing.
  EXPECT_TRUE(MatchOf(*ix, ReadOf("ABC9935", "MO")).empty());
  // An X for a K is not a look-alike, and with a second edit not a hit at all.
  EXPECT_TRUE(MatchOf(*ix, ReadOf("XBC1235", "MO")).empty());
}

TEST(Matcher, EntriesWithoutOneEditMatchOnlyExactlyOrByLookalike) {
  Index::Item bulk{P("ABC1234"), J("MO"), 1};
  bulk.one_edit = false;
  auto ix = IndexOf({bulk, {P("QRS555"), J("MO"), 2}});
  EXPECT_TRUE(MatchOf(*ix, ReadOf("ABC124", "MO")).empty());
  EXPECT_TRUE(MatchOf(*ix, ReadOf("ABC1235", "MO")).empty());
  EXPECT_EQ(MatchOf(*ix, ReadOf("A8C1234", "MO")).at(0).kind, MatchKind::kLookalike);
  EXPECT_EQ(MatchOf(*ix, ReadOf("QRS55", "MO")).at(0).ref, 2u);
}

TEST(Matcher, OneEditCatchesADroppedOrExtraCharacter) {
  auto ix = IndexOf({{P("ABC1234"), J("MO"), 1}});
  EXPECT_EQ(MatchOf(*ix, ReadOf("ABC124", "MO")).at(0).kind, MatchKind::kOneEdit);
  EXPECT_EQ(MatchOf(*ix, ReadOf("ABC12344", "MO")).at(0).kind, MatchKind::kOneEdit);
  EXPECT_EQ(MatchOf(*ix, ReadOf("1ABC1234", "MO")).at(0).kind, MatchKind::kOneEdit);
  EXPECT_TRUE(MatchOf(*ix, ReadOf("BAC1234", "MO")).empty());  // a transposition is two edits
}

TEST(Matcher, ExactNeedsBothStatesAndDifferentKnownStatesNeverHit) {
  auto ix = IndexOf({{P("ABC1234"), J("MO"), 1}, {P("XYZ999"), {}, 2}});
  const auto exact = MatchOf(*ix, ReadOf("ABC1234", "MO"));
  ASSERT_EQ(exact.size(), 1u);
  EXPECT_EQ(exact[0].kind, MatchKind::kExact);
  EXPECT_FLOAT_EQ(exact[0].score, 1.0F);
  EXPECT_FALSE(IsApproximate(exact[0].kind));
  // The wrong-state case: a Missouri entry, an Illinois plate. No hit, of any kind.
  EXPECT_TRUE(MatchOf(*ix, ReadOf("ABC1234", "IL")).empty());
  EXPECT_TRUE(MatchOf(*ix, ReadOf("A8C1234", "IL")).empty());
  EXPECT_TRUE(MatchOf(*ix, ReadOf("ABC123", "IL")).empty());
  // Unknown read state: plate only.
  EXPECT_EQ(MatchOf(*ix, ReadOf("ABC1234")).at(0).kind, MatchKind::kPlateOnly);
  // Unknown entry state: plate only, whatever the read's state.
  EXPECT_EQ(MatchOf(*ix, ReadOf("XYZ999", "KS")).at(0).kind, MatchKind::kPlateOnly);
}

TEST(Matcher, VendorAlternatesMatchExactly) {
  auto ix = IndexOf({{P("KLM4455"), J("IL"), 3}});
  read::Read r = ReadOf("KLM4466", "IL");
  r.alternates.push_back({P("KLM4455"), read::Confidence::FromPercent(40)});
  const auto got = MatchOf(*ix, r);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].kind, MatchKind::kAlternate);
  EXPECT_EQ(got[0].matched, P("KLM4455"));
}

TEST(Matcher, EachEntryAppearsOnceWithItsBestKindBestFirst) {
  auto ix = IndexOf({{P("ABC1234"), J("MO"), 1},
                     {P("A8C1234"), J("MO"), 2},
                     {P("ABC123"), J("MO"), 3},
                     {P("ABC1234"), J("MO"), 4}});
  const auto got = MatchOf(*ix, ReadOf("ABC1234", "MO"));
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].ref, 1u);
  EXPECT_EQ(got[0].kind, MatchKind::kExact);
  EXPECT_EQ(got[1].ref, 4u);
  EXPECT_EQ(got[1].kind, MatchKind::kExact);
  EXPECT_EQ(got[2].ref, 2u);  // B/8: look-alike beats one edit
  EXPECT_EQ(got[2].kind, MatchKind::kLookalike);
  EXPECT_EQ(got[3].ref, 3u);
  EXPECT_EQ(got[3].kind, MatchKind::kOneEdit);
}

TEST(Matcher, RepeatedLettersDoNotDuplicateCandidates) {
  auto ix = IndexOf({{P("AAA111"), J("MO"), 1}});
  const auto got = MatchOf(*ix, ReadOf("AA111", "MO"));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].kind, MatchKind::kOneEdit);
}

// The index against a brute-force scan: random plates with OCR-like noise.
TEST(Matcher, AgreesWithABruteForceScan) {
  std::mt19937_64 rng(42);
  const std::string alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  auto random_plate = [&](std::size_t len) {
    std::string s;
    for (std::size_t i = 0; i < len; ++i) s.push_back(alphabet[rng() % alphabet.size()]);
    return s;
  };
  std::vector<Index::Item> items;
  const char* states[] = {"", "MO", "IL"};
  for (std::uint32_t i = 0; i < 3000; ++i) {
    // Short plates over a small alphabet collide often: many candidates per read.
    std::string s;
    for (std::size_t k = 0; k < 2 + rng() % 4; ++k) s.push_back("AB80O1I"[rng() % 7]);
    const char* st = states[rng() % 3];
    items.push_back({P(s), *st ? J(st) : plate::Jurisdiction(), i});
  }
  for (std::uint32_t i = 0; i < 1000; ++i) items.push_back({P(random_plate(7)), J("MO"), 3000 + i});
  auto ix = IndexOf(items);
  const auto& classes = plate::LookalikeClasses::Default();
  std::vector<read::Read> reads;
  for (int n = 0; n < 2000; ++n) {
    std::string s = (n % 2) ? items[rng() % items.size()].plate.str() : random_plate(3);
    if (rng() % 2) s[rng() % s.size()] = "AB80O1I"[rng() % 7];
    reads.push_back(ReadOf(s, states[rng() % 3]));
  }
  std::vector<std::vector<Candidate>> batch;
  ix->MatchBatch(reads, &batch);
  for (std::size_t n = 0; n < reads.size(); ++n) {
    const read::Read& r = reads[n];
    std::vector<std::pair<std::uint32_t, MatchKind>> want;
    for (const Index::Item& it : items) {
      if (r.state.known() && it.state.known() && r.state != it.state) continue;
      const std::string_view a = r.plate.text(), b = it.plate.text();
      if (a == b) {
        want.emplace_back(it.ref, r.state.known() && it.state.known() ? MatchKind::kExact
                                                                      : MatchKind::kPlateOnly);
      } else if (classes.Key(a) == classes.Key(b)) {
        int subs = 0;
        for (std::size_t i = 0; i < a.size(); ++i) subs += a[i] != b[i];
        if (subs <= 2) {
          want.emplace_back(it.ref, MatchKind::kLookalike);
        } else if (WithinOneEdit(a, b)) {
          want.emplace_back(it.ref, MatchKind::kOneEdit);
        }
      } else if (WithinOneEdit(a, b)) {
        want.emplace_back(it.ref, MatchKind::kOneEdit);
      }
    }
    std::vector<std::pair<std::uint32_t, MatchKind>> got;
    for (const Candidate& c : batch[n]) got.emplace_back(c.ref, c.kind);
    std::sort(want.begin(), want.end());
    std::sort(got.begin(), got.end());
    ASSERT_EQ(got, want) << "read " << r.plate.text();
    std::vector<Candidate> single;
    ix->Match(r, &single);
    ASSERT_EQ(single.size(), batch[n].size());
  }
}

}  // namespace
}  // namespace interdict::match
