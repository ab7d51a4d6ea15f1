// The in-memory index of deconfliction targets (docs/format/intel.md,
// "Targets"; decision 0041): match key → the targets that have it, so a new
// target is checked against every other agency's in microseconds, not by a
// scan. Keys are kept as their 64-bit XXH3 hashes (a million targets in
// ~60 MB); two different keys sharing a hash is a chance of about one in
// 10^13 per lookup at that size, and its cost is a match report between two
// officers who then find they are on different people.
//
// Thread-safe: lookups share a lock, changes take it alone.
#pragma once

#include <cstdint>
#include <functional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "intel/match_keys.h"

namespace interdict::intel {

struct IndexedTarget {
  std::int64_t id = 0;
  std::int64_t agency = 0;
  TargetKind kind = TargetKind::kPlate;
  std::int64_t expires_at = 0;  // epoch ms; an expired target matches nothing
};

class TargetIndex {
 public:
  // Adds or replaces target `t.id` with its keys.
  void Put(const IndexedTarget& t, const std::vector<std::string>& keys);
  void Remove(std::int64_t id);
  // Takes `fresh`'s targets in one step (a reload); `fresh` gets the old ones.
  void Swap(TargetIndex& fresh);

  // The targets sharing a key with `keys`, of agencies other than `own` for
  // which `allowed(agency)` holds, unexpired at `now`; by id, each once.
  std::vector<IndexedTarget> Match(const std::vector<std::string>& keys, std::int64_t own,
                                   const std::function<bool(std::int64_t agency)>& allowed,
                                   std::int64_t now) const;

  std::size_t size() const;

 private:
  struct Entry {
    IndexedTarget target;
    std::vector<std::uint64_t> keys;
  };
  void EraseLocked(std::int64_t id);

  mutable std::shared_mutex mu_;
  std::unordered_multimap<std::uint64_t, std::int64_t> by_key_;  // guarded by mu_
  std::unordered_map<std::int64_t, Entry> targets_;              // guarded by mu_
};

}  // namespace interdict::intel
