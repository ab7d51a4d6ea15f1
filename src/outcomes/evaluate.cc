#include "outcomes/evaluate.h"

#include <fmt/core.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "base/delimited.h"
#include "base/json_writer.h"
#include "geo/areas.h"

namespace interdict::outcomes {

namespace {

// Below these the answer is too uncertain to give.
constexpr int kMinPreMonths = 12;
constexpr double kMinWindowEvents = 50;
// Below these it is worth saying.
constexpr int kShortPreMonths = 24;
constexpr int kShortPostMonths = 6;
constexpr double kFewEventsPerMonth = 10;
constexpr int kFewComparisons = 5;
constexpr double kPoorFitPct = 10;
constexpr double kSpikeRatio = 1.15;
constexpr double kSpikeZ = 2.5;

double Round1(double v) {
  return std::round(v * 10) / 10;
}
std::optional<double> Round1(const std::optional<double>& v) {
  return v ? std::optional<double>(Round1(*v)) : std::nullopt;
}

std::string Pct(double v) {
  return FormatPct(v);
}

std::string Label(const std::string& method) {
  if (method == "its") return "interrupted time series";
  if (method == "did") return "difference-in-differences";
  if (method == "synthetic") return "synthetic control";
  if (method == "displacement") return "neighbouring areas (displacement)";
  return method;
}

std::string Interval(const Estimate& e) {
  if (!e.low_pct || !e.high_pct) return "no interval";
  return fmt::format("95 % interval {} to {}", Pct(*e.low_pct), Pct(*e.high_pct));
}

bool Contains(const Estimate& e, double v) {
  return e.low_pct && e.high_pct && *e.low_pct <= v && v <= *e.high_pct;
}

Result<int> ResolveArea(const Panel& panel, const geo::AreaKind* kind, const std::string& a) {
  int i = panel.Index(a);
  if (i < 0 && kind != nullptr)
    if (const geo::Area* area = kind->Find(a)) i = panel.Index(area->id);
  if (i < 0)
    return Status::InvalidArgument(
        fmt::format("area \"{}\" has no {} events in the data (an area code of the data{})", a,
                    panel.category.empty() ? "" : panel.category,
                    kind != nullptr ? ", or the name of one of the " + kind->kind : ""));
  return i;
}

void Verdict(Evaluation& e) {
  std::vector<const Estimate*> primary;
  for (const Estimate& est : e.estimates)
    if (est.method != "displacement" && est.low_pct && est.high_pct) primary.push_back(&est);
  const bool fatal =
      std::any_of(e.warnings.begin(), e.warnings.end(), [](const Warning& w) { return w.fatal; });
  const std::size_t majority = primary.size() / 2 + 1;
  std::size_t down = 0, up = 0, holds_claim = 0;
  for (const Estimate* est : primary) {
    if (est->Significant()) ++(est->effect_pct < 0 ? down : up);
    if (Contains(*est, e.claimed_pct)) ++holds_claim;
  }
  const std::string claim = fmt::format("the claimed {}", Pct(e.claimed_pct));
  if (fatal || primary.empty()) {
    e.verdict = "cannot_tell";
    e.verdict_text =
        "The data cannot tell: " +
        (primary.empty() ? std::string("no method could give an interval for the effect")
                         : std::string("see the warnings")) +
        ".";
    return;
  }
  if (down > 0 && up > 0) {
    e.verdict = "cannot_tell";
    e.verdict_text =
        "The data cannot tell: the methods that detect an effect disagree about its direction.";
    e.warnings.push_back({"disagree",
                          "Methods detect effects in opposite directions: the comparison areas, "
                          "the trend or both do not describe this place well.",
                          false});
    return;
  }
  if (std::max(down, up) >= majority) {
    const bool decline = down > 0;
    if (decline != (e.claimed_pct < 0)) {
      e.verdict = "smaller";
      e.verdict_text = fmt::format(
          "The adjusted estimates show a {} where the claim says a {}: {} is not supported.",
          decline ? "fall" : "rise", e.claimed_pct < 0 ? "fall" : "rise", claim);
      return;
    }
    std::size_t beyond = 0;  // the claim larger than the estimates allow
    for (const Estimate* est : primary)
      if (est->Significant() &&
          (decline ? e.claimed_pct < *est->low_pct : e.claimed_pct > *est->high_pct))
        ++beyond;
    if (beyond * 2 >= std::max(down, up)) {
      e.verdict = "smaller";
      e.verdict_text = fmt::format(
          "The adjusted estimates support a {}, but a smaller one than claimed: {} lies beyond "
          "their intervals.",
          decline ? "fall" : "rise", claim);
    } else {
      e.verdict = "consistent";
      e.verdict_text = fmt::format(
          "The adjusted estimates support a {} of about the size claimed: {} lies within their "
          "intervals.",
          decline ? "fall" : "rise", claim);
    }
    return;
  }
  const std::string detected =
      down + up == 0 ? std::string("No method detects an effect")
                     : fmt::format("Only {} of {} methods detect{} an effect", down + up,
                                   primary.size(), down + up == 1 ? "s" : "");
  if (holds_claim >= majority) {
    e.verdict = "cannot_tell";
    e.verdict_text = fmt::format(
        "The data cannot tell the claim from no effect. {}, and most intervals hold both no "
        "change and {}.",
        detected, claim);
  } else {
    e.verdict = "none";
    e.verdict_text =
        fmt::format("{}, and most intervals hold no change and leave out {}.", detected, claim);
  }
}

}  // namespace

std::string FormatPct(std::optional<double> v) {
  if (!v) return "—";
  const double r = std::round(*v * 10) / 10;
  return fmt::format("{}{:.1f} %", r > 0 ? "+" : (r < 0 ? "−" : ""), std::abs(r));
}

Result<double> ParsePercent(std::string_view text) {
  std::string s;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text.substr(i, 3) == "\xE2\x88\x92") {  // U+2212, the minus sign
      s += '-';
      i += 2;
    } else if (text[i] != ' ' && text[i] != '%') {
      s += text[i];
    }
  }
  if (!s.empty() && s.front() == '+') s.erase(0, 1);
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v) ||
      v <= -100 || v > 10'000)
    return Status::InvalidArgument(
        fmt::format("not a percentage above −100 (such as -44%): \"{}\"", text));
  return v;
}

