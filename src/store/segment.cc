#include "store/segment.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <functional>
#include <numeric>
#include <tuple>
#include <unordered_map>

#include <fmt/core.h>

#include "crypto/aead.h"
#include "store/coding.h"
#include "store/compression.h"
#include "store/crc32c.h"
#include "store/row_codec.h"

namespace interdict::store {
namespace {

constexpr std::string_view kMagic{"IDSEG\0\0\1", 8};
constexpr std::uint32_t kVersion = 2;             // camera order, plain
constexpr std::uint32_t kSealedVersion = 3;       // camera order, dictionary and row blocks sealed
constexpr std::uint32_t kPlateVersion = 4;        // plate order, plain
constexpr std::uint32_t kSealedPlateVersion = 5;  // plate order, sealed
constexpr std::size_t kHeaderSize = 16;
constexpr std::size_t kTailSize = 24;

enum SectionId : int {
  kCameras = 1,
  kDict = 2,
  kPostingOffsets = 3,
  kPostings = 4,
  kBlockOffsets = 5,
  kBlocks = 6,
  kSectionCount = 7,  // version 2/3: sections 1-6
  // Version 4/5: 3 and 4 are the entry marks and counts, and two more.
  kEntryMarks = 3,
  kEntryCounts = 4,
  kCameraOffsets = 7,
  kCameraLists = 8,
  kPlateSectionCount = 9,  // required: 1-8
  // Optional, plain version 4 only: the plate filter, read in place.
  kPlateFilter = 9,
};

// A camera list's rows per group, and the unit of its times (docs/format/
// store.md, section 8).
constexpr std::size_t kCameraGroup = 64;
constexpr std::int64_t kMinuteMs = 60'000;

// One camera's list, parsed lazily: its groups' first times and offsets, and
// the entries of a group, each the minute it falls in and its block.
class CameraListReader {
 public:
  // `span`: the segment's max_time - min_time; no group starts after it.
  bool Parse(std::string_view list, std::uint32_t max_rows, std::size_t blocks, std::int64_t span) {
    Decoder in(list);
    if (!in.GetVarint(&count_) || count_ == 0 || count_ > max_rows || !in.GetVarint(&groups_) ||
        groups_ != (count_ + kCameraGroup - 1) / kCameraGroup || in.remaining() < groups_ * 12)
      return false;
    index_ = list.substr(list.size() - in.remaining(), groups_ * 12);
    bodies_ = list.substr(list.size() - in.remaining() + groups_ * 12);
    blocks_ = blocks;
    max_minute_ = static_cast<std::uint64_t>(span / kMinuteMs);
    for (std::uint64_t g = 0; g < groups_; ++g) {
      if (DecodeFixed64(index_.data() + 12 * g) > static_cast<std::uint64_t>(span)) return false;
      if (Offset(g) > bodies_.size() ||
          (g > 0 && (Offset(g) <= Offset(g - 1) || FirstTime(g) < FirstTime(g - 1))))
        return false;
    }
    return groups_ > 0 && Offset(0) == 0;
  }
  std::uint64_t count() const { return count_; }
  std::uint64_t groups() const { return groups_; }
  // Milliseconds after the segment's min_time.
  std::int64_t FirstTime(std::uint64_t g) const {
    return static_cast<std::int64_t>(DecodeFixed64(index_.data() + 12 * g));
  }
  // Calls fn(minute_start_ms, block) for each entry of group g (times in ms
  // after min_time); false when the group is malformed. fn returns false to stop.
  template <typename Fn>
  bool ForEach(std::uint64_t g, Fn&& fn) const {
    const std::size_t end = g + 1 < groups_ ? Offset(g + 1) : bodies_.size();
    Decoder in(bodies_.substr(Offset(g), end - Offset(g)));
    const std::uint64_t n = std::min<std::uint64_t>(kCameraGroup, count_ - g * kCameraGroup);
    std::uint64_t minute = 0;
    for (std::uint64_t k = 0; k < n; ++k) {
      std::uint64_t delta = 0, block = 0;
      if (!in.GetVarint(&delta) || !in.GetVarint(&block) || block >= blocks_ ||
          delta > max_minute_ - minute)
        return false;
      minute += delta;
      if (!fn(FirstTime(g) + static_cast<std::int64_t>(minute) * kMinuteMs,
              static_cast<std::uint32_t>(block)))
        return true;
    }
    return in.done();
  }

 private:
  std::size_t Offset(std::uint64_t g) const { return DecodeFixed32(index_.data() + 12 * g + 8); }
  std::uint64_t count_ = 0, groups_ = 0;
  std::string_view index_, bodies_;
  std::size_t blocks_ = 0;
  std::uint64_t max_minute_ = 0;  // no row is later than the segment's span
};

// The segment's plate filter (a blocked Bloom filter, docs/format/store.md,
// section 9): one 512-bit block per plate, chosen by the top bits of a 64-bit
// mix, then kBloomProbes bits in it, 9 bits of the mix each. About 10 bits a
// plate: a false positive in roughly one look-up in a hundred. Blocks are
// eight little-endian u64 words, in the file and in memory alike.
constexpr int kBloomProbes = 4;
constexpr std::size_t kBloomBlockBytes = 64;
std::uint64_t BloomHash(std::uint64_t x) {
  // splitmix64's finalizer.
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::size_t BloomBlocks(std::size_t entries) {
  return std::max<std::size_t>(1, (entries * 10 + 511) / 512);
}

// The filter of `n` sorted plates, `plate(i)` the i-th, as section 9 holds it.
template <typename PlateAt>
std::string BloomFilterOf(std::size_t n, PlateAt plate) {
  std::vector<std::uint64_t> words(8 * BloomBlocks(n), 0);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t h = BloomHash(plate(i));
    std::uint64_t* block = words.data() + 8 * ((h >> 40) % (words.size() / 8));
    for (int k = 0; k < kBloomProbes; ++k) {
      const unsigned bit = (h >> (9 * k)) & 511;
      block[bit / 64] |= std::uint64_t{1} << (bit % 64);
    }
  }
  std::string out;
  out.reserve(8 * words.size());
  for (std::uint64_t w : words) PutFixed64(out, w);
  return out;
}

// Bits 0 and 1 are kRowHasPosition and kRowHasHeading (row_codec.h).
constexpr std::uint8_t kIdTemplated = 4;

std::string TemplatedId(std::string_view camera, std::int64_t time) {
  std::string id;
  id.reserve(camera.size() + 21);
  id.append(camera).append("-").append(std::to_string(time));
  return id;
}
std::string TemplatedId(const read::Read& r) {
  return TemplatedId(r.camera, r.time);
}

// Whether `id` is the one `camera` and `time` imply, checked without
// building that id.
bool HasTemplatedId(std::string_view id, std::string_view camera, std::int64_t time) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, time).ptr;
  const std::string_view t(digits, static_cast<std::size_t>(end - digits));
  return id.size() == camera.size() + 1 + t.size() && id.starts_with(camera) &&
         id[camera.size()] == '-' && id.ends_with(t);
}

// A stored row's id: written in its payload, or implied by camera and time.
std::string_view PayloadId(std::string_view payload, std::string_view camera, std::int64_t time,
                           std::string* scratch) {
  Decoder in(payload);
  std::uint8_t flags = 0;
  std::string_view id;
  if (in.GetByte(&flags) && !(flags & kIdTemplated) && in.GetString(&id)) return id;
  *scratch = TemplatedId(camera, time);
  return *scratch;
}

// A payload row up to the shared tail (EncodeOptionalFields), which follows.
void EncodePayloadHead(std::uint8_t optional_flags, std::string_view id, std::string_view camera,
                       std::int64_t time, std::string_view raw_plate, std::uint8_t state,
                       std::uint8_t state_confidence, std::uint8_t plate_confidence,
                       std::string& out) {
  std::uint8_t flags = optional_flags;
  if (HasTemplatedId(id, camera, time)) flags |= kIdTemplated;
  out += static_cast<char>(flags);
  if (!(flags & kIdTemplated)) PutString(out, id);
  PutString(out, raw_plate);
  out += static_cast<char>(state);
  out += static_cast<char>(state_confidence);
  out += static_cast<char>(plate_confidence);
}

void EncodePayloadRow(const read::Read& r, std::string& out) {
  EncodePayloadHead(OptionalFieldFlags(r), r.id, r.camera, r.time, r.raw_plate, r.state.id(),
                    r.state_confidence.raw(), r.plate_confidence.raw(), out);
  EncodeOptionalFields(r, out);
}

bool DecodePayloadRow(Decoder& in, read::Read* r) {
  std::uint8_t flags = 0, state = 0, sc = 0, pc = 0;
  if (!in.GetByte(&flags)) return false;
  if (flags & kIdTemplated) {
    r->id = TemplatedId(*r);
  } else if (!in.GetString(&r->id)) {
    return false;
  }
  if (!in.GetString(&r->raw_plate) || !in.GetByte(&state) || !in.GetByte(&sc) || !in.GetByte(&pc)) {
    return false;
  }
  Result<plate::Jurisdiction> j = plate::Jurisdiction::FromId(state);
  if (!j.ok()) return false;
  r->state = *j;
  r->state_confidence = read::Confidence::FromRaw(sc);
  r->plate_confidence = read::Confidence::FromRaw(pc);
  return DecodeOptionalFields(in, flags, r);
}

// Advances past one payload row without building it: for finding where each
// row of a block starts.
bool SkipPayloadRow(Decoder& in) {
  std::uint8_t flags = 0, b = 0;
  std::string_view sv;
  std::uint64_t v = 0;
  if (!in.GetByte(&flags)) return false;
  if (!(flags & kIdTemplated) && !in.GetString(&sv)) return false;
  if (!in.GetString(&sv) || !in.GetByte(&b) || !in.GetByte(&b) || !in.GetByte(&b)) return false;
  if ((flags & kRowHasPosition) && (!in.GetVarint(&v) || !in.GetVarint(&v))) return false;
  if ((flags & kRowHasHeading) && !in.GetVarint(&v)) return false;
  std::uint64_t n = 0;
  if (!in.GetVarint(&n) || n > read::kMaxAlternates) return false;
  for (std::uint64_t i = 0; i < n; ++i) {
    if (!in.GetString(&sv) || !in.GetByte(&b)) return false;
  }
  for (int i = 0; i < 6; ++i) {
    if (!in.GetString(&sv)) return false;
  }
  return true;
}

