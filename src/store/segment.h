// Segments: immutable files holding the reads of one agency and one time
// bucket, sorted by (camera, time, id), with a plate dictionary and postings
// for plate lookups (docs/format/store.md). Written once under tmp/, synced
// and renamed into place; opened by mapping the file and checking every
// section's checksum. With a data key, the plate dictionary and every row
// block are sealed (AES-256-GCM, docs/format/keys.md): format version 3.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "crypto/aead.h"
#include "crypto/keyring.h"
#include "read/read.h"
#include "store/env.h"

namespace interdict::store {

class Decoder;

struct SegmentMeta {
  std::uint64_t id = 0;  // unique in the store; also the file name
  std::string agency;
  std::int64_t bucket_start = 0, bucket_end = 0;  // [start, end), epoch ms
  std::int64_t min_time = 0, max_time = 0;
  std::uint32_t rows = 0;
  std::uint64_t min_seq = 0, max_seq = 0;
  std::vector<std::uint64_t> replaces;  // ids of segments this one was merged from
  std::string key_id;                   // the data key sealing it; empty: not sealed
};

// "00000000000000ab.seg"
std::string SegmentFileName(std::uint64_t id);

// Writes `reads` (all of meta.agency, in any order) to `path`, sorted by
// camera, time, id, and synced. rows, min_time and max_time of `meta` are
// filled in here.
Status WriteSegment(Env& env, const std::string& path, SegmentMeta meta,
                    const std::vector<read::Read>& reads);

// Writes a segment row by row, rows in (camera, time, id) order, holding only
// a plate reference per row and the compressed blocks in memory, so merging
// or rewriting a million rows does not hold a million decoded reads.
class SegmentWriter {
 public:
  // `plates`: the sorted distinct packed plates of exactly the rows to come
  // (Finish refuses a plate without rows). meta.min_time: no row is earlier.
  // With `key`, the segment is sealed under it.
  SegmentWriter(SegmentMeta meta, std::vector<std::uint64_t> plates,
                std::shared_ptr<const crypto::DataKey> key = nullptr);
  ~SegmentWriter();
  SegmentWriter(const SegmentWriter&) = delete;
  SegmentWriter& operator=(const SegmentWriter&) = delete;

  // InvalidArgument for a row out of order, earlier than min_time, or with a
  // plate not in the list.
  Status Add(const read::Read& r);
  // Writes the file at `path`, synced; rows and max_time come from the rows.
  Status Finish(Env& env, const std::string& path);

 private:
  struct State;
  std::unique_ptr<State> s_;
};

// A segment's sorted plate dictionary, read in place from the mapped file.
// Entries are packed plates (plate::Plate::Pack) stored in their top `width`
// bytes: plates of up to 8 characters need 6 of the 8.
class PlateDictionary {
 public:
  PlateDictionary() = default;
  PlateDictionary(const char* entries, std::size_t count, unsigned width)
      : entries_(entries), count_(count), width_(width), shift_(64 - 8 * width) {}

  std::size_t size() const { return count_; }
  std::uint64_t operator[](std::size_t i) const {
    std::uint64_t v = 0;
    std::memcpy(&v, entries_ + i * width_, width_);  // little-endian
    return v << shift_;
  }
  // The first entry not less than `key` (size() when none).
  std::size_t LowerBound(std::uint64_t key) const;
  // Entries [from, from + n) into `out`.
  void Decode(std::size_t from, std::size_t n, std::uint64_t* out) const;

 private:
  const char* entries_ = nullptr;
  std::size_t count_ = 0;
  unsigned width_ = 8, shift_ = 0;
};

class Segment {
 public:
  // Maps the file and checks the footer and every section's checksum. A
  // sealed segment needs `keys`: FailedPrecondition without them or when its
  // key is unknown to them; when its key was destroyed (its bucket expired),
  // NotFound and `*key_destroyed` set.
  static Result<std::shared_ptr<Segment>> Open(Env& env, const std::string& path,
                                               const crypto::KeyRing* keys = nullptr,
                                               bool* key_destroyed = nullptr);

