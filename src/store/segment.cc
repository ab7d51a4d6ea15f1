#include "store/segment.h"

#include <algorithm>
#include <bit>
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
constexpr std::uint32_t kVersion = 2;        // plain
constexpr std::uint32_t kSealedVersion = 3;  // dictionary and row blocks sealed
constexpr std::size_t kHeaderSize = 16;
constexpr std::size_t kTailSize = 24;

enum SectionId : int {
  kCameras = 1,
  kDict = 2,
  kPostingOffsets = 3,
  kPostings = 4,
  kBlockOffsets = 5,
  kBlocks = 6,
  kSectionCount = 7,
};

// The segment's in-memory Bloom filter: one 512-bit block per plate, chosen by
// the top bits of a 64-bit mix, then kBloomProbes bits in it, 9 bits of the
// mix each.
constexpr int kBloomProbes = 4;
std::uint64_t BloomHash(std::uint64_t x) {
  // splitmix64's finalizer.
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Bits 0 and 1 are kRowHasPosition and kRowHasHeading (row_codec.h).
constexpr std::uint8_t kIdTemplated = 4;

std::string TemplatedId(const read::Read& r) {
  return r.camera + "-" + std::to_string(r.time);
}

void EncodePayloadRow(const read::Read& r, std::string& out) {
  std::uint8_t flags = OptionalFieldFlags(r);
  if (r.id == TemplatedId(r)) flags |= kIdTemplated;
  out += static_cast<char>(flags);
  if (!(flags & kIdTemplated)) PutString(out, r.id);
  PutString(out, r.raw_plate);
  out += static_cast<char>(r.state.id());
  out += static_cast<char>(r.state_confidence.raw());
  out += static_cast<char>(r.plate_confidence.raw());
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

// What a sealed section or block is bound to (docs/format/keys.md).
std::string DictContext(const std::string& key_id, std::uint64_t segment) {
  return fmt::format("interdict-seg/3|{}|{}|dict", key_id, segment);
}
std::string BlockContext(const std::string& key_id, std::uint64_t segment, std::uint32_t block) {
  return fmt::format("interdict-seg/3|{}|{}|block|{}", key_id, segment, block);
}

}  // namespace

std::string SegmentFileName(std::uint64_t id) {
  return fmt::format("{:016x}.seg", id);
}

struct SegmentWriter::State {
  SegmentMeta meta;
  std::shared_ptr<const crypto::DataKey> key;
  std::unique_ptr<crypto::Aead> aead;  // key's cipher
  Status sealing;                      // the first failure to set up or seal
  std::vector<std::uint64_t> plates;
  std::uint32_t rows = 0;
  // Camera runs so far: name, first row, rows.
  std::string runs_body;
  std::uint64_t runs = 0;
  std::string run_camera;
  std::uint32_t run_first = 0;
  // The previous row, for the order check and time deltas.
  std::int64_t prev_time = 0;
  std::string prev_id;
  // Per row: its index in `plates`.
  std::vector<std::uint32_t> refs;
  // The block being filled, and the blocks done.
  std::string times, block_refs, payload, marks;
  std::uint32_t block_rows = 0;
  std::string blocks;
  std::vector<std::uint32_t> block_offsets;

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
    raw += times;
    raw += block_refs;
    raw += payload;
    const auto index = static_cast<std::uint32_t>(block_offsets.size());
    block_offsets.push_back(static_cast<std::uint32_t>(blocks.size()));
    if (key == nullptr) {
      blocks += Compress(raw);
    } else if (aead != nullptr) {
      Status st = aead->SealAppend(Compress(raw), BlockContext(key->id, meta.id, index), &blocks);
      if (!st.ok() && sealing.ok()) sealing = st;
    }
    times.clear();
    block_refs.clear();
    payload.clear();
    marks.clear();
    block_rows = 0;
  }
};

SegmentWriter::SegmentWriter(SegmentMeta meta, std::vector<std::uint64_t> plates,
                             std::shared_ptr<const crypto::DataKey> key)
    : s_(std::make_unique<State>()) {
  s_->meta = std::move(meta);
  s_->meta.key_id = key ? key->id : "";
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
}

SegmentWriter::~SegmentWriter() = default;

