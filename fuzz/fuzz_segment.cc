// Segment files (docs/format/store.md): the store's own, but a restored
// backup or a copied data directory brings them from outside. Any bytes are
// refused with a status at open, or open as a segment whose rows, plates and
// camera windows read back (or report corruption) without a crash, a hang or
// a read out of bounds. Sealed segments (versions 3 and 5) are refused here:
// no key ring is given.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  OneFileEnv env(std::string_view(reinterpret_cast<const char*>(data), size));
  Result<std::shared_ptr<store::Segment>> opened =
      store::Segment::Open(env, "seg/STLPD/0000000000000001.seg");
  if (!opened.ok()) return 0;
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
  return 0;
}