  const SegmentMeta& meta() const { return meta_; }
  const std::string& path() const { return path_; }
  std::uint64_t file_bytes() const { return file_->data().size(); }

  struct CameraRun {
    std::string name;
    std::uint32_t start = 0, count = 0;
  };
  const std::vector<CameraRun>& cameras() const { return cameras_; }

  // The sorted plate dictionary.
  const PlateDictionary& plate_dictionary() const { return dict_; }
  // Rows holding dictionary entry `entry`, ascending.
  Status Postings(std::uint32_t entry, std::vector<std::uint32_t>* rows) const;
  // False when the segment certainly lacks the plate (a Bloom filter built at
  // open, in memory: most segments lack most plates, and this costs one cache
  // line where the dictionary search costs a dozen).
  bool MayContain(std::uint64_t packed) const;
  // Rows of an exact plate, ascending; empty when absent.
  Status FindPlate(std::uint64_t packed, std::vector<std::uint32_t>* rows) const;

  // Capture time and dictionary entry of one row.
  Status RowKey(std::uint32_t row, std::int64_t* time, std::uint32_t* entry) const;
  // Capture time of one row.
  Status RowTime(std::uint32_t row, std::int64_t* time) const;
  // Rows of one camera run captured in [from, to), ascending.
  Status RowsInWindow(const CameraRun& run, std::int64_t from, std::int64_t to,
                      std::vector<std::uint32_t>* rows) const;
  // Index in cameras() of the run holding `row`.
  std::size_t CameraRunIndex(std::uint32_t row) const;

  // The whole read at `row`.
  Status ReadRow(std::uint32_t row, read::Read* out) const;

  // Deep check for `store verify`: decodes every column and row and checks
  // that the postings and the per-row plate references agree.
  Status Check() const;

 private:
  Segment() = default;
  Status Parse(const crypto::KeyRing* keys, bool* key_destroyed);
  std::string_view Section(int id) const;

  std::string path_;
  std::unique_ptr<MappedFile> file_;
  SegmentMeta meta_;
  std::shared_ptr<const crypto::DataKey> key_;  // null: not sealed
  std::unique_ptr<crypto::Aead> aead_;          // key_'s cipher; blocks open under mu_
  std::string dict_plain_;                      // a sealed segment's opened dictionary
  struct SectionRef {
    std::uint64_t offset = 0, length = 0;
  };
  std::vector<SectionRef> sections_;
  std::vector<CameraRun> cameras_;
  PlateDictionary dict_;
  std::vector<std::array<std::uint64_t, 8>> bloom_;  // 512-bit blocks
  std::span<const std::uint32_t> posting_offsets_;
  std::vector<std::uint32_t> posting_offsets_copy_;
  std::string_view postings_;
  std::vector<std::uint32_t> block_offsets_;
  std::string_view blocks_;

  // A few decoded row blocks, so neighbouring rows decode once.
  struct Block {
    std::uint32_t index = UINT32_MAX;
    std::string raw;  // the decompressed frame
    std::vector<std::int64_t> times;
    std::vector<std::uint32_t> refs;
    std::string_view payload;          // the payload rows, in raw
    std::vector<std::uint32_t> marks;  // in payload, where rows 0, kMarkRows, 2 kMarkRows … start
  };
  // Requires mu_.
  Result<const Block*> LoadBlock(std::uint32_t block) const;
  // Positions `out` at payload row `index` of `b`.
  Status PayloadRow(const Block& b, std::uint32_t index, Decoder* out) const;
  mutable std::mutex mu_;
  mutable std::string opened_;  // a sealed block's frame, opened (requires mu_)
  mutable std::array<Block, 4> cache_;
  mutable std::size_t next_victim_ = 0;
};

inline constexpr std::uint32_t kBlockRows = 128;
inline constexpr std::uint32_t kMarkRows = 16;  // a row block marks every 16th payload row
inline constexpr std::uint32_t kPostingStride = 16;

}  // namespace interdict::store