void PutU32Array(std::string& out, const std::vector<std::uint32_t>& v) {
  for (std::uint32_t x : v) PutFixed32(out, x);
}

// What a sealed section or block is bound to (docs/format/keys.md), by the
// segment's version (3 or 5).
std::string DictContext(std::uint32_t version, const std::string& key_id, std::uint64_t segment) {
  return fmt::format("interdict-seg/{}|{}|{}|dict", version, key_id, segment);
}
std::string BlockContext(std::uint32_t version, const std::string& key_id, std::uint64_t segment,
                         std::uint32_t block) {
  return fmt::format("interdict-seg/{}|{}|{}|block|{}", version, key_id, segment, block);
}
std::string CameraContext(const std::string& key_id, std::uint64_t segment, std::size_t camera) {
  return fmt::format("interdict-seg/5|{}|{}|cam|{}", key_id, segment, camera);
}

}  // namespace

std::string SegmentFileName(std::uint64_t id) {
  return fmt::format("{:016x}.seg", id);
}

bool PlateOrderLess(const read::Read& a, const read::Read& b) {
  const std::uint64_t pa = a.plate.Pack(), pb = b.plate.Pack();
  return std::tie(pa, a.time, a.camera, a.id) < std::tie(pb, b.time, b.camera, b.id);
}

bool CameraOrderLess(const read::Read& a, const read::Read& b) {
  return std::tie(a.camera, a.time, a.id) < std::tie(b.camera, b.time, b.id);
}

bool StoredRowLess(const StoredRow& a, const StoredRow& b) {
  if (a.plate != b.plate) return a.plate < b.plate;
  if (a.time != b.time) return a.time < b.time;
  if (const int c = a.camera.compare(b.camera); c != 0) return c < 0;
  std::string sa, sb;
  return PayloadId(a.payload, a.camera, a.time, &sa) < PayloadId(b.payload, b.camera, b.time, &sb);
}

struct SegmentWriter::State {
  SegmentMeta meta;
  SegmentLayout layout = SegmentLayout::kPlateOrder;
  std::shared_ptr<const crypto::DataKey> key;
  std::unique_ptr<crypto::Aead> aead;  // key's cipher
  Status sealing;                      // the first failure to set up or seal
  std::vector<std::uint64_t> plates;
  std::size_t plate_cursor = 0;  // the last row's index in plates
  std::uint32_t rows = 0;
  // Version 2/3: camera runs so far (name, first row, rows), and per row its
  // index in `plates` (for the postings).
  std::string runs_body;
  std::uint64_t runs = 0;
  std::string run_camera;
  std::uint32_t run_first = 0;
  std::vector<std::uint32_t> refs;
  // Version 4/5: cameras by first appearance, each entry's rows, and per row
  // (camera, time) for the camera lists.
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view v) const { return std::hash<std::string_view>{}(v); }
  };
  std::unordered_map<std::string, std::uint32_t, NameHash, std::equal_to<>> camera_index;
  std::vector<std::string> camera_names;
  std::vector<std::uint32_t> entry_rows;
  struct CameraRow {
    std::uint32_t camera;
    std::int64_t time;
    std::uint32_t row;
  };
  std::vector<CameraRow> camera_rows;
  // The previous row's key, for the order check and the deltas (kept field
  // by field: copying whole reads showed in profiles).
  std::uint64_t prev_plate = 0;
  std::int64_t prev_time = 0;
  std::string prev_camera, prev_payload;  // the id is in the payload
  std::uint32_t prev_ref = 0;
  std::string encoded;  // Add(Read)'s payload
  // The block being filled, and the blocks done.
  std::string times, block_refs, block_cams, payload, marks;
  std::uint32_t block_rows = 0;
  std::string blocks;
  std::vector<std::uint32_t> block_offsets;

  std::uint32_t SealedVersion() const {
    return layout == SegmentLayout::kPlateOrder ? kSealedPlateVersion : kSealedVersion;
  }
  void EndRun() {
    if (rows == run_first) return;
    PutString(runs_body, run_camera);
    PutVarint(runs_body, run_first);
    PutVarint(runs_body, rows - run_first);
    ++runs;
  }
  void EndBlock() {
    if (block_rows == 0) return;
    std::string raw = std::move(marks);
    if (layout == SegmentLayout::kPlateOrder) {
      raw += block_refs;
      raw += times;
      raw += block_cams;
    } else {
      raw += times;
      raw += block_refs;
    }
    raw += payload;
    const auto index = static_cast<std::uint32_t>(block_offsets.size());
    block_offsets.push_back(static_cast<std::uint32_t>(blocks.size()));
    if (key == nullptr) {
      blocks += Compress(raw);
    } else if (aead != nullptr) {
      Status st = aead->SealAppend(Compress(raw),
                                   BlockContext(SealedVersion(), key->id, meta.id, index), &blocks);
      if (!st.ok() && sealing.ok()) sealing = st;
    }
    times.clear();
    block_refs.clear();
    block_cams.clear();
    payload.clear();
    marks.clear();
    block_rows = 0;
  }
  bool BeforePrevious(std::uint64_t packed, std::int64_t time, std::string_view camera,
                      std::string_view row_payload) const;
  Status AddRow(std::uint64_t packed, std::int64_t time, std::string_view camera,
                std::string_view row_payload);
  void AddCameraOrder(std::int64_t time, std::string_view camera, std::uint32_t ref);
  void AddPlateOrder(std::int64_t time, std::string_view camera, std::uint32_t ref);
  Status FinishCameraOrder(std::vector<std::string>& sections);
  Status FinishPlateOrder(std::vector<std::string>& sections);
};

SegmentWriter::SegmentWriter(SegmentMeta meta, std::vector<std::uint64_t> plates,
                             std::shared_ptr<const crypto::DataKey> key, SegmentLayout layout)
    : s_(std::make_unique<State>()) {
  s_->meta = std::move(meta);
  s_->meta.key_id = key ? key->id : "";
  s_->layout = layout;
  if (key != nullptr) {
    Result<std::unique_ptr<crypto::Aead>> aead = crypto::Aead::Make(key->material);
    if (aead.ok()) {
      s_->aead = std::move(aead).value();
    } else {
      s_->sealing = aead.status();
    }
  }
  s_->key = std::move(key);
  s_->meta.max_time = s_->meta.min_time;
  s_->plates = std::move(plates);
  if (layout == SegmentLayout::kPlateOrder) s_->entry_rows.assign(s_->plates.size(), 0);
}

SegmentWriter::~SegmentWriter() = default;

Status SegmentWriter::Add(const read::Read& r) {
  State& s = *s_;
  s.encoded.clear();
  EncodePayloadRow(r, s.encoded);
  return s.AddRow(r.plate.Pack(), r.time, r.camera, s.encoded);
}

Status SegmentWriter::Add(std::uint64_t packed, const EncodedRow& r) {
  State& s = *s_;
  s.encoded.clear();
  // The log's flag bits for the shared tail are the payload's (row_codec.h);
  // no other bit may pass into the payload's flags.
  EncodePayloadHead(static_cast<std::uint8_t>(r.flags & (kRowHasPosition | kRowHasHeading)), r.id,
                    r.camera, r.time, r.raw_plate, r.state, r.state_confidence, r.plate_confidence,
                    s.encoded);
  s.encoded += r.optional;
  return s.AddRow(packed, r.time, r.camera, s.encoded);
}

Status SegmentWriter::Add(const StoredRow& r) {
  if (s_->layout != SegmentLayout::kPlateOrder)
    return Status::InvalidArgument("stored rows are copied into plate-ordered segments only");
  return s_->AddRow(r.plate, r.time, r.camera, r.payload);
}

// Whether a row keyed (plate, time, camera, payload) comes before the
// previous row in the layout's order: the id, in the payload, only on ties.
bool SegmentWriter::State::BeforePrevious(std::uint64_t packed, std::int64_t time,
                                          std::string_view camera,
                                          std::string_view row_payload) const {
  int c = 0;
  if (layout == SegmentLayout::kPlateOrder && packed != prev_plate) return packed < prev_plate;
  if (layout == SegmentLayout::kCameraOrder && (c = camera.compare(prev_camera)) != 0) return c < 0;
  if (time != prev_time) return time < prev_time;
  if (layout == SegmentLayout::kPlateOrder && (c = camera.compare(prev_camera)) != 0) return c < 0;
  std::string a, b;
  return PayloadId(row_payload, camera, time, &a) < PayloadId(prev_payload, camera, time, &b);
}

Status SegmentWriter::State::AddRow(std::uint64_t packed, std::int64_t time,
                                    std::string_view camera, std::string_view row_payload) {
  if (time < meta.min_time)
    return Status::InvalidArgument("a segment row is earlier than the segment's min_time");
  if (rows == UINT32_MAX) return Status::InvalidArgument("too many rows for one segment");
  if (rows > 0 && BeforePrevious(packed, time, camera, row_payload))
    return Status::InvalidArgument(layout == SegmentLayout::kPlateOrder
                                       ? "segment rows must come in (plate, time, camera, id) order"
                                       : "segment rows must come in (camera, time, id) order");
  // The plate's index in the list: in plate order the rows walk the list,
  // so a cursor moves forward; in camera order, a binary search.
  std::size_t at = plate_cursor;
  if (layout == SegmentLayout::kPlateOrder) {
    while (at < plates.size() && plates[at] < packed) ++at;
  } else {
    at = static_cast<std::size_t>(std::lower_bound(plates.begin(), plates.end(), packed) -
                                  plates.begin());
  }
  if (at == plates.size() || plates[at] != packed)
    return Status::InvalidArgument("a segment row's plate is not in the segment's plate list");
  plate_cursor = at;
  const auto ref = static_cast<std::uint32_t>(at);
  if (layout == SegmentLayout::kPlateOrder) {
    AddPlateOrder(time, camera, ref);
  } else {
    AddCameraOrder(time, camera, ref);
  }
  if (block_rows % kMarkRows == 0) PutVarint(marks, payload.size());
  payload += row_payload;
  prev_plate = packed;
  prev_time = time;
  prev_camera.assign(camera);
  prev_payload.assign(row_payload);
  prev_ref = ref;
  meta.max_time = std::max(meta.max_time, time);
  ++rows;
  if (++block_rows == kBlockRows) EndBlock();
  return Status::Ok();
}

