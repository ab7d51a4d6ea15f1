#include "base/line_reader.h"

#include <fmt/core.h>

namespace interdict {

LineReader::Got LineReader::Next(std::string* line) {
  line->clear();
  length_ = 0;
  bool too_long = false, any = false, newline = false;
  char buf[4096];
  while (!newline) {
    // Read up to the next '\n' in pieces: get() stops before the delimiter.
    in_.get(buf, sizeof buf, '\n');
    const std::streamsize n = in_.gcount();
    if (n > 0) {
      any = true;
      length_ += static_cast<std::uint64_t>(n);
      if (!too_long && length_ <= max_) {
        line->append(buf, static_cast<std::size_t>(n));
      } else if (!too_long) {
        too_long = true;
        std::string().swap(*line);  // give the memory back
      }
    }
    if (in_.eof()) break;
    if (in_.fail()) in_.clear();  // get() read nothing: the next char is '\n'
    if (in_.peek() == '\n') {
      in_.get();
      newline = true;
    }
  }
  if (!any && !newline) return Got::kEnd;
  ++number_;
  return too_long ? Got::kTooLong : Got::kLine;
}

std::string LineReader::TooLongMessage() const {
  return fmt::format("a line of {} bytes exceeds the limit of {} bytes", length_, max_);
}

}  // namespace interdict
