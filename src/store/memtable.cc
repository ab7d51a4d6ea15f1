#include "store/memtable.h"

#include <algorithm>

#include <cassert>

#include "store/coding.h"
#include "store/row_codec.h"

namespace interdict::store {

std::string_view Memtable::IdOf(std::uint32_t i) const {
  Decoder in(std::string_view(arena_).substr(offsets_[i]));
  std::string_view id;
  in.GetString(&id);  // the id is the first field of the row encoding
  return id;
}

bool Memtable::Contains(const read::Read& r, std::uint64_t identity_hash) const {
  if (slots_.empty()) return false;
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t slot = identity_hash & mask;; slot = (slot + 1) & mask) {
    const std::uint32_t i = slots_[slot].row;
    if (i == kEmpty) return false;
    if (slots_[slot].hash == identity_hash && agency(i) == r.agency && camera(i) == r.camera &&
        IdOf(i) == r.id) {
      return true;
    }
  }
}

void Memtable::GrowIdentity() {
  const std::size_t size = slots_.empty() ? 1024 : slots_.size() * 2;
  std::vector<Slot> grown(size);
  const std::size_t mask = size - 1;
  for (const Slot& k : slots_) {
    if (k.row == kEmpty) continue;
    std::size_t slot = k.hash & mask;
    while (grown[slot].row != kEmpty) slot = (slot + 1) & mask;
    grown[slot] = k;
  }
  slots_ = std::move(grown);
}

void Memtable::Add(const read::Read& r, std::uint64_t identity_hash, std::string_view encoded) {
  const auto index = static_cast<std::uint32_t>(times_.size());
  offsets_.push_back(arena_.size());
  arena_.append(encoded);
  times_.push_back(r.time);
  const std::uint64_t packed = r.plate.Pack();
  plates_.push_back(packed);
  auto a = agency_ids_.find(std::string_view(r.agency));
  if (a == agency_ids_.end()) {
    a = agency_ids_.emplace(r.agency, static_cast<std::uint32_t>(agency_names_.size())).first;
    agency_names_.push_back(r.agency);
    camera_ids_.emplace_back();
  }
  agencies_.push_back(static_cast<std::uint16_t>(a->second));
  Ids& cams = camera_ids_[a->second];
  auto c = cams.find(std::string_view(r.camera));
  if (c == cams.end()) {
    c = cams.emplace(r.camera, static_cast<std::uint32_t>(camera_names_.size())).first;
    camera_names_.push_back(r.camera);
  }
  cameras_.push_back(c->second);
  if ((times_.size()) * 2 > slots_.size()) GrowIdentity();
  const std::size_t mask = slots_.size() - 1;
  std::size_t slot = identity_hash & mask;
  while (slots_[slot].row != kEmpty) slot = (slot + 1) & mask;
  slots_[slot] = {identity_hash, index};
}

read::Read Memtable::Get(std::uint32_t i) const {
  read::Read r;
  Get(i, &r);
  return r;
}

std::string_view Memtable::Row(std::uint32_t i) const {
  const std::size_t end = i + 1 < offsets_.size() ? offsets_[i + 1] : arena_.size();
  return std::string_view(arena_).substr(offsets_[i], end - offsets_[i]);
}

void Memtable::Get(std::uint32_t i, read::Read* out) const {
  Decoder in(Row(i));
  [[maybe_unused]] const bool ok = DecodeRead(in, out);
  assert(ok && "the memtable holds only rows it encoded");
}

void Memtable::RowsOfPlate(std::uint64_t packed, std::vector<std::uint32_t>* out) const {
  out->clear();
  for (std::size_t i = 0; i < plates_.size(); ++i) {
    if (plates_[i] == packed) out->push_back(static_cast<std::uint32_t>(i));
  }
}

void Memtable::PlatesAmong(const std::vector<std::uint64_t>& candidates,
                           std::vector<std::uint64_t>* found) const {
  if (candidates.empty()) return;
  constexpr int kBits = 14;
  std::vector<std::uint64_t> bitmap((1u << kBits) / 64, 0);
  const auto slot = [](std::uint64_t v) { return (v * 0x9E3779B97F4A7C15ull) >> (64 - kBits); };
  for (std::uint64_t c : candidates) bitmap[slot(c) / 64] |= std::uint64_t{1} << (slot(c) % 64);
  std::vector<bool> seen(candidates.size(), false);
  for (std::uint64_t v : plates_) {
    const std::uint64_t b = slot(v);
    if (!(bitmap[b / 64] >> (b % 64) & 1)) continue;
    auto it = std::lower_bound(candidates.begin(), candidates.end(), v);
    if (it == candidates.end() || *it != v) continue;
    const auto i = static_cast<std::size_t>(it - candidates.begin());
    if (!seen[i]) {
      seen[i] = true;
      found->push_back(v);
    }
  }
}

}  // namespace interdict::store
