// The questions the store-comparing benchmarks ask (bench peers, bench
// cluster): each search benchmark question planned once by the policy layer,
// asked of every store, timed, and its answer checked against the embedded
// store's (docs/bench-peers.md).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "base/status.h"
#include "bench/peer_answers.h"
#include "bench/read_generator.h"
#include "bench/search_workload.h"
#include "search/search.h"
#include "store/read_store.h"

namespace interdict::bench {

// One question: the request and what the policy layer planned for it (the
// cameras in an area are the registry's, found once for every store).
struct Question {
  search::Request req;
  search::Plan plan;
};
using Questions = std::vector<std::pair<std::string, std::vector<Question>>>;

// The search workload's questions of `variant` (0: these answers; others
// warm a store up), planned for the region's analyst; look-alikes only when
// asked (no peer has them): without, neither look-alike questions nor a plate
// question's offer of look-alikes. A convoy's whole ranking is one page.
Status BuildQuestions(const ReadGenerator& gen, const Planted& planted, const Region& region,
                      std::int64_t now, int days, int queries, std::uint64_t variant,
                      bool lookalike, Questions* out);

// What a store did, per type.
struct Measured {
  std::string version;
  double load_s = 0, settle_s = 0;
  std::uint64_t bytes = 0;
  // Interdict's heap (HeapInUseMib, less the benchmark's own before the
  // store opened): the most seen while loading (which also holds the loading
  // generator, as big again as the benchmark's own), and after the questions
  // (what the store keeps). 0: not measured (a peer's server).
  double peak_heap_mib = 0, heap_after_mib = 0;
  std::map<std::string, std::vector<double>> ms;  // per type
  std::map<std::string, int> differ;              // per type: answers unlike the embedded store's
};

// How one store answers: Interdict through its search layer, a peer through
// its SQL and the same rules.
using Ask = std::function<Result<Canonical>(const Question&)>;
// Interdict's search layer over `store` (embedded or the cluster's), reduced.
Ask AskStore(const store::ReadStore& store);

// Warms the store with other questions of the same kinds (index pages,
// dictionaries and code paths, but not these answers' own pages), then asks
// each question once, timed, and checks its answer against the embedded
// store's (`expected`, which that store fills when `fill`). `bench` names the
// benchmark in progress lines.
Status RunQuestions(const std::string& bench, const std::string& store, const Questions& warm,
                    const Questions& questions, const Ask& ask,
                    std::map<std::string, std::vector<Canonical>>* expected, bool fill,
                    Measured& m);

// Loads the generated reads and the planted ones in batches of `batch`,
// timing only the loads (generation is the same for all), with progress
// every 5 s.
Status LoadAll(const std::string& bench, const std::string& store, const GeneratorOptions& g,
               const Planted& planted, std::size_t batch,
               const std::function<Status(const std::vector<read::Read>&)>& load, double* seconds);

// A store's figures as JSON: version, load rate, bytes, p50/p99 per type.
std::string MeasuredJson(const Measured& m, std::uint64_t reads);
// The embedded store ÷ another, as "times faster" (its time ÷ ours; its
// bytes ÷ ours; our rate ÷ its rate).
std::string RatiosJson(const Measured& us, const Measured& them);

}  // namespace interdict::bench
