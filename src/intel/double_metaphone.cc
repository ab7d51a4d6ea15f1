#include "intel/double_metaphone.h"

#include <initializer_list>

namespace interdict::intel {
namespace {

// One pass over a word: the letters (padded so that looking ahead never
// leaves it), where the pass is, and the two codes it builds.
class Encoder {
 public:
  explicit Encoder(std::string_view word)
      : word_(word), length_(static_cast<std::ptrdiff_t>(word.size())) {
    word_.append(5, ' ');
    slavo_germanic_ =
        word.find('W') != std::string_view::npos || word.find('K') != std::string_view::npos ||
        word.find("CZ") != std::string_view::npos || word.find("WITZ") != std::string_view::npos;
  }

  MetaphoneCodes Run(std::size_t max_length);

 private:
  using Options = std::initializer_list<std::string_view>;

  char At(std::ptrdiff_t pos) const {
    return pos < 0 || static_cast<std::size_t>(pos) >= word_.size()
               ? '\0'
               : word_[static_cast<std::size_t>(pos)];
  }
  bool Vowel(std::ptrdiff_t pos) const {
    const char c = At(pos);
    return c == 'A' || c == 'E' || c == 'I' || c == 'O' || c == 'U' || c == 'Y';
  }
  // Whether the `n` letters at `pos` are one of `options`.
  bool Is(std::ptrdiff_t pos, std::size_t n, Options options) const {
    if (pos < 0 || static_cast<std::size_t>(pos) + n > word_.size()) return false;
    const std::string_view s = std::string_view(word_).substr(static_cast<std::size_t>(pos), n);
    for (std::string_view o : options)
      if (s == o) return true;
    return false;
  }
  // Adds to both codes, or `main` to the primary and `alt` to the alternate.
  void Add(std::string_view both) { Add(both, both); }
  void Add(std::string_view main, std::string_view alt) {
    primary_ += main;
    alternate_ += alt;
  }

  void C();
  void G();
  void J();
  void L();
  void S();
  void T();
  void W();