Result<Evaluation> Evaluate(const Panel& panel, const Claim& claim) {
  if (panel.months == 0) return Status::InvalidArgument("no incidents of that category");
  const geo::AreaKind* kind = claim.polygons            ? claim.polygons.get()
                              : claim.area_kind.empty() ? nullptr
                                                        : geo::Areas(claim.area_kind);
  Evaluation e;
  e.category = panel.category;
  std::vector<int> treated, comparison, ring;
  for (const std::string& a : claim.areas) {
    Result<int> i = ResolveArea(panel, kind, a);
    if (!i.ok()) return i.status();
    if (std::find(treated.begin(), treated.end(), *i) == treated.end()) treated.push_back(*i);
  }
  if (treated.empty()) return Status::InvalidArgument("name at least one treated area");
  auto is = [](const std::vector<int>& v, int i) {
    return std::find(v.begin(), v.end(), i) != v.end();
  };
  // The ring: areas whose outline comes within 50 m of a treated one's.
  if (kind != nullptr)
    for (int i = 0; i < static_cast<int>(panel.areas.size()); ++i) {
      const geo::Area* a = kind->Find(panel.areas[static_cast<std::size_t>(i)]);
      if (a == nullptr || is(treated, i)) continue;
      for (int t : treated) {
        const geo::Area* b = kind->Find(panel.areas[static_cast<std::size_t>(t)]);
        if (b != nullptr && geo::AreasDistance(*a, *b) <= geo::kAdjacentMetres) {
          ring.push_back(i);
          break;
        }
      }
    }
  for (const std::string& a : claim.comparison) {
    Result<int> i = ResolveArea(panel, kind, a);
    if (!i.ok()) return i.status();
    if (!is(treated, *i) && !is(ring, *i) && !is(comparison, *i)) comparison.push_back(*i);
  }
  if (claim.comparison.empty())
    for (int i = 0; i < static_cast<int>(panel.areas.size()); ++i)
      if (!is(treated, i) && !is(ring, i)) comparison.push_back(i);
  auto codes = [&](const std::vector<int>& v) {
    std::vector<std::string> out;
    for (int i : v) out.push_back(panel.areas[static_cast<std::size_t>(i)]);
    return out;
  };
  e.treated = codes(treated);
  e.comparison = codes(comparison);
  e.ring = codes(ring);
  for (const std::string& id : e.treated) {
    const geo::Area* a = kind != nullptr ? kind->Find(id) : nullptr;
    e.treated_names.push_back(a != nullptr ? a->name : id);
  }

  const int start = claim.start - panel.first;
  if (start < 1 || start >= panel.months)
    return Status::InvalidArgument(fmt::format(
        "the start {} leaves no month of data before or after it (the data cover {} to {})",
        FormatMonth(claim.start), FormatMonth(panel.first),
        FormatMonth(panel.first + panel.months - 1)));
  Window& w = e.window;
  w.start = start;
  w.first = std::max(0, start - std::max(claim.pre_months, 1));
  w.end = std::min(panel.months, start + std::max(claim.post_months, 1));
  e.first_month = panel.first + w.first;

  const std::vector<double> sum = panel.Sum(treated);
  const std::span<const double> y = std::span<const double>(sum).subspan(
      static_cast<std::size_t>(w.first), static_cast<std::size_t>(w.end - w.first));
  e.actual.assign(y.begin(), y.end());
  auto total = [&](int from, int to) {  // window-relative months [from, to)
    double s = 0;
    for (int t = from; t < to; ++t) s += y[static_cast<std::size_t>(t)];
    return s;
  };
  const int pre = w.pre(), post = w.post(), at = w.start - w.first;
  e.naive_months = std::min({12, pre, post});
  const double before = total(at - e.naive_months, at), after = total(at, at + e.naive_months);
  if (before > 0) e.naive_change_pct = 100 * (after / before - 1);
  e.claim_given = claim.claimed_pct.has_value();
  e.claimed_pct = claim.claimed_pct.value_or(e.naive_change_pct.value_or(0));

  // What the data allow.
  auto warn = [&](std::string code, std::string text, bool fatal = false) {
    e.warnings.push_back({std::move(code), std::move(text), fatal});
  };
  if (pre < kMinPreMonths)
    warn("short_pre",
         fmt::format("Only {} months before the start: at least {} are needed to see the trend.",
                     pre, kMinPreMonths),
         true);
  else if (pre < kShortPreMonths)
    warn("short_pre",
         fmt::format("Only {} months before the start: with fewer than {}, seasons are not "
                     "modelled and the trend is uncertain.",
                     pre, kShortPreMonths));
  if (post < kShortPostMonths)
    warn("short_post", fmt::format("Only {} months after the start: an early look.", post));
  const double events = total(0, pre + post), per_month = pre > 0 ? total(0, at) / pre : 0;
  if (events < kMinWindowEvents)
    warn("few_events",
         fmt::format("Only {:.0f} events in the treated areas over the {} months: too few to "
                     "estimate a change.",
                     events, pre + post),
         true);
  else if (per_month < kFewEventsPerMonth)
    warn("few_events",
         fmt::format("{:.1f} events a month before the start: with so few, chance alone moves "
                     "the figures by tens of percent.",
                     per_month));
  if (comparison.size() < kFewComparisons)
    warn("few_comparisons", fmt::format("Only {} comparison areas.", comparison.size()));
  else if (treated.size() == 1 && comparison.size() < 19)
    warn("few_comparisons",
         fmt::format("Only {} comparison areas: placebo programs need 19 to show how far chance "
                     "moves an area like this one, so the methods give no interval.",
                     comparison.size()));
  if (Result<SpikeCheck> spike = PreStartSpike(y, at, e.first_month); spike.ok()) {
    if (spike->actual >= kSpikeRatio * spike->expected && spike->z >= kSpikeZ)
      warn("pre_spike",
           fmt::format("The 6 months before the start ran {} above the trend and season of the "
                       "months before them: programs that start after a spike see a fall that "
                       "would have come anyway (regression to the mean), and a before/after "
                       "comparison credits it to the program.",
                       Pct(100 * (spike->actual / spike->expected - 1))));
  }

  // The methods, each on its own: one that cannot run is said, not fatal.
  auto failed = [&](const std::string& method, const Status& s) {
    warn("method_failed", fmt::format("{}: {}", Label(method), s.message()));
  };
  // Placebo programs in the comparison areas calibrate each model's interval
  // (methods.h, Calibrate): real areas stray more than any model says.
  const std::vector<std::vector<int>> groups = PlaceboGroups(panel, comparison, treated, w);
  if (Result<ItsResult> its = InterruptedTimeSeries(y, at, e.first_month); its.ok()) {
    Calibrate(its->estimate, ItsPlacebos(panel, groups, w));
    e.estimates.push_back(its->estimate);
    e.its = std::move(*its);
  } else {
    failed("its", its.status());
  }
  if (Result<DidResult> did = DifferenceInDifferences(panel, treated, comparison, w); did.ok()) {
    Calibrate(did->estimate, DidPlacebos(panel, groups, comparison, w));
    e.estimates.push_back(did->estimate);
  } else {
    failed("did", did.status());
  }
  if (Result<EventStudy> es = EventStudyByYear(panel, treated, comparison, w); es.ok()) {
    CalibrateEventStudy(*es, panel, treated, comparison, groups, w);
    if (es->pretrend_p && *es->pretrend_p < 0.05)
      warn("pretrends",
           fmt::format("Before the start, the treated and comparison areas did not move in "
                       "parallel (event study, p = {:.3f}): difference-in-differences is suspect.",
                       *es->pretrend_p));
    e.event_study = std::move(*es);
  }
  if (Result<SyntheticResult> sc = SyntheticControl(panel, treated, comparison, w); sc.ok()) {
    // Monthly counts of a mean m scatter by about √(φ / m) of it by chance
    // alone (φ the overdispersion): a fit is poor when it misses by half as
    // much again, and by at least 10 %.
    const double dispersion = e.its ? std::max(1.0, e.its->dispersion) : 1.0;
    const double floor_pct = 100 * std::sqrt(dispersion / std::max(per_month, 1e-9));
    if (sc->pre_rmspe_pct > std::max(kPoorFitPct, 1.5 * floor_pct))
      warn("poor_fit",
           fmt::format("The synthetic control misses the treated areas' months before the start "
                       "by {:.0f} % on average, where chance alone would explain {:.0f} %: no "
                       "mix of the comparison areas resembles them.",
                       sc->pre_rmspe_pct, floor_pct));
    e.estimates.push_back(sc->estimate);
    for (const auto& [area, weight] : sc->weights)
      e.synthetic_weights.emplace_back(panel.areas[static_cast<std::size_t>(area)], weight);
    e.synthetic = std::move(*sc);
  } else {
    failed("synthetic", sc.status());
  }
  if (!ring.empty()) {
    if (Result<DidResult> d = DifferenceInDifferences(panel, ring, comparison, w); d.ok()) {
      d->estimate.method = "displacement";
      Calibrate(d->estimate,
                DidPlacebos(panel, PlaceboGroups(panel, comparison, ring, w), comparison, w));
      if (d->estimate.Significant() && d->estimate.effect_pct > 0)
        warn("displacement",
             fmt::format("In the {} neighbouring areas the count rose {} against the comparison "
                         "areas ({}): crime may have moved rather than stopped.",
                         ring.size(), Pct(d->estimate.effect_pct), Interval(d->estimate)));
      e.estimates.push_back(d->estimate);
    }
  }
  Verdict(e);
  return e;
}

