// Metrics in the Prometheus text exposition format (version 0.0.4).
// Registration takes a lock; updating a metric is lock-free. Metrics are owned
// by the registry and live as long as it does, so callers keep references.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace interdict::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void Inc(std::uint64_t n = 1) { v_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> v_{0};
};

class Gauge {
 public:
  void Set(double v) { v_.store(v, std::memory_order_relaxed); }
  void Add(double d) { v_.fetch_add(d, std::memory_order_relaxed); }
  double value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> v_{0};
};

class Histogram {
 public:
  // `bounds` are the upper bounds of the buckets, ascending; +Inf is implicit.
  explicit Histogram(std::vector<double> bounds);
  void Observe(double v);

  const std::vector<double>& bounds() const { return bounds_; }
  // Cumulative count of observations <= bounds()[i]; i == bounds().size() is +Inf.
  std::uint64_t CumulativeCount(std::size_t i) const;
  std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // per bucket, not cumulative
  std::atomic<std::uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

// Latency buckets in seconds, 100 µs to 10 s.
std::vector<double> LatencyBuckets();

class Registry {
 public:
  // The same name and labels return the same metric. A name must be used with
  // one type and one help text; names follow Prometheus rules ([a-zA-Z_:][a-zA-Z0-9_:]*).
  Counter& GetCounter(std::string_view name, std::string_view help, const Labels& labels = {});
  Gauge& GetGauge(std::string_view name, std::string_view help, const Labels& labels = {});
  Histogram& GetHistogram(std::string_view name, std::string_view help, std::vector<double> bounds,
                          const Labels& labels = {});
  // A counter kept elsewhere (a lower component that cannot see the
  // registry): `read` is called at each Render, under the registry's lock, and
  // must be thread-safe and never decrease. Registering the same name and
  // labels again replaces the function.
  void AddCounterFunction(std::string_view name, std::string_view help, const Labels& labels,
                          std::function<std::uint64_t()> read);
  // A gauge kept elsewhere (the process's memory, a store's size): `read` is
  // called at each Render, under the registry's lock, and must be
  // thread-safe. Registering the same name and labels again replaces it.
  void AddGaugeFunction(std::string_view name, std::string_view help, const Labels& labels,
                        std::function<double()> read);

  // The whole registry in the text exposition format.
  std::string Render() const;

 private:
  enum class Kind { kCounter, kGauge, kHistogram };
  struct Series {
    Labels labels;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
    std::function<std::uint64_t()> read;
    std::function<double()> read_gauge;
  };
  struct Family {
    std::string name, help;
    Kind kind;
    std::deque<Series> series;
  };
  Series& Find(std::string_view name, std::string_view help, Kind kind, const Labels& labels);

  mutable std::mutex mu_;
  std::deque<Family> families_;
};

}  // namespace interdict::metrics