  std::string word_;
  std::ptrdiff_t length_;
  std::ptrdiff_t last() const { return length_ - 1; }
  bool slavo_germanic_ = false;
  std::ptrdiff_t at_ = 0;
  std::string primary_, alternate_;
};

void Encoder::C() {
  const std::ptrdiff_t i = at_;
  // Germanic "ACH" (BACHER, MACHER) but not "ACHI", "ACHE".
  if (i > 1 && !Vowel(i - 2) && Is(i - 1, 3, {"ACH"}) && At(i + 2) != 'I' &&
      (At(i + 2) != 'E' || Is(i - 2, 6, {"BACHER", "MACHER"}))) {
    Add("K");
    at_ += 2;
    return;
  }
  if (i == 0 && Is(i, 6, {"CAESAR"})) {
    Add("S");
    at_ += 2;
    return;
  }
  if (Is(i, 4, {"CHIA"})) {  // Italian CHIANTI
    Add("K");
    at_ += 2;
    return;
  }
  if (Is(i, 2, {"CH"})) {
    if (i > 0 && Is(i, 4, {"CHAE"})) {  // MICHAEL
      Add("K", "X");
    } else if (i == 0 &&
               (Is(i + 1, 5, {"HARAC", "HARIS"}) || Is(i + 1, 3, {"HOR", "HYM", "HIA", "HEM"})) &&
               !Is(0, 5, {"CHORE"})) {  // Greek roots: CHARACTER, CHORUS
      Add("K");
    } else if (Is(0, 4, {"VAN ", "VON "}) || Is(0, 3, {"SCH"}) ||
               Is(i - 2, 6, {"ORCHES", "ARCHIT", "ORCHID"}) || Is(i + 2, 1, {"T", "S"}) ||
               ((Is(i - 1, 1, {"A", "O", "U", "E"}) || i == 0) &&
                Is(i + 2, 1, {"L", "R", "N", "M", "B", "H", "F", "V", "W", " "}))) {
      Add("K");  // Germanic and Greek: ORCHESTRA, SCHROEDER, CHRIST
    } else if (i > 0) {
      if (Is(0, 2, {"MC"}))
        Add("K");  // MCHUGH
      else
        Add("X", "K");
    } else {
      Add("X");
    }
    at_ += 2;
    return;
  }
  if (Is(i, 2, {"CZ"}) && !Is(i - 2, 4, {"WICZ"})) {  // CZERNY
    Add("S", "X");
    at_ += 2;
    return;
  }
  if (Is(i + 1, 3, {"CIA"})) {  // FOCACCIA
    Add("X");
    at_ += 3;
    return;
  }
  if (Is(i, 2, {"CC"}) && !(i == 1 && At(0) == 'M')) {  // double C, not MCCLELLAN
    if (Is(i + 2, 1, {"I", "E", "H"}) && !Is(i + 2, 2, {"HU"})) {
      if ((i == 1 && At(i - 1) == 'A') || Is(i - 1, 5, {"UCCEE", "UCCES"}))
        Add("KS");  // ACCIDENT, SUCCEED
      else
        Add("X");  // BACCI, BERTUCCI
      at_ += 3;
      return;
    }
    Add("K");  // Pierce's rule
    at_ += 2;
    return;
  }
  if (Is(i, 2, {"CK", "CG", "CQ"})) {
    Add("K");
    at_ += 2;
    return;
  }
  if (Is(i, 2, {"CI", "CE", "CY"})) {
    if (Is(i, 3, {"CIO", "CIE", "CIA"}))
      Add("S", "X");  // Italian
    else
      Add("S");
    at_ += 2;
    return;
  }
  Add("K");
  if (Is(i + 1, 2, {" C", " Q", " G"}))  // MAC CAFFREY, MAC GREGOR
    at_ += 3;
  else if (Is(i + 1, 1, {"C", "K", "Q"}) && !Is(i + 1, 2, {"CE", "CI"}))
    at_ += 2;
  else
    at_ += 1;
}

void Encoder::G() {
  const std::ptrdiff_t i = at_;
  if (At(i + 1) == 'H') {
    if (i > 0 && !Vowel(i - 1)) {
      Add("K");
    } else if (i == 0) {
      Add(At(i + 2) == 'I' ? "J" : "K");                    // GHISLANE, GHIRADELLI
    } else if ((i > 1 && Is(i - 2, 1, {"B", "H", "D"})) ||  // HUGH
               (i > 2 && Is(i - 3, 1, {"B", "H", "D"})) ||  // BOUGH
               (i > 3 && Is(i - 4, 1, {"B", "H"}))) {       // BROUGHTON
      // silent
    } else if (i > 2 && At(i - 1) == 'U' && Is(i - 3, 1, {"C", "G", "L", "R", "T"})) {
      Add("F");  // LAUGH, MCLAUGHLIN, COUGH, ROUGH, TOUGH
    } else if (i > 0 && At(i - 1) != 'I') {
      Add("K");
    }
    at_ += 2;
    return;
  }
  if (At(i + 1) == 'N') {
    if (i == 1 && Vowel(0) && !slavo_germanic_)
      Add("KN", "N");
    else if (!Is(i + 2, 2, {"EY"}) && At(i + 1) != 'Y' && !slavo_germanic_)
      Add("N", "KN");  // not CAGNEY
    else
      Add("KN");
    at_ += 2;
    return;
  }
  if (Is(i + 1, 2, {"LI"}) && !slavo_germanic_) {  // TAGLIARO
    Add("KL", "L");
    at_ += 2;
    return;
  }
  if (i == 0 &&
      (At(i + 1) == 'Y' ||
       Is(i + 1, 2, {"ES", "EP", "EB", "EL", "EY", "IB", "IL", "IN", "IE", "EI", "ER"}))) {
    Add("K", "J");
    at_ += 2;
    return;
  }
  if ((Is(i + 1, 2, {"ER"}) || At(i + 1) == 'Y') && !Is(0, 6, {"DANGER", "RANGER", "MANGER"}) &&
      !Is(i - 1, 1, {"E", "I"}) && !Is(i - 1, 3, {"RGY", "OGY"})) {
    Add("K", "J");  // -GER-, -GY-
    at_ += 2;
    return;
  }
  if (Is(i + 1, 1, {"E", "I", "Y"}) || Is(i - 1, 4, {"AGGI", "OGGI"})) {  // Italian BIAGGI
    if (Is(0, 4, {"VAN ", "VON "}) || Is(0, 3, {"SCH"}) || Is(i + 1, 2, {"ET"}))
      Add("K");  // Germanic
    else if (Is(i + 1, 4, {"IER "}))
      Add("J");
    else
      Add("J", "K");
    at_ += 2;
    return;
  }
  at_ += At(i + 1) == 'G' ? 2 : 1;
  Add("K");
}

void Encoder::J() {
  const std::ptrdiff_t i = at_;
  if (Is(i, 4, {"JOSE"}) || Is(0, 4, {"SAN "})) {  // Spanish JOSE, SAN JACINTO
    if ((i == 0 && At(i + 4) == ' ') || Is(0, 4, {"SAN "}))
      Add("H");
    else
      Add("J", "H");
    at_ += 1;
    return;
  }
  if (i == 0 && !Is(i, 4, {"JOSE"})) {
    Add("J", "A");  // YANKELOVICH, JANKELOWICZ
  } else if (Vowel(i - 1) && !slavo_germanic_ && (At(i + 1) == 'A' || At(i + 1) == 'O')) {
    Add("J", "H");  // Spanish BAJADOR
  } else if (i == last()) {
    Add("J", "");
  } else if (!Is(i + 1, 1, {"L", "T", "K", "S", "N", "M", "B", "Z"}) &&
             !Is(i - 1, 1, {"S", "K", "L"})) {
    Add("J");
  }
  at_ += At(i + 1) == 'J' ? 2 : 1;
}

void Encoder::L() {
  const std::ptrdiff_t i = at_;
  if (At(i + 1) == 'L') {
    // Spanish CABRILLO, GALLEGOS: the alternate drops the L.
    if ((i == length_ - 3 && Is(i - 1, 4, {"ILLO", "ILLA", "ALLE"})) ||
        ((Is(last() - 1, 2, {"AS", "OS"}) || Is(last(), 1, {"A", "O"})) &&
         Is(i - 1, 4, {"ALLE"}))) {
      Add("L", "");
      at_ += 2;
      return;
    }
    at_ += 2;
  } else {
    at_ += 1;
  }
  Add("L");
}

void Encoder::S() {
  const std::ptrdiff_t i = at_;
  if (Is(i - 1, 3, {"ISL", "YSL"})) {  // ISLAND, CARLISLE: silent
    at_ += 1;
    return;
  }
  if (i == 0 && Is(i, 5, {"SUGAR"})) {
    Add("X", "S");
    at_ += 1;
    return;
  }
  if (Is(i, 2, {"SH"})) {
    Add(Is(i + 1, 4, {"HEIM", "HOEK", "HOLM", "HOLZ"}) ? "S" : "X");  // Germanic
    at_ += 2;
    return;
  }
  if (Is(i, 3, {"SIO", "SIA"}) || Is(i, 4, {"SIAN"})) {  // Italian and Armenian
    if (slavo_germanic_)
      Add("S");
    else
      Add("S", "X");
    at_ += 3;
    return;
  }
  // German and Anglicised SMITH, SCHMIDT; SNIDER, SCHNEIDER; and -SZ-.
  if ((i == 0 && Is(i + 1, 1, {"M", "N", "L", "W"})) || Is(i + 1, 1, {"Z"})) {
    Add("S", "X");
    at_ += Is(i + 1, 1, {"Z"}) ? 2 : 1;
    return;
  }
  if (Is(i, 2, {"SC"})) {
    if (At(i + 2) == 'H') {
      if (Is(i + 3, 2, {"OO", "ER", "EN", "UY", "ED", "EM"})) {  // Dutch SCHOOL, SCHENKER
        if (Is(i + 3, 2, {"ER", "EN"}))
          Add("X", "SK");
        else
          Add("SK");
      } else if (i == 0 && !Vowel(3) && At(3) != 'W') {
        Add("X", "S");
      } else {
        Add("X");
      }
      at_ += 3;
      return;
    }
    Add(Is(i + 2, 1, {"I", "E", "Y"}) ? "S" : "SK");
    at_ += 3;
    return;
  }
  if (i == last() && Is(i - 2, 2, {"AI", "OI"}))  // French RESNAIS, ARTOIS
    Add("", "S");
  else
    Add("S");
  at_ += Is(i + 1, 1, {"S", "Z"}) ? 2 : 1;
}

void Encoder::T() {
  const std::ptrdiff_t i = at_;
  if (Is(i, 4, {"TION"}) || Is(i, 3, {"TIA", "TCH"})) {
    Add("X");
    at_ += 3;
    return;
  }
  if (Is(i, 2, {"TH"}) || Is(i, 3, {"TTH"})) {
    if (Is(i + 2, 2, {"OM", "AM"}) || Is(0, 4, {"VAN ", "VON "}) || Is(0, 3, {"SCH"}))
      Add("T");  // THOMAS, THAMES
    else
      Add("0", "T");
    at_ += 2;
    return;
  }
  at_ += Is(i + 1, 1, {"T", "D"}) ? 2 : 1;
  Add("T");
}

void Encoder::W() {
  const std::ptrdiff_t i = at_;
  if (Is(i, 2, {"WR"})) {
    Add("R");
    at_ += 2;
    return;
  }
  if (i == 0 && (Vowel(i + 1) || Is(i, 2, {"WH"}))) {
    if (Vowel(i + 1))
      Add("A", "F");  // WASSERMAN, VASSERMAN
    else
      Add("A");
  }
  // Polish FILIPOWICZ; Arnow: the alternate reads it as F.
  if ((i == last() && Vowel(i - 1)) || Is(i - 1, 5, {"EWSKI", "EWSKY", "OWSKI", "OWSKY"}) ||
      Is(0, 3, {"SCH"})) {
    Add("", "F");
    at_ += 1;
    return;
  }
  if (Is(i, 4, {"WICZ", "WITZ"})) {
    Add("TS", "FX");
    at_ += 4;
    return;
  }
  at_ += 1;
}

MetaphoneCodes Encoder::Run(std::size_t max_length) {
  if (length_ == 0) return {};
  if (Is(0, 2, {"GN", "KN", "PN", "WR", "PS"})) at_ = 1;  // silent first letter
  if (At(0) == 'X') {                                     // Greek XAVIER: S
    Add("S");
    at_ = 1;
  }
  while (at_ < length_) {
    const char c = At(at_);
    switch (c) {
      case 'A':
      case 'E':
      case 'I':
      case 'O':
      case 'U':
      case 'Y':
        if (at_ == 0) Add("A");  // a first vowel is written A
        at_ += 1;
        break;
      case 'B':
        Add("P");
        at_ += At(at_ + 1) == 'B' ? 2 : 1;
        break;
      case 'C': C(); break;
      case 'D':
        if (Is(at_, 2, {"DG"})) {
          if (Is(at_ + 2, 1, {"I", "E", "Y"})) {  // EDGE
            Add("J");
            at_ += 3;
          } else {  // EDGAR
            Add("TK");
            at_ += 2;
          }
        } else {
          Add("T");
          at_ += Is(at_, 2, {"DT", "DD"}) ? 2 : 1;
        }
        break;
      case 'F':
      case 'K':
      case 'N':
      case 'Q':
      case 'V':
        Add(c == 'Q' ? "K" : c == 'V' ? "F" : std::string_view(&c, 1));
        at_ += At(at_ + 1) == c ? 2 : 1;
        break;
      case 'G': G(); break;
      case 'H':
        // Only between vowels or at the start before one; HH too.
        if ((at_ == 0 || Vowel(at_ - 1)) && Vowel(at_ + 1)) {
          Add("H");
          at_ += 2;
        } else {
          at_ += 1;
        }
        break;
      case 'J': J(); break;
      case 'L': L(); break;
      case 'M':
        // DUMB, THUMB; MM.
        if ((Is(at_ - 1, 3, {"UMB"}) && (at_ + 1 == last() || Is(at_ + 2, 2, {"ER"}))) ||
            At(at_ + 1) == 'M')
          at_ += 2;
        else
          at_ += 1;
        Add("M");
        break;
      case 'P':
        if (At(at_ + 1) == 'H') {
          Add("F");
          at_ += 2;
        } else {
          at_ += Is(at_ + 1, 1, {"P", "B"}) ? 2 : 1;  // CAMPBELL, RASPBERRY
          Add("P");
        }
        break;
      case 'R':
        // French ROGIER: the primary drops a final R after IE, not after ME/MA.
        if (at_ == last() && !slavo_germanic_ && Is(at_ - 2, 2, {"IE"}) &&
            !Is(at_ - 4, 2, {"ME", "MA"}))
          Add("", "R");
        else
          Add("R");
        at_ += At(at_ + 1) == 'R' ? 2 : 1;
        break;
      case 'S': S(); break;
      case 'T': T(); break;
      case 'W': W(); break;
      case 'X':
        // French BREAUX: a final X after IAU, EAU, AU, OU is silent.
        if (!(at_ == last() && (Is(at_ - 3, 3, {"IAU", "EAU"}) || Is(at_ - 2, 2, {"AU", "OU"}))))
          Add("KS");
        at_ += Is(at_ + 1, 1, {"C", "X"}) ? 2 : 1;
        break;
      case 'Z':
        if (At(at_ + 1) == 'H') {  // Chinese ZHAO
          Add("J");
          at_ += 2;
          break;
        }
        if (Is(at_ + 1, 2, {"ZO", "ZI", "ZA"}) ||
            (slavo_germanic_ && at_ > 0 && At(at_ - 1) != 'T'))
          Add("S", "TS");
        else
          Add("S");
        at_ += At(at_ + 1) == 'Z' ? 2 : 1;
        break;
      default: at_ += 1; break;
    }
  }
  MetaphoneCodes out{std::move(primary_), std::move(alternate_)};
  if (max_length > 0) {
    if (out.primary.size() > max_length) out.primary.resize(max_length);
    if (out.alternate.size() > max_length) out.alternate.resize(max_length);
  }
  if (out.alternate == out.primary) out.alternate.clear();
  return out;
}

}  // namespace

MetaphoneCodes DoubleMetaphone(std::string_view word, std::size_t max_length) {
  return Encoder(word).Run(max_length);
}

}  // namespace interdict::intel