void SegmentWriter::State::AddCameraOrder(std::int64_t time, std::string_view camera,
                                          std::uint32_t ref) {
  const bool new_run = rows == 0 || camera != run_camera;
  if (new_run) {
    EndRun();
    run_camera.assign(camera);
    run_first = rows;
  }
  // Times: absolute (from min_time) at the start of a block or of a run,
  // else the delta from the previous row.
  PutVarint(times, (block_rows == 0 || new_run) ? ZigZag(time - meta.min_time)
                                                : static_cast<std::uint64_t>(time - prev_time));
  PutVarint(block_refs, ref);
  refs.push_back(ref);
}

void SegmentWriter::State::AddPlateOrder(std::int64_t time, std::string_view camera,
                                         std::uint32_t ref) {
  const bool new_entry = rows == 0 || ref != prev_ref;
  // The entry: absolute at a block's start, else the increase (0 while the
  // plate repeats). Times: absolute where the entry changes or a block
  // starts, else the delta from the previous row.
  PutVarint(block_refs, block_rows == 0 ? ref : ref - prev_ref);
  PutVarint(times, (block_rows == 0 || new_entry) ? ZigZag(time - meta.min_time)
                                                  : static_cast<std::uint64_t>(time - prev_time));
  auto cam = camera_index.find(camera);
  if (cam == camera_index.end()) {
    cam = camera_index.emplace(std::string(camera), static_cast<std::uint32_t>(camera_names.size()))
              .first;
    camera_names.emplace_back(camera);
  }
  PutVarint(block_cams, cam->second);
  ++entry_rows[ref];
  camera_rows.push_back({cam->second, time, rows});
}

Status SegmentWriter::State::FinishCameraOrder(std::vector<std::string>& sections) {
  {
    std::string cams;
    PutVarint(cams, runs);
    cams += runs_body;
    sections[kCameras] = std::move(cams);
  }
  {
    // The narrowest width holding every entry's non-zero bytes.
    unsigned width = 1;
    for (std::uint64_t v : plates) {
      if (v != 0) width = std::max(width, 8 - static_cast<unsigned>(std::countr_zero(v)) / 8);
    }
    std::string d(1, static_cast<char>(width));
    for (std::uint64_t v : plates) {
      const std::uint64_t top = v >> (64 - 8 * width);
      for (unsigned k = 0; k < width; ++k) d += static_cast<char>((top >> (8 * k)) & 0xff);
    }
    sections[kDict] = std::move(d);
  }
  std::vector<std::uint32_t> counts(plates.size() + 1, 0);
  for (std::uint32_t ref : refs) ++counts[ref + 1];
  // Every plate listed must have rows: a segment never names a plate it does
  // not hold (a purge rewrite must not keep a destroyed read's plate).
  for (std::size_t e = 0; e < plates.size(); ++e) {
    if (counts[e + 1] == 0)
      return Status::InvalidArgument("a plate in the segment's plate list has no rows");
  }
  std::partial_sum(counts.begin(), counts.end(), counts.begin());
  std::vector<std::uint32_t> postings(rows);
  std::vector<std::uint32_t> fill(counts.begin(), counts.end() - 1);
  for (std::uint32_t i = 0; i < rows; ++i) postings[fill[refs[i]]++] = i;  // rows ascending
  // Each entry: its row count, then the rows delta-coded. Offsets are kept
  // for every kPostingStride-th entry only; a lookup skips forward from one.
  std::string data;
  std::vector<std::uint32_t> offsets;
  for (std::size_t e = 0; e < plates.size(); ++e) {
    if (e % kPostingStride == 0) offsets.push_back(static_cast<std::uint32_t>(data.size()));
    PutVarint(data, counts[e + 1] - counts[e]);
    std::uint32_t prev_row = 0;
    for (std::uint32_t k = counts[e]; k < counts[e + 1]; ++k) {
      PutVarint(data, postings[k] - prev_row);
      prev_row = postings[k];
    }
  }
  offsets.push_back(static_cast<std::uint32_t>(data.size()));
  std::string off;
  PutU32Array(off, offsets);
  sections[kPostingOffsets] = std::move(off);
  sections[kPostings] = std::move(data);
  return Status::Ok();
}

Status SegmentWriter::State::FinishPlateOrder(std::vector<std::string>& sections) {
  {
    std::string cams;
    PutVarint(cams, camera_names.size());
    for (const std::string& name : camera_names) PutString(cams, name);
    sections[kCameras] = std::move(cams);
  }
  sections[kDict] = PlateDictionary::EncodeRestarts(plates);
  if (key == nullptr) {
    // Sealed segments keep no filter on disk: its bits would tell anyone with
    // the file whether a plate was read in the bucket. Readers build theirs.
    sections[kPlateFilter] = BloomFilterOf(plates.size(), [&](std::size_t i) { return plates[i]; });
  }
  {
    std::string marks_out, counts_out;
    std::uint32_t first = 0;
    for (std::size_t e = 0; e < plates.size(); ++e) {
      if (entry_rows[e] == 0)
        return Status::InvalidArgument("a plate in the segment's plate list has no rows");
      if (e % kPostingStride == 0) {
        PutFixed32(marks_out, first);
        PutFixed32(marks_out, static_cast<std::uint32_t>(counts_out.size()));
      }
      PutVarint(counts_out, entry_rows[e]);
      first += entry_rows[e];
    }
    PutFixed32(marks_out, first);
    PutFixed32(marks_out, static_cast<std::uint32_t>(counts_out.size()));
    sections[kEntryMarks] = std::move(marks_out);
    sections[kEntryCounts] = std::move(counts_out);
  }
  // Camera lists: each camera's rows by (time, row), each as the minute it
  // falls in and its block, in groups of 64 with an index of their first
  // times.
  // Cameras are dense indexes: rows are bucketed by camera in one pass, then
  // each camera's few rows sorted (cheaper than one sort of all of them).
  {
    std::vector<std::uint32_t> starts(camera_names.size() + 1, 0);
    for (const CameraRow& c : camera_rows) ++starts[c.camera + 1];
    for (std::size_t c = 1; c < starts.size(); ++c) starts[c] += starts[c - 1];
    std::vector<CameraRow> by_camera(camera_rows.size());
    std::vector<std::uint32_t> at(starts.begin(), starts.end() - 1);
    for (const CameraRow& c : camera_rows) by_camera[at[c.camera]++] = c;
    for (std::size_t c = 0; c + 1 < starts.size(); ++c) {
      std::sort(by_camera.begin() + starts[c], by_camera.begin() + starts[c + 1],
                [](const CameraRow& a, const CameraRow& b) {
                  return std::tie(a.time, a.row) < std::tie(b.time, b.row);
                });
    }
    camera_rows = std::move(by_camera);
  }
  std::vector<std::uint32_t> offsets;
  std::string lists, list, bodies;
  for (std::size_t i = 0; i < camera_rows.size();) {
    const std::uint32_t cam = camera_rows[i].camera;
    std::size_t end = i;
    while (end < camera_rows.size() && camera_rows[end].camera == cam) ++end;
    const std::size_t groups = (end - i + kCameraGroup - 1) / kCameraGroup;
    list.clear();
    bodies.clear();
    PutVarint(list, end - i);
    PutVarint(list, groups);
    for (std::size_t g = i; g < end; g += kCameraGroup) {
      const std::int64_t first = camera_rows[g].time;
      PutFixed64(list, static_cast<std::uint64_t>(first - meta.min_time));
      PutFixed32(list, static_cast<std::uint32_t>(bodies.size()));
      std::int64_t minute = 0;
      for (std::size_t k = g; k < std::min(end, g + kCameraGroup); ++k) {
        const std::int64_t m = (camera_rows[k].time - first) / kMinuteMs;
        PutVarint(bodies, static_cast<std::uint64_t>(m - minute));
        PutVarint(bodies, camera_rows[k].row / kBlockRows);
        minute = m;
      }
    }
    list += bodies;
    offsets.push_back(static_cast<std::uint32_t>(lists.size()));
    if (key == nullptr) {
      lists += list;
    } else {
      INTERDICT_RETURN_IF_ERROR(sealing);
      INTERDICT_RETURN_IF_ERROR(
          aead->SealAppend(list, CameraContext(key->id, meta.id, cam), &lists));
    }
    i = end;
  }
  offsets.push_back(static_cast<std::uint32_t>(lists.size()));
  std::string off;
  PutU32Array(off, offsets);
  sections[kCameraOffsets] = std::move(off);
  sections[kCameraLists] = std::move(lists);
  return Status::Ok();
}

Status SegmentWriter::Finish(Env& env, const std::string& path) {
  State& s = *s_;
  if (s.rows == 0) return Status::InvalidArgument("a segment needs at least one read");
  const bool plate_order = s.layout == SegmentLayout::kPlateOrder;
  if (!plate_order) s.EndRun();
  s.EndBlock();
  SegmentMeta& meta = s.meta;
  meta.rows = s.rows;
  const int section_count = !plate_order       ? kSectionCount
                            : s.key != nullptr ? kPlateSectionCount
                                               : kPlateFilter + 1;
  std::vector<std::string> sections(static_cast<std::size_t>(section_count));
  INTERDICT_RETURN_IF_ERROR(plate_order ? s.FinishPlateOrder(sections)
                                        : s.FinishCameraOrder(sections));
  if (s.key != nullptr) {
    INTERDICT_RETURN_IF_ERROR(s.sealing);
    std::string sealed;
    INTERDICT_RETURN_IF_ERROR(s.aead->SealAppend(
        sections[kDict], DictContext(s.SealedVersion(), s.key->id, meta.id), &sealed));
    sections[kDict] = std::move(sealed);
  }
  INTERDICT_RETURN_IF_ERROR(s.sealing);
  {
    s.block_offsets.push_back(static_cast<std::uint32_t>(s.blocks.size()));
    std::string off;
    PutU32Array(off, s.block_offsets);
    sections[kBlockOffsets] = std::move(off);
    sections[kBlocks] = std::move(s.blocks);
  }

  // Assemble: header, sections (8-byte aligned), meta, tail.
  std::string file(kMagic);
  PutFixed32(file, s.key ? s.SealedVersion() : (plate_order ? kPlateVersion : kVersion));
  PutFixed32(file, 0);
  std::string dir;
  PutVarint(dir, static_cast<std::uint64_t>(section_count - 1));
  for (int id = 1; id < section_count; ++id) {
    while (file.size() % 8 != 0) file += '\0';
    const std::string& sec = sections[static_cast<std::size_t>(id)];
    dir += static_cast<char>(id);
    PutVarint(dir, file.size());
    PutVarint(dir, sec.size());
    PutFixed32(dir, Crc32c(sec));
    file += sec;
  }
  std::string m;
  PutVarint(m, meta.id);
  PutString(m, meta.agency);
  PutVarint(m, ZigZag(meta.bucket_start));
  PutVarint(m, ZigZag(meta.bucket_end));
  PutVarint(m, ZigZag(meta.min_time));
  PutVarint(m, ZigZag(meta.max_time));
  PutVarint(m, meta.rows);
  PutVarint(m, meta.min_seq);
  PutVarint(m, meta.max_seq);
  PutVarint(m, meta.replaces.size());
  for (std::uint64_t r : meta.replaces) PutVarint(m, r);
  if (s.key) PutString(m, meta.key_id);
  m += dir;
  const std::uint64_t meta_offset = file.size();
  file += m;
  PutFixed64(file, meta_offset);
  PutFixed32(file, static_cast<std::uint32_t>(m.size()));
  PutFixed32(file, Crc32c(m));
  file += kMagic;

  Result<std::unique_ptr<WritableFile>> f = env.NewWritableFile(path);
  if (!f.ok()) return f.status();
  INTERDICT_RETURN_IF_ERROR((*f)->Append(file));
  INTERDICT_RETURN_IF_ERROR((*f)->Sync());
  return (*f)->Close();
}