std::string EvaluationText(const Evaluation& e) {
  std::string names;
  for (const std::string& n : e.treated_names) names += (names.empty() ? "" : ", ") + n;
  std::string out = fmt::format("Claim: {} {} in {} from {}{}\n", e.category, Pct(e.claimed_pct),
                                names, FormatMonth(e.first_month + e.window.pre()),
                                e.claim_given ? "" : " (the naive figure taken as the claim)");
  out += fmt::format("Data: {} to {}, {} comparison areas, {} neighbouring\n",
                     FormatMonth(e.first_month),
                     FormatMonth(e.first_month + e.window.end - e.window.first - 1),
                     e.comparison.size(), e.ring.size());
  if (e.naive_change_pct)
    out += fmt::format("Naive before/after ({} months each side): {}\n", e.naive_months,
                       Pct(*e.naive_change_pct));
  for (const Estimate& est : e.estimates)
    out += fmt::format("{:<36} {:>9}  ({}{})\n", Label(est.method), Pct(est.effect_pct),
                       Interval(est), est.p_value ? fmt::format(", p = {:.3f}", *est.p_value) : "");
  for (const Warning& w : e.warnings) out += fmt::format("warning ({}): {}\n", w.code, w.text);
  out += fmt::format("Verdict: {}. {}\n", e.verdict, e.verdict_text);
  return out;
}

