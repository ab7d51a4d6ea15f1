// The memtable: reads acknowledged since the last flush, kept compactly as
// their row encoding (docs/format/store.md, "Row encoding") in one arena,
// with the few fields queries filter on in side arrays. About 150 bytes a
// read instead of the ~450 of a read::Read with its strings.
// Not thread-safe: the store guards it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "read/read.h"

namespace interdict::store {

class Memtable {
 public:
  std::size_t size() const { return times_.size(); }
  bool empty() const { return times_.empty(); }

  // Whether a read with the same identity (agency, camera, id) is here.
  // `identity_hash` is the caller's hash of that identity.
  bool Contains(const read::Read& r, std::uint64_t identity_hash) const;
  // Adds `r`, whose row encoding is `encoded`.
  void Add(const read::Read& r, std::uint64_t identity_hash, std::string_view encoded);

  // The whole read at index i; into `out`, reusing its strings' space.
  read::Read Get(std::uint32_t i) const;
  void Get(std::uint32_t i, read::Read* out) const;
  // The read at index i as encoded (EncodeRead, row_codec.h).
  std::string_view Row(std::uint32_t i) const;
  std::int64_t time(std::uint32_t i) const { return times_[i]; }
  std::uint64_t packed_plate(std::uint32_t i) const { return plates_[i]; }
  const std::string& agency(std::uint32_t i) const { return agency_names_[agencies_[i]]; }
  const std::string& camera(std::uint32_t i) const { return camera_names_[cameras_[i]]; }
  std::string_view id(std::uint32_t i) const { return IdOf(i); }
  // Indices of the reads of one plate (a scan of 8 bytes a read: cheaper to
  // keep than an index that costs an allocation per plate on ingest).
  void RowsOfPlate(std::uint64_t packed, std::vector<std::uint32_t>* out) const;
  // Appends to `found` each of the sorted `candidates` some read here carries
  // (one scan, a bitmap in front of the binary search).
  void PlatesAmong(const std::vector<std::uint64_t>& candidates,
                   std::vector<std::uint64_t>* found) const;

  std::chrono::steady_clock::time_point started;  // when the first read arrived

 private:
  std::string_view IdOf(std::uint32_t i) const;

  std::string arena_;
  std::vector<std::uint64_t> offsets_;  // start of each read in arena_
  std::vector<std::int64_t> times_;
  std::vector<std::uint64_t> plates_;
  std::vector<std::uint16_t> agencies_;
  std::vector<std::uint32_t> cameras_;  // index into camera_names_ (agency-qualified)
  // Lookups by string_view: no allocation per read on the ingest path.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Ids = std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>>;
  std::vector<std::string> agency_names_, camera_names_;
  Ids agency_ids_;
  std::vector<Ids> camera_ids_;  // per agency
  // Identity index: open addressing (hash, read index), grown at half load;
  // no allocation per read, and one cache line a probe.
  static constexpr std::uint32_t kEmpty = UINT32_MAX;
  struct Slot {
    std::uint64_t hash = 0;
    std::uint32_t row = kEmpty;
  };
  void GrowIdentity();
  std::vector<Slot> slots_;
};

}  // namespace interdict::store
