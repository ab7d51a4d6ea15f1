// Segments: immutable files holding the reads of one agency and one time
// bucket (docs/format/store.md). Version 4 (5 sealed) keeps its rows in
// (plate, time, camera, id) order: a plate's reads are one contiguous run, and
// a camera index serves camera and area windows. Versions 2 and 3, sorted by
// (camera, time, id) with postings per plate, are still read (and written
// when asked, for tests of the upgrade). Written once under tmp/, synced and
// renamed into place; opened by mapping the file and checking every section's
// checksum. With a data key the dictionary, the row blocks and (version 5)
// the camera lists are sealed (AES-256-GCM, docs/format/keys.md).
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/mutex.h"
#include "base/status.h"
#include "crypto/aead.h"
#include "crypto/keyring.h"
#include "read/read.h"
#include "store/env.h"
#include "store/row_codec.h"

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

// How a segment orders its rows: by plate (version 4/5, what the store
// writes) or by camera (version 2/3, still read; written only to test
// upgrades).
enum class SegmentLayout { kPlateOrder, kCameraOrder };

// Whether a row comes before another in a layout's order.
bool PlateOrderLess(const read::Read& a, const read::Read& b);   // (plate, time, camera, id)
bool CameraOrderLess(const read::Read& a, const read::Read& b);  // (camera, time, id)

// One row as a segment stores it: what orders rows, and the rest of the read
// (id, the vendor's text, state, confidences, position, attributes, images)
// as the payload bytes it was written with. Merges and purges copy rows
// between segments this way, without building a read for each.
struct StoredRow {
  std::uint64_t plate = 0;  // packed
  std::int64_t time = 0;
  std::string_view camera;
  std::string_view payload;  // valid until the cursor that gave it moves
};
// Whether a stored row comes before another in (plate, time, camera, id)
// order; ids, kept in the payload, are read only on ties.
bool StoredRowLess(const StoredRow& a, const StoredRow& b);

// Writes `reads` (all of meta.agency, in any order) to `path`, sorted for
// the layout, and synced. rows, min_time and max_time of `meta` are filled in.
Status WriteSegment(Env& env, const std::string& path, SegmentMeta meta,
                    const std::vector<read::Read>& reads,
                    SegmentLayout layout = SegmentLayout::kPlateOrder);

// Writes a segment row by row, rows in the layout's order, holding only a few
// numbers per row and the compressed blocks in memory, so merging or
// rewriting a million rows does not hold a million decoded reads.
class SegmentWriter {
 public:
  // `plates`: the sorted distinct packed plates of exactly the rows to come
  // (Finish refuses a plate without rows). meta.min_time: no row is earlier.
  // With `key`, the segment is sealed under it.
  SegmentWriter(SegmentMeta meta, std::vector<std::uint64_t> plates,
                std::shared_ptr<const crypto::DataKey> key = nullptr,
                SegmentLayout layout = SegmentLayout::kPlateOrder);
  ~SegmentWriter();
  SegmentWriter(const SegmentWriter&) = delete;
  SegmentWriter& operator=(const SegmentWriter&) = delete;

  // InvalidArgument for a row out of order, earlier than min_time, or with a
  // plate not in the list.
  Status Add(const read::Read& r);
  // A row copied from another segment (RowCursor), payload as it was; plate
  // order only.
  Status Add(const StoredRow& r);
  // A read as the log encodes it (a flush from the memtable), whose packed
  // plate is `packed`: written as Add(read) would write it, without the read.
  Status Add(std::uint64_t packed, const EncodedRow& r);
  // Writes the file at `path`, synced; rows and max_time come from the rows.
  Status Finish(Env& env, const std::string& path);

 private:
  struct State;
  std::unique_ptr<State> s_;
};

// A segment's sorted plate dictionary of packed plates (plate::Plate::Pack),
// read in place from the mapped file. Version 2/3: each entry in its top
// `width` bytes (6 for plates of up to 8 characters). Version 4/5: every 16th
// entry whole (a restart), the others as varint differences from the entry
// before, about 3.8 bytes an entry.
class PlateDictionary {
 public:
  PlateDictionary() = default;
  // Version 2/3.
  PlateDictionary(const char* entries, std::size_t count, unsigned width)
      : entries_(entries), count_(count), width_(width), shift_(64 - 8 * width) {}
  // Version 4/5 from its section; checks that every restart's offset is where
  // the entries before it end and that entries ascend. False when malformed.
  static bool ParseRestarts(std::string_view section, PlateDictionary* out);
  // Encodes sorted distinct plates as a version 4/5 section.
  static std::string EncodeRestarts(const std::vector<std::uint64_t>& plates);

