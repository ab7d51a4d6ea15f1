// A version: the set of segments a query sees, and the store's distinct plates
// over them (the way LevelDB's VersionSet names the files of a moment). A
// version is immutable once published; flushes, merges and purges publish a
// new one, and a query keeps the one it started with.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <string>
#include <utility>
#include <vector>

#include "store/segment.h"

namespace interdict::store {

// The distinct plates of a version's segments, as a few sorted runs, so that a
// pattern query scans each distinct plate once instead of every segment's
// dictionary (a plate seen in many weeks and agencies is in many of those).
// Runs may hold plates no segment has any more (after purges); a lookup of
// one finds nothing, and the runs are rebuilt once such stale entries could be
// a quarter of them.
struct PlateRuns {
  std::vector<std::shared_ptr<const std::vector<std::uint64_t>>> runs;
  std::uint64_t entries = 0;          // in all runs
  std::uint64_t removed_entries = 0;  // dictionary entries of segments removed since the rebuild
};

struct Version {
  // Each agency's segments, ordered by (min_time, id).
  std::map<std::string, std::vector<std::shared_ptr<Segment>>> by_agency;
  std::uint64_t rows = 0;
  std::shared_ptr<const PlateRuns> plates = std::make_shared<PlateRuns>();
};

// `base` without the segments `remove_ids` and with `add`. Plate runs: a
// flush (segments added, none removed) adds a run; a merge or rewrite only
// counts what may have gone stale, and the runs are rebuilt past a quarter.
std::shared_ptr<Version> WithChanges(const Version& base,
                                     const std::vector<std::shared_ptr<Segment>>& add,
                                     const std::vector<std::uint64_t>& remove_ids);

// The distinct values of sorted sources (anything with size() and
// operator[]), by a k-way merge: no copy of all of them at once.
template <typename Source>
std::vector<std::uint64_t> DistinctUnion(const std::vector<const Source*>& sources) {
  using Head = std::pair<std::uint64_t, std::size_t>;  // value, source
  std::priority_queue<Head, std::vector<Head>, std::greater<>> heads;
  std::vector<std::size_t> pos(sources.size(), 0);
  std::size_t largest = 0;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    largest = std::max(largest, sources[i]->size());
    if (sources[i]->size() > 0) heads.emplace((*sources[i])[0], i);
  }
  std::vector<std::uint64_t> out;
  out.reserve(largest);
  while (!heads.empty()) {
    const auto [value, i] = heads.top();
    heads.pop();
    if (out.empty() || out.back() != value) out.push_back(value);
    if (++pos[i] < sources[i]->size()) heads.emplace((*sources[i])[pos[i]], i);
  }
  return out;
}

}  // namespace interdict::store
