#include "bench/peer.h"

#include <fmt/core.h>

namespace interdict::bench {
namespace {

// Backslash, tab, newline and carriage return escaped: the text both
// PostgreSQL's COPY and ClickHouse's TabSeparated read.
void Escaped(std::string& out, std::string_view v) {
  for (char ch : v) {
    switch (ch) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default: out += ch;
    }
  }
}

}  // namespace

void AppendTabRow(std::string& out, const read::Read& r, std::string_view empty_text) {
  auto text = [&](std::string_view v) {
    if (v.empty()) {
      out += empty_text;
    } else {
      Escaped(out, v);
    }
  };
  Escaped(out, r.agency);
  out += '\t';
  Escaped(out, r.camera);
  out += '\t';
  Escaped(out, r.id);
  out += fmt::format("\t{}\t", r.time);
  Escaped(out, r.plate.text());
  out += '\t';
  text(r.state.known() ? r.state.code() : std::string_view());
  out += '\t';
  out +=
      r.plate_confidence.known() ? fmt::format("{}", r.plate_confidence.percent() / 100.0) : "\\N";
  out += r.position ? fmt::format("\t{}\t{}", r.position->lat(), r.position->lon()) : "\t\\N\t\\N";
  for (const std::string* v :
       {&r.vehicle.make, &r.vehicle.model, &r.vehicle.color, &r.vehicle.body}) {
    out += '\t';
    text(*v);
  }
  out += '\n';
}

}  // namespace interdict::bench
