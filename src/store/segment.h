// Segments: immutable files holding the reads of one agency and one time
// bucket, sorted by (camera, time, id), with a plate dictionary and postings
// for plate lookups (docs/format/store.md). Written once under tmp/, synced
// and renamed into place; opened by mapping the file and checking every
// section's checksum.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "read/read.h"
#include "store/env.h"

namespace interdict::store {

struct SegmentMeta {
  std::uint64_t id = 0;  // unique in the store; also the file name
  std::string agency;
  std::int64_t bucket_start = 0, bucket_end = 0;  // [start, end), epoch ms
  std::int64_t min_time = 0, max_time = 0;
  std::uint32_t rows = 0;
  std::uint64_t min_seq = 0, max_seq = 0;
  std::vector<std::uint64_t> replaces;  // ids of segments this one was merged from
};

// "00000000000000ab.seg"
std::string SegmentFileName(std::uint64_t id);

// Writes `reads` (all of meta.agency, sorted by camera, time, id) to `path`,
// synced. rows, min_time and max_time of `meta` are filled in here.
Status WriteSegment(Env& env, const std::string& path, SegmentMeta meta,
                    const std::vector<read::Read>& reads);

class Segment {
 public:
  // Maps the file and checks the footer and every section's checksum.
  static Result<std::shared_ptr<Segment>> Open(Env& env, const std::string& path);

  const SegmentMeta& meta() const { return meta_; }
  const std::string& path() const { return path_; }
  std::uint64_t file_bytes() const { return file_->data().size(); }

  struct CameraRun {
    std::string name;
    std::uint32_t start = 0, count = 0;
  };
  const std::vector<CameraRun>& cameras() const { return cameras_; }

  // The sorted plate dictionary (packed plates, see plate::Plate::Pack).
  std::span<const std::uint64_t> plate_dictionary() const { return dict_; }
  // Rows holding dictionary entry `entry`, ascending.
  Status Postings(std::uint32_t entry, std::vector<std::uint32_t>* rows) const;
  // Rows of an exact plate, ascending; empty when absent.
  Status FindPlate(std::uint64_t packed, std::vector<std::uint32_t>* rows) const;

  // Capture time and dictionary entry of one row.
  Status RowKey(std::uint32_t row, std::int64_t* time, std::uint32_t* entry) const;
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
  Status Parse();
  std::string_view Section(int id) const;

  std::string path_;
  std::unique_ptr<MappedFile> file_;
  SegmentMeta meta_;
  struct SectionRef {
    std::uint64_t offset = 0, length = 0;
  };
  std::vector<SectionRef> sections_;
  std::vector<CameraRun> cameras_;
  std::span<const std::uint64_t> dict_;
  std::vector<std::uint64_t> dict_copy_;  // when the mapping is not 8-byte aligned
  std::span<const std::uint32_t> posting_offsets_;
  std::vector<std::uint32_t> posting_offsets_copy_;
  std::string_view postings_;
  std::vector<std::uint32_t> time_offsets_, ref_offsets_, block_offsets_;
  std::string_view times_, refs_, payload_;

  // A few decoded blocks (times and plate references always; the payload when
  // a whole row was asked for), so neighbouring rows decode once.
  struct Block {
    std::uint32_t index = UINT32_MAX;
    std::vector<std::int64_t> times;
    std::vector<std::uint32_t> refs;
    bool payload_ready = false;
    std::string payload;
    std::vector<std::uint32_t> offsets;
  };
  // Requires mu_.
  Result<const Block*> LoadBlock(std::uint32_t block, bool need_payload) const;
  mutable std::mutex mu_;
  mutable std::array<Block, 4> cache_;
  mutable std::size_t next_victim_ = 0;
};

inline constexpr std::uint32_t kPayloadBlockRows = 1024;
inline constexpr std::uint32_t kPostingStride = 16;

}  // namespace interdict::store
