// Poisson regression of monthly counts (docs/outcomes.md, "Methods"): fitted
// by iteratively reweighted least squares on Eigen, with a covariance robust
// to overdispersion and to autocorrelation over time — Newey and West's for
// one series, Driscoll and Kraay's for a panel of areas. Eigen stays in
// glm.cc: callers see plain vectors.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "base/status.h"

namespace interdict::outcomes {

// A design matrix with few non-zeros in a row (fixed effects are indicator
// columns), built entry by entry.
class Design {
 public:
  struct Entry {
    int row = 0, col = 0;
    double value = 0;
  };
  Design(int rows, int cols) : rows_(rows), cols_(cols) {}
  void Set(int row, int col, double value) { entries_.push_back({row, col, value}); }
  int rows() const { return rows_; }
  int cols() const { return cols_; }
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  int rows_, cols_;
  std::vector<Entry> entries_;
};

// How the scores' dependence is allowed for. Each row has a time period
// (0 … periods − 1); the rows of one period are summed before the Bartlett
// kernel runs over periods, so one row per period is the Newey–West HAC of a
// single series and several rows per period Driscoll and Kraay's estimator.
struct Robust {
  enum class Correction {
    kNone,
    kSeries,  // n / (n − k): statsmodels' HAC with use_correction=True
    kPanel,   // T / (T − 1) · (n − 1) / (n − k): its hac-groupsum "cluster"
  };
  std::vector<int> time;
  int max_lags = -1;  // below 0: ⌊4 (T / 100)^(2/9)⌋, the Newey–West rule
  Correction correction = Correction::kSeries;
};

struct PoissonFit {
  std::vector<double> beta;
  std::vector<double> cov;  // cols × cols, row-major: the robust covariance
  std::vector<double> mu;   // fitted means, one per row
  int cols = 0, iterations = 0, lags = 0, periods = 0;
  double deviance = 0;
  double pearson_chi2 = 0;  // Σ (y − μ)² / μ: overdispersion is this over n − k
  double Beta(int j) const { return beta[static_cast<std::size_t>(j)]; }
  double Cov(int i, int j) const { return cov[static_cast<std::size_t>(i * cols + j)]; }
  double Se(int j) const;
};

// Fits log E[y] = Xβ. InvalidArgument when a count is negative or not
// finite, when the design is singular (a column with no information, such
// as an area with no events), or when the fit does not converge.
Result<PoissonFit> FitPoisson(const Design& x, std::span<const double> y, const Robust& robust);

// The Newey–West rule for the number of lags over `periods` periods.
int DefaultLags(int periods);

}  // namespace interdict::outcomes
