// The generic incident CSV (docs/format/outcomes.md) and the monthly panel
// made from it: any bytes give a report or a header error that says why,
// every bad line is named with its line and field, and a panel of what was
// read has a count for every area and month and no negative one.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "outcomes/incidents.h"
#include "outcomes/series.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace interdict::outcomes;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto r = ReadIncidentCsv(text);
  if (!r.ok()) {
    if (r.status().message().empty()) std::abort();
    return 0;
  }
  if (r->incidents.size() + r->errors.size() > r->lines) std::abort();
  for (const LineError& e : r->errors)
    if (e.line < 2 || e.message.empty()) std::abort();  // no field: the line did not split
  for (const Incident& i : r->incidents)
    if (i.area.empty() || i.category.empty() || i.occurred != i.coded) std::abort();
  const Panel p = MonthlyPanel(r->incidents, "");
  if (p.cells.size() != p.areas.size() * static_cast<std::size_t>(p.months)) std::abort();
  for (double c : p.cells)
    if (!(c >= 0) || !std::isfinite(c)) std::abort();
  return 0;
}
