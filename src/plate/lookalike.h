// Look-alike character classes: characters an OCR engine or a witness confuses
// (0/O/D/Q, 1/I/L, 2/Z, 5/S, 8/B, 6/G by default). The classes are disjoint,
// so "same class" is an equivalence, and every plate has a canonical
// look-alike key: each character replaced by its class representative (the
// smallest character of its class in ASCII order, so digits represent).
// Two plates that differ only within classes have equal keys.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace interdict::plate {

class LookalikeClasses {
 public:
  // The spec is a list of groups separated by spaces or commas, each group two
  // or more of A-Z and 0-9: "0ODQ 1IL 2Z 5S 8B 6G". Case is ignored. A
  // character may be in at most one group.
  static Result<LookalikeClasses> Parse(std::string_view spec);

  static const LookalikeClasses& Default();
  static constexpr std::string_view kDefaultSpec = "0ODQ 1IL 2Z 5S 6G 8B";

  // The class representative of c; c itself when c is in no class.
  char Canonical(char c) const { return canonical_[static_cast<unsigned char>(c)]; }
  bool SameClass(char a, char b) const { return Canonical(a) == Canonical(b); }
  // Every member of c's class, c included, in ASCII order.
  std::string_view Members(char c) const;

  // The canonical look-alike key of a normalized plate.
  std::string Key(std::string_view plate) const;

  // The classes in canonical form ("0DOQ 1IL 2Z 5S 6G 8B"); Parse(Spec()) is
  // an identical set of classes.
  std::string Spec() const;
  const std::vector<std::string>& groups() const { return groups_; }

 private:
  LookalikeClasses();
  std::array<char, 256> canonical_{};
  std::array<unsigned char, 256> group_of_{};  // 0 = none, else index + 1
  std::vector<std::string> groups_;            // each sorted; sorted by representative
};

}  // namespace interdict::plate
