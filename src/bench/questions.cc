#include "bench/questions.h"

#include <iostream>

#include <fmt/core.h>

#include "bench/harness.h"

namespace interdict::bench {

Ask AskStore(const store::ReadStore& store) {
  return [&store](const Question& q) -> Result<Canonical> {
    Result<search::Answer> a = search::Execute(store, q.req, q.plan);
    if (!a.ok()) return a.status();
    return Reduce(q.req, *a);
  };
}

Status BuildQuestions(const ReadGenerator& gen, const Planted& planted, const Region& region,
                      std::int64_t now, int days, int queries, std::uint64_t variant,
                      bool lookalike, Questions* out) {
  const std::string purpose = PurposeJson(region.approval);
  for (const auto& [type, terms] : MakeQueries(gen, planted, now, days, queries, variant)) {
    if (type == "lookalike" && !lookalike) continue;
    auto& qs = out->emplace_back(type, std::vector<Question>{}).second;
    for (const std::string& t : terms) {
      const std::string page = type.starts_with("convoy") ? R"(,"page":{"limit":1000})" : "";
      Result<search::Request> req = search::ParseRequest("{" + t + "," + purpose + page + "}", now);
      Result<search::Plan> plan =
          req.ok() ? search::Prepare(*region.db, region.analyst(), *req, now, region.limits)
                   : req.status();
      if (!plan.ok())
        return Status::Internal(
            fmt::format("preparing a {} question: {}", type, plan.status().message()));
      // Without look-alikes (the peers have no matcher), a plate question is
      // the plate's reads alone, as the peers answer it.
      req->offer_lookalikes = lookalike;
      qs.push_back({std::move(req).value(), std::move(plan).value()});
    }
  }
  return Status::Ok();
}

// Warms the store with other questions of the same kinds (index pages,
// dictionaries and code paths, but not these answers' own pages), then asks
// each question once, timed, and checks its answer against Interdict's
// (`expected`; Interdict fills it when `fill`).
Status RunQuestions(const std::string& bench, const std::string& store, const Questions& warm,
                    const Questions& questions, const Ask& ask,
                    std::map<std::string, std::vector<Canonical>>* expected, bool fill,
                    Measured& m) {
  std::cerr << fmt::format("bench {}: {}: warming up\n", bench, store);
  for (const auto& [type, qs] : warm) {
    for (std::size_t i = 0; i < qs.size() && !StopRequested(); ++i) {
      Result<Canonical> a = ask(qs[i]);
      if (!a.ok())
        return Status::Internal(
            fmt::format("{} {} warm-up question {}: {}", store, type, i, a.status().message()));
    }
  }
  for (const auto& [type, qs] : questions) {
    std::cerr << fmt::format("bench {}: {}: {} {} questions\n", bench, store, qs.size(), type);
    for (std::size_t i = 0; i < qs.size() && !StopRequested(); ++i) {
      const auto t0 = Steady::now();
      Result<Canonical> a = ask(qs[i]);
      m.ms[type].push_back(Ms(t0, Steady::now()));
      if (!a.ok())
        return Status::Internal(
            fmt::format("{} {} question {}: {}", store, type, i, a.status().message()));
      if (fill) {
        (*expected)[type].push_back(std::move(a).value());
        continue;
      }
      const std::string why = Differ(qs[i].req, (*expected)[type][i], *a);
      if (!why.empty() && m.differ[type]++ == 0)
        std::cerr << fmt::format(
            "bench {}: {} answers {} question {} unlike the embedded store: {}\n", bench, store,
            type, i, why);
    }
  }
  return Status::Ok();
}

// Loads the generated reads and the planted ones in batches, timing only the
// loads (generation is the same for all), with progress every 5 s.
Status LoadAll(const std::string& bench, const std::string& store, const GeneratorOptions& g,
               const Planted& planted, std::size_t batch_size,
               const std::function<Status(const std::vector<read::Read>&)>& load, double* seconds) {
  ReadGenerator gen(g);
  std::vector<read::Read> batch;
  std::uint64_t loaded = 0;
  double spent_ms = 0;
  auto last = Steady::now();
  while (!StopRequested() && gen.Next(batch_size, &batch)) {
    const auto t0 = Steady::now();
    INTERDICT_RETURN_IF_ERROR(load(batch));
    spent_ms += Ms(t0, Steady::now());
    loaded += batch.size();
    if (Ms(last, Steady::now()) > 5000) {
      last = Steady::now();
      std::cerr << fmt::format("bench {}: {}: loaded {:.2f} M of {:.2f} M reads ({:.0f} k/s)\n",
                               bench, store, static_cast<double>(loaded) / 1e6,
                               static_cast<double>(g.reads) / 1e6,
                               static_cast<double>(loaded) / spent_ms);
    }
  }
  if (!StopRequested()) {
    const auto t0 = Steady::now();
    INTERDICT_RETURN_IF_ERROR(load(planted.reads));
    spent_ms += Ms(t0, Steady::now());
  }
  *seconds = spent_ms / 1000;
  return Status::Ok();
}

std::string MeasuredJson(const Measured& m, std::uint64_t reads) {
  std::string types;
  for (const auto& [type, ms] : m.ms) {
    auto it = m.differ.find(type);
    types += fmt::format(R"({}"{}":{{"p50_ms":{:.3f},"p99_ms":{:.3f},"differ":{}}})",
                         types.empty() ? "" : ",", type, Percentile(ms, 0.5), Percentile(ms, 0.99),
                         it == m.differ.end() ? 0 : it->second);
  }
  const std::string heap = m.peak_heap_mib > 0
                               ? fmt::format(R"("peak_heap_mib":{:.0f},"heap_after_mib":{:.0f},)",
                                             m.peak_heap_mib, m.heap_after_mib)
                               : "";
  return fmt::format(
      R"({{"version":"{}","load_reads_per_s":{:.0f},"settle_s":{:.1f},"bytes":{},"bytes_per_read":{:.2f},{}"types":{{{}}}}})",
      m.version, static_cast<double>(reads) / m.load_s, m.settle_s, m.bytes,
      static_cast<double>(m.bytes) / static_cast<double>(reads), heap, types);
}

// Interdict ÷ peer, as "times faster" (peer time ÷ Interdict time; peer
// bytes ÷ Interdict bytes; Interdict rate ÷ peer rate).
std::string RatiosJson(const Measured& us, const Measured& them) {
  std::string types;
  for (const auto& [type, ms] : us.ms) {
    auto it = them.ms.find(type);
    if (it == them.ms.end()) continue;
    auto ratio = [](double peer, double ours) { return ours > 0 ? peer / ours : 0.0; };
    types += fmt::format(R"({}"{}":{{"p50":{:.1f},"p99":{:.1f}}})", types.empty() ? "" : ",", type,
                         ratio(Percentile(it->second, 0.5), Percentile(ms, 0.5)),
                         ratio(Percentile(it->second, 0.99), Percentile(ms, 0.99)));
  }
  return fmt::format(
      R"({{"ingest":{:.2f},"bytes":{:.2f},"types":{{{}}}}})", them.load_s / us.load_s,
      static_cast<double>(them.bytes) / static_cast<double>(std::max<std::uint64_t>(1, us.bytes)),
      types);
}

}  // namespace interdict::bench
