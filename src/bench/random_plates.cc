#include "bench/random_plates.h"

#include <iterator>
#include <string_view>

namespace interdict::bench {
namespace {

constexpr std::string_view kLetters = "ABCDEFGHJKLMNPRSTUVWXYZ";  // no I, O, Q on most plates
constexpr std::string_view kDigits = "0123456789";

// L letter, 9 digit.
constexpr std::string_view kShapes[] = {"LL9L9L",  "LLL999",  "999LLL", "L999999", "LL99999",
                                        "LLL9999", "9LLL999", "LLLL99", "99L999",  "L99LLL"};

}  // namespace

std::string RandomPlate(std::mt19937_64& rng) {
  const std::string_view shape = kShapes[rng() % std::size(kShapes)];
  std::string s;
  for (char c : shape) {
    s.push_back(c == 'L' ? kLetters[rng() % kLetters.size()] : kDigits[rng() % kDigits.size()]);
  }
  return s;
}

}  // namespace interdict::bench