  std::size_t size() const { return count_; }
  std::uint64_t operator[](std::size_t i) const {
    if (width_ == 0) return Delta(i);
    std::uint64_t v = 0;
    std::memcpy(&v, entries_ + i * width_, width_);  // little-endian
    return v << shift_;
  }
  // The first entry not less than `key` (size() when none).
  std::size_t LowerBound(std::uint64_t key) const;
  // Entries [from, from + n) into `out`.
  void Decode(std::size_t from, std::size_t n, std::uint64_t* out) const;

  static constexpr std::size_t kRestartEvery = 16;
  // Version 2/3: every entry is one load (no need to read in order).
  bool fixed_width() const { return width_ != 0; }

 private:
  std::uint64_t Delta(std::size_t i) const;
  std::uint64_t RestartPlate(std::size_t r) const;
  std::uint32_t RestartOffset(std::size_t r) const;

  const char* entries_ = nullptr;  // version 2/3: the entries; 4/5: the restarts
  std::size_t count_ = 0;
  unsigned width_ = 8, shift_ = 0;  // width 0: restart-coded
  unsigned tail_ = 0;               // restart-coded: plate positions empty in every entry
  std::string_view deltas_;         // restart-coded: the differences
};

// A dictionary read in order, a chunk of entries decoded at a time: a
// restart-coded dictionary decodes in order far faster than entry by entry.
// Has size() and operator[] for DistinctUnion; indexes must mostly ascend.
class DictionaryReader {
 public:
  explicit DictionaryReader(const PlateDictionary& d) : d_(&d) {}
  std::size_t size() const { return d_->size(); }
  std::uint64_t operator[](std::size_t i) const {
    if (d_->fixed_width()) return (*d_)[i];
    if (i < start_ || i >= start_ + n_) {
      start_ = i;
      n_ = std::min(chunk_.size(), d_->size() - i);
      d_->Decode(i, n_, chunk_.data());
    }
    return chunk_[i - start_];
  }

 private:
  const PlateDictionary* d_;
  mutable std::array<std::uint64_t, 256> chunk_{};
  mutable std::size_t start_ = 0, n_ = 0;
};

class Segment;

// Any segment's rows in (plate, time, camera, id) order, for merges and
// purges: a version 4/5 segment's in row order, each block decoded once and
// each payload row passed once; a version 2/3 segment's plate by plate
// through its postings (upgraded on the way). Rows whose `keep` bit is false
// are passed over. Holds the segment's blocks one at a time, not its cache.
class RowCursor {
 public:
  explicit RowCursor(const Segment& seg, const std::vector<bool>* keep = nullptr);
  ~RowCursor();
  RowCursor(RowCursor&&) noexcept;
  RowCursor& operator=(RowCursor&&) noexcept;

  // The next row into `out`; false at the end or on an error (status()).
  bool Next(StoredRow* out);
  const Status& status() const { return status_; }

 private:
  struct State;
  bool NextPlateOrder(StoredRow* out);
  bool NextCameraOrder(StoredRow* out);
  std::unique_ptr<State> s_;
  Status status_;
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

  SegmentLayout layout() const { return layout_; }
  std::uint32_t version() const { return version_; }

  // Cameras, by index (a row's camera is one of these).
  std::size_t camera_count() const { return camera_names_.size(); }
  const std::string& camera_name(std::size_t i) const { return camera_names_[i]; }
  // The index of the camera named `name`; camera_count() when absent.
  std::size_t FindCamera(std::string_view name) const;

  // The sorted plate dictionary.
  const PlateDictionary& plate_dictionary() const { return dict_; }
  // Rows holding dictionary entry `entry`, ascending (version 4/5: a run).
  Status Postings(std::uint32_t entry, std::vector<std::uint32_t>* rows) const;
  // False when the segment certainly lacks the plate (a Bloom filter built at
  // open, in memory: most segments lack most plates, and this costs one cache
  // line where the dictionary search costs a dozen).
  bool MayContain(std::uint64_t packed) const;
  // Whether the plate filter is read in place from the file (plain version 4,
  // section 9) rather than built in the heap when the segment was opened.
  bool plate_filter_in_file() const { return bloom_heap_.empty(); }
  // Rows of an exact plate, ascending; empty when absent.
  Status FindPlate(std::uint64_t packed, std::vector<std::uint32_t>* rows) const;

  // Capture time, dictionary entry and camera index of one row.
  Status RowKey(std::uint32_t row, std::int64_t* time, std::uint32_t* entry,
                std::size_t* camera = nullptr) const;
  // Capture time of one row.
  Status RowTime(std::uint32_t row, std::int64_t* time) const;
  // Rows of camera `camera` captured in [from, to), ascending.
  Status RowsInWindow(std::size_t camera, std::int64_t from, std::int64_t to,
                      std::vector<std::uint32_t>* rows) const;

  // The whole read at `row`.
  Status ReadRow(std::uint32_t row, read::Read* out) const;

  // Deep check for `store verify`: decodes every column and row and checks
  // that the postings and the per-row plate references agree.
  Status Check() const;

