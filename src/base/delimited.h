// Delimited text (CSV, pipe- or tab-separated): lines and fields, for the
// importers of outside files. Quoting follows RFC 4180 within one line: a
// field may be wrapped in double quotes, and "" inside it is one quote.
// Fields spanning lines are refused (no vendor file here needs them, and a
// stray quote must not swallow the rest of a file).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace interdict {

// The field without leading and trailing spaces and tabs.
std::string_view TrimBlanks(std::string_view field);
// ASCII lower case (header names, codes).
std::string AsciiLower(std::string_view s);

// Splits one line (without its line ending) into fields. On failure returns
// false and sets `error` to what is wrong and at which byte of the line.
bool SplitDelimited(std::string_view line, char delimiter, std::vector<std::string>* fields,
                    std::string* error);

// The rows of a data table shipped with the code (data/*/…csv, compiled in):
// comma-separated, blank lines and lines starting with '#' skipped, fields
// trimmed. A line that cannot be split is kept whole as a row of one field,
// never dropped, and the first such line is named in `error` (each table's
// test asks for it to stay empty).
std::vector<std::vector<std::string>> TableRows(std::string_view text,
                                                std::string* error = nullptr);

// Iterates the lines of a text: "\n" or "\r\n" endings, the last line may
// lack one. Line numbers start at 1.
class LineCursor {
 public:
  explicit LineCursor(std::string_view text) : text_(text) {}
  // The next line without its ending; false at the end of the text.
  bool Next(std::string_view* line);
  std::size_t line_number() const { return line_; }
  // Byte offset of the start of the line Next() returned last.
  std::size_t line_offset() const { return start_; }
  // Byte offset just past the line ending of the line Next() returned last.
  std::size_t offset() const { return pos_; }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t start_ = 0;
  std::size_t line_ = 0;
};

}  // namespace interdict
