#include "outcomes/methods.h"

#include <nlopt.h>

#include <Eigen/Dense>
#include <algorithm>
#include <boost/math/distributions/fisher_f.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <memory>
#include <numeric>

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
  nlopt_set_ftol_rel(opt.get(), 1e-14);
  nlopt_set_xtol_rel(opt.get(), 1e-12);
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

// The 2.5 % … 97.5 % quantile (linear between order statistics).
double Quantile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const double h = (static_cast<double>(v.size()) - 1) * p;
  const std::size_t lo = static_cast<std::size_t>(std::floor(h));
  if (lo + 1 >= v.size()) return v.back();
  return v[lo] + (h - static_cast<double>(lo)) * (v[lo + 1] - v[lo]);
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
  out.fitted = fit->mu;
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
      out.bins.push_back({year, 0, 0.0, 0.0});
      continue;
    }
    const int c = base + static_cast<int>(std::find(estimated.begin(), estimated.end(), year) -
                                          estimated.begin());
    const Estimate e = FromCoefficient("", *fit, c, df);
    out.bins.push_back({year, e.effect_pct, e.low_pct, e.high_pct});
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
  // Fits row `target` from `rows`.
  auto fit = [&](int target, const std::vector<int>& rows) -> Result<Fit> {
    Simplex s;
    const int k = static_cast<int>(rows.size());
    s.g.resize(k, k);
    s.c.resize(k);
    for (int i = 0; i < k; ++i) {
      const int ri = rows[static_cast<std::size_t>(i)];
      s.c[i] = gram(ri, target);
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
    const Eigen::VectorXd error = series.row(target).transpose() - f.synthetic;
    f.pre_rmspe = std::sqrt(error.head(pre).squaredNorm() / pre);
    f.ratio = std::sqrt(error.tail(months - pre).squaredNorm() / (months - pre)) /
              std::max(f.pre_rmspe, 1e-12);
    const double actual = series.row(target).tail(months - pre).sum();
    const double synthetic = f.synthetic.tail(months - pre).sum();
    f.effect_log = actual > 0 && synthetic > 0 ? std::log(actual / synthetic) : std::nan("");
    return f;
  };
  std::vector<int> all(static_cast<std::size_t>(n));
  std::iota(all.begin(), all.end(), 1);
  Result<Fit> main = fit(0, all);
  if (!main.ok()) return main.status();

  SyntheticResult out;
  out.donors = n;
  out.pre_rmspe_pct = 100 * main->pre_rmspe;
  for (std::size_t i = 0; i < kept.size(); ++i)
    if (main->weights[i] >= 0.001) out.weights.emplace_back(kept[i], main->weights[i]);
  for (int t = 0; t < months; ++t) {
    out.actual.push_back(series(0, t) * scale[0]);
    out.synthetic.push_back(main->synthetic[t] * scale[0]);
  }
  Estimate& e = out.estimate;
  e.method = "synthetic";
  e.coef = main->effect_log;
  e.effect_pct = Pct(main->effect_log);
  std::vector<double> placebo_logs;
  int at_least_as_extreme = 0;
  for (int k = 1; k <= n; ++k) {
    std::vector<int> others;
    for (int i = 1; i <= n; ++i)
      if (i != k) others.push_back(i);
    Result<Fit> placebo = fit(k, others);
    if (!placebo.ok() || !std::isfinite(placebo->effect_log)) continue;
    placebo_logs.push_back(placebo->effect_log);
    out.placebo_effects_pct.push_back(Pct(placebo->effect_log));
    if (placebo->ratio >= main->ratio) ++at_least_as_extreme;
  }
  e.p_value = (1.0 + at_least_as_extreme) / (1.0 + static_cast<double>(placebo_logs.size()));
  if (placebo_logs.size() >= 19 && std::isfinite(e.coef)) {
    e.low_pct = Pct(e.coef - Quantile(placebo_logs, 0.975));
    e.high_pct = Pct(e.coef - Quantile(placebo_logs, 0.025));
  }
  return out;
}

}  // namespace interdict::outcomes
