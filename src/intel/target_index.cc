#include "intel/target_index.h"

#include <algorithm>
#include <mutex>

#include "base/hash.h"

namespace interdict::intel {

void TargetIndex::EraseLocked(std::int64_t id) {
  auto it = targets_.find(id);
  if (it == targets_.end()) return;
  for (std::uint64_t key : it->second.keys) {
    auto [first, last] = by_key_.equal_range(key);
    for (auto k = first; k != last; ++k) {
      if (k->second == id) {
        by_key_.erase(k);
        break;
      }
    }
  }
  targets_.erase(it);
}

void TargetIndex::Put(const IndexedTarget& t, const std::vector<std::string>& keys) {
  Entry entry{t, {}};
  entry.keys.reserve(keys.size());
  for (const std::string& k : keys) entry.keys.push_back(Hash64(k));
  std::sort(entry.keys.begin(), entry.keys.end());
  entry.keys.erase(std::unique(entry.keys.begin(), entry.keys.end()), entry.keys.end());
  std::unique_lock lock(mu_);
  EraseLocked(t.id);
  for (std::uint64_t k : entry.keys) by_key_.emplace(k, t.id);
  targets_.emplace(t.id, std::move(entry));
}

void TargetIndex::Remove(std::int64_t id) {
  std::unique_lock lock(mu_);
  EraseLocked(id);
}

void TargetIndex::Swap(TargetIndex& fresh) {
  std::scoped_lock lock(mu_, fresh.mu_);
  by_key_.swap(fresh.by_key_);
  targets_.swap(fresh.targets_);
}

std::vector<IndexedTarget> TargetIndex::Match(
    const std::vector<std::string>& keys, std::int64_t own,
    const std::function<bool(std::int64_t agency)>& allowed, std::int64_t now) const {
  std::vector<IndexedTarget> out;
  std::shared_lock lock(mu_);
  for (const std::string& key : keys) {
    auto [first, last] = by_key_.equal_range(Hash64(key));
    for (auto k = first; k != last; ++k) {
      const IndexedTarget& t = targets_.at(k->second).target;
      if (t.agency == own || t.expires_at <= now || !allowed(t.agency)) continue;
      out.push_back(t);
    }
  }
  lock.unlock();
  std::sort(out.begin(), out.end(),
            [](const IndexedTarget& a, const IndexedTarget& b) { return a.id < b.id; });
  out.erase(
      std::unique(out.begin(), out.end(),
                  [](const IndexedTarget& a, const IndexedTarget& b) { return a.id == b.id; }),
      out.end());
  return out;
}

std::size_t TargetIndex::size() const {
  std::shared_lock lock(mu_);
  return targets_.size();
}

}  // namespace interdict::intel
