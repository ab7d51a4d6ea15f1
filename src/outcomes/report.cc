#include "outcomes/report.h"

#include <fmt/core.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <vector>

#include "base/json.h"
#include "outcomes/evaluate.h"

namespace interdict::outcomes {

namespace {

constexpr double kWidth = 760, kHeight = 260;
constexpr double kLeft = 56, kRight = 16, kTop = 16, kBottom = 36;

std::string Escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::vector<double> Numbers(const rapidjson::Value& doc, const char* key) {
  std::vector<double> out;
  if (!doc.HasMember(key) || !doc[key].IsArray()) return out;
  for (const auto& v : doc[key].GetArray())
    out.push_back(v.IsNumber() ? v.GetDouble() : std::numeric_limits<double>::quiet_NaN());
  return out;
}

std::string Str(const rapidjson::Value& doc, const char* key) {
  return doc.IsObject() && doc.HasMember(key) && doc[key].IsString() ? doc[key].GetString() : "";
}

std::optional<double> Num(const rapidjson::Value& doc, const char* key) {
  if (!doc.IsObject() || !doc.HasMember(key) || !doc[key].IsNumber()) return std::nullopt;
  return doc[key].GetDouble();
}

std::string Pct(std::optional<double> v) {
  return FormatPct(v);
}

// A "nice" step for about `ticks` ticks over `span`.
double NiceStep(double span, int ticks) {
  const double raw = span / ticks;
  const double magnitude = std::pow(10, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * magnitude) return m * magnitude;
  return 10 * magnitude;
}

// A chart's frame: maps values to the plot area and draws axes.
struct Frame {
  double x0, x1, y0, y1;  // the data's ranges
  double X(double x) const { return kLeft + (x - x0) / (x1 - x0) * (kWidth - kLeft - kRight); }
  double Y(double y) const {
    return kHeight - kBottom - (y - y0) / (y1 - y0) * (kHeight - kTop - kBottom);
  }
  std::string YAxis(std::string_view unit) const {
    std::string s;
    const double step = NiceStep(y1 - y0, 5);
    for (double v = std::ceil(y0 / step) * step; v <= y1 + 1e-9; v += step) {
      s += fmt::format(
          "<line x1='{:.1f}' x2='{:.1f}' y1='{:.1f}' y2='{:.1f}' stroke='#ddd'/>"
          "<text x='{:.1f}' y='{:.1f}' font-size='11' text-anchor='end' fill='#444'>{}{}</text>",
          kLeft, kWidth - kRight, Y(v), Y(v), kLeft - 6, Y(v) + 4, v, unit);
    }
    return s;
  }
};

std::string Polyline(const Frame& f, const std::vector<double>& ys, std::string_view stroke,
                     std::string_view dash, double width) {
  std::string points;
  for (std::size_t i = 0; i < ys.size(); ++i)
    if (std::isfinite(ys[i]))
      points += fmt::format("{:.1f},{:.1f} ", f.X(static_cast<double>(i)), f.Y(ys[i]));
  return fmt::format("<polyline points='{}' fill='none' stroke='{}' stroke-width='{}'{}/>", points,
                     stroke, width,
                     dash.empty() ? std::string() : fmt::format(" stroke-dasharray='{}'", dash));
}

std::string Svg(std::string_view label, const std::string& body) {
  return fmt::format(
      "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {} {}' width='{}' height='{}' "
      "role='img' aria-label='{}' font-family='sans-serif'>{}</svg>",
      kWidth, kHeight, kWidth, kHeight, Escape(label), body);
}

std::string SeriesChart(const rapidjson::Value& charts, const std::string& start) {
  const std::vector<double> actual = Numbers(charts, "actual");
  const std::vector<double> cf = Numbers(charts, "counterfactual");
  const std::vector<double> low = Numbers(charts, "counterfactual_low");
  const std::vector<double> high = Numbers(charts, "counterfactual_high");
  const std::vector<double> synthetic = Numbers(charts, "synthetic");
  std::vector<std::string> months;
  if (charts.HasMember("months") && charts["months"].IsArray())
    for (const auto& m : charts["months"].GetArray())
      months.push_back(m.IsString() ? m.GetString() : "");
  if (actual.size() < 2) return "";
  double top = 1;
  for (const auto* v : {&actual, &high, &synthetic, &cf})
    for (double x : *v)
      if (std::isfinite(x)) top = std::max(top, x);
  const Frame f{0, static_cast<double>(actual.size() - 1), 0, top * 1.08};
  std::string body = f.YAxis("");
  // The counterfactual band (interrupted time series), then the lines.
  if (low.size() == actual.size() && high.size() == actual.size()) {
    std::string band;
    for (std::size_t i = 0; i < high.size(); ++i)
      band += fmt::format("{:.1f},{:.1f} ", f.X(static_cast<double>(i)), f.Y(high[i]));
    for (std::size_t i = low.size(); i-- > 0;)
      band += fmt::format("{:.1f},{:.1f} ", f.X(static_cast<double>(i)), f.Y(low[i]));
    body += fmt::format("<polygon points='{}' fill='#f4c27a' fill-opacity='0.35' stroke='none'/>",
                        band);
  }
  if (cf.size() == actual.size()) body += Polyline(f, cf, "#c77800", "6 4", 1.5);
  if (synthetic.size() == actual.size()) body += Polyline(f, synthetic, "#2a62c9", "3 3", 1.5);
  body += Polyline(f, actual, "#111", "", 2);
  // The start, and a year label each January.
  for (std::size_t i = 0; i < months.size(); ++i) {
    if (months[i] == start)
      body += fmt::format(
          "<line x1='{0:.1f}' x2='{0:.1f}' y1='{1:.1f}' y2='{2:.1f}' stroke='#b00020' "
          "stroke-width='1.5'/><text x='{3:.1f}' y='{4:.1f}' font-size='11' fill='#b00020'>"
          "start {5}</text>",
          f.X(static_cast<double>(i)), kTop, kHeight - kBottom, f.X(static_cast<double>(i)) + 4,
          kTop + 10, Escape(start));
    if (months[i].size() == 7 && months[i].substr(5) == "01")
      body += fmt::format(
          "<text x='{:.1f}' y='{:.1f}' font-size='11' text-anchor='middle' "
          "fill='#444'>{}</text>",
          f.X(static_cast<double>(i)), kHeight - kBottom + 16, Escape(months[i].substr(0, 4)));
  }
  body += fmt::format(
      "<text x='{0}' y='{1}' font-size='11' fill='#111'>— counted</text>"
      "<text x='{2}' y='{1}' font-size='11' fill='#c77800'>- - without the program (trend and "
      "season), 95 % band</text><text x='{3}' y='{1}' font-size='11' fill='#2a62c9'>··· "
      "synthetic control</text>",
      kLeft, kHeight - 4, kLeft + 80, kLeft + 430);
  return Svg("Monthly counts with the program's start and the counterfactual", body);
}

std::string EventStudyChart(const rapidjson::Value& charts) {
  if (!charts.HasMember("event_study") || !charts["event_study"].IsArray()) return "";
  struct Bin {
    int year;
    double effect;
    std::optional<double> low, high;
    bool reference;
  };
  std::vector<Bin> bins;
  double lo = -10, hi = 10;
  for (const auto& b : charts["event_study"].GetArray()) {
    Bin bin{b["year"].GetInt(), Num(b, "effect_pct").value_or(0), Num(b, "low_pct"),
            Num(b, "high_pct"),
            b.HasMember("reference") && b["reference"].IsBool() && b["reference"].GetBool()};
    lo = std::min({lo, bin.effect, bin.low.value_or(0)});
    hi = std::max({hi, bin.effect, bin.high.value_or(0)});
    bins.push_back(bin);
  }
  if (bins.empty()) return "";
  lo = std::max(lo, -100.0);
  const Frame f{bins.front().year - 0.5, bins.back().year + 0.5, lo * 1.2, hi * 1.2};
  std::string body = f.YAxis(" %");
  body += fmt::format("<line x1='{:.1f}' x2='{:.1f}' y1='{:.1f}' y2='{:.1f}' stroke='#888'/>",
                      kLeft, kWidth - kRight, f.Y(0), f.Y(0));
  body += fmt::format(
      "<line x1='{0:.1f}' x2='{0:.1f}' y1='{1:.1f}' y2='{2:.1f}' stroke='#b00020' "
      "stroke-dasharray='4 3'/>",
      f.X(-0.5), kTop, kHeight - kBottom);
  for (const Bin& b : bins) {
    const double x = f.X(b.year);
    if (b.low && b.high && !b.reference)
      body += fmt::format(
          "<line x1='{0:.1f}' x2='{0:.1f}' y1='{1:.1f}' y2='{2:.1f}' "
          "stroke='#2a62c9' stroke-width='2'/>",
          x, f.Y(*b.low), f.Y(*b.high));
    body += fmt::format("<circle cx='{:.1f}' cy='{:.1f}' r='4' fill='{}' stroke='#2a62c9'/>", x,
                        f.Y(b.effect), b.reference ? "#fff" : "#2a62c9");
    body += fmt::format(
        "<text x='{:.1f}' y='{:.1f}' font-size='11' text-anchor='middle' "
        "fill='#444'>{}</text>",
        x, kHeight - kBottom + 16,
        b.year < 0 ? fmt::format("{} yr", b.year) : fmt::format("+{} yr", b.year));
  }
  body += fmt::format(
      "<text x='{}' y='{}' font-size='11' fill='#111'>Treated against comparison areas by year "
      "from the start (○ the reference year): before the start, bars should hold 0</text>",
      kLeft, kHeight - 4);
  return Svg("Event study: the difference year by year", body);
}

std::string PlaceboChart(const rapidjson::Value& doc) {
  const rapidjson::Value& charts = doc["charts"];
  const std::vector<double> placebos = Numbers(charts, "placebo_effects_pct");
  std::optional<double> effect;
  if (doc.HasMember("estimates") && doc["estimates"].IsArray())
    for (const auto& e : doc["estimates"].GetArray())
      if (Str(e, "method") == "synthetic") effect = Num(e, "effect_pct");
  if (placebos.empty() || !effect) return "";
  double lo = *effect, hi = *effect;
  for (double p : placebos) {
    lo = std::min(lo, p);
    hi = std::max(hi, p);
  }
  const double width = std::max(5.0, NiceStep(hi - lo + 1, 12));
  lo = std::floor(lo / width) * width;
  hi = std::ceil((hi + 1e-9) / width) * width;
  const int n = std::max(1, static_cast<int>(std::lround((hi - lo) / width)));
  std::vector<int> counts(static_cast<std::size_t>(n), 0);
  for (double p : placebos)
    ++counts[static_cast<std::size_t>(std::clamp(static_cast<int>((p - lo) / width), 0, n - 1))];
  const int most = *std::max_element(counts.begin(), counts.end());
  const Frame f{lo, hi, 0, most * 1.15};
  std::string body = f.YAxis("");
  for (int i = 0; i < n; ++i) {
    const double a = lo + i * width;
    body += fmt::format(
        "<rect x='{:.1f}' y='{:.1f}' width='{:.1f}' height='{:.1f}' fill='#9bb5e6' "
        "stroke='#fff'/>",
        f.X(a), f.Y(counts[static_cast<std::size_t>(i)]), f.X(a + width) - f.X(a),
        f.Y(0) - f.Y(counts[static_cast<std::size_t>(i)]));
    body += fmt::format(
        "<text x='{:.1f}' y='{:.1f}' font-size='10' text-anchor='middle' "
        "fill='#444'>{:.0f}</text>",
        f.X(a), kHeight - kBottom + 14, a);
  }
  body += fmt::format(
      "<line x1='{0:.1f}' x2='{0:.1f}' y1='{1:.1f}' y2='{2:.1f}' stroke='#b00020' "
      "stroke-width='2.5'/><text x='{3:.1f}' y='{4:.1f}' font-size='11' fill='#b00020'>the "
      "program's areas: {5}</text>",
      f.X(*effect), kTop, kHeight - kBottom, f.X(*effect) + 4, kTop + 10, Escape(Pct(effect)));
  body += fmt::format(
      "<text x='{}' y='{}' font-size='11' fill='#111'>Effects (%) the synthetic control finds for "
      "each comparison area as if it had had the program ({} placebos)</text>",
      kLeft, kHeight - 4, placebos.size());
  return Svg("Placebo distribution", body);
}

Result<rapidjson::Document> ParseAnswer(std::string_view answer) {
  rapidjson::Document doc;
  if (!json::Parse(answer, &doc).ok() || !doc.IsObject() || !doc.HasMember("estimates") ||
      !doc["estimates"].IsArray() || !doc.HasMember("charts") || !doc["charts"].IsObject())
    return Status::InvalidArgument("not an evaluation's answer");
  return doc;
}

}  // namespace

Result<std::string> ReportChartSvg(std::string_view answer, std::string_view chart) {
  Result<rapidjson::Document> doc = ParseAnswer(answer);
  if (!doc.ok()) return doc.status();
  std::string svg;
  if (chart == "series")
    svg = SeriesChart((*doc)["charts"], Str(*doc, "start"));
  else if (chart == "event_study")
    svg = EventStudyChart((*doc)["charts"]);
  else if (chart == "placebos")
    svg = PlaceboChart(*doc);
  else
    return Status::InvalidArgument("chart: series, event_study or placebos");
  if (svg.empty()) return Status::NotFound(fmt::format("the answer has no {} chart", chart));
  return svg;
}

Result<std::string> ReportHtml(std::string_view answer, const ReportHeading& heading) {
  Result<rapidjson::Document> parsed = ParseAnswer(answer);
  if (!parsed.ok()) return parsed.status();
  const rapidjson::Document& doc = *parsed;
  std::string areas;
  if (doc.HasMember("areas") && doc["areas"].IsArray())
    for (const auto& a : doc["areas"].GetArray())
      areas += (areas.empty() ? "" : ", ") + Str(a, "name");
  std::string html =
      "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
      "<title>" +
      Escape(heading.title) +
      "</title><style>"
      "body{font-family:sans-serif;max-width:800px;margin:2em auto;color:#111;line-height:1.45}"
      "h1{font-size:1.5em}table{border-collapse:collapse;width:100%}"
      "td,th{border-bottom:1px solid #ccc;padding:.3em .5em;text-align:left}"
      "td.n{text-align:right;white-space:nowrap}.verdict{font-size:1.1em;padding:.8em;"
      "border:2px solid #111}.warn{background:#fff4e0;padding:.4em .6em;margin:.3em 0}"
      "figure{margin:1.2em 0}figcaption{font-size:.9em;color:#444}"
      "@media print{body{margin:0}}</style></head><body>";
  html += "<h1>" + Escape(heading.title) + "</h1>";
  html += fmt::format(
      "<p>Claim: <strong>{} {}</strong> in {} from {}{}.<br>Data: {} ({} to {}).<br>{}{}</p>",
      Escape(Str(doc, "category")), Escape(Pct(Num(doc, "claimed_pct"))), Escape(areas),
      Escape(Str(doc, "start")),
      doc.HasMember("claim_given") && doc["claim_given"].IsBool() && !doc["claim_given"].GetBool()
          ? " (no figure was claimed: the naive one stands in)"
          : "",
      Escape(heading.dataset), Escape(Str(doc, "from")), Escape(Str(doc, "to")),
      Escape(heading.made), heading.published.empty() ? "" : "<br>" + Escape(heading.published));
  html += fmt::format("<p class='verdict'><strong>Verdict: {}.</strong> {}</p>",
                      Escape(Str(doc, "verdict") == "consistent" ? "consistent with the claim"
                             : Str(doc, "verdict") == "smaller"  ? "smaller than claimed"
                             : Str(doc, "verdict") == "none"     ? "no detectable effect"
                                                                 : "cannot tell"),
                      Escape(Str(doc, "verdict_text")));
  html += "<table><tr><th>Method</th><th>Effect</th><th>95 % interval</th><th>p</th></tr>";
  html += fmt::format(
      "<tr><td>Naive before/after ({} months each side) — what such claims are made from</td>"
      "<td class='n'>{}</td><td></td><td></td></tr>",
      Num(doc, "naive_months").value_or(0), Escape(Pct(Num(doc, "naive_change_pct"))));
  for (const auto& e : doc["estimates"].GetArray()) {
    const std::optional<double> low = Num(e, "low_pct"), high = Num(e, "high_pct");
    html += fmt::format(
        "<tr><td>{}</td><td class='n'>{}</td><td class='n'>{}</td>"
        "<td class='n'>{}</td></tr>",
        Escape(Str(e, "label")), Escape(Pct(Num(e, "effect_pct"))),
        low && high ? Escape(Pct(low) + " to " + Pct(high)) : "—",
        Num(e, "p_value") ? fmt::format("{:.3f}", *Num(e, "p_value")) : "—");
  }
  html += "</table>";
  if (doc.HasMember("warnings") && doc["warnings"].IsArray() && !doc["warnings"].Empty()) {
    html += "<h2>What to keep in mind</h2>";
    for (const auto& w : doc["warnings"].GetArray())
      html += "<p class='warn'>" + Escape(Str(w, "text")) + "</p>";
  }
  const rapidjson::Value& charts = doc["charts"];
  const std::string series = SeriesChart(charts, Str(doc, "start"));
  if (!series.empty())
    html += "<figure>" + series +
            "<figcaption>The program's areas month by month, with what the trend and seasons "
            "of the years before predict without it (the band: 95 %) and the synthetic "
            "control.</figcaption></figure>";
  const std::string event = EventStudyChart(charts);
  if (!event.empty())
    html += "<figure>" + event +
            "<figcaption>Difference-in-differences year by year. Bars before the start far from "
            "0 mean the comparison areas are not a fair comparison.</figcaption></figure>";
  const std::string placebos = PlaceboChart(doc);
  if (!placebos.empty())
    html += "<figure>" + placebos +
            "<figcaption>An effect is convincing when the program's areas stand apart from "
            "the comparison areas' placebo effects.</figcaption></figure>";
  html +=
      "<h2>How this was worked out</h2><p>Interrupted time series: Poisson regression of "
      "the program's areas' monthly counts on a trend, the calendar month and a step at the "
      "start, with Newey–West errors. Difference-in-differences: the same step against "
      "comparison areas, with an effect for each area and each month and Driscoll–Kraay "
      "errors. Synthetic control: a weighted mix of comparison areas fitted on the months "
      "before the start, judged against every comparison area in turn as a placebo. "
      "Neighbouring areas are left out of the comparisons and examined for displacement. "
      "Interdict's documentation (docs/outcomes.md) says how each figure is computed and "
      "how well the methods recover known effects in simulations.</p></body></html>";
  return html;
}

}  // namespace interdict::outcomes
