#include "outcomes/glm.h"

#include <Eigen/Dense>
#include <Eigen/SparseCore>
#include <algorithm>
#include <cmath>

namespace interdict::outcomes {

namespace {

constexpr int kMaxIterations = 100;

double Deviance(const Eigen::VectorXd& y, const Eigen::VectorXd& mu) {
  double d = 0;
  for (Eigen::Index i = 0; i < y.size(); ++i)
    d += (y[i] > 0 ? y[i] * std::log(y[i] / mu[i]) : 0.0) - (y[i] - mu[i]);
  return 2 * d;
}

}  // namespace

double PoissonFit::Se(int j) const {
  return std::sqrt(Cov(j, j));
}

int DefaultLags(int periods) {
  return static_cast<int>(std::floor(4 * std::pow(periods / 100.0, 2.0 / 9.0)));
}

Result<PoissonFit> FitPoisson(const Design& design, std::span<const double> counts,
                              const Robust& robust) {
  const int n = design.rows(), k = design.cols();
  if (n <= k) return Status::InvalidArgument("poisson: fewer observations than parameters");
  if (counts.size() != static_cast<std::size_t>(n) || robust.time.size() != counts.size())
    return Status::InvalidArgument("poisson: one count and one period per row");
  Eigen::VectorXd y(n);
  for (std::size_t i = 0; i < counts.size(); ++i) {
    if (!std::isfinite(counts[i]) || counts[i] < 0)
      return Status::InvalidArgument("poisson: a count is negative or not a number");
    y[static_cast<Eigen::Index>(i)] = counts[i];
  }
  std::vector<Eigen::Triplet<double>> triplets;
  triplets.reserve(design.entries().size());
  for (const Design::Entry& e : design.entries()) triplets.emplace_back(e.row, e.col, e.value);
  Eigen::SparseMatrix<double> x(n, k);
  x.setFromTriplets(triplets.begin(), triplets.end());
  const Eigen::SparseMatrix<double> xt = x.transpose();

  // IRLS from statsmodels' start (μ = (y + ȳ) / 2): on the working response
  // z = η + (y − μ) / μ with weights μ, until the deviance stops moving.
  Eigen::VectorXd mu = (y.array() + y.mean()) / 2;
  Eigen::VectorXd eta = mu.array().log();
  Eigen::VectorXd beta = Eigen::VectorXd::Zero(k);
  Eigen::LDLT<Eigen::MatrixXd> solver;
  double deviance = Deviance(y, mu);
  PoissonFit fit;
  for (fit.iterations = 1;; ++fit.iterations) {
    if (fit.iterations > kMaxIterations)
      return Status::InvalidArgument("poisson: the fit did not converge");
    const Eigen::VectorXd z = eta.array() + (y - mu).array() / mu.array();
    const Eigen::SparseMatrix<double> xw = mu.asDiagonal() * x;
    const Eigen::MatrixXd information = Eigen::MatrixXd(xt * xw);
    solver.compute(information);
    const Eigen::VectorXd d = solver.vectorD().cwiseAbs();
    if (solver.info() != Eigen::Success || d.minCoeff() <= 1e-10 * d.maxCoeff())
      return Status::InvalidArgument(
          "poisson: the design is singular (a column without information, such as an area or "
          "month with no events)");
    beta = solver.solve(Eigen::VectorXd(xt * (mu.asDiagonal() * z)));
    eta = x * beta;
    mu = eta.array().exp();
    if (!mu.allFinite()) return Status::InvalidArgument("poisson: the fit diverged");
    const double next = Deviance(y, mu);
    const bool done = std::abs(next - deviance) <= 1e-10 * (std::abs(next) + 1e-10);
    deviance = next;
    if (done) break;
  }

  // The sandwich H⁻¹ Ω H⁻¹, H = X' diag(μ) X at the estimate and Ω the
  // kernel-weighted sum of the period scores' cross products.
  int periods = 0;
  for (int t : robust.time) {
    if (t < 0) return Status::InvalidArgument("poisson: a negative period");
    periods = std::max(periods, t + 1);
  }
  const Eigen::SparseMatrix<double> xw = mu.asDiagonal() * x;
  solver.compute(Eigen::MatrixXd(xt * xw));
  const Eigen::MatrixXd h_inv = solver.solve(Eigen::MatrixXd::Identity(k, k));
  Eigen::MatrixXd scores = Eigen::MatrixXd::Zero(periods, k);
  for (const Design::Entry& e : design.entries())
    scores(robust.time[static_cast<std::size_t>(e.row)], e.col) += e.value * (y[e.row] - mu[e.row]);
  const int lags =
      std::min(robust.max_lags < 0 ? DefaultLags(periods) : robust.max_lags, periods - 1);
  Eigen::MatrixXd omega = scores.transpose() * scores;
  for (int lag = 1; lag <= lags; ++lag) {
    const Eigen::MatrixXd s =
        scores.bottomRows(periods - lag).transpose() * scores.topRows(periods - lag);
    omega += (1.0 - lag / (lags + 1.0)) * (s + s.transpose());
  }
  Eigen::MatrixXd cov = h_inv * omega * h_inv;
  switch (robust.correction) {
    case Robust::Correction::kNone: break;
    case Robust::Correction::kSeries: cov *= static_cast<double>(n) / (n - k); break;
    case Robust::Correction::kPanel:
      cov *= static_cast<double>(periods) / (periods - 1) * (n - 1.0) / (n - k);
      break;
  }

  fit.cols = k;
  fit.lags = lags;
  fit.periods = periods;
  fit.deviance = deviance;
  fit.beta.assign(beta.data(), beta.data() + k);
  fit.mu.assign(mu.data(), mu.data() + n);
  fit.cov.resize(static_cast<std::size_t>(k * k));
  Eigen::Map<Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(fit.cov.data(),
                                                                                     k, k) = cov;
  fit.pearson_chi2 = ((y - mu).array().square() / mu.array()).sum();
  return fit;
}

}  // namespace interdict::outcomes
