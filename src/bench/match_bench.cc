#include "bench/match_bench.h"

#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <iostream>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include <fmt/core.h>

#include "bench/harness.h"
#include "bench/random_plates.h"
#include "match/matcher.h"

namespace interdict::bench {
namespace {

// One or two look-alike substitutions (the OCR confusions of the classes).
std::string LookalikeMisread(const std::string& plate, std::mt19937_64& rng,
                             const plate::LookalikeClasses& classes, int substitutions) {
  std::string s = plate;
  std::vector<std::size_t> positions;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (classes.Members(s[i]).size() > 1) positions.push_back(i);
  }
  std::shuffle(positions.begin(), positions.end(), rng);
  const auto n = std::min(static_cast<std::size_t>(substitutions), positions.size());
  for (std::size_t k = 0; k < n; ++k) {
    const std::string_view m = classes.Members(s[positions[k]]);
    char c = s[positions[k]];
    while (c == s[positions[k]]) c = m[rng() % m.size()];
    s[positions[k]] = c;
  }
  return s;
}

double PeakRssMib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;
}

}  // namespace

int RunMatchBench(const MatchBenchOptions& o) {
  CatchStopSignals();
  using SteadyClock = std::chrono::steady_clock;
  const auto& classes = plate::LookalikeClasses::Default();
  std::mt19937_64 rng(o.seed);
  const plate::Jurisdiction mo = *plate::Jurisdiction::Parse("MO");
  const plate::Jurisdiction il = *plate::Jurisdiction::Parse("IL");
  // The national extract spans every state, each with a share near its
  // population's; the region's two states a little more. Reads in the region
  // are mostly local plates.
  std::vector<plate::Jurisdiction> us;
  for (std::size_t id = 1; id < plate::Jurisdiction::Count(); ++id) {
    const plate::Jurisdiction j = *plate::Jurisdiction::FromId(static_cast<std::uint8_t>(id));
    if (j.country() == plate::Country::kUS) us.push_back(j);
  }
  auto entry_state = [&](std::uint64_t r) {
    if (r % 100 < 5) return mo;
    if (r % 100 < 10) return il;
    return us[(r >> 8) % us.size()];
  };
  auto read_state = [&](std::uint64_t r) {
    if (r % 100 < 60) return mo;
    if (r % 100 < 85) return il;
    return us[(r >> 8) % us.size()];
  };
  std::bernoulli_distribution one_edit_list(o.one_edit_share);
  std::uint64_t one_edit_entries = 0;
  std::cerr << fmt::format("bench match: generating {} entries\n", o.entries);
  std::vector<match::Index::Item> items;
  items.reserve(o.entries);
  std::unordered_set<std::uint64_t> listed;
  listed.reserve(o.entries);
  for (std::uint64_t i = 0; i < o.entries && !StopRequested(); ++i) {
    const plate::Plate p = *plate::Plate::FromNormalized(RandomPlate(rng));
    const bool one_edit = one_edit_list(rng);
    one_edit_entries += one_edit ? 1u : 0u;
    items.push_back({p, entry_state(rng()), static_cast<std::uint32_t>(i), one_edit});
    listed.insert(p.Pack());
  }
  const auto b0 = SteadyClock::now();
  auto index = match::Index::Build(items, classes);
  const double build_s = std::chrono::duration<double>(SteadyClock::now() - b0).count();
  std::cerr << fmt::format("bench match: index built in {:.1f} s ({:.0f} MiB)\n", build_s,
                           static_cast<double>(index->MemoryBytes()) / 1048576.0);

  // Reads: 1 % are listed vehicles (half of those misread by one or two
  // look-alike characters), the rest vehicles not listed, 5 % of them with a
  // look-alike misread too. The state is read correctly 90 % of the time and
  // missing otherwise; vendors send two alternates on a fifth of the reads.
  std::vector<read::Read> reads(o.reads);
  std::vector<std::uint32_t> truth(o.reads, UINT32_MAX);  // listed entry, or none
  std::vector<bool> lookalike(o.reads, false);
  for (std::uint64_t n = 0; n < o.reads && !StopRequested(); ++n) {
    read::Read& r = reads[n];
    std::string text;
    const std::uint64_t dice = rng() % 1000;
    if (dice < 10 && !items.empty()) {
      const std::uint32_t e = static_cast<std::uint32_t>(rng() % items.size());
      truth[n] = e;
      text = items[e].plate.str();
      r.state = rng() % 10 < 9 ? items[e].state : plate::Jurisdiction();
      if (dice < 5) {
        const std::string mis =
            LookalikeMisread(text, rng, classes, 1 + static_cast<int>(dice % 2));
        lookalike[n] = mis != text;
        text = mis;
      }
    } else {
      do {
        text = RandomPlate(rng);
      } while (listed.count(plate::Plate::FromNormalized(text)->Pack()) != 0);
      if (rng() % 20 == 0) text = LookalikeMisread(text, rng, classes, 1);
      r.state = rng() % 10 < 9 ? read_state(rng()) : plate::Jurisdiction();
    }
    r.plate = *plate::Plate::FromNormalized(text);
    if (rng() % 5 == 0) {
      for (int a = 0; a < 2; ++a) {
        r.alternates.push_back(
            {*plate::Plate::FromNormalized(LookalikeMisread(text, rng, classes, 1)),
             read::Confidence::FromPercent(static_cast<std::uint8_t>(rng() % 80))});
      }
    }
  }
  if (StopRequested()) {
    std::cerr << "bench match: interrupted\n";
    return 130;
  }

  std::cerr << fmt::format("bench match: matching {} reads on one thread\n", o.reads);
  constexpr std::size_t kBatch = 1000;
  std::vector<std::vector<match::Candidate>> out;
  std::uint64_t lookalike_total = 0, lookalike_caught = 0, false_hits = 0, hits = 0;
  std::array<std::uint64_t, 5> false_by_kind{};
  double match_s = 0;
  for (std::size_t base = 0; base < reads.size() && !StopRequested(); base += kBatch) {
    const std::size_t n = std::min(kBatch, reads.size() - base);
    const auto t0 = SteadyClock::now();
    index->MatchBatch(std::span<const read::Read>(reads.data() + base, n), &out);
    match_s += std::chrono::duration<double>(SteadyClock::now() - t0).count();
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t k = base + i;
      hits += out[i].empty() ? 0u : 1u;
      if (truth[k] == UINT32_MAX) {
        false_hits += out[i].size();
        for (const match::Candidate& c : out[i]) ++false_by_kind[static_cast<std::size_t>(c.kind)];
        continue;
      }
      if (!lookalike[k]) continue;
      ++lookalike_total;
      for (const match::Candidate& c : out[i]) {
        if (c.ref == truth[k]) {
          ++lookalike_caught;
          break;
        }
      }
    }
    if ((base / kBatch) % 500 == 0) {
      std::cerr << fmt::format("bench match: {}/{} reads\r", base + n, reads.size());
    }
  }
  std::cerr << "\n";
  if (StopRequested()) {
    std::cerr << "bench match: interrupted\n";
    return 130;
  }
  const double reads_per_s = static_cast<double>(reads.size()) / match_s;
  auto per_million = [&](std::uint64_t n) {
    return static_cast<double>(n) * 1e6 / static_cast<double>(reads.size());
  };
  std::cout
      << fmt::format(
             R"({{"entries": {}, "one_edit_entries": {}, "reads": {}, "reads_per_s_per_core": {:.0f}, "memory_mib": {:.1f}, )"
             R"("process_peak_rss_mib": {:.0f}, "build_s": {:.2f}, "lookalike_recall": {:.4f}, )"
             R"("false_hits_per_million": {:.1f}, "false_hits_per_million_by_kind": {{"plate_only": {:.1f}, )"
             R"("lookalike": {:.1f}, "alternate": {:.1f}, "one_edit": {:.1f}}}, "reads_with_hits": {}}})",
             items.size(), one_edit_entries, reads.size(), reads_per_s,
             static_cast<double>(index->MemoryBytes()) / 1048576.0, PeakRssMib(), build_s,
             lookalike_total == 0
                 ? 1.0
                 : static_cast<double>(lookalike_caught) / static_cast<double>(lookalike_total),
             per_million(false_hits), per_million(false_by_kind[1]), per_million(false_by_kind[2]),
             per_million(false_by_kind[3]), per_million(false_by_kind[4]), hits)
      << "\n";
  return 0;
}

}  // namespace interdict::bench