std::string EvaluationJson(const Evaluation& e, const std::function<void(json::Writer&)>& more) {
  auto round2 = [](const std::vector<double>& v) {
    std::vector<double> out;
    for (double x : v) out.push_back(std::round(x * 100) / 100);
    return out;
  };
  return json::Write([&](json::Writer& w) {
    w.StartObject();
    json::Members(w, "category", e.category, "start", FormatMonth(e.first_month + e.window.pre()),
                  "from", FormatMonth(e.first_month), "to",
                  FormatMonth(e.first_month + e.window.end - e.window.first - 1), "claimed_pct",
                  Round1(e.claimed_pct), "claim_given", e.claim_given, "naive_change_pct",
                  Round1(e.naive_change_pct), "naive_months", e.naive_months);
    json::Key(w, "areas");
    w.StartArray();
    for (std::size_t i = 0; i < e.treated.size(); ++i) {
      w.StartObject();
      json::Members(w, "id", e.treated[i], "name", e.treated_names[i]);
      w.EndObject();
    }
    w.EndArray();
    json::Members(w, "comparison", e.comparison, "ring", e.ring);
    json::Key(w, "estimates");
    w.StartArray();
    for (const Estimate& est : e.estimates) {
      w.StartObject();
      json::Members(
          w, "method", est.method, "label", Label(est.method), "effect_pct", Round1(est.effect_pct),
          "low_pct", Round1(est.low_pct), "high_pct", Round1(est.high_pct), "p_value",
          est.p_value ? std::optional<double>(std::round(*est.p_value * 1e4) / 1e4) : std::nullopt,
          "model_low_pct", Round1(est.model_low_pct), "model_high_pct", Round1(est.model_high_pct),
          "placebos", est.placebos);
      w.EndObject();
    }
    w.EndArray();
    json::Key(w, "warnings");
    w.StartArray();
    for (const Warning& warning : e.warnings) {
      w.StartObject();
      json::Members(w, "code", warning.code, "text", warning.text, "fatal", warning.fatal);
      w.EndObject();
    }
    w.EndArray();
    json::Members(w, "verdict", e.verdict, "verdict_text", e.verdict_text);
    json::Key(w, "charts");
    w.StartObject();
    std::vector<std::string> months;
    for (int t = e.window.first; t < e.window.end; ++t)
      months.push_back(FormatMonth(e.first_month + t - e.window.first));
    json::Members(w, "months", months, "actual", round2(e.actual));
    if (e.its)
      json::Members(w, "counterfactual", round2(e.its->counterfactual), "counterfactual_low",
                    round2(e.its->low), "counterfactual_high", round2(e.its->high));
    if (e.synthetic) {
      json::Members(w, "synthetic", round2(e.synthetic->synthetic), "synthetic_pre_rmspe_pct",
                    Round1(e.synthetic->pre_rmspe_pct));
      std::vector<double> placebos;
      for (double p : e.synthetic->placebo_effects_pct) placebos.push_back(Round1(p));
      json::Members(w, "placebo_effects_pct", placebos);
      json::Key(w, "synthetic_weights");
      w.StartArray();
      for (const auto& [area, weight] : e.synthetic_weights) {
        w.StartObject();
        json::Members(w, "area", area, "weight", std::round(weight * 1000) / 1000);
        w.EndObject();
      }
      w.EndArray();
    }
    if (e.event_study) {
      json::Key(w, "event_study");
      w.StartArray();
      for (const EventBin& b : e.event_study->bins) {
        w.StartObject();
        json::Members(w, "year", b.year, "effect_pct", Round1(b.effect_pct), "low_pct",
                      Round1(b.low_pct), "high_pct", Round1(b.high_pct), "reference", b.reference);
        w.EndObject();
      }
      w.EndArray();
      json::Members(w, "pretrend_p", e.event_study->pretrend_p);
    }
    w.EndObject();
    if (more) more(w);
    w.EndObject();
  });
}

}  // namespace interdict::outcomes
