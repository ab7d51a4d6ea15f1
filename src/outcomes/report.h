// The printable report of an evaluation (docs/outcomes.md, "The report"): one
// self-contained HTML page for a council meeting — the claim, the naive
// figure, each method's estimate, the warnings and the verdict, with its
// charts drawn as inline SVG (the series with the start and the
// counterfactual band, the event study, the placebo distribution). No script,
// no outside resource: it prints as it shows.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace interdict::outcomes {

struct ReportHeading {
  std::string title;      // the saved evaluation's, or the claim's
  std::string dataset;    // name and source
  std::string made;       // "by … of … on …"
  std::string published;  // "" when not published
};

// The page for `answer` (the JSON EvaluationJson wrote). InvalidArgument
// when it is not one.
Result<std::string> ReportHtml(std::string_view answer, const ReportHeading& heading);

// The report's charts alone, each an SVG document: "series", "event_study",
// "placebos" (for docs and for the console's downloads).
Result<std::string> ReportChartSvg(std::string_view answer, std::string_view chart);

}  // namespace interdict::outcomes
