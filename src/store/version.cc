#include "store/version.h"

#include <algorithm>
#include <iterator>
#include <tuple>

namespace interdict::store {
namespace {

std::vector<std::uint64_t> DistinctPlates(const std::vector<const Segment*>& segs) {
  std::vector<DictionaryReader> readers;
  for (const Segment* s : segs) readers.emplace_back(s->plate_dictionary());
  std::vector<const DictionaryReader*> dicts;
  for (const DictionaryReader& r : readers) dicts.push_back(&r);
  return DistinctUnion(dicts);
}

std::vector<const Segment*> Pointers(const std::vector<std::shared_ptr<Segment>>& segs) {
  std::vector<const Segment*> out;
  for (const auto& s : segs) out.push_back(s.get());
  return out;
}

// Adds a run, then merges runs like a binary counter (a run is merged into
// the one before it while that one is at most twice its size), so there are
// about log2(flushes) runs and each plate is merged O(log) times.
void AddRun(PlateRuns& p, std::vector<std::uint64_t> run) {
  p.runs.push_back(std::make_shared<const std::vector<std::uint64_t>>(std::move(run)));
  while (p.runs.size() >= 2 && p.runs[p.runs.size() - 2]->size() <= 2 * p.runs.back()->size()) {
    const auto& a = *p.runs[p.runs.size() - 2];
    const auto& b = *p.runs.back();
    std::vector<std::uint64_t> both;
    both.reserve(a.size() + b.size());
    std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(both));
    p.runs.pop_back();
    p.runs.back() = std::make_shared<const std::vector<std::uint64_t>>(std::move(both));
  }
  p.entries = 0;
  for (const auto& r : p.runs) p.entries += r->size();
}

}  // namespace

std::shared_ptr<Version> WithChanges(const Version& base,
                                     const std::vector<std::shared_ptr<Segment>>& add,
                                     const std::vector<std::uint64_t>& remove_ids) {
  auto v = std::make_shared<Version>();
  std::vector<const Segment*> removed;
  for (const auto& [agency, segs] : base.by_agency) {
    for (const auto& s : segs) {
      if (std::find(remove_ids.begin(), remove_ids.end(), s->meta().id) == remove_ids.end()) {
        v->by_agency[agency].push_back(s);
      } else {
        removed.push_back(s.get());
      }
    }
  }
  for (const auto& s : add) v->by_agency[s->meta().agency].push_back(s);
  std::vector<const Segment*> all;
  for (auto& [agency, segs] : v->by_agency) {
    std::sort(segs.begin(), segs.end(), [](const auto& a, const auto& b) {
      return std::tie(a->meta().min_time, a->meta().id) <
             std::tie(b->meta().min_time, b->meta().id);
    });
    for (const auto& s : segs) {
      v->rows += s->meta().rows;
      all.push_back(s.get());
    }
  }
  // Plates: a merge or rewrite adds no plate its inputs lacked, so only
  // segments added without removing any (flushes) bring a new run.
  const PlateRuns& old = *base.plates;
  std::uint64_t stale = old.removed_entries;
  if (!removed.empty()) {
    // Plates the removed segments had and their replacements lack (none for
    // a merge; the purged ones for a rewrite). Other segments may still have
    // them, so this overestimates, which only rebuilds sooner.
    const std::size_t before = DistinctPlates(removed).size();
    const std::size_t after = DistinctPlates(Pointers(add)).size();
    stale += before > after ? before - after : 0;
  }
  if (stale * 4 > old.entries || base.by_agency.empty()) {
    auto rebuilt = std::make_shared<PlateRuns>();
    AddRun(*rebuilt, DistinctPlates(all));
    v->plates = std::move(rebuilt);
  } else {
    auto next = std::make_shared<PlateRuns>(old);
    next->removed_entries = stale;
    if (removed.empty() && !add.empty()) AddRun(*next, DistinctPlates(Pointers(add)));
    v->plates = std::move(next);
  }
  return v;
}

}  // namespace interdict::store
