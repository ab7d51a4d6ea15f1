// Segment files (docs/format/store.md): the store's own, but a restored
// backup or a copied data directory brings them from outside. Any bytes are
// refused with a status at open, or open as a segment whose rows, plates and
// camera windows read back (or report corruption) without a crash, a hang or
// a read out of bounds. Sealed segments (versions 3 and 5) are refused here:
// no key ring is given.
//
// Every section and the footer carry a CRC-32C, so most mutations stop at a
// checksum. Each input is therefore tried twice: as it is, and with every
// checksum its footer lists recomputed (as a crafted file would have them),
// so mutations reach the decoders behind the checks.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "store/coding.h"
#include "store/crc32c.h"
#include "store/env.h"
#include "store/segment.h"

namespace {

using interdict::Result;
using interdict::Status;
namespace store = interdict::store;

// An Env holding one read-only file: the fuzzer's input.
class OneFileEnv final : public store::Env {
 public:
  explicit OneFileEnv(std::string_view bytes) : bytes_(bytes) {}

  Result<std::unique_ptr<store::WritableFile>> NewWritableFile(const std::string&) override {
    return ReadOnly();
  }
  Result<std::unique_ptr<store::WritableFile>> NewAppendableFile(const std::string&) override {
    return ReadOnly();
  }
  Result<std::string> ReadFile(const std::string&) override { return std::string(bytes_); }
  Result<std::unique_ptr<store::MappedFile>> MapFile(const std::string&) override {
    return std::unique_ptr<store::MappedFile>(std::make_unique<View>(bytes_));
  }
  Status Truncate(const std::string&, std::uint64_t) override { return ReadOnly(); }
  Status Rename(const std::string&, const std::string&) override { return ReadOnly(); }
  Status Remove(const std::string&) override { return ReadOnly(); }
  Status CreateDirs(const std::string&) override { return ReadOnly(); }
  Status SyncDir(const std::string&) override { return ReadOnly(); }
  Result<std::vector<std::string>> ListDir(const std::string&) override {
    return std::vector<std::string>{};
  }
  bool Exists(const std::string&) override { return true; }

 private:
  struct View final : store::MappedFile {
    explicit View(std::string_view b) : bytes(b) {}
    std::string_view data() const override { return bytes; }
    std::string_view bytes;
  };
  static Status ReadOnly() { return Status::FailedPrecondition("read-only"); }
  std::string_view bytes_;
};

// Recomputes the checksum of every section the footer lists, then the
// footer's own; false when the footer does not parse that far.
bool RepairChecksums(std::string& f) {
  constexpr std::size_t kTail = 24;
  if (f.size() < 16 + kTail) return false;
  const std::uint64_t meta_at = store::DecodeFixed64(f.data() + f.size() - kTail);
  const std::uint32_t meta_len = store::DecodeFixed32(f.data() + f.size() - kTail + 8);
  if (meta_at > f.size() - kTail || meta_len > f.size() - kTail - meta_at) return false;
  const std::uint32_t version = store::DecodeFixed32(f.data() + 8);
  const std::string_view meta = std::string_view(f).substr(meta_at, meta_len);
  store::Decoder in(meta);
  std::uint64_t v = 0, n = 0;
  std::string_view s;
  if (!in.GetVarint(&v) || !in.GetString(&s)) return false;
  for (int i = 0; i < 7; ++i) {
    if (!in.GetVarint(&v)) return false;
  }
  if (!in.GetVarint(&n) || n > 10'000) return false;
  for (std::uint64_t i = 0; i < n; ++i) {
    if (!in.GetVarint(&v)) return false;
  }
  if ((version == 3 || version == 5) && !in.GetString(&s)) return false;
  if (!in.GetVarint(&n) || n > 255) return false;
  std::vector<std::pair<std::size_t, std::uint32_t>> fixes;  // where, the right checksum
  for (std::uint64_t i = 0; i < n; ++i) {
    std::uint8_t id = 0;
    std::uint64_t off = 0, len = 0;
    std::uint32_t crc = 0;
    if (!in.GetByte(&id) || !in.GetVarint(&off) || !in.GetVarint(&len)) return false;
    const std::size_t crc_at = meta_at + meta.size() - in.remaining();
    if (!in.GetFixed32(&crc)) return false;
    if (off <= meta_at && len <= meta_at - off)
      fixes.emplace_back(crc_at, store::Crc32c(std::string_view(f).substr(off, len)));
  }
  for (const auto& [at, crc] : fixes) {
    std::string b;
    store::PutFixed32(b, crc);
    f.replace(at, 4, b);
  }
  std::string b;
  store::PutFixed32(b, store::Crc32c(std::string_view(f).substr(meta_at, meta_len)));
  f.replace(f.size() - kTail + 12, 4, b);
  return true;
}

void Exercise(std::string_view bytes) {
  OneFileEnv env(bytes);
  Result<std::shared_ptr<store::Segment>> opened =
      store::Segment::Open(env, "seg/STLPD/0000000000000001.seg");
  if (!opened.ok()) return;
  const store::Segment& seg = **opened;
  (void)seg.Check();
  // Bounded: a valid-looking segment may hold millions of rows.
  constexpr std::uint32_t kRows = 2048;
  interdict::read::Read r;
  for (std::uint32_t row = 0; row < seg.meta().rows && row < kRows; ++row) {
    (void)seg.ReadRow(row, &r);
  }
  store::RowCursor cursor(seg);
  store::StoredRow stored;
  for (std::uint32_t n = 0; n < kRows && cursor.Next(&stored); ++n) {
  }
  std::vector<std::uint32_t> rows;
  const store::PlateDictionary& dict = seg.plate_dictionary();
  if (dict.size() > 0) {
    (void)seg.FindPlate(dict[0], &rows);
    (void)seg.FindPlate(dict[dict.size() - 1], &rows);
  }
  for (std::size_t c = 0; c < seg.camera_count() && c < 16; ++c) {
    (void)seg.RowsInWindow(c, std::numeric_limits<std::int64_t>::min(),
                           std::numeric_limits<std::int64_t>::max(), &rows);
    (void)seg.RowsInWindow(c, seg.meta().min_time, seg.meta().min_time + 60'000, &rows);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  Exercise(input);
  std::string repaired(input);
  if (RepairChecksums(repaired) && repaired != input) Exercise(repaired);
  return 0;
}
