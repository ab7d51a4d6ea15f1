#include "metrics/registry.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <stdexcept>

#include <fmt/core.h>

namespace interdict::metrics {
namespace {

bool ValidName(std::string_view n) {
  if (n.empty()) return false;
  for (std::size_t i = 0; i < n.size(); ++i) {
    const char c = n[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!(alpha || (i > 0 && c >= '0' && c <= '9'))) return false;
  }
  return true;
}

void AppendLabelValue(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
}

std::string LabelText(const Labels& labels, std::string_view extra_key = {},
                      std::string_view extra_value = {}) {
  if (labels.empty() && extra_key.empty()) return "";
  std::string out = "{";
  bool first = true;
  auto add = [&](std::string_view k, std::string_view v) {
    if (!first) out += ',';
    first = false;
    out += k;
    out += "=\"";
    AppendLabelValue(out, v);
    out += '"';
  };
  for (const auto& [k, v] : labels) add(k, v);
  if (!extra_key.empty()) add(extra_key, extra_value);
  out += '}';
  return out;
}

std::string Number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  return fmt::format("{}", v);
}

std::string HelpText(std::string_view help) {
  std::string out;
  for (char c : help) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {
  assert(std::is_sorted(bounds_.begin(), bounds_.end()));
}

void Histogram::Observe(double v) {
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v);
  const auto idx = static_cast<std::size_t>(it - bounds_.begin());
  buckets_[idx].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

std::uint64_t Histogram::CumulativeCount(std::size_t i) const {
  std::uint64_t total = 0;
  for (std::size_t k = 0; k <= i && k <= bounds_.size(); ++k) {
    total += buckets_[k].load(std::memory_order_relaxed);
  }
  return total;
}

std::vector<double> LatencyBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
}

Registry::Series& Registry::Find(std::string_view name, std::string_view help, Kind kind,
                                 const Labels& labels) {
  if (!ValidName(name)) throw std::invalid_argument(fmt::format("invalid metric name '{}'", name));
  std::lock_guard lock(mu_);
  auto fam = std::find_if(families_.begin(), families_.end(),
                          [&](const Family& f) { return f.name == name; });
  if (fam == families_.end()) {
    families_.push_back(Family{std::string(name), std::string(help), kind, {}});
    fam = std::prev(families_.end());
  } else if (fam->kind != kind) {
    throw std::invalid_argument(fmt::format("metric '{}' registered with two types", name));
  }
  for (Series& s : fam->series) {
    if (s.labels == labels) return s;
  }
  fam->series.push_back(Series{labels, nullptr, nullptr, nullptr, nullptr, nullptr});
  return fam->series.back();
}

Counter& Registry::GetCounter(std::string_view name, std::string_view help, const Labels& labels) {
  Series& s = Find(name, help, Kind::kCounter, labels);
  std::lock_guard lock(mu_);
  if (!s.counter) s.counter = std::make_unique<Counter>();
  return *s.counter;
}

Gauge& Registry::GetGauge(std::string_view name, std::string_view help, const Labels& labels) {
  Series& s = Find(name, help, Kind::kGauge, labels);
  std::lock_guard lock(mu_);
  if (!s.gauge) s.gauge = std::make_unique<Gauge>();
  return *s.gauge;
}

Histogram& Registry::GetHistogram(std::string_view name, std::string_view help,
                                  std::vector<double> bounds, const Labels& labels) {
  Series& s = Find(name, help, Kind::kHistogram, labels);
  std::lock_guard lock(mu_);
  if (!s.histogram) s.histogram = std::make_unique<Histogram>(std::move(bounds));
  return *s.histogram;
}

void Registry::AddCounterFunction(std::string_view name, std::string_view help,
                                  const Labels& labels, std::function<std::uint64_t()> read) {
  Series& s = Find(name, help, Kind::kCounter, labels);
  std::lock_guard lock(mu_);
  s.read = std::move(read);
}

void Registry::AddGaugeFunction(std::string_view name, std::string_view help, const Labels& labels,
                                std::function<double()> read) {
  Series& s = Find(name, help, Kind::kGauge, labels);
  std::lock_guard lock(mu_);
  s.read_gauge = std::move(read);
}

std::string Registry::Render() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const Family& f : families_) {
    const char* type = f.kind == Kind::kCounter ? "counter"
                       : f.kind == Kind::kGauge ? "gauge"
                                                : "histogram";
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", f.name, HelpText(f.help), f.name, type);
    for (const Series& s : f.series) {
      if (s.read) {
        out += fmt::format("{}{} {}\n", f.name, LabelText(s.labels), s.read());
      } else if (s.read_gauge) {
        out += fmt::format("{}{} {}\n", f.name, LabelText(s.labels), Number(s.read_gauge()));
      } else if (s.counter) {
        out += fmt::format("{}{} {}\n", f.name, LabelText(s.labels), s.counter->value());
      } else if (s.gauge) {
        out += fmt::format("{}{} {}\n", f.name, LabelText(s.labels), Number(s.gauge->value()));
      } else if (s.histogram) {
        const Histogram& h = *s.histogram;
        for (std::size_t i = 0; i <= h.bounds().size(); ++i) {
          const std::string le = i < h.bounds().size() ? Number(h.bounds()[i]) : "+Inf";
          out += fmt::format("{}_bucket{} {}\n", f.name, LabelText(s.labels, "le", le),
                             h.CumulativeCount(i));
        }
        out += fmt::format("{}_sum{} {}\n", f.name, LabelText(s.labels), Number(h.sum()));
        out += fmt::format("{}_count{} {}\n", f.name, LabelText(s.labels), h.count());
      }
    }
  }
  return out;
}

}  // namespace interdict::metrics
