// Checking a claim (docs/outcomes.md): the naive before/after figure such
// claims come from, the program's effect by each method with its interval,
// the warnings a careful analyst gives, and a verdict in plain words.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/json_writer_fwd.h"
#include "base/status.h"
#include "geo/areas.h"
#include "outcomes/methods.h"
#include "outcomes/series.h"

namespace interdict::outcomes {

struct Claim {
  std::vector<std::string> areas;       // treated: area codes, or names of `area_kind`'s areas
  std::vector<std::string> comparison;  // none: every other area outside the ring
  Month start = 0;
  std::optional<double> claimed_pct;  // none: the naive figure is the claim
  int pre_months = 60, post_months = 24;
  // The shipped areas (geo/areas.h) the panel's codes are: names resolve
  // through them and the ring is their neighbours. "" for codes without
  // outlines (the ring is then empty).
  std::string area_kind = "neighborhoods";
  // Areas given as polygons (a GeoJSON file): these instead of area_kind's.
  std::shared_ptr<const geo::AreaKind> polygons;
};

struct Warning {
  std::string code;  // pre_spike, short_pre, short_post, few_events, poor_fit, pretrends,
                     // displacement, few_comparisons, disagree, method_failed
  std::string text;
  bool fatal = false;  // the verdict is "cannot tell"
};

struct Evaluation {
  std::string category;
  std::vector<std::string> treated, comparison, ring;  // area codes
  std::vector<std::string> treated_names;
  Month first_month = 0;  // of the window
  Window window;          // in panel months
  double claimed_pct = 0;
  bool claim_given = false;
  std::optional<double> naive_change_pct;  // 12 months after against 12 before
  int naive_months = 0;
  std::vector<Estimate> estimates;  // its, did, synthetic; displacement when there is a ring
  std::optional<ItsResult> its;
  std::optional<EventStudy> event_study;
  std::optional<SyntheticResult> synthetic;
  std::vector<std::pair<std::string, double>> synthetic_weights;  // area code, weight
  std::vector<double> actual;  // the treated areas' counts per month of the window
  std::vector<Warning> warnings;
  std::string verdict;  // consistent, smaller, none, cannot_tell
  std::string verdict_text;
};

// Evaluates `claim` on `panel`. InvalidArgument when the claim names no area
// of the panel, or its start leaves no month before or after it in the data.
// A method that cannot run is a warning, not a failure.
Result<Evaluation> Evaluate(const Panel& panel, const Claim& claim);

// The answer (docs/format/outcomes.md): naive_change_pct, estimates,
// warnings, verdict, verdict_text and the charts' series; `more` writes
// members of its own into the same object (the input read, the dataset).
std::string EvaluationJson(const Evaluation& e,
                           const std::function<void(json::Writer&)>& more = {});

// The same for a terminal: a few lines and the verdict's paragraph.
std::string EvaluationText(const Evaluation& e);

// "+12.3 %", "−4.0 %" (a true minus sign), "—" for none: how the answer's
// text, the report and the terminal write a percentage.
std::string FormatPct(std::optional<double> v);

// Parses "-44%", "-44" or "−44 %": a percentage.
Result<double> ParsePercent(std::string_view text);

}  // namespace interdict::outcomes