Status WriteSegment(Env& env, const std::string& path, SegmentMeta meta,
                    const std::vector<read::Read>& reads, SegmentLayout layout) {
  if (reads.empty()) return Status::InvalidArgument("a segment needs at least one read");
  const auto n = static_cast<std::uint32_t>(reads.size());
  std::vector<std::uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    return layout == SegmentLayout::kPlateOrder ? PlateOrderLess(reads[a], reads[b])
                                                : CameraOrderLess(reads[a], reads[b]);
  });
  meta.min_time = reads[0].time;
  std::vector<std::uint64_t> plates(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    meta.min_time = std::min(meta.min_time, reads[i].time);
    plates[i] = reads[i].plate.Pack();
  }
  std::sort(plates.begin(), plates.end());
  plates.erase(std::unique(plates.begin(), plates.end()), plates.end());
  SegmentWriter w(std::move(meta), std::move(plates), nullptr, layout);
  for (std::uint32_t i : order) INTERDICT_RETURN_IF_ERROR(w.Add(reads[i]));
  return w.Finish(env, path);
}

Result<std::shared_ptr<Segment>> Segment::Open(Env& env, const std::string& path,
                                               const crypto::KeyRing* keys, bool* key_destroyed) {
  if (key_destroyed) *key_destroyed = false;
  Result<std::unique_ptr<MappedFile>> f = env.MapFile(path);
  if (!f.ok()) return f.status();
  std::shared_ptr<Segment> s(new Segment());
  s->path_ = path;
  s->file_ = std::move(f).value();
  INTERDICT_RETURN_IF_ERROR(s->Parse(keys, key_destroyed));
  return s;
}

std::string_view Segment::Section(int id) const {
  const SectionRef& r = sections_[static_cast<std::size_t>(id)];
  return file_->data().substr(r.offset, r.length);
}

Status Segment::Parse(const crypto::KeyRing* keys, bool* key_destroyed) {
  const std::string_view d = file_->data();
  auto bad = [&](std::string_view what) {
    return Status::Corruption(fmt::format("{}: {}", path_, what));
  };
  if (d.size() < kHeaderSize + kTailSize) return bad("too short to be a segment");
  if (d.substr(0, 8) != kMagic || d.substr(d.size() - 8) != kMagic) return bad("bad magic");
  version_ = DecodeFixed32(d.data() + 8);
  if (version_ < kVersion || version_ > kSealedPlateVersion)
    return bad(fmt::format("unknown segment version {}", version_));
  layout_ = version_ >= kPlateVersion ? SegmentLayout::kPlateOrder : SegmentLayout::kCameraOrder;
  const bool sealed = version_ == kSealedVersion || version_ == kSealedPlateVersion;
  const char* tail = d.data() + d.size() - kTailSize;
  const std::uint64_t meta_offset = DecodeFixed64(tail);
  const std::uint32_t meta_len = DecodeFixed32(tail + 8);
  const std::uint32_t meta_crc = DecodeFixed32(tail + 12);
  if (meta_offset > d.size() - kTailSize || meta_len > d.size() - kTailSize - meta_offset) {
    return bad("footer points outside the file");
  }
  const std::string_view m = d.substr(meta_offset, meta_len);
  if (Crc32c(m) != meta_crc) return bad("footer checksum mismatch");
  Decoder in(m);
  std::uint64_t rows = 0, nrep = 0, nsec = 0;
  std::int64_t bs = 0, be = 0, mn = 0, mx = 0;
  if (!in.GetVarint(&meta_.id) || !in.GetString(&meta_.agency) || !in.GetZigZag(&bs) ||
      !in.GetZigZag(&be) || !in.GetZigZag(&mn) || !in.GetZigZag(&mx) || !in.GetVarint(&rows) ||
      !in.GetVarint(&meta_.min_seq) || !in.GetVarint(&meta_.max_seq) || !in.GetVarint(&nrep) ||
      nrep > 1'000'000 || rows > UINT32_MAX || rows == 0 || mx < mn) {
    return bad("malformed footer");
  }
  if (std::int64_t span = 0; __builtin_sub_overflow(mx, mn, &span)) return bad("malformed footer");
  meta_.bucket_start = bs;
  meta_.bucket_end = be;
  meta_.min_time = mn;
  meta_.max_time = mx;
  meta_.rows = static_cast<std::uint32_t>(rows);
  for (std::uint64_t i = 0; i < nrep; ++i) {
    std::uint64_t r = 0;
    if (!in.GetVarint(&r)) return bad("malformed footer");
    meta_.replaces.push_back(r);
  }
  if (sealed) {
    if (!in.GetString(&meta_.key_id) || meta_.key_id.empty()) return bad("malformed footer");
    if (keys == nullptr) {
      return Status::FailedPrecondition(fmt::format(
          "{}: sealed under data key {}, but encryption is not configured", path_, meta_.key_id));
    }
    Result<std::shared_ptr<const crypto::DataKey>> key = keys->Find(meta_.key_id);
    if (!key.ok()) {
      if (keys->StateOf(meta_.key_id) == crypto::KeyState::kDestroyed) {
        if (key_destroyed) *key_destroyed = true;
        return Status::NotFound(fmt::format("{}: its data key {} was destroyed: the bucket expired",
                                            path_, meta_.key_id));
      }
      return Status::FailedPrecondition(fmt::format("{}: {}", path_, key.status().message()));
    }
    key_ = std::move(key).value();
    Result<std::unique_ptr<crypto::Aead>> aead = crypto::Aead::Make(key_->material);
    if (!aead.ok()) return aead.status();
    MutexLock l(mu_);
    aead_ = std::move(aead).value();
  }
  // Sections: version 2/3 has exactly 1-6; version 4/5 needs 1-8 and skips
  // ids it does not know (sections added later).
  const int required = layout_ == SegmentLayout::kPlateOrder ? kPlateSectionCount : kSectionCount;
  if (!in.GetVarint(&nsec) || nsec > 255 ||
      (layout_ == SegmentLayout::kCameraOrder && nsec != kSectionCount - 1)) {
    return bad("unexpected section count");
  }
  sections_.assign(static_cast<std::size_t>(required), SectionRef{});
  std::vector<bool> seen(static_cast<std::size_t>(required), false);
  bool filter_in_file = false;  // section 9 listed (a zero-length one is malformed too)
  for (std::uint64_t i = 0; i < nsec; ++i) {
    std::uint8_t id = 0;
    std::uint64_t off = 0, len = 0;
    std::uint32_t crc = 0;
    if (!in.GetByte(&id) || !in.GetVarint(&off) || !in.GetVarint(&len) || !in.GetFixed32(&crc) ||
        id == 0 || off > meta_offset || len > meta_offset - off) {
      return bad("malformed section directory");
    }
    if (id >= required) {  // optional, or a section this reader does not know: checked
      if (Crc32c(d.substr(off, len)) != crc)
        return bad(fmt::format("section {} checksum mismatch", id));
      if (id == kPlateFilter && layout_ == SegmentLayout::kPlateOrder && key_ == nullptr) {
        if (filter_in_file) return bad("malformed section directory");
        filter_in_file = true;
        bloom_ = d.substr(off, len);
      }
      continue;
    }
    if (seen[id]) return bad("malformed section directory");
    seen[id] = true;
    sections_[id] = {off, len};
    if (Crc32c(Section(id)) != crc) return bad(fmt::format("section {} checksum mismatch", id));
  }
  for (int id = 1; id < required; ++id) {
    if (!seen[static_cast<std::size_t>(id)]) return bad(fmt::format("section {} is missing", id));
  }
  // Dictionary: read in place, or from its opened copy when sealed.
  std::string_view dict = Section(kDict);
  if (key_ != nullptr) {
    MutexLock l(mu_);
    if (!aead_->OpenInto(dict, DictContext(version_, key_->id, meta_.id), &dict_plain_).ok())
      return bad("plate dictionary does not open under its key");
    dict = dict_plain_;
  }
  if (layout_ == SegmentLayout::kPlateOrder) {
    if (!PlateDictionary::ParseRestarts(dict, &dict_)) return bad("malformed plate dictionary");
  } else {
    if (dict.empty() || dict[0] < 1 || dict[0] > 8 ||
        (dict.size() - 1) % std::uint8_t(dict[0]) != 0)
      return bad("malformed plate dictionary");
    const unsigned width = static_cast<std::uint8_t>(dict[0]);
    dict_ = PlateDictionary(dict.data() + 1, (dict.size() - 1) / width, width);
    for (std::size_t i = 1; i < dict_.size(); ++i) {
      if (dict_[i] <= dict_[i - 1]) return bad("plate dictionary out of order");
    }
  }
  if (dict_.size() == 0 || dict_.size() > rows) return bad("malformed plate dictionary");
  // The plate filter: read in place from section 9 when the file has one
  // (plain version 4), else built here in the heap (versions 2, 3 and 5, and
  // version 4 written before section 9).
  bloom_blocks_ = BloomBlocks(dict_.size());
  if (filter_in_file) {
    if (bloom_.size() != bloom_blocks_ * kBloomBlockBytes) return bad("malformed plate filter");
  } else {
    const DictionaryReader plates(dict_);
    bloom_heap_ = BloomFilterOf(dict_.size(), [&](std::size_t i) { return plates[i]; });
    bloom_ = bloom_heap_;
  }
  if (layout_ == SegmentLayout::kPlateOrder) {
    INTERDICT_RETURN_IF_ERROR(ParseEntryMarks(rows));
    INTERDICT_RETURN_IF_ERROR(ParseCameraLists(rows));
  } else {
    INTERDICT_RETURN_IF_ERROR(ParseCameraRuns(rows));
    INTERDICT_RETURN_IF_ERROR(ParsePostings());
  }
  camera_by_name_.resize(camera_names_.size());
  std::iota(camera_by_name_.begin(), camera_by_name_.end(), 0u);
  std::sort(camera_by_name_.begin(), camera_by_name_.end(),
            [&](std::uint32_t a, std::uint32_t b) { return camera_names_[a] < camera_names_[b]; });
  for (std::size_t i = 1; i < camera_by_name_.size(); ++i) {
    if (camera_names_[camera_by_name_[i]] == camera_names_[camera_by_name_[i - 1]])
      return bad("a camera is named twice");
  }
  return ParseBlockOffsets(rows);
}

