// Parsers of hotlist files from outside: the NCIC fixed-width extract, the
// state CSV variant, Genetec-style delimited text and Interdict's JSON
// (docs/format/ingest.md). Every parser takes untrusted bytes: it never
// crashes, refuses a bad line with its number and the reason, and keeps the
// good lines of the file.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/json_writer_fwd.h"
#include "base/status.h"
#include "hotlist/entry.h"

namespace interdict::hotlist {

enum class Format { kNcic, kCsv, kGenetec, kJson };

// "ncic", "csv", "genetec" or "json"; an error lists the four.
Result<Format> ParseFormat(std::string_view name);
std::string_view FormatName(Format f);

// Whether a format's entries carry their own NCIC kind (ncic, csv) or take
// the kind of the list they are loaded into (genetec, json).
bool CarriesKind(Format f);

struct Rejection {
  std::size_t line = 0;              // 1-based line of a text format
  std::optional<std::size_t> index;  // 0-based entry of a JSON list
  std::string error;                 // "plate: ...", naming the field
};

struct ParsedList {
  std::vector<Entry> entries;
  std::vector<Rejection> rejected;
};

// Parses a whole file. Bad entries land in `rejected`; an error status is
// kept for a file that cannot be read at all (no header where one is
// required, JSON that is not JSON — with the byte offset). Custom formats
// (genetec, json) give entries the kind `custom_kind`.
Result<ParsedList> ParseList(Format format, std::string_view text,
                             std::string_view custom_kind = kCustomKind);

// {"entries": N, "by_kind": {"V": 120, ...}, "rejected": [{"line": L, "error": "..."}]}
// (JSON lists report "index" instead of "line").
std::string CheckReportJson(const ParsedList& list);
// The "rejected" array of that report, for answers that include one.
void WriteRejections(json::Writer& w, const std::vector<Rejection>& rejected);

}  // namespace interdict::hotlist