 private:
  friend class RowCursor;
  Segment() = default;
  Status Parse(const crypto::KeyRing* keys, bool* key_destroyed);
  std::string_view Section(int id) const;

  Status ParseCameraRuns(std::uint64_t rows);   // version 2/3
  Status ParsePostings();                       // version 2/3
  Status ParseCameraLists(std::uint64_t rows);  // version 4/5
  Status ParseEntryMarks(std::uint64_t rows);   // version 4/5
  // The first row and count offset of entries stride × 16 (section 3).
  std::pair<std::uint32_t, std::uint32_t> EntryMark(std::size_t stride) const;
  Status ParseBlockOffsets(std::uint64_t rows);
  // Version 4/5: the first row and the count of entry `entry`.
  Status EntryRun(std::uint32_t entry, std::uint32_t* first, std::uint32_t* count) const;
  // Version 4/5: camera `camera`'s list (opened when sealed) into `out`.
  Status CameraList(std::size_t camera, std::string* out) const REQUIRES(mu_);
  // Version 2/3: the camera run holding `row`.
  std::size_t CameraRunIndex(std::uint32_t row) const;
  Status CheckCameraOrder() const;
  Status CheckPlateOrder() const;
  Status CheckPayloads() const;

  std::string path_;
  std::unique_ptr<MappedFile> file_;
  SegmentMeta meta_;
  SegmentLayout layout_ = SegmentLayout::kPlateOrder;
  std::uint32_t version_ = 0;
  std::shared_ptr<const crypto::DataKey> key_;  // null: not sealed
  // key_'s cipher: its contexts are not shared between threads, so every
  // use is under mu_ (a merge's RowCursor opens blocks beside questions).
  std::unique_ptr<crypto::Aead> aead_ GUARDED_BY(mu_);
  std::string dict_plain_;  // a sealed segment's opened dictionary
  struct SectionRef {
    std::uint64_t offset = 0, length = 0;
  };
  std::vector<SectionRef> sections_;
  std::vector<std::string> camera_names_;
  std::vector<std::uint32_t> camera_by_name_;  // indices into camera_names_, by name
  // Version 2/3: each camera's run of rows (cameras in name order).
  struct CameraRun {
    std::uint32_t start = 0, count = 0;
  };
  std::vector<CameraRun> runs_;
  PlateDictionary dict_;
  // The plate filter: bloom_blocks_ blocks of 64 bytes, in the mapped file
  // (section 9) or in bloom_heap_.
  std::string_view bloom_;
  std::size_t bloom_blocks_ = 1;
  std::string bloom_heap_;
  // Version 2/3: postings.
  std::vector<std::uint32_t> posting_offsets_;
  std::string_view postings_;
  // Version 4/5: entry marks (first row, byte offset in entry_counts_) every
  // 16 entries, the counts, and each camera's list in camera_lists_.
  std::string_view entry_marks_;  // section 3, read in place through EntryMark
  std::string_view entry_counts_;
  std::vector<std::uint32_t> camera_offsets_;
  std::string_view camera_lists_;
  std::vector<std::uint32_t> block_offsets_;
  std::string_view blocks_;

  // A few decoded row blocks, so neighbouring rows decode once.
  struct Block {
    std::uint32_t index = UINT32_MAX;
    std::string raw;  // the decompressed frame
    std::vector<std::int64_t> times;
    std::vector<std::uint32_t> refs;
    std::vector<std::uint32_t> cams;  // version 4/5: each row's camera index
    // Version 4/5: the plates of entries refs.front() … refs.back(), decoded
    // by the first ReadRow of the block (requires mu_).
    mutable std::vector<std::uint64_t> plates;
    std::string_view payload;          // the payload rows, in raw
    std::vector<std::uint32_t> marks;  // in payload, where rows 0, kMarkRows, 2 kMarkRows … start
  };
  Result<const Block*> LoadBlock(std::uint32_t block) const REQUIRES(mu_);
  // Decodes row block `block` into `blk`; `opened` holds a sealed frame.
  Status DecodeBlock(std::uint32_t block, Block* blk, std::string* opened) const REQUIRES(mu_);
  // Version 4/5: the plates of `blk`'s entries into blk->plates, once.
  void DecodeBlockPlates(const Block& blk) const;
  // Positions `out` at payload row `index` of `b`.
  Status PayloadRow(const Block& b, std::uint32_t index, Decoder* out) const;
  mutable Mutex mu_;
  mutable std::string opened_ GUARDED_BY(mu_);  // a sealed block's frame, opened
  mutable std::array<Block, 4> cache_ GUARDED_BY(mu_);
  mutable std::size_t next_victim_ GUARDED_BY(mu_) = 0;
};

inline constexpr std::uint32_t kBlockRows = 128;
inline constexpr std::uint32_t kMarkRows = 16;  // a row block marks every 16th payload row
inline constexpr std::uint32_t kPostingStride = 16;

}  // namespace interdict::store