Status Segment::ParseCameraRuns(std::uint64_t rows) {
  auto bad = [&] { return Status::Corruption(fmt::format("{}: malformed camera section", path_)); };
  Decoder cams(Section(kCameras));
  std::uint64_t ncams = 0;
  if (!cams.GetVarint(&ncams) || ncams > rows) return bad();
  std::uint64_t expected_start = 0;
  for (std::uint64_t i = 0; i < ncams; ++i) {
    std::string name;
    std::uint64_t start = 0, count = 0;
    if (!cams.GetString(&name) || !cams.GetVarint(&start) || !cams.GetVarint(&count) ||
        start != expected_start || count == 0 || count > rows - start) {
      return bad();
    }
    if (!camera_names_.empty() && name <= camera_names_.back()) return bad();
    camera_names_.push_back(std::move(name));
    runs_.push_back({static_cast<std::uint32_t>(start), static_cast<std::uint32_t>(count)});
    expected_start += count;
  }
  if (expected_start != rows)
    return Status::Corruption(fmt::format("{}: camera runs do not cover the rows", path_));
  return Status::Ok();
}

Status Segment::ParsePostings() {
  auto bad = [&](std::string_view what) {
    return Status::Corruption(fmt::format("{}: {}", path_, what));
  };
  const std::string_view po = Section(kPostingOffsets);
  const std::size_t strides = (dict_.size() + kPostingStride - 1) / kPostingStride;
  if (po.size() != (strides + 1) * 4) return bad("posting offsets do not match the dictionary");
  posting_offsets_.resize(strides + 1);
  std::memcpy(posting_offsets_.data(), po.data(), po.size());
  postings_ = Section(kPostings);
  if (posting_offsets_.back() != postings_.size())
    return bad("posting offsets do not match the postings");
  for (std::size_t i = 0; i < strides; ++i) {
    if (posting_offsets_[i] > posting_offsets_[i + 1]) return bad("posting offsets out of order");
  }
  return Status::Ok();
}

Status Segment::ParseEntryMarks(std::uint64_t rows) {
  auto bad = [&] { return Status::Corruption(fmt::format("{}: malformed entry marks", path_)); };
  // Read in place: a copy in the heap would cost half a byte a plate, ~0.5 GiB
  // at a billion reads. Checked once here, so look-ups trust it.
  entry_marks_ = Section(kEntryMarks);
  entry_counts_ = Section(kEntryCounts);
  const std::size_t strides = (dict_.size() + kPostingStride - 1) / kPostingStride;
  if (entry_marks_.size() != (strides + 1) * 8) return bad();
  for (std::size_t k = 1; k <= strides; ++k) {
    if (EntryMark(k).first <= EntryMark(k - 1).first ||
        EntryMark(k).second <= EntryMark(k - 1).second)
      return bad();
  }
  if (EntryMark(0) != std::pair<std::uint32_t, std::uint32_t>{0, 0} ||
      EntryMark(strides).first != rows || EntryMark(strides).second != entry_counts_.size())
    return bad();
  return Status::Ok();
}

std::pair<std::uint32_t, std::uint32_t> Segment::EntryMark(std::size_t stride) const {
  const char* at = entry_marks_.data() + 8 * stride;
  return {DecodeFixed32(at), DecodeFixed32(at + 4)};
}

Status Segment::ParseCameraLists(std::uint64_t rows) {
  auto bad = [&] { return Status::Corruption(fmt::format("{}: malformed camera section", path_)); };
  Decoder cams(Section(kCameras));
  std::uint64_t ncams = 0;
  if (!cams.GetVarint(&ncams) || ncams == 0 || ncams > rows) return bad();
  for (std::uint64_t i = 0; i < ncams; ++i) {
    std::string name;
    if (!cams.GetString(&name)) return bad();
    camera_names_.push_back(std::move(name));
  }
  if (!cams.done()) return bad();
  const std::string_view co = Section(kCameraOffsets);
  camera_lists_ = Section(kCameraLists);
  if (co.size() != (ncams + 1) * 4) return bad();
  camera_offsets_.resize(ncams + 1);
  std::memcpy(camera_offsets_.data(), co.data(), co.size());
  if (camera_offsets_[0] != 0 || camera_offsets_.back() != camera_lists_.size()) return bad();
  for (std::size_t i = 0; i < ncams; ++i) {
    if (camera_offsets_[i] >= camera_offsets_[i + 1]) return bad();
  }
  return Status::Ok();
}

Status Segment::ParseBlockOffsets(std::uint64_t rows) {
  auto bad = [&](std::string_view what) {
    return Status::Corruption(fmt::format("{}: {}", path_, what));
  };
  const std::string_view bo = Section(kBlockOffsets);
  const std::size_t nblocks = (rows + kBlockRows - 1) / kBlockRows;
  if (bo.size() != (nblocks + 1) * 4) return bad("block offsets do not match the rows");
  block_offsets_.resize(nblocks + 1);
  std::memcpy(block_offsets_.data(), bo.data(), bo.size());
  blocks_ = Section(kBlocks);
  if (block_offsets_.back() != blocks_.size()) return bad("block offsets do not match the blocks");
  for (std::size_t b = 0; b < nblocks; ++b) {
    if (block_offsets_[b] > block_offsets_[b + 1]) return bad("block offsets out of order");
  }
  return Status::Ok();
}

std::size_t Segment::FindCamera(std::string_view name) const {
  const auto it =
      std::lower_bound(camera_by_name_.begin(), camera_by_name_.end(), name,
                       [&](std::uint32_t i, std::string_view n) { return camera_names_[i] < n; });
  if (it == camera_by_name_.end() || camera_names_[*it] != name) return camera_names_.size();
  return *it;
}

Status Segment::EntryRun(std::uint32_t entry, std::uint32_t* first, std::uint32_t* count) const {
  if (entry >= dict_.size()) return Status::InvalidArgument("no such dictionary entry");
  const std::size_t stride = entry / kPostingStride;
  const auto [row, offset] = EntryMark(stride);
  Decoder in(entry_counts_.substr(offset, EntryMark(stride + 1).second - offset));
  std::uint64_t at = row, n = 0;
  for (std::uint32_t k = static_cast<std::uint32_t>(stride * kPostingStride);; ++k) {
    if (!in.GetVarint(&n) || n == 0 || n > meta_.rows - at)
      return Status::Corruption(fmt::format("{}: bad entry counts", path_));
    if (k == entry) break;
    at += n;
  }
  *first = static_cast<std::uint32_t>(at);
  *count = static_cast<std::uint32_t>(n);
  return Status::Ok();
}

Status Segment::Postings(std::uint32_t entry, std::vector<std::uint32_t>* rows) const {
  rows->clear();
  if (entry >= dict_.size()) return Status::InvalidArgument("no such dictionary entry");
  if (layout_ == SegmentLayout::kPlateOrder) {
    std::uint32_t first = 0, count = 0;
    INTERDICT_RETURN_IF_ERROR(EntryRun(entry, &first, &count));
    rows->resize(count);
    std::iota(rows->begin(), rows->end(), first);
    return Status::Ok();
  }
  const std::size_t stride = entry / kPostingStride;
  const std::uint32_t b = posting_offsets_[stride], e = posting_offsets_[stride + 1];
  Decoder in(postings_.substr(b, e - b));
  auto bad = [&] { return Status::Corruption(fmt::format("{}: bad postings", path_)); };
  std::uint64_t count = 0, v = 0;
  for (std::uint32_t k = static_cast<std::uint32_t>(stride * kPostingStride); k < entry; ++k) {
    if (!in.GetVarint(&count) || count > meta_.rows) return bad();
    for (std::uint64_t i = 0; i < count; ++i) {
      if (!in.GetVarint(&v)) return bad();
    }
  }
  if (!in.GetVarint(&count) || count > meta_.rows) return bad();
  std::uint64_t row = 0;
  for (std::uint64_t i = 0; i < count; ++i) {
    if (!in.GetVarint(&v)) return bad();
    row += v;
    if (row >= meta_.rows)
      return Status::Corruption(fmt::format("{}: posting past the rows", path_));
    rows->push_back(static_cast<std::uint32_t>(row));
  }
  return Status::Ok();
}

bool Segment::MayContain(std::uint64_t packed) const {
  const std::uint64_t h = BloomHash(packed);
  const char* block = bloom_.data() + kBloomBlockBytes * ((h >> 40) % bloom_blocks_);
  for (int k = 0; k < kBloomProbes; ++k) {
    const unsigned bit = (h >> (9 * k)) & 511;
    if (!(DecodeFixed64(block + 8 * (bit / 64)) & (std::uint64_t{1} << (bit % 64)))) return false;
  }
  return true;
}

Status Segment::FindPlate(std::uint64_t packed, std::vector<std::uint32_t>* rows) const {
  if (!MayContain(packed)) {
    rows->clear();
    return Status::Ok();
  }
  const std::size_t at = dict_.LowerBound(packed);
  if (at == dict_.size() || dict_[at] != packed) {
    rows->clear();
    return Status::Ok();
  }
  return Postings(static_cast<std::uint32_t>(at), rows);
}

