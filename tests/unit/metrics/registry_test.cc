#include "metrics/registry.h"

#include <gtest/gtest.h>

namespace interdict::metrics {
namespace {

TEST(RegistryTest, RendersCountersAndGaugesInPrometheusTextFormat) {
  Registry r;
  r.GetCounter("interdict_reads_total", "Reads accepted.", {{"agency", "STL"}}).Inc(3);
  r.GetGauge("interdict_queue_depth", "Queued items.").Set(2.5);
  EXPECT_EQ(r.Render(),
            "# HELP interdict_reads_total Reads accepted.\n"
            "# TYPE interdict_reads_total counter\n"
            "interdict_reads_total{agency=\"STL\"} 3\n"
            "# HELP interdict_queue_depth Queued items.\n"
            "# TYPE interdict_queue_depth gauge\n"
            "interdict_queue_depth 2.5\n");
}

TEST(RegistryTest, SameNameAndLabelsGiveTheSameMetric) {
  Registry r;
  Counter& a = r.GetCounter("c_total", "h", {{"k", "v"}});
  Counter& b = r.GetCounter("c_total", "h", {{"k", "v"}});
  Counter& other = r.GetCounter("c_total", "h", {{"k", "w"}});
  EXPECT_EQ(&a, &b);
  EXPECT_NE(&a, &other);
}

TEST(RegistryTest, HistogramBucketsAreCumulative) {
  Registry r;
  Histogram& h = r.GetHistogram("lat_seconds", "Latency.", {0.1, 1});
  h.Observe(0.05);
  h.Observe(0.5);
  h.Observe(5);
  const std::string text = r.Render();
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"0.1\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"1\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_count 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_sum 5.55\n"), std::string::npos) << text;
}

TEST(RegistryTest, LabelValuesAreEscaped) {
  Registry r;
  r.GetCounter("x_total", "h", {{"route", "a\"b\\c\nd"}}).Inc();
  EXPECT_NE(r.Render().find("x_total{route=\"a\\\"b\\\\c\\nd\"} 1"), std::string::npos);
}

TEST(RegistryTest, InvalidNamesAndTypeClashesAreProgrammingErrors) {
  Registry r;
  EXPECT_THROW(r.GetCounter("bad-name", "h"), std::invalid_argument);
  r.GetCounter("dual", "h");
  EXPECT_THROW(r.GetGauge("dual", "h"), std::invalid_argument);
}

TEST(RegistryTest, ACounterFunctionIsReadAtEachRender) {
  Registry r;
  std::uint64_t kept_elsewhere = 3;
  r.AddCounterFunction("interdict_json_refused_total", "Refused.", {{"reason", "depth"}},
                       [&] { return kept_elsewhere; });
  EXPECT_NE(r.Render().find("interdict_json_refused_total{reason=\"depth\"} 3\n"),
            std::string::npos)
      << r.Render();
  kept_elsewhere = 5;
  EXPECT_NE(r.Render().find("interdict_json_refused_total{reason=\"depth\"} 5\n"),
            std::string::npos)
      << r.Render();
}

TEST(RegistryTest, AGaugeFunctionIsReadAtEachRenderAndMayFall) {
  Registry r;
  double kept_elsewhere = 2.5;
  r.AddGaugeFunction("interdict_heap_bytes", "Heap.", {}, [&] { return kept_elsewhere; });
  EXPECT_NE(r.Render().find("# TYPE interdict_heap_bytes gauge\ninterdict_heap_bytes 2.5\n"),
            std::string::npos)
      << r.Render();
  kept_elsewhere = 1;
  EXPECT_NE(r.Render().find("interdict_heap_bytes 1\n"), std::string::npos) << r.Render();
  EXPECT_THROW(r.AddCounterFunction("interdict_heap_bytes", "Heap.", {}, [] { return 1u; }),
               std::invalid_argument);
}

}  // namespace
}  // namespace interdict::metrics
