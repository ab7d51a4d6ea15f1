// Lines of outside text (import files, standard input), each at most a stated
// length: a longer line is skipped to its end without ever being held whole,
// and reported by its number and length, so a file that is one 10 GB line
// costs no more memory than one of short lines.
#pragma once

#include <cstddef>
#include <cstdint>
#include <istream>
#include <string>

namespace interdict {

class LineReader {
 public:
  // `in` must outlive the reader.
  LineReader(std::istream& in, std::size_t max_line_bytes) : in_(in), max_(max_line_bytes) {}

  enum class Got { kLine, kTooLong, kEnd };
  // kLine: `*line` holds the next line without its "\n" (a "\r" before it is
  // kept). kTooLong: the line was longer than the limit and has been skipped;
  // `*line` is empty. kEnd: nothing is left. After each, `length()` is the
  // line's length in bytes without the "\n".
  Got Next(std::string* line);

  std::uint64_t length() const { return length_; }
  // Lines returned so far, kTooLong ones included: the last one's number.
  std::uint64_t number() const { return number_; }
  // "a line of N bytes exceeds the limit of M bytes", for the last kTooLong.
  std::string TooLongMessage() const;

 private:
  std::istream& in_;
  const std::size_t max_;
  std::uint64_t length_ = 0, number_ = 0;
};

}  // namespace interdict