namespace {

// A packed plate as a number in base 37 (0 = no character, 1-36 the codes),
// its first character most significant: the same order as the packed form,
// but dense, so sorted plates are about 37^len / n apart instead of
// 2^(6 len) / n. `tail` trailing positions, empty in every entry of a
// dictionary, are dropped.
constexpr int kPlatePositions = 10;

std::uint64_t Pow37(unsigned k) {
  std::uint64_t v = 1;
  for (unsigned i = 0; i < k; ++i) v *= 37;
  return v;
}

std::uint64_t DensePlate(std::uint64_t packed, unsigned tail) {
  std::uint64_t d = 0;
  for (int i = 0; i < kPlatePositions - static_cast<int>(tail); ++i)
    d = d * 37 + ((packed >> (58 - 6 * i)) & 0x3F);
  return d;
}

std::uint64_t PackedPlate(std::uint64_t dense, unsigned tail) {
  std::uint64_t v = 0;
  for (int i = kPlatePositions - static_cast<int>(tail) - 1; i >= 0; --i) {
    v |= (dense % 37) << (58 - 6 * i);
    dense /= 37;
  }
  return v;
}

// Positions empty in every plate of `plates` (at most kPlatePositions - 1).
unsigned CommonTail(const std::vector<std::uint64_t>& plates) {
  std::uint64_t all = 0;
  for (std::uint64_t p : plates) all |= p;
  unsigned tail = 0;
  while (tail < kPlatePositions - 1 &&
         ((all >> (58 - 6 * (kPlatePositions - 1 - static_cast<int>(tail)))) & 0x3F) == 0)
    ++tail;
  return tail;
}

}  // namespace

std::string PlateDictionary::EncodeRestarts(const std::vector<std::uint64_t>& plates) {
  const unsigned tail = CommonTail(plates);
  std::string restarts, deltas;
  for (std::size_t i = 0; i < plates.size(); ++i) {
    if (i % kRestartEvery == 0) {
      PutFixed64(restarts, plates[i]);
      PutFixed32(restarts, static_cast<std::uint32_t>(deltas.size()));
    } else {
      PutVarint(deltas, DensePlate(plates[i], tail) - DensePlate(plates[i - 1], tail));
    }
  }
  std::string out;
  PutVarint(out, plates.size());
  out += static_cast<char>(tail);
  out += restarts;
  out += deltas;
  return out;
}

bool PlateDictionary::ParseRestarts(std::string_view section, PlateDictionary* out) {
  Decoder in(section);
  std::uint64_t n = 0;
  std::uint8_t tail = 0;
  if (!in.GetVarint(&n) || n == 0 || n > section.size() || !in.GetByte(&tail) ||
      tail >= kPlatePositions)
    return false;
  const std::size_t restarts = (n + kRestartEvery - 1) / kRestartEvery;
  const std::size_t header = section.size() - in.remaining();
  if (in.remaining() < restarts * 12) return false;
  PlateDictionary d;
  d.entries_ = section.data() + header;
  d.count_ = n;
  d.width_ = 0;
  d.tail_ = tail;
  d.deltas_ = section.substr(header + restarts * 12);
  // Every restart's offset is where the deltas before it end, entries ascend,
  // and none uses a position the header says is empty.
  // Compared densely (the same order), so followers need no conversion.
  const std::uint64_t limit = Pow37(kPlatePositions - tail);
  Decoder deltas(d.deltas_);
  std::uint64_t dense = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (i % kRestartEvery == 0) {
      if (d.RestartOffset(i / kRestartEvery) != d.deltas_.size() - deltas.remaining()) return false;
      const std::uint64_t v = d.RestartPlate(i / kRestartEvery);
      const std::uint64_t restart = DensePlate(v, tail);
      if (PackedPlate(restart, tail) != v || (i > 0 && restart <= dense)) return false;
      dense = restart;
    } else {
      std::uint64_t delta = 0;
      if (!deltas.GetVarint(&delta) || delta == 0 || delta >= limit - dense) return false;
      dense += delta;
    }
  }
  if (!deltas.done()) return false;
  *out = d;
  return true;
}

std::uint64_t PlateDictionary::RestartPlate(std::size_t r) const {
  return DecodeFixed64(entries_ + 12 * r);
}

std::uint32_t PlateDictionary::RestartOffset(std::size_t r) const {
  return DecodeFixed32(entries_ + 12 * r + 8);
}

std::uint64_t PlateDictionary::Delta(std::size_t i) const {
  const std::size_t r = i / kRestartEvery;
  if (i % kRestartEvery == 0) return RestartPlate(r);
  std::uint64_t dense = DensePlate(RestartPlate(r), tail_);
  Decoder in(deltas_.substr(RestartOffset(r)));
  for (std::size_t k = r * kRestartEvery; k < i; ++k) {
    std::uint64_t d = 0;
    (void)in.GetVarint(&d);  // checked at open
    dense += d;
  }
  return PackedPlate(dense, tail_);
}

std::size_t PlateDictionary::LowerBound(std::uint64_t key) const {
  if (width_ == 0) {
    // The last restart not greater than the key, then its followers.
    std::size_t lo = 0, n = (count_ + kRestartEvery - 1) / kRestartEvery;
    while (n > 0) {
      const std::size_t half = n / 2;
      if (RestartPlate(lo + half) <= key) {
        lo += half + 1;
        n -= half + 1;
      } else {
        n = half;
      }
    }
    if (lo == 0) return 0;  // the key is before the first entry
    const std::size_t r = lo - 1;
    if (RestartPlate(r) == key) return r * kRestartEvery;
    // Compared densely: a key with characters in the dropped positions is
    // greater than every entry with the same leading ones.
    const std::uint64_t dense_key = DensePlate(key, tail_);
    const bool key_has_tail = PackedPlate(dense_key, tail_) != key;
    std::uint64_t dense = DensePlate(RestartPlate(r), tail_);
    Decoder in(deltas_.substr(RestartOffset(r)));
    const std::size_t end = std::min(count_, (r + 1) * kRestartEvery);
    for (std::size_t i = r * kRestartEvery + 1; i < end; ++i) {
      std::uint64_t d = 0;
      (void)in.GetVarint(&d);
      dense += d;
      if (dense > dense_key || (dense == dense_key && !key_has_tail)) return i;
    }
    return end;
  }
  std::size_t lo = 0, n = count_;
  while (n > 0) {
    const std::size_t half = n / 2;
    if ((*this)[lo + half] < key) {
      lo += half + 1;
      n -= half + 1;
    } else {
      n = half;
    }
  }
  return lo;
}

namespace {
// With the width known at compile time each entry is one unaligned 8-byte load
// and a shift (the shift drops the next entry's bytes), as long as the load
// stays inside the dictionary; the last entries are copied byte-wise.
template <unsigned W>
void Widen(const char* in, std::size_t n, const char* end, std::uint64_t* out) {
  std::size_t i = 0;
  for (; i < n && in + i * W + 8 <= end; ++i) {
    std::uint64_t v;
    std::memcpy(&v, in + i * W, 8);
    out[i] = v << (64 - 8 * W);
  }
  for (; i < n; ++i) {
    std::uint64_t v = 0;
    std::memcpy(&v, in + i * W, W);
    out[i] = v << (64 - 8 * W);
  }
}
}  // namespace

void PlateDictionary::Decode(std::size_t from, std::size_t n, std::uint64_t* out) const {
  if (width_ == 0) {
    if (n == 0) return;
    const std::size_t r = from / kRestartEvery;
    std::uint64_t dense = 0;
    Decoder in(deltas_.substr(RestartOffset(r)));
    for (std::size_t i = r * kRestartEvery; i < from + n; ++i) {
      if (i % kRestartEvery == 0) {
        const std::uint64_t v = RestartPlate(i / kRestartEvery);
        dense = DensePlate(v, tail_);
        if (i >= from) out[i - from] = v;
        continue;
      }
      std::uint64_t d = 0;
      (void)in.GetVarint(&d);
      dense += d;
      if (i >= from) out[i - from] = PackedPlate(dense, tail_);
    }
    return;
  }
  const char* in = entries_ + from * width_;
  const char* end = entries_ + count_ * width_;
  switch (width_) {
    case 5: return Widen<5>(in, n, end, out);
    case 6: return Widen<6>(in, n, end, out);
    case 7: return Widen<7>(in, n, end, out);
    case 8: return Widen<8>(in, n, end, out);
    default:
      for (std::size_t i = 0; i < n; ++i) out[i] = (*this)[from + i];
  }
}

Result<const Segment::Block*> Segment::LoadBlock(std::uint32_t b) const {
  for (Block& blk : cache_) {
    if (blk.index == b) return static_cast<const Block*>(&blk);
  }
  Block* blk = &cache_[next_victim_];
  next_victim_ = (next_victim_ + 1) % cache_.size();
  INTERDICT_RETURN_IF_ERROR(DecodeBlock(b, blk, &opened_));
  return static_cast<const Block*>(blk);
}

void Segment::DecodeBlockPlates(const Block& b) const {
  // The block's entries are consecutive: their plates decode in one pass.
  if (!b.plates.empty()) return;
  b.plates.resize(b.refs.back() - b.refs.front() + 1);
  dict_.Decode(b.refs.front(), b.plates.size(), b.plates.data());
}

