#include "outcomes/methods.h"

#include <nlopt.h>

#include <Eigen/Dense>
#include <algorithm>
#include <atomic>
#include <boost/math/distributions/fisher_f.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <map>
#include <memory>
#include <numeric>
#include <random>
#include <set>
#include <thread>

#include "outcomes/glm.h"

namespace interdict::outcomes {

namespace {

double Pct(double log_ratio) {
  return 100 * std::expm1(log_ratio);
}

// Two-sided p-value of t with `df` degrees of freedom.
double TwoSidedP(double t, int df) {
  if (!std::isfinite(t)) return 0;
  if (df > 1000) {
    const boost::math::normal_distribution<> z;
    return 2 * boost::math::cdf(boost::math::complement(z, std::abs(t)));
  }
  const boost::math::students_t_distribution<> dist(df);
  return 2 * boost::math::cdf(boost::math::complement(dist, std::abs(t)));
}

// The estimate of coefficient `j` as a percentage with its interval.
Estimate FromCoefficient(std::string method, const PoissonFit& fit, int j, int df) {
  Estimate e;
  e.method = std::move(method);
  e.coef = fit.Beta(j);
  e.se = fit.Se(j);
  const double q = TQuantile975(df);
  e.effect_pct = Pct(e.coef);
  e.low_pct = Pct(e.coef - q * e.se);
  e.high_pct = Pct(e.coef + q * e.se);
  e.p_value = TwoSidedP(e.coef / e.se, df);
  return e;
}

// ⌊a / b⌋ for negative a too.
int FloorDiv(int a, int b) {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

// The rows of a panel regression: the units with events in the window, the
// months with events in some unit, each unit's and each month's effect.
struct PanelRows {
  std::vector<int> units;  // panel areas
  std::vector<bool> treated;
  std::vector<int> months;  // panel month indices kept
  std::vector<double> y;
  std::vector<int> time;  // index into months
};

Result<PanelRows> Rows(const Panel& panel, std::span<const int> treated,
                       std::span<const int> comparison, const Window& w) {
  if (w.first < 0 || w.start <= w.first || w.end <= w.start || w.end > panel.months)
    return Status::InvalidArgument("the window is not within the data");
  PanelRows rows;
  auto add = [&](std::span<const int> areas, bool is_treated) {
    for (int a : areas) {
      double total = 0;
      for (int t = w.first; t < w.end; ++t) total += panel.At(a, t);
      if (total > 0) {
        rows.units.push_back(a);
        rows.treated.push_back(is_treated);
      }
    }
  };
  add(treated, true);
  const std::size_t treated_units = rows.units.size();
  add(comparison, false);
  if (treated_units == 0)
    return Status::InvalidArgument("the treated areas have no events in the window");
  if (rows.units.size() == treated_units)
    return Status::InvalidArgument("the comparison areas have no events in the window");
  bool pre = false, post = false;
  for (int t = w.first; t < w.end; ++t) {
    double total = 0;
    for (int a : rows.units) total += panel.At(a, t);
    if (total <= 0) continue;
    rows.months.push_back(t);
    (t < w.start ? pre : post) = true;
  }
  if (!pre || !post)
    return Status::InvalidArgument("no events before or no events after the start");
  for (int a : rows.units)
    for (std::size_t m = 0; m < rows.months.size(); ++m) {
      rows.y.push_back(panel.At(a, rows.months[m]));
      rows.time.push_back(static_cast<int>(m));
    }
  return rows;
}

// Fits the panel with unit and month effects and `extra` columns, where
// column(unit, month) says which extra column (or −1) a treated row sets.
template <typename ExtraColumn>
Result<PoissonFit> FitPanel(const PanelRows& rows, int extra, ExtraColumn column) {
  const int units = static_cast<int>(rows.units.size());
  const int months = static_cast<int>(rows.months.size());
  const int cols = units + months - 1 + extra;
  Design x(units * months, cols);
  int r = 0, u = 0;
  for (const bool treated : rows.treated) {
    int m = 0;
    for (const int t : rows.months) {
      x.Set(r, u, 1);
      if (m > 0) x.Set(r, units + m - 1, 1);
      if (treated && column(t) >= 0) x.Set(r, units + months - 1 + column(t), 1);
      ++r;
      ++m;
    }
    ++u;
  }
  Robust robust;
  robust.time = rows.time;
  robust.correction = Robust::Correction::kPanel;
  return FitPoisson(x, rows.y, robust);
}

// Least squares over the simplex: weights ≥ 0 summing to 1 that bring
// Σ w_j donor_j closest to the target, from the Gram matrix G = D D' and
// c = D target (so an evaluation costs O(J²), whatever the months).
struct Simplex {
  Eigen::MatrixXd g;
  Eigen::VectorXd c;
};

double SimplexObjective(unsigned n, const double* w, double* grad, void* data) {
  const Simplex& s = *static_cast<const Simplex*>(data);
  const Eigen::Map<const Eigen::VectorXd> x(w, n);
  const Eigen::VectorXd gx = s.g * x;
  if (grad != nullptr) Eigen::Map<Eigen::VectorXd>(grad, n) = 2 * (gx - s.c);
  return x.dot(gx) - 2 * s.c.dot(x);
}

double SumToOne(unsigned n, const double* w, double* grad, void*) {
  if (grad != nullptr) std::fill(grad, grad + n, 1.0);
  return std::accumulate(w, w + n, 0.0) - 1;
}

Result<std::vector<double>> SimplexWeights(Simplex s) {
  const unsigned n = static_cast<unsigned>(s.c.size());
  std::vector<double> w(n, 1.0 / n);
  if (n == 1) return w;
  std::unique_ptr<nlopt_opt_s, decltype(&nlopt_destroy)> opt(nlopt_create(NLOPT_LD_SLSQP, n),
                                                             &nlopt_destroy);
  if (!opt) return Status::Internal("nlopt: cannot create the optimiser");
  nlopt_set_min_objective(opt.get(), &SimplexObjective, &s);
  nlopt_add_equality_constraint(opt.get(), &SumToOne, nullptr, 1e-12);
  nlopt_set_lower_bounds1(opt.get(), 0.0);
  nlopt_set_upper_bounds1(opt.get(), 1.0);
  nlopt_set_ftol_rel(opt.get(), 1e-10);
  nlopt_set_xtol_rel(opt.get(), 1e-8);
  nlopt_set_maxeval(opt.get(), 20'000);
  double value = 0;
  const nlopt_result r = nlopt_optimize(opt.get(), w.data(), &value);
  if (r < 0 && r != NLOPT_ROUNDOFF_LIMITED)
    return Status::Internal("nlopt: the synthetic control's weights did not converge");
  // Back onto the simplex exactly (the solver meets it to its tolerance).
  double total = 0;
  for (double& x : w) total += (x = std::max(x, 0.0));
  if (!(total > 0)) return Status::Internal("nlopt: no weights");
  for (double& x : w) x /= total;
  return w;
}

constexpr std::size_t kMinPlacebos = 19;
// A placebo group's monthly mean before the start is within this factor of
// the treated areas'.
constexpr double kPlaceboSize = 2;

// f(0) … f(n − 1) on up to two threads (the machine's cores are few and an
// evaluation already runs beside the server's work); each index is its own.
template <typename F>
void ParallelFor(std::size_t n, F&& f) {
  const std::size_t threads = std::min<std::size_t>(2, n);
  if (threads <= 1) {
    for (std::size_t i = 0; i < n; ++i) f(i);
    return;
  }
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) f(i);
  };
  std::thread helper(work);
  work();
  helper.join();
}

// The placebo effects that bound a 95 % interval: the order statistics of
// ranks ⌊0.025 (n + 1)⌋ and ⌈0.975 (n + 1)⌉ (the extremes below 39
// placebos), so that a program like the placebos falls outside them at most
// 5 % of the time — the sample's own 2.5 and 97.5 % quantiles would miss
// twice as often with a few dozen placebos.
std::pair<double, double> PlaceboBounds(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const double n = static_cast<double>(v.size());
  const std::size_t lo = static_cast<std::size_t>(std::max(1.0, std::floor(0.025 * (n + 1))));
  const std::size_t hi = static_cast<std::size_t>(std::min(n, std::ceil(0.975 * (n + 1))));
  return {v[lo - 1], v[hi - 1]};
}

// Rows of level, years from `origin`, calendar month (with `season`) and,
// with `step`, 1 from `origin` on: the interrupted time series' design.
Eigen::MatrixXd TrendSeasonRows(int n, int origin, Month first_month, bool season, bool step) {
  const int cols = 2 + (season ? 11 : 0) + (step ? 1 : 0);
  Eigen::MatrixXd rows = Eigen::MatrixXd::Zero(n, cols);
  for (int t = 0; t < n; ++t) {
    rows(t, 0) = 1;
    rows(t, 1) = (t - origin) / 12.0;
    const int calendar = (first_month + t) % 12;
    if (season && calendar > 0) rows(t, 1 + calendar) = 1;
    if (step && t >= origin) rows(t, cols - 1) = 1;
  }
  return rows;
}

Design SparseOf(const Eigen::MatrixXd& rows) {
  Design x(static_cast<int>(rows.rows()), static_cast<int>(rows.cols()));
  for (int t = 0; t < rows.rows(); ++t)
    for (int c = 0; c < rows.cols(); ++c)
      if (rows(t, c) != 0) x.Set(t, c, rows(t, c));
  return x;
}

Robust SeriesRobust(int n) {
  Robust robust;
  robust.time.resize(static_cast<std::size_t>(n));
  std::iota(robust.time.begin(), robust.time.end(), 0);
  robust.correction = Robust::Correction::kSeries;
  return robust;
}

}  // namespace

double TQuantile975(int df) {
  if (df > 1000 || df < 1) {
    const boost::math::normal_distribution<> z;
    return boost::math::quantile(z, 0.975);
  }
  const boost::math::students_t_distribution<> dist(df);
  return boost::math::quantile(dist, 0.975);
}

Result<SpikeCheck> PreStartSpike(std::span<const double> y, int start, Month first_month,
                                 int recent) {
  const int base = start - recent;
  if (base < 12 || start > static_cast<int>(y.size()))
    return Status::InvalidArgument("too few months before the start to see a spike");
  const Eigen::MatrixXd rows = TrendSeasonRows(start, base, first_month, base >= 24, false);
  Result<PoissonFit> fit = FitPoisson(SparseOf(rows.topRows(base)),
                                      y.first(static_cast<std::size_t>(base)), SeriesRobust(base));
  if (!fit.ok()) return fit.status();
  Eigen::VectorXd beta(rows.cols());
  for (int i = 0; i < rows.cols(); ++i) beta[i] = fit->Beta(i);
  SpikeCheck out;
  for (int t = base; t < start; ++t) {
    out.expected += std::exp(rows.row(t).dot(beta));
    out.actual += y[static_cast<std::size_t>(t)];
  }
  const double dispersion =
      std::max(1.0, fit->pearson_chi2 / static_cast<double>(base - rows.cols()));
  out.z = (out.actual - out.expected) / std::sqrt(dispersion * std::max(out.expected, 1e-9));
  return out;
}

Result<ItsResult> InterruptedTimeSeries(std::span<const double> y, int start, Month first_month) {
  const int n = static_cast<int>(y.size());
  if (start < 3 || start >= n)
    return Status::InvalidArgument("interrupted time series: too few months before or after");
  const Eigen::MatrixXd rows = TrendSeasonRows(n, start, first_month, n >= 24, true);
  const int cols = static_cast<int>(rows.cols()), step = cols - 1;
  const Design x = SparseOf(rows);
  Result<PoissonFit> fit = FitPoisson(x, y, SeriesRobust(n));
  if (!fit.ok()) return fit.status();
  ItsResult out;
  const int df = n - cols;
  out.estimate = FromCoefficient("its", *fit, step, df);
  out.lags = fit->lags;
  out.dispersion = fit->pearson_chi2 / df;
  // The counterfactual: each month's row without the step, with its band.
  Eigen::VectorXd beta(step);
  Eigen::MatrixXd cov(step, step);
  for (int i = 0; i < step; ++i) {
    beta[i] = fit->Beta(i);
    for (int j = 0; j < step; ++j) cov(i, j) = fit->Cov(i, j);
  }
  const double q = TQuantile975(df);
  for (int t = 0; t < n; ++t) {
    const Eigen::VectorXd row = rows.row(t).head(step).transpose();
    const double eta = row.dot(beta);
    const double se = std::sqrt(std::max(row.dot(cov * row), 0.0));
    out.counterfactual.push_back(std::exp(eta));
    out.low.push_back(std::exp(eta - q * se));
    out.high.push_back(std::exp(eta + q * se));
  }
  return out;
}

Result<DidResult> DifferenceInDifferences(const Panel& panel, std::span<const int> treated,
                                          std::span<const int> comparison, const Window& w) {
  Result<PanelRows> rows = Rows(panel, treated, comparison, w);
  if (!rows.ok()) return rows.status();
  Result<PoissonFit> fit = FitPanel(*rows, 1, [&](int t) { return t >= w.start ? 0 : -1; });
  if (!fit.ok()) return fit.status();
  DidResult out;
  out.units = static_cast<int>(rows->units.size());
  out.periods = fit->periods;
  out.estimate = FromCoefficient("did", *fit, fit->cols - 1, fit->periods - 1);
  return out;
}

Result<EventStudy> EventStudyByYear(const Panel& panel, std::span<const int> treated,
                                    std::span<const int> comparison, const Window& w) {
  Result<PanelRows> rows = Rows(panel, treated, comparison, w);
  if (!rows.ok()) return rows.status();
  // The years present, the year before the start (or the last one before
  // it) the reference.
  std::vector<int> years;
  for (int t : rows->months) {
    const int year = FloorDiv(t - w.start, 12);
    if (std::find(years.begin(), years.end(), year) == years.end()) years.push_back(year);
  }
  std::sort(years.begin(), years.end());
  int reference = years.front();
  for (int year : years)
    if (year < 0) reference = year;
  std::vector<int> estimated;
  for (int year : years)
    if (year != reference) estimated.push_back(year);
  auto column = [&](int t) {
    const int year = FloorDiv(t - w.start, 12);
    const auto it = std::find(estimated.begin(), estimated.end(), year);
    return it == estimated.end() ? -1 : static_cast<int>(it - estimated.begin());
  };
  Result<PoissonFit> fit = FitPanel(*rows, static_cast<int>(estimated.size()), column);
  if (!fit.ok()) return fit.status();
  const int base = fit->cols - static_cast<int>(estimated.size());
  const int df = fit->periods - 1;
  EventStudy out;
  std::vector<int> pre;
  for (int year : years) {
    if (year == reference) {
      out.bins.push_back({year, 0, 0.0, 0.0, true});
      continue;
    }
    const int c = base + static_cast<int>(std::find(estimated.begin(), estimated.end(), year) -
                                          estimated.begin());
    const Estimate e = FromCoefficient("", *fit, c, df);
    out.bins.push_back({year, e.effect_pct, e.low_pct, e.high_pct, false});
    if (year < reference) pre.push_back(c);
  }
  if (!pre.empty()) {
    const int q = static_cast<int>(pre.size());
    Eigen::VectorXd b(q);
    Eigen::MatrixXd v(q, q);
    for (int i = 0; i < q; ++i) {
      const int ci = pre[static_cast<std::size_t>(i)];
      b[i] = fit->Beta(ci);
      for (int j = 0; j < q; ++j) v(i, j) = fit->Cov(ci, pre[static_cast<std::size_t>(j)]);
    }
    const double wald = b.dot(v.ldlt().solve(b));
    if (std::isfinite(wald) && df > 0) {
      const boost::math::fisher_f_distribution<> f(q, df);
      out.pretrend_p = boost::math::cdf(boost::math::complement(f, std::max(wald / q, 0.0)));
      out.pretrend_df = q;
    }
  }
  return out;
}

Result<SyntheticResult> SyntheticControl(const Panel& panel, std::span<const int> treated,
                                         std::span<const int> donors, const Window& w) {
  if (w.first < 0 || w.start <= w.first || w.end <= w.start || w.end > panel.months)
    return Status::InvalidArgument("the window is not within the data");
  const int months = w.end - w.first, pre = w.pre();
  // Row 0 the treated areas' sum, then each donor kept; each scaled to its
  // pre-period mean, so a mix of small areas can follow a large one.
  std::vector<std::span<const double>> raw;
  const std::vector<double> sum = panel.Sum(treated);
  raw.emplace_back(sum);
  std::vector<int> kept;
  for (int d : donors) {
    if (std::find(treated.begin(), treated.end(), d) != treated.end()) continue;
    const std::span<const double> s = panel.Series(d);
    if (std::accumulate(s.begin() + w.first, s.begin() + w.start, 0.0) / pre < 2) continue;
    kept.push_back(d);
    raw.push_back(s);
  }
  const int n = static_cast<int>(kept.size());
  if (n < 2) return Status::InvalidArgument("fewer than two donor areas with events");
  Eigen::MatrixXd series(n + 1, months);
  Eigen::VectorXd scale(n + 1);
  for (int i = 0; i <= n; ++i) {
    const std::span<const double> s = raw[static_cast<std::size_t>(i)];
    for (int t = 0; t < months; ++t) series(i, t) = s[static_cast<std::size_t>(w.first + t)];
    scale[i] = series.row(i).head(pre).mean();
    if (!(scale[i] > 0))
      return Status::InvalidArgument("the treated areas have no events before the start");
    series.row(i) /= scale[i];
  }
  // Every row's pre-period Gram matrix once; each fit takes a block of it.
  const Eigen::MatrixXd gram = series.leftCols(pre) * series.leftCols(pre).transpose();

  struct Fit {
    std::vector<double> weights;
    Eigen::VectorXd synthetic;
    double effect_log = 0, ratio = 0, pre_rmspe = 0;
  };
  // Fits `target` (a normalized series) from the rows `rows`.
  auto fit = [&](const Eigen::VectorXd& target, const std::vector<int>& rows) -> Result<Fit> {
    Simplex s;
    const int k = static_cast<int>(rows.size());
    s.g.resize(k, k);
    s.c.resize(k);
    for (int i = 0; i < k; ++i) {
      const int ri = rows[static_cast<std::size_t>(i)];
      s.c[i] = series.row(ri).head(pre).dot(target.head(pre));
      for (int j = 0; j < k; ++j) s.g(i, j) = gram(ri, rows[static_cast<std::size_t>(j)]);
    }
    Result<std::vector<double>> weights = SimplexWeights(std::move(s));
    if (!weights.ok()) return weights.status();
    Fit f;
    f.weights = std::move(*weights);
    f.synthetic = Eigen::VectorXd::Zero(months);
    for (int i = 0; i < k; ++i)
      f.synthetic += f.weights[static_cast<std::size_t>(i)] *
                     series.row(rows[static_cast<std::size_t>(i)]).transpose();
    const Eigen::VectorXd error = target - f.synthetic;
    f.pre_rmspe = std::sqrt(error.head(pre).squaredNorm() / pre);
    f.ratio = std::sqrt(error.tail(months - pre).squaredNorm() / (months - pre)) /
              std::max(f.pre_rmspe, 1e-12);
    const double actual = target.tail(months - pre).sum();
    const double synthetic = f.synthetic.tail(months - pre).sum();
    f.effect_log = actual > 0 && synthetic > 0 ? std::log(actual / synthetic) : std::nan("");
    return f;
  };
  std::vector<int> all(static_cast<std::size_t>(n));
  std::iota(all.begin(), all.end(), 1);
  Result<Fit> main = fit(series.row(0).transpose(), all);
  if (!main.ok()) return main.status();

  SyntheticResult out;
  out.donors = n;
  out.pre_rmspe_pct = 100 * main->pre_rmspe;
  for (std::size_t i = 0; i < kept.size(); ++i)
    if (main->weights[i] >= 0.001) out.weights.emplace_back(kept[i], main->weights[i]);
  for (int t = 0; t < months; ++t) {
    out.synthetic.push_back(main->synthetic[t] * scale[0]);
  }
  Estimate& e = out.estimate;
  e.method = "synthetic";
  e.coef = main->effect_log;
  e.effect_pct = Pct(main->effect_log);
  // Placebo programs: groups of donors as large as the treated areas, each
  // fitted from the other donors, on two threads.
  std::vector<int> rows(static_cast<std::size_t>(n));
  std::iota(rows.begin(), rows.end(), 1);
  std::vector<std::vector<int>> groups = PlaceboGroups(panel, kept, treated, w);
  for (std::vector<int>& g : groups)  // areas to rows of `series`
    for (int& a : g)
      a = 1 + static_cast<int>(std::find(kept.begin(), kept.end(), a) - kept.begin());
  std::vector<std::optional<Fit>> placebos(groups.size());
  ParallelFor(groups.size(), [&](std::size_t g) {
    Eigen::VectorXd target = Eigen::VectorXd::Zero(months);
    for (int r : groups[g]) target += scale[r] * series.row(r).transpose();
    const double m = target.head(pre).mean();
    if (!(m > 0)) return;
    target /= m;
    std::vector<int> others;
    for (int r : rows)
      if (std::find(groups[g].begin(), groups[g].end(), r) == groups[g].end()) others.push_back(r);
    Result<Fit> placebo = fit(target, others);
    if (placebo.ok() && std::isfinite(placebo->effect_log)) placebos[g] = std::move(*placebo);
  });
  std::vector<double> placebo_logs;
  int at_least_as_extreme = 0;
  for (const std::optional<Fit>& placebo : placebos) {
    if (!placebo) continue;
    placebo_logs.push_back(placebo->effect_log);
    out.placebo_effects_pct.push_back(Pct(placebo->effect_log));
    if (placebo->ratio >= main->ratio) ++at_least_as_extreme;
  }
  e.placebos = static_cast<int>(placebo_logs.size());
  e.p_value = (1.0 + at_least_as_extreme) / (1.0 + static_cast<double>(placebo_logs.size()));
  if (placebo_logs.size() >= kMinPlacebos && std::isfinite(e.coef)) {
    const auto [lo, hi] = PlaceboBounds(placebo_logs);
    e.low_pct = Pct(e.coef - hi);
    e.high_pct = Pct(e.coef - lo);
  }
  return out;
}

std::vector<std::vector<int>> PlaceboGroups(const Panel& panel, std::span<const int> pool,
                                            std::span<const int> treated, const Window& w,
                                            std::size_t max_groups) {
  auto pre_mean = [&](int a) {
    double sum = 0;
    for (int t = w.first; t < w.start; ++t) sum += panel.At(a, t);
    return sum / std::max(w.pre(), 1);
  };
  const std::size_t k = treated.size();
  double target = 0;
  for (int a : treated) target += pre_mean(a);
  std::vector<std::pair<int, double>> items;
  for (int a : pool)
    if (const double m = pre_mean(a); m > 0) items.emplace_back(a, m);
  std::vector<std::vector<int>> groups;
  if (!(target > 0) || k == 0 || items.size() < k) return groups;
  auto distance = [&](double m) { return std::abs(std::log(m / target)); };
  if (k == 1) {
    // Every single area within a factor of 2, and at least the 19 closest.
    std::sort(items.begin(), items.end(), [&](const auto& a, const auto& b) {
      return distance(a.second) < distance(b.second);
    });
    for (const auto& [a, m] : items)
      if (groups.size() < max_groups &&
          (groups.size() < kMinPlacebos || distance(m) <= std::log(kPlaceboSize)))
        groups.push_back({a});
    return groups;
  }
  // Random groups of k within a factor of 2, the factor relaxed until 19 are found.
  std::mt19937_64 rng(20261205);
  std::set<std::vector<int>> seen;
  for (const double factor : {kPlaceboSize, 3.0, 4.0, 8.0, 1e9}) {
    for (std::size_t tries = 0; groups.size() < max_groups && tries < 30 * max_groups; ++tries) {
      std::shuffle(items.begin(), items.end(), rng);
      std::vector<int> g;
      double sum = 0;
      for (std::size_t i = 0; i < k; ++i) {
        g.push_back(items[i].first);
        sum += items[i].second;
      }
      if (distance(sum) > std::log(factor)) continue;
      std::sort(g.begin(), g.end());
      if (seen.insert(g).second) groups.push_back(std::move(g));
    }
    if (groups.size() >= kMinPlacebos) break;
  }
  return groups;
}

void Calibrate(Estimate& e, std::vector<double> placebo_logs) {
  std::erase_if(placebo_logs, [](double v) { return !std::isfinite(v); });
  if (!e.low_pct || !e.high_pct) return;
  e.model_low_pct = e.low_pct;
  e.model_high_pct = e.high_pct;
  e.model_p_value = e.p_value;
  if (placebo_logs.size() < kMinPlacebos) {  // nothing to trust the model's interval by
    e.low_pct.reset();
    e.high_pct.reset();
    return;
  }
  e.placebos = static_cast<int>(placebo_logs.size());
  const auto [lo, hi] = PlaceboBounds(placebo_logs);
  e.low_pct = std::min(*e.low_pct, Pct(e.coef - hi));
  e.high_pct = std::max(*e.high_pct, Pct(e.coef - lo));
  const auto as_extreme = std::count_if(placebo_logs.begin(), placebo_logs.end(),
                                        [&](double v) { return std::abs(v) >= std::abs(e.coef); });
  const double rank_p =
      (1.0 + static_cast<double>(as_extreme)) / (1.0 + static_cast<double>(placebo_logs.size()));
  e.p_value = std::max(e.p_value.value_or(0), rank_p);
}

std::vector<double> ItsPlacebos(const Panel& panel, const std::vector<std::vector<int>>& groups,
                                const Window& w) {
  std::vector<double> out(groups.size(), std::nan(""));
  ParallelFor(groups.size(), [&](std::size_t g) {
    const std::vector<double> sum = panel.Sum(groups[g]);
    const std::span<const double> y = std::span<const double>(sum).subspan(
        static_cast<std::size_t>(w.first), static_cast<std::size_t>(w.end - w.first));
    Result<ItsResult> its = InterruptedTimeSeries(y, w.pre(), panel.first + w.first);
    if (its.ok()) out[g] = its->estimate.coef;
  });
  return out;
}

std::vector<double> DidPlacebos(const Panel& panel, const std::vector<std::vector<int>>& groups,
                                std::span<const int> pool, const Window& w) {
  // Each area's sums before and after the start.
  std::map<int, std::pair<double, double>> sums;
  double pool_before = 0, pool_after = 0;
  for (int a : pool) {
    auto& [before, after] = sums[a];
    for (int t = w.first; t < w.end; ++t) (t < w.start ? before : after) += panel.At(a, t);
    pool_before += before;
    pool_after += after;
  }
  std::vector<double> out;
  for (const std::vector<int>& g : groups) {
    double before = 0, after = 0;
    for (int a : g) {
      before += sums[a].first;
      after += sums[a].second;
    }
    const double rest_before = pool_before - before, rest_after = pool_after - after;
    if (before > 0 && after > 0 && rest_before > 0 && rest_after > 0)
      out.push_back(std::log(after / before) - std::log(rest_after / rest_before));
  }
  return out;
}

void CalibrateEventStudy(EventStudy& es, const Panel& panel, std::span<const int> treated,
                         std::span<const int> pool, const std::vector<std::vector<int>>& groups,
                         const Window& w) {
  if (groups.size() < kMinPlacebos || es.bins.empty()) return;
  int reference = 0;
  for (const EventBin& b : es.bins)
    if (b.reference) reference = b.year;
  std::map<int, std::size_t> bin_of;  // year → index into es.bins
  for (std::size_t i = 0; i < es.bins.size(); ++i) bin_of[es.bins[i].year] = i;
  const std::size_t bins = es.bins.size();
  // Each area's count per year bin.
  auto year_sums = [&](std::span<const int> areas) {
    std::vector<double> out(bins, 0.0);
    for (int a : areas)
      for (int t = w.first; t < w.end; ++t)
        if (auto it = bin_of.find(FloorDiv(t - w.start, 12)); it != bin_of.end())
          out[it->second] += panel.At(a, t);
    return out;
  };
  const std::vector<double> pool_sums = year_sums(pool);
  const std::size_t ref = bin_of[reference];
  // The log ratios of a group against the rest, year by year (NaN where a
  // sum is zero).
  auto ratios = [&](const std::vector<double>& g, const std::vector<double>& rest) {
    std::vector<double> out(bins, std::nan(""));
    for (std::size_t b = 0; b < bins; ++b)
      if (g[b] > 0 && g[ref] > 0 && rest[b] > 0 && rest[ref] > 0)
        out[b] = std::log(g[b] / g[ref]) - std::log(rest[b] / rest[ref]);
    return out;
  };
  auto pre_statistic = [&](const std::vector<double>& r) {
    double sum = 0;
    for (std::size_t b = 0; b < bins; ++b)
      if (es.bins[b].year < reference && std::isfinite(r[b])) sum += r[b] * r[b];
    return sum;
  };
  std::vector<std::vector<double>> placebo(bins);
  std::vector<double> statistics;
  for (const std::vector<int>& g : groups) {
    const std::vector<double> gs = year_sums(g);
    std::vector<double> rest(bins);
    for (std::size_t b = 0; b < bins; ++b) rest[b] = pool_sums[b] - gs[b];
    const std::vector<double> r = ratios(gs, rest);
    for (std::size_t b = 0; b < bins; ++b)
      if (std::isfinite(r[b])) placebo[b].push_back(r[b]);
    statistics.push_back(pre_statistic(r));
  }
  for (std::size_t b = 0; b < bins; ++b) {
    EventBin& bin = es.bins[b];
    if (bin.reference || placebo[b].size() < kMinPlacebos || !bin.low_pct) continue;
    const double coef = std::log1p(bin.effect_pct / 100);
    const auto [lo, hi] = PlaceboBounds(placebo[b]);
    bin.low_pct = std::min(*bin.low_pct, Pct(coef - hi));
    bin.high_pct = std::max(*bin.high_pct, Pct(coef - lo));
  }
  if (es.pretrend_p) {
    const double own = pre_statistic(ratios(year_sums(treated), pool_sums));
    const auto as_large =
        std::count_if(statistics.begin(), statistics.end(), [&](double v) { return v >= own; });
    es.pretrend_p = std::max(*es.pretrend_p, (1.0 + static_cast<double>(as_large)) /
                                                 (1.0 + static_cast<double>(statistics.size())));
  }
}

}  // namespace interdict::outcomes
