#include "store/memtable.h"

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
  auto [b, e] = identity_.equal_range(identity_hash);
  for (auto it = b; it != e; ++it) {
    const std::uint32_t i = it->second;
    if (agency(i) == r.agency && camera(i) == r.camera && IdOf(i) == r.id) return true;
  }
  return false;
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
  identity_.emplace(identity_hash, index);
  by_plate_[packed].push_back(index);
}

read::Read Memtable::Get(std::uint32_t i) const {
  const std::size_t end = i + 1 < offsets_.size() ? offsets_[i + 1] : arena_.size();
  Decoder in(std::string_view(arena_).substr(offsets_[i], end - offsets_[i]));
  read::Read r;
  [[maybe_unused]] const bool ok = DecodeRead(in, &r);
  assert(ok && "the memtable holds only rows it encoded");
  return r;
}

const std::vector<std::uint32_t>* Memtable::RowsOfPlate(std::uint64_t packed) const {
  auto it = by_plate_.find(packed);
  return it == by_plate_.end() ? nullptr : &it->second;
}

}  // namespace interdict::store
