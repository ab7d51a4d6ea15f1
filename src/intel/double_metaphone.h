// Double Metaphone (Lawrence Philips, "The Double Metaphone Search
// Algorithm", C/C++ Users Journal, June 2000): a surname's sound as two codes,
// the primary (the usual English reading) and the alternate (the reading of
// the name's likely origin: SCHMIDT is XMT and SMT). Written here from the
// published algorithm (decision 0041: no Debian C or C++ package provides
// it); a test compares it with python3-abydos's implementation over a list of
// names.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace interdict::intel {

struct MetaphoneCodes {
  std::string primary, alternate;  // alternate is "" when it equals primary
};

// The codes of one word of upper-case ASCII letters (other characters are
// skipped as the algorithm skips them), each cut to `max_length` (4, as
// published; 0 for no limit).
MetaphoneCodes DoubleMetaphone(std::string_view word, std::size_t max_length = 4);

}  // namespace interdict::intel
