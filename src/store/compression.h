// zstd compression of segment sections and payload blocks.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"

namespace interdict::store {

std::string Compress(std::string_view raw, int level = 3);
// Fails on a malformed frame or one whose content is larger than `max_bytes`.
Result<std::string> Decompress(std::string_view frame, std::size_t max_bytes);
// The same into `out`, reusing its buffer (a segment's decoded-block slots).
Status DecompressInto(std::string_view frame, std::size_t max_bytes, std::string* out);

}  // namespace interdict::store
