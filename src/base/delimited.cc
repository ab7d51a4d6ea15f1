#include "base/delimited.h"

#include <fmt/core.h>

namespace interdict {

std::string_view TrimBlanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool SplitDelimited(std::string_view line, char delimiter, std::vector<std::string>* fields,
                    std::string* error) {
  fields->clear();
  std::size_t i = 0;
  while (true) {
    std::string field;
    if (i < line.size() && line[i] == '"') {
      const std::size_t open = i++;
      bool closed = false;
      while (i < line.size()) {
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field.push_back('"');
            i += 2;
            continue;
          }
          closed = true;
          ++i;
          break;
        }
        field.push_back(line[i++]);
      }
      if (!closed) {
        *error = fmt::format("byte {}: quoted field {} is not closed on this line", open + 1,
                             fields->size() + 1);
        return false;
      }
      if (i < line.size() && line[i] != delimiter) {
        *error = fmt::format("byte {}: text after the closing quote of field {}", i + 1,
                             fields->size() + 1);
        return false;
      }
    } else {
      const std::size_t end = line.find(delimiter, i);
      const std::size_t stop = end == std::string_view::npos ? line.size() : end;
      field.assign(line.substr(i, stop - i));
      i = stop;
    }
    fields->push_back(std::move(field));
    if (i >= line.size()) return true;
    ++i;  // the delimiter
  }
}

bool LineCursor::Next(std::string_view* line) {
  if (pos_ >= text_.size()) return false;
  start_ = pos_;
  std::size_t end = text_.find('\n', pos_);
  if (end == std::string_view::npos) {
    end = text_.size();
    pos_ = end;
  } else {
    pos_ = end + 1;
  }
  std::size_t stop = end;
  if (stop > start_ && text_[stop - 1] == '\r') --stop;
  *line = text_.substr(start_, stop - start_);
  ++line_;
  return true;
}

std::vector<std::vector<std::string>> TableRows(std::string_view text, std::string* error) {
  std::vector<std::vector<std::string>> rows;
  LineCursor lines(text);
  std::string_view line;
  std::string why;
  while (lines.Next(&line)) {
    line = TrimBlanks(line);
    if (line.empty() || line.front() == '#') continue;
    std::vector<std::string> fields;
    if (!SplitDelimited(line, ',', &fields, &why)) {
      if (error != nullptr && error->empty())
        *error = "line " + std::to_string(lines.line_number()) + ": " + why;
      fields.assign(1, std::string(line));
    }
    for (std::string& f : fields) f = std::string(TrimBlanks(f));
    rows.push_back(std::move(fields));
  }
  return rows;
}

}  // namespace interdict