Status Segment::DecodeBlock(std::uint32_t b, Block* blk, std::string* opened) const {
  const std::uint32_t first = b * kBlockRows;
  const std::uint32_t rows_here = std::min(kBlockRows, meta_.rows - first);
  blk->index = UINT32_MAX;
  std::string_view frame =
      blocks_.substr(block_offsets_[b], block_offsets_[b + 1] - block_offsets_[b]);
  if (key_ != nullptr) {
    if (!aead_->OpenInto(frame, BlockContext(version_, key_->id, meta_.id, b), opened).ok())
      return Status::Corruption(
          fmt::format("{}: row block {} does not open under its key", path_, b));
    frame = *opened;
  }
  if (Status st = DecompressInto(frame, std::size_t{rows_here} * 4096, &blk->raw); !st.ok())
    return st.WithContext(path_ + ": row block: ");
  blk->plates.clear();  // decoded when a row is read (ReadRow)
  Decoder in(blk->raw);
  const std::uint32_t nmarks = (rows_here + kMarkRows - 1) / kMarkRows;
  blk->marks.resize(nmarks);
  for (std::uint32_t m = 0; m < nmarks; ++m) {
    std::uint64_t v = 0;
    if (!in.GetVarint(&v) || v > blk->raw.size() || (m > 0 && v < blk->marks[m - 1]))
      return Status::Corruption(fmt::format("{}: bad row marks in block {}", path_, b));
    blk->marks[m] = static_cast<std::uint32_t>(v);
  }
  blk->times.resize(rows_here);
  blk->refs.resize(rows_here);
  auto bad = [&](std::string_view what, std::uint32_t k) {
    return Status::Corruption(fmt::format("{}: bad {} at row {}", path_, what, first + k));
  };
  if (layout_ == SegmentLayout::kPlateOrder) {
    std::uint64_t entry = 0;
    for (std::uint32_t k = 0; k < rows_here; ++k) {
      std::uint64_t v = 0;
      if (!in.GetVarint(&v) || v >= dict_.size() - (k == 0 ? 0 : entry)) {
        return bad("plate reference", k);
      }
      entry = k == 0 ? v : entry + v;
      blk->refs[k] = static_cast<std::uint32_t>(entry);
    }
    std::int64_t prev = 0;
    for (std::uint32_t k = 0; k < rows_here; ++k) {
      std::uint64_t v = 0;
      if (!in.GetVarint(&v)) return bad("time", k);
      const bool absolute = k == 0 || blk->refs[k] != blk->refs[k - 1];
      prev = absolute ? meta_.min_time + UnZigZag(v) : prev + static_cast<std::int64_t>(v);
      blk->times[k] = prev;
    }
    blk->cams.resize(rows_here);
    for (std::uint32_t k = 0; k < rows_here; ++k) {
      std::uint64_t v = 0;
      if (!in.GetVarint(&v) || v >= camera_names_.size()) return bad("camera", k);
      blk->cams[k] = static_cast<std::uint32_t>(v);
    }
  } else {
    std::size_t run = CameraRunIndex(first);
    std::int64_t prev = 0;
    for (std::uint32_t k = 0; k < rows_here; ++k) {
      const std::uint32_t row = first + k;
      while (run + 1 < runs_.size() && runs_[run + 1].start <= row) ++run;
      std::uint64_t v = 0;
      if (!in.GetVarint(&v)) return bad("time", k);
      const bool absolute = k == 0 || runs_[run].start == row;
      prev = absolute ? meta_.min_time + UnZigZag(v) : prev + static_cast<std::int64_t>(v);
      blk->times[k] = prev;
    }
    for (std::uint32_t k = 0; k < rows_here; ++k) {
      std::uint64_t e = 0;
      if (!in.GetVarint(&e) || e >= dict_.size()) return bad("plate reference", k);
      blk->refs[k] = static_cast<std::uint32_t>(e);
    }
  }
  // Marks are relative to the payload rows, which follow.
  blk->payload = std::string_view(blk->raw).substr(blk->raw.size() - in.remaining());
  if (blk->marks[0] != 0 || blk->marks.back() > blk->payload.size())
    return Status::Corruption(fmt::format("{}: bad row marks in block {}", path_, b));
  blk->index = b;
  return Status::Ok();
}

Status Segment::PayloadRow(const Block& b, std::uint32_t index, Decoder* out) const {
  // From the nearest mark, skip at most kMarkRows - 1 rows.
  Decoder in(b.payload.substr(b.marks[index / kMarkRows]));
  for (std::uint32_t k = index / kMarkRows * kMarkRows; k < index; ++k) {
    if (!SkipPayloadRow(in))
      return Status::Corruption(
          fmt::format("{}: bad payload row {}", path_, b.index * kBlockRows + k));
  }
  *out = in;
  return Status::Ok();
}

std::size_t Segment::CameraRunIndex(std::uint32_t row) const {
  const auto it = std::upper_bound(runs_.begin(), runs_.end(), row,
                                   [](std::uint32_t r, const CameraRun& c) { return r < c.start; });
  return static_cast<std::size_t>(it - runs_.begin()) - 1;
}

Status Segment::RowKey(std::uint32_t row, std::int64_t* time, std::uint32_t* entry,
                       std::size_t* camera) const {
  if (row >= meta_.rows) return Status::InvalidArgument("row out of range");
  MutexLock l(mu_);
  Result<const Block*> b = LoadBlock(row / kBlockRows);
  if (!b.ok()) return b.status();
  *time = (*b)->times[row % kBlockRows];
  *entry = (*b)->refs[row % kBlockRows];
  if (camera != nullptr) {
    *camera =
        layout_ == SegmentLayout::kPlateOrder ? (*b)->cams[row % kBlockRows] : CameraRunIndex(row);
  }
  return Status::Ok();
}

Status Segment::RowTime(std::uint32_t row, std::int64_t* time) const {
  if (row >= meta_.rows) return Status::InvalidArgument("row out of range");
  MutexLock l(mu_);
  Result<const Block*> b = LoadBlock(row / kBlockRows);
  if (!b.ok()) return b.status();
  *time = (*b)->times[row % kBlockRows];
  return Status::Ok();
}

Status Segment::CameraList(std::size_t camera, std::string* out) const {
  const std::string_view list = camera_lists_.substr(
      camera_offsets_[camera], camera_offsets_[camera + 1] - camera_offsets_[camera]);
  if (key_ == nullptr) {
    out->assign(list);
    return Status::Ok();
  }
  if (!aead_->OpenInto(list, CameraContext(key_->id, meta_.id, camera), out).ok())
    return Status::Corruption(
        fmt::format("{}: camera list {} does not open under its key", path_, camera));
  return Status::Ok();
}

Status Segment::RowsInWindow(std::size_t camera, std::int64_t from, std::int64_t to,
                             std::vector<std::uint32_t>* rows) const {
  rows->clear();
  if (camera >= camera_names_.size()) return Status::InvalidArgument("no such camera");
  if (layout_ == SegmentLayout::kCameraOrder) {
    MutexLock l(mu_);
    const std::uint32_t end = runs_[camera].start + runs_[camera].count;
    for (std::uint32_t row = runs_[camera].start; row < end;) {
      const std::uint32_t b = row / kBlockRows;
      const std::uint32_t block_end = std::min(end, (b + 1) * kBlockRows);
      const std::uint32_t first = b * kBlockRows;
      Result<const Block*> blk = LoadBlock(b);
      if (!blk.ok()) return blk.status();
      const auto& times = (*blk)->times;
      // Times ascend within a run: skip to the window with a binary search.
      auto lo = std::lower_bound(times.begin() + (row - first), times.begin() + (block_end - first),
                                 from);
      for (auto it = lo; it != times.begin() + (block_end - first); ++it) {
        if (*it >= to) return Status::Ok();
        rows->push_back(first + static_cast<std::uint32_t>(it - times.begin()));
      }
      row = block_end;
    }
    return Status::Ok();
  }
  // The camera's list names the blocks of its rows in each minute: those of
  // the minutes that meet the window are decoded, and the camera's rows
  // inside the window kept.
  std::string list;
  {
    MutexLock l(mu_);
    INTERDICT_RETURN_IF_ERROR(CameraList(camera, &list));
  }
  auto bad = [&] {
    return Status::Corruption(fmt::format("{}: bad camera list {}", path_, camera));
  };
  CameraListReader reader;
  const std::int64_t span = meta_.max_time - meta_.min_time;
  if (!reader.Parse(list, meta_.rows, block_offsets_.size() - 1, span)) return bad();
  // The window in ms after min_time, clamped to [0, span + 1] (no overflow
  // for any from and to).
  const auto relative = [&](std::int64_t t) -> std::int64_t {
    if (t <= meta_.min_time) return 0;
    if (t > meta_.max_time) return span + 1;
    return t - meta_.min_time;
  };
  const std::int64_t lo = relative(from), hi = relative(to);
  // The last group starting before the window (earlier ones end before it:
  // times ascend).
  std::uint64_t g = 0;
  for (std::uint64_t step = reader.groups(); step > 0; step /= 2) {
    while (g + step < reader.groups() && reader.FirstTime(g + step) < lo) g += step;
  }
  std::vector<std::uint32_t> blocks;
  bool past = false;
  for (; g < reader.groups() && !past && reader.FirstTime(g) < hi; ++g) {
    const bool ok = reader.ForEach(g, [&](std::int64_t minute, std::uint32_t block) {
      if (minute >= hi) {
        past = true;
        return false;
      }
      if (minute + kMinuteMs > lo) blocks.push_back(block);
      return true;
    });
    if (!ok) return bad();
  }
  std::sort(blocks.begin(), blocks.end());
  blocks.erase(std::unique(blocks.begin(), blocks.end()), blocks.end());
  MutexLock l(mu_);
  for (std::uint32_t b : blocks) {
    Result<const Block*> blk = LoadBlock(b);
    if (!blk.ok()) return blk.status();
    const Block& block = **blk;
    for (std::size_t k = 0; k < block.times.size(); ++k) {
      if (block.cams[k] == camera && block.times[k] >= from && block.times[k] < to)
        rows->push_back(b * kBlockRows + static_cast<std::uint32_t>(k));
    }
  }
  return Status::Ok();
}

Status Segment::ReadRow(std::uint32_t row, read::Read* out) const {
  if (row >= meta_.rows) return Status::InvalidArgument("row out of range");
  MutexLock l(mu_);
  const std::uint32_t index = row % kBlockRows;
  Result<const Block*> blk = LoadBlock(row / kBlockRows);
  if (!blk.ok()) return blk.status();
  const Block& b = **blk;
  Decoder in{std::string_view{}};
  INTERDICT_RETURN_IF_ERROR(PayloadRow(b, index, &in));
  *out = read::Read{};
  out->agency = meta_.agency;
  out->camera =
      camera_names_[layout_ == SegmentLayout::kPlateOrder ? b.cams[index] : CameraRunIndex(row)];
  out->time = b.times[index];
  std::uint64_t packed = 0;
  if (layout_ == SegmentLayout::kPlateOrder) {
    DecodeBlockPlates(b);  // once, when the first of its rows is read
    packed = b.plates[b.refs[index] - b.refs.front()];
  } else {
    packed = dict_[b.refs[index]];
  }
  out->plate = plate::Plate::Unpack(packed);
  if (!DecodePayloadRow(in, out))
    return Status::Corruption(fmt::format("{}: bad payload row {}", path_, row));
  return Status::Ok();
}