Status SegmentWriter::Add(const read::Read& r) {
  State& s = *s_;
  const bool new_run = s.rows == 0 || r.camera != s.run_camera;
  if (!new_run && std::tie(r.time, r.id) < std::tie(s.prev_time, s.prev_id))
    return Status::InvalidArgument("segment rows must come in (camera, time, id) order");
  if (s.rows > 0 && new_run && r.camera < s.run_camera)
    return Status::InvalidArgument("segment rows must come in (camera, time, id) order");
  if (r.time < s.meta.min_time)
    return Status::InvalidArgument("a segment row is earlier than the segment's min_time");
  const std::uint64_t packed = r.plate.Pack();
  const auto it = std::lower_bound(s.plates.begin(), s.plates.end(), packed);
  if (it == s.plates.end() || *it != packed)
    return Status::InvalidArgument("a segment row's plate is not in the segment's plate list");
  if (s.rows == UINT32_MAX) return Status::InvalidArgument("too many rows for one segment");
  if (new_run) {
    s.EndRun();
    s.run_camera = r.camera;
    s.run_first = s.rows;
  }
  // Times: absolute (from min_time) at the start of a block or of a run,
  // else the delta from the previous row.
  PutVarint(s.times, (s.block_rows == 0 || new_run)
                         ? ZigZag(r.time - s.meta.min_time)
                         : static_cast<std::uint64_t>(r.time - s.prev_time));
  const auto ref = static_cast<std::uint32_t>(it - s.plates.begin());
  PutVarint(s.block_refs, ref);
  if (s.block_rows % kMarkRows == 0) PutVarint(s.marks, s.payload.size());
  EncodePayloadRow(r, s.payload);
  s.refs.push_back(ref);
  s.prev_time = r.time;
  s.prev_id = r.id;
  s.meta.max_time = std::max(s.meta.max_time, r.time);
  ++s.rows;
  if (++s.block_rows == kBlockRows) s.EndBlock();
  return Status::Ok();
}

