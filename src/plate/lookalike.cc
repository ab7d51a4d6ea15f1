#include "plate/lookalike.h"

#include <algorithm>

#include <fmt/core.h>

namespace interdict::plate {

LookalikeClasses::LookalikeClasses() {
  for (std::size_t i = 0; i < canonical_.size(); ++i) canonical_[i] = static_cast<char>(i);
}

Result<LookalikeClasses> LookalikeClasses::Parse(std::string_view spec) {
  LookalikeClasses out;
  std::vector<std::string> groups;
  std::string current;
  auto finish = [&](std::size_t at) -> Status {
    if (current.empty()) return Status::Ok();
    if (current.size() < 2) {
      return Status::InvalidArgument(
          fmt::format("look-alike group '{}' ending at character {} has one character; a group "
                      "needs two or more",
                      current, at));
    }
    groups.push_back(std::move(current));
    current.clear();
    return Status::Ok();
  };
  for (std::size_t i = 0; i < spec.size(); ++i) {
    char c = spec[i];
    if (c == ' ' || c == ',' || c == '\t') {
      INTERDICT_RETURN_IF_ERROR(finish(i));
      continue;
    }
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
      return Status::InvalidArgument(
          fmt::format("look-alike classes: invalid character '{}' at character {}; use A-Z and 0-9",
                      spec[i], i));
    }
    current += c;
  }
  INTERDICT_RETURN_IF_ERROR(finish(spec.size()));

  for (std::string& g : groups) {
    std::sort(g.begin(), g.end());
    if (std::adjacent_find(g.begin(), g.end()) != g.end()) {
      return Status::InvalidArgument(fmt::format("look-alike group '{}' repeats a character", g));
    }
  }
  std::sort(groups.begin(), groups.end());
  for (std::size_t gi = 0; gi < groups.size(); ++gi) {
    for (char c : groups[gi]) {
      const auto idx = static_cast<unsigned char>(c);
      if (out.group_of_[idx] != 0) {
        return Status::InvalidArgument(fmt::format(
            "look-alike character '{}' is in two groups ('{}' and '{}'); groups must be disjoint",
            c, groups[out.group_of_[idx] - 1], groups[gi]));
      }
      out.group_of_[idx] = static_cast<unsigned char>(gi + 1);
      out.canonical_[idx] = groups[gi].front();
    }
  }
  out.groups_ = std::move(groups);
  return out;
}

const LookalikeClasses& LookalikeClasses::Default() {
  static const LookalikeClasses classes = *Parse(kDefaultSpec);
  return classes;
}

std::string_view LookalikeClasses::Members(char c) const {
  const unsigned char g = group_of_[static_cast<unsigned char>(c)];
  if (g == 0) {
    // A character alone is its own class; point into a static table of singletons.
    static const std::array<char, 256> kSelf = [] {
      std::array<char, 256> a{};
      for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<char>(i);
      return a;
    }();
    return {&kSelf[static_cast<unsigned char>(c)], 1};
  }
  return groups_[g - 1];
}

std::string LookalikeClasses::Key(std::string_view plate) const {
  std::string key(plate);
  for (char& c : key) c = Canonical(c);
  return key;
}

std::string LookalikeClasses::Spec() const {
  std::string out;
  for (const std::string& g : groups_) {
    if (!out.empty()) out += ' ';
    out += g;
  }
  return out;
}

}  // namespace interdict::plate