struct RowCursor::State {
  const Segment* seg = nullptr;
  const std::vector<bool>* keep = nullptr;
  std::uint32_t row = 0;
  // Version 4/5: the block holding `row`, and where its payload row starts.
  Segment::Block block;
  std::string opened;
  Decoder in{std::string_view{}};
  // Version 2/3: the current entry's kept rows, whole, in plate order, with
  // their payloads encoded again.
  std::uint32_t next_entry = 0;
  std::vector<std::uint32_t> postings;
  std::vector<read::Read> pending;
  std::string encoded;
  std::size_t at = 0;
};

RowCursor::RowCursor(const Segment& seg, const std::vector<bool>* keep)
    : s_(std::make_unique<State>()) {
  s_->seg = &seg;
  s_->keep = keep;
}
RowCursor::~RowCursor() = default;
RowCursor::RowCursor(RowCursor&&) noexcept = default;
RowCursor& RowCursor::operator=(RowCursor&&) noexcept = default;

bool RowCursor::Next(StoredRow* out) {
  if (!status_.ok()) return false;
  return s_->seg->layout() == SegmentLayout::kPlateOrder ? NextPlateOrder(out)
                                                         : NextCameraOrder(out);
}

bool RowCursor::NextPlateOrder(StoredRow* out) {
  State& s = *s_;
  const Segment& seg = *s.seg;
  for (; s.row < seg.meta_.rows; ++s.row) {
    const std::uint32_t k = s.row % kBlockRows;
    if (k == 0) {
      {
        MutexLock l(seg.mu_);  // the segment's cipher is shared with its questions
        status_ = seg.DecodeBlock(s.row / kBlockRows, &s.block, &s.opened);
      }
      if (!status_.ok()) return false;
      seg.DecodeBlockPlates(s.block);
      s.in = Decoder(s.block.payload);
    }
    const std::size_t start = s.block.payload.size() - s.in.remaining();
    if (!SkipPayloadRow(s.in)) {
      status_ = Status::Corruption(fmt::format("{}: bad payload row {}", seg.path_, s.row));
      return false;
    }
    if (s.keep != nullptr && !(*s.keep)[s.row]) continue;
    out->plate = s.block.plates[s.block.refs[k] - s.block.refs.front()];
    out->time = s.block.times[k];
    out->camera = seg.camera_names_[s.block.cams[k]];
    out->payload = s.block.payload.substr(start, s.block.payload.size() - s.in.remaining() - start);
    ++s.row;
    return true;
  }
  return false;
}

bool RowCursor::NextCameraOrder(StoredRow* out) {
  State& s = *s_;
  const Segment& seg = *s.seg;
  while (s.at == s.pending.size()) {
    if (s.next_entry >= seg.dict_.size()) return false;
    status_ = seg.Postings(s.next_entry++, &s.postings);
    if (!status_.ok()) return false;
    s.pending.clear();
    s.at = 0;
    for (std::uint32_t row : s.postings) {
      if (s.keep != nullptr && !(*s.keep)[row]) continue;
      status_ = seg.ReadRow(row, &s.pending.emplace_back());
      if (!status_.ok()) return false;
    }
    std::sort(s.pending.begin(), s.pending.end(), PlateOrderLess);
  }
  const read::Read& r = s.pending[s.at++];
  s.encoded.clear();
  EncodePayloadRow(r, s.encoded);
  out->plate = r.plate.Pack();
  out->time = r.time;
  out->camera = r.camera;
  out->payload = s.encoded;
  return true;
}

Status Segment::Check() const {
  INTERDICT_RETURN_IF_ERROR(layout_ == SegmentLayout::kPlateOrder ? CheckPlateOrder()
                                                                  : CheckCameraOrder());
  // A filter read from the file must pass every plate of the dictionary: one
  // that does not would hide the plate's reads from every search. (One built
  // at open passes them by construction.)
  if (plate_filter_in_file()) {
    const DictionaryReader plates(dict_);
    for (std::size_t i = 0; i < plates.size(); ++i) {
      if (!MayContain(plates[i]))
        return Status::Corruption(
            fmt::format("{}: the plate filter misses dictionary entry {}", path_, i));
    }
  }
  return CheckPayloads();
}

Status Segment::CheckCameraOrder() const {
  std::vector<std::uint32_t> refs(meta_.rows);
  std::int64_t prev_time = 0;
  for (std::uint32_t row = 0; row < meta_.rows; ++row) {
    std::int64_t t = 0;
    INTERDICT_RETURN_IF_ERROR(RowKey(row, &t, &refs[row]));
    if (t < meta_.min_time || t > meta_.max_time) {
      return Status::Corruption(fmt::format("{}: a time outside the footer's range", path_));
    }
    if (row > 0 && runs_[CameraRunIndex(row)].start != row && t < prev_time) {
      return Status::Corruption(fmt::format("{}: times out of order at row {}", path_, row));
    }
    prev_time = t;
  }
  std::vector<std::uint32_t> rows;
  std::uint64_t covered = 0;
  for (std::uint32_t e = 0; e < dict_.size(); ++e) {
    if (e > 0 && dict_[e] <= dict_[e - 1])
      return Status::Corruption(fmt::format("{}: dictionary out of order", path_));
    INTERDICT_RETURN_IF_ERROR(Postings(e, &rows));
    if (rows.empty())
      return Status::Corruption(fmt::format("{}: dictionary entry without rows", path_));
    for (std::uint32_t r : rows) {
      if (refs[r] != e)
        return Status::Corruption(fmt::format("{}: postings disagree with row {}", path_, r));
    }
    covered += rows.size();
  }
  if (covered != meta_.rows)
    return Status::Corruption(fmt::format("{}: postings do not cover every row", path_));
  return Status::Ok();
}

// Version 4/5: rows in (plate, time) order with each entry's run where its
// count says, and every row in its camera's list exactly once, in a group
// whose times hold it.
Status Segment::CheckPlateOrder() const {
  auto bad = [&](const std::string& what) {
    return Status::Corruption(fmt::format("{}: {}", path_, what));
  };
  std::vector<std::uint32_t> cams(meta_.rows);
  std::vector<std::int64_t> times(meta_.rows);
  std::uint32_t entry = 0, first = 0, count = 0;
  INTERDICT_RETURN_IF_ERROR(EntryRun(0, &first, &count));
  for (std::uint32_t row = 0; row < meta_.rows; ++row) {
    std::uint32_t e = 0;
    std::size_t cam = 0;
    INTERDICT_RETURN_IF_ERROR(RowKey(row, &times[row], &e, &cam));
    cams[row] = static_cast<std::uint32_t>(cam);
    if (times[row] < meta_.min_time || times[row] > meta_.max_time)
      return bad("a time outside the footer's range");
    if (row == first + count) {
      if (++entry >= dict_.size()) return bad("rows past the last entry's run");
      INTERDICT_RETURN_IF_ERROR(EntryRun(entry, &first, &count));
      if (first != row)
        return bad(fmt::format("entry {}'s run does not start at row {}", entry, row));
    } else if (row > 0 && times[row] < times[row - 1]) {
      return bad(fmt::format("times out of order at row {}", row));
    }
    if (e != entry) return bad(fmt::format("row {}'s entry disagrees with the counts", row));
  }
  if (entry + 1 != dict_.size() || first + count != meta_.rows)
    return bad("entry counts do not cover every row");
  std::vector<std::uint32_t> listed(camera_names_.size(), 0);
  std::vector<std::uint32_t> per_camera(camera_names_.size(), 0);
  for (std::uint32_t c : cams) ++per_camera[c];
  std::string list;
  for (std::size_t c = 0; c < camera_names_.size(); ++c) {
    {
      MutexLock l(mu_);
      INTERDICT_RETURN_IF_ERROR(CameraList(c, &list));
    }
    CameraListReader reader;
    if (!reader.Parse(list, meta_.rows, block_offsets_.size() - 1,
                      meta_.max_time - meta_.min_time) ||
        reader.count() != per_camera[c])
      return bad(fmt::format("camera list {} does not count its rows", c));
    std::int64_t prev = INT64_MIN;
    std::string wrong;
    for (std::uint64_t g = 0; g < reader.groups() && wrong.empty(); ++g) {
      const bool ok = reader.ForEach(g, [&](std::int64_t minute, std::uint32_t b) {
        // Times ascend, and the block holds a row of the camera in that minute.
        bool found = minute >= prev;
        bool in_block = false;
        for (std::uint32_t r = b * kBlockRows;
             found && r < std::min(meta_.rows, (b + 1) * kBlockRows); ++r) {
          const std::int64_t t = times[r] - meta_.min_time;
          in_block |= cams[r] == c && t >= minute && t < minute + kMinuteMs;
        }
        prev = minute;
        if (!found || !in_block) wrong = fmt::format("camera list {} names block {} wrongly", c, b);
        return wrong.empty();
      });
      if (!ok) return bad(fmt::format("bad camera list {}", c));
    }
    if (!wrong.empty()) return bad(wrong);
  }
  return Status::Ok();
}

// Payload rows, walked in order: every mark must point where its row starts,
// and the rows must fill the block exactly.
Status Segment::CheckPayloads() const {
  MutexLock l(mu_);
  read::Read r;
  for (std::uint32_t b = 0; b * kBlockRows < meta_.rows; ++b) {
    Result<const Block*> blk = LoadBlock(b);
    if (!blk.ok()) return blk.status();
    const Block& block = **blk;
    Decoder in(block.payload);
    for (std::uint32_t k = 0; k < block.times.size(); ++k) {
      const std::size_t at = block.payload.size() - in.remaining();
      if (k % kMarkRows == 0 && block.marks[k / kMarkRows] != at) {
        return Status::Corruption(
            fmt::format("{}: row mark disagrees with row {}", path_, b * kBlockRows + k));
      }
      const std::uint32_t row = b * kBlockRows + k;
      r.camera = camera_names_[layout_ == SegmentLayout::kPlateOrder ? block.cams[k]
                                                                     : CameraRunIndex(row)];
      r.time = block.times[k];
      if (!DecodePayloadRow(in, &r)) {
        return Status::Corruption(fmt::format("{}: bad payload row {}", path_, row));
      }
    }
    if (in.remaining() != 0)
      return Status::Corruption(fmt::format("{}: trailing bytes in row block {}", path_, b));
  }
  return Status::Ok();
}

}  // namespace interdict::store