Status SegmentWriter::Finish(Env& env, const std::string& path) {
  State& s = *s_;
  if (s.rows == 0) return Status::InvalidArgument("a segment needs at least one read");
  s.EndRun();
  s.EndBlock();
  SegmentMeta& meta = s.meta;
  meta.rows = s.rows;
  const std::uint32_t n = s.rows;
  std::vector<std::string> sections(kSectionCount);
  {
    std::string cams;
    PutVarint(cams, s.runs);
    cams += s.runs_body;
    sections[kCameras] = std::move(cams);
  }
  {
    // The narrowest width holding every entry's non-zero bytes.
    unsigned width = 1;
    for (std::uint64_t v : s.plates) {
      if (v != 0) width = std::max(width, 8 - static_cast<unsigned>(std::countr_zero(v)) / 8);
    }
    std::string d(1, static_cast<char>(width));
    for (std::uint64_t v : s.plates) {
      const std::uint64_t top = v >> (64 - 8 * width);
      for (unsigned k = 0; k < width; ++k) d += static_cast<char>((top >> (8 * k)) & 0xff);
    }
    if (s.key != nullptr) {
      INTERDICT_RETURN_IF_ERROR(s.sealing);
      std::string sealed;
      INTERDICT_RETURN_IF_ERROR(s.aead->SealAppend(d, DictContext(s.key->id, meta.id), &sealed));
      d = std::move(sealed);
    }
    sections[kDict] = std::move(d);
  }
  {
    std::vector<std::uint32_t> counts(s.plates.size() + 1, 0);
    for (std::uint32_t ref : s.refs) ++counts[ref + 1];
    // Every plate listed must have rows: a segment never names a plate it does
    // not hold (a purge rewrite must not keep a destroyed read's plate).
    for (std::size_t e = 0; e < s.plates.size(); ++e) {
      if (counts[e + 1] == 0)
        return Status::InvalidArgument("a plate in the segment's plate list has no rows");
    }
    std::partial_sum(counts.begin(), counts.end(), counts.begin());
    std::vector<std::uint32_t> postings(n);
    std::vector<std::uint32_t> fill(counts.begin(), counts.end() - 1);
    for (std::uint32_t i = 0; i < n; ++i) postings[fill[s.refs[i]]++] = i;  // rows ascending
    // Each entry: its row count, then the rows delta-coded. Offsets are kept
    // for every kPostingStride-th entry only; a lookup skips forward from one.
    std::string data;
    std::vector<std::uint32_t> offsets;
    for (std::size_t e = 0; e < s.plates.size(); ++e) {
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
  PutFixed32(file, s.key ? kSealedVersion : kVersion);
  PutFixed32(file, 0);
  std::string dir;
  PutVarint(dir, kSectionCount - 1);
  for (int id = 1; id < kSectionCount; ++id) {
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
                    const std::vector<read::Read>& reads) {
  if (reads.empty()) return Status::InvalidArgument("a segment needs at least one read");
  const auto n = static_cast<std::uint32_t>(reads.size());
  std::vector<std::uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  // Rank cameras once, then sort by (camera rank, time, id) without comparing
  // camera names in every comparison.
  std::vector<std::uint32_t> cam_rank(n);
  {
    std::unordered_map<std::string_view, std::uint32_t> rank;
    std::vector<std::string_view> names;
    for (const read::Read& r : reads) {
      if (rank.try_emplace(r.camera, 0).second) names.push_back(r.camera);
    }
    std::sort(names.begin(), names.end());
    for (std::uint32_t k = 0; k < names.size(); ++k) rank[names[k]] = k;
    for (std::uint32_t k = 0; k < n; ++k) cam_rank[k] = rank[reads[k].camera];
  }
  std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    if (cam_rank[a] != cam_rank[b]) return cam_rank[a] < cam_rank[b];
    const read::Read& x = reads[a];
    const read::Read& y = reads[b];
    if (x.time != y.time) return x.time < y.time;
    return x.id < y.id;
  });
  meta.min_time = reads[0].time;
  std::vector<std::uint64_t> plates(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    meta.min_time = std::min(meta.min_time, reads[i].time);
    plates[i] = reads[i].plate.Pack();
  }
  std::sort(plates.begin(), plates.end());
  plates.erase(std::unique(plates.begin(), plates.end()), plates.end());
  SegmentWriter w(std::move(meta), std::move(plates));
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
  const std::uint32_t version = DecodeFixed32(d.data() + 8);
  if (version != kVersion && version != kSealedVersion)
    return bad(fmt::format("unknown segment version {}", version));
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
      nrep > 1'000'000 || rows > UINT32_MAX) {
    return bad("malformed footer");
  }
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
  if (version == kSealedVersion) {
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
    aead_ = std::move(aead).value();
  }
  if (!in.GetVarint(&nsec) || nsec != kSectionCount - 1) return bad("unexpected section count");
  sections_.assign(kSectionCount, SectionRef{});
  for (std::uint64_t i = 0; i < nsec; ++i) {
    std::uint8_t id = 0;
    std::uint64_t off = 0, len = 0;
    std::uint32_t crc = 0;
    if (!in.GetByte(&id) || !in.GetVarint(&off) || !in.GetVarint(&len) || !in.GetFixed32(&crc) ||
        id == 0 || id >= kSectionCount || off > meta_offset || len > meta_offset - off) {
      return bad("malformed section directory");
    }
    sections_[id] = {off, len};
    if (Crc32c(Section(id)) != crc) return bad(fmt::format("section {} checksum mismatch", id));
  }
  // Cameras.
  Decoder cams(Section(kCameras));
  std::uint64_t ncams = 0;
  if (!cams.GetVarint(&ncams) || ncams > rows) return bad("malformed camera section");
  std::uint64_t expected_start = 0;
  for (std::uint64_t i = 0; i < ncams; ++i) {
    CameraRun run;
    std::uint64_t start = 0, count = 0;
    if (!cams.GetString(&run.name) || !cams.GetVarint(&start) || !cams.GetVarint(&count) ||
        start != expected_start || count == 0 || count > rows - start) {
      return bad("malformed camera section");
    }
    run.start = static_cast<std::uint32_t>(start);
    run.count = static_cast<std::uint32_t>(count);
    expected_start += count;
    cameras_.push_back(std::move(run));
  }
  if (expected_start != rows) return bad("camera runs do not cover the rows");
  // Dictionary: read in place, or from its opened copy when sealed.
  std::string_view dict = Section(kDict);
  if (key_ != nullptr) {
    if (!aead_->OpenInto(dict, DictContext(key_->id, meta_.id), &dict_plain_).ok())
      return bad("plate dictionary does not open under its key");
    dict = dict_plain_;
  }
  if (dict.empty() || dict[0] < 1 || dict[0] > 8 || (dict.size() - 1) % std::uint8_t(dict[0]) != 0)
    return bad("malformed plate dictionary");
  const unsigned width = static_cast<std::uint8_t>(dict[0]);
  dict_ = PlateDictionary(dict.data() + 1, (dict.size() - 1) / width, width);
  for (std::size_t i = 1; i < dict_.size(); ++i) {
    if (dict_[i] <= dict_[i - 1]) return bad("plate dictionary out of order");
  }
  // About 10 bits a plate: a false positive in roughly one lookup in a hundred.
  bloom_.assign(std::max<std::size_t>(1, (dict_.size() * 10 + 511) / 512), {});
  for (std::size_t i = 0; i < dict_.size(); ++i) {
    const std::uint64_t h = BloomHash(dict_[i]);
    auto& block = bloom_[(h >> 40) % bloom_.size()];
    for (int k = 0; k < kBloomProbes; ++k) {
      const unsigned bit = (h >> (9 * k)) & 511;
      block[bit / 64] |= std::uint64_t{1} << (bit % 64);
    }
  }
  const std::string_view po = Section(kPostingOffsets);
  const std::size_t strides = (dict_.size() + kPostingStride - 1) / kPostingStride;
  if (po.size() != (strides + 1) * 4) return bad("posting offsets do not match the dictionary");
  posting_offsets_copy_.resize(strides + 1);
  std::memcpy(posting_offsets_copy_.data(), po.data(), po.size());
  posting_offsets_ = posting_offsets_copy_;
  postings_ = Section(kPostings);
  if (posting_offsets_.back() != postings_.size())
    return bad("posting offsets do not match the postings");
  for (std::size_t i = 0; i < strides; ++i) {
    if (posting_offsets_[i] > posting_offsets_[i + 1]) return bad("posting offsets out of order");
  }
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

Status Segment::Postings(std::uint32_t entry, std::vector<std::uint32_t>* rows) const {
  rows->clear();
  if (entry >= dict_.size()) return Status::InvalidArgument("no such dictionary entry");
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
  const auto& block = bloom_[(h >> 40) % bloom_.size()];
  for (int k = 0; k < kBloomProbes; ++k) {
    const unsigned bit = (h >> (9 * k)) & 511;
    if (!(block[bit / 64] & (std::uint64_t{1} << (bit % 64)))) return false;
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

std::size_t PlateDictionary::LowerBound(std::uint64_t key) const {
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
  const std::uint32_t first = b * kBlockRows;
  const std::uint32_t rows_here = std::min(kBlockRows, meta_.rows - first);
  Block* blk = &cache_[next_victim_];
  next_victim_ = (next_victim_ + 1) % cache_.size();
  blk->index = UINT32_MAX;
  std::string_view frame =
      blocks_.substr(block_offsets_[b], block_offsets_[b + 1] - block_offsets_[b]);
  if (key_ != nullptr) {
    if (!aead_->OpenInto(frame, BlockContext(key_->id, meta_.id, b), &opened_).ok())
      return Status::Corruption(
          fmt::format("{}: row block {} does not open under its key", path_, b));
    frame = opened_;
  }
  Result<std::string> raw = Decompress(frame, std::size_t{rows_here} * 4096);
  if (!raw.ok()) return raw.status().WithContext(path_ + ": row block: ");
  blk->raw = std::move(raw).value();
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
  std::size_t run = CameraRunIndex(first);
  std::int64_t prev = 0;
  for (std::uint32_t k = 0; k < rows_here; ++k) {
    const std::uint32_t row = first + k;
    while (run + 1 < cameras_.size() && cameras_[run + 1].start <= row) ++run;
    std::uint64_t v = 0;
    if (!in.GetVarint(&v))
      return Status::Corruption(fmt::format("{}: bad time at row {}", path_, row));
    const bool absolute = k == 0 || cameras_[run].start == row;
    prev = absolute ? meta_.min_time + UnZigZag(v) : prev + static_cast<std::int64_t>(v);
    blk->times[k] = prev;
  }
  for (std::uint32_t k = 0; k < rows_here; ++k) {
    std::uint64_t e = 0;
    if (!in.GetVarint(&e) || e >= dict_.size()) {
      return Status::Corruption(fmt::format("{}: bad plate reference at row {}", path_, first + k));
    }
    blk->refs[k] = static_cast<std::uint32_t>(e);
  }
  // Marks are relative to the payload rows, which follow.
  blk->payload = std::string_view(blk->raw).substr(blk->raw.size() - in.remaining());
  if (blk->marks[0] != 0 || blk->marks.back() > blk->payload.size())
    return Status::Corruption(fmt::format("{}: bad row marks in block {}", path_, b));
  blk->index = b;
  return static_cast<const Block*>(blk);
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
  const auto it = std::upper_bound(cameras_.begin(), cameras_.end(), row,
                                   [](std::uint32_t r, const CameraRun& c) { return r < c.start; });
  return static_cast<std::size_t>(it - cameras_.begin()) - 1;
}

Status Segment::RowKey(std::uint32_t row, std::int64_t* time, std::uint32_t* entry) const {
  if (row >= meta_.rows) return Status::InvalidArgument("row out of range");
  std::lock_guard l(mu_);
  Result<const Block*> b = LoadBlock(row / kBlockRows);
  if (!b.ok()) return b.status();
  *time = (*b)->times[row % kBlockRows];
  *entry = (*b)->refs[row % kBlockRows];
  return Status::Ok();
}

Status Segment::RowTime(std::uint32_t row, std::int64_t* time) const {
  if (row >= meta_.rows) return Status::InvalidArgument("row out of range");
  std::lock_guard l(mu_);
  Result<const Block*> b = LoadBlock(row / kBlockRows);
  if (!b.ok()) return b.status();
  *time = (*b)->times[row % kBlockRows];
  return Status::Ok();
}

Status Segment::RowsInWindow(const CameraRun& run, std::int64_t from, std::int64_t to,
                             std::vector<std::uint32_t>* rows) const {
  rows->clear();
  std::lock_guard l(mu_);
  const std::uint32_t end = run.start + run.count;
  for (std::uint32_t row = run.start; row < end;) {
    const std::uint32_t b = row / kBlockRows;
    const std::uint32_t block_end = std::min(end, (b + 1) * kBlockRows);
    const std::uint32_t first = b * kBlockRows;
    Result<const Block*> blk = LoadBlock(b);
    if (!blk.ok()) return blk.status();
    const auto& times = (*blk)->times;
    // Times ascend within a run: skip to the window with a binary search.
    auto lo =
        std::lower_bound(times.begin() + (row - first), times.begin() + (block_end - first), from);
    for (auto it = lo; it != times.begin() + (block_end - first); ++it) {
      if (*it >= to) return Status::Ok();
      rows->push_back(first + static_cast<std::uint32_t>(it - times.begin()));
    }
    row = block_end;
  }
  return Status::Ok();
}

Status Segment::ReadRow(std::uint32_t row, read::Read* out) const {
  if (row >= meta_.rows) return Status::InvalidArgument("row out of range");
  std::lock_guard l(mu_);
  const std::uint32_t index = row % kBlockRows;
  Result<const Block*> blk = LoadBlock(row / kBlockRows);
  if (!blk.ok()) return blk.status();
  const Block& b = **blk;
  Decoder in{std::string_view{}};
  INTERDICT_RETURN_IF_ERROR(PayloadRow(b, index, &in));
  *out = read::Read{};
  out->agency = meta_.agency;
  out->camera = cameras_[CameraRunIndex(row)].name;
  out->time = b.times[index];
  out->plate = plate::Plate::Unpack(dict_[b.refs[index]]);
  if (!DecodePayloadRow(in, out))
    return Status::Corruption(fmt::format("{}: bad payload row {}", path_, row));
  return Status::Ok();
}

Status Segment::Check() const {
  std::vector<std::uint32_t> refs(meta_.rows);
  std::int64_t prev_time = 0;
  for (std::uint32_t row = 0; row < meta_.rows; ++row) {
    std::int64_t t = 0;
    INTERDICT_RETURN_IF_ERROR(RowKey(row, &t, &refs[row]));
    if (t < meta_.min_time || t > meta_.max_time) {
      return Status::Corruption(fmt::format("{}: a time outside the footer's range", path_));
    }
    if (row > 0 && cameras_[CameraRunIndex(row)].start != row && t < prev_time) {
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
  // Payload rows, walked in order: every mark must point where its row
  // starts, and the rows must fill the block exactly.
  std::lock_guard l(mu_);
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
      r.camera = cameras_[CameraRunIndex(b * kBlockRows + k)].name;
      r.time = block.times[k];
      if (!DecodePayloadRow(in, &r)) {
        return Status::Corruption(fmt::format("{}: bad payload row {}", path_, b * kBlockRows + k));
      }
    }
    if (in.remaining() != 0)
      return Status::Corruption(fmt::format("{}: trailing bytes in row block {}", path_, b));
  }
  return Status::Ok();
}

}  // namespace interdict::store
