#include "store/compression.h"

#include <fmt/core.h>
#include <zstd.h>

namespace interdict::store {
namespace {

// One context per thread, reused: creating a zstd context costs more than
// (de)compressing a small block.
struct Contexts {
  ZSTD_CCtx* c = ZSTD_createCCtx();
  ZSTD_DCtx* d = ZSTD_createDCtx();
  ~Contexts() {
    ZSTD_freeCCtx(c);
    ZSTD_freeDCtx(d);
  }
};
Contexts& ThreadContexts() {
  thread_local Contexts contexts;
  return contexts;
}

}  // namespace

std::string Compress(std::string_view raw, int level) {
  std::string out(ZSTD_compressBound(raw.size()), '\0');
  const std::size_t n =
      ZSTD_compressCCtx(ThreadContexts().c, out.data(), out.size(), raw.data(), raw.size(), level);
  if (ZSTD_isError(n)) return {};  // cannot happen with a bound-sized buffer
  out.resize(n);
  return out;
}

Status DecompressInto(std::string_view frame, std::size_t max_bytes, std::string* out) {
  const unsigned long long size = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN) {
    return Status::Corruption("not a zstd frame with a known size");
  }
  if (size > max_bytes) {
    return Status::Corruption(
        fmt::format("zstd frame claims {} bytes; at most {} expected", size, max_bytes));
  }
  out->resize(static_cast<std::size_t>(size));
  const std::size_t n =
      ZSTD_decompressDCtx(ThreadContexts().d, out->data(), out->size(), frame.data(), frame.size());
  if (ZSTD_isError(n) || n != size) {
    return Status::Corruption(
        fmt::format("zstd: {}", ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short frame"));
  }
  return Status::Ok();
}

Result<std::string> Decompress(std::string_view frame, std::size_t max_bytes) {
  std::string out;
  INTERDICT_RETURN_IF_ERROR(DecompressInto(frame, max_bytes, &out));
  return out;
}

}  // namespace interdict::store
