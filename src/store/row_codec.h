// The binary row encoding of a read (docs/format/store.md, "Row encoding"),
// used in WAL batches and segment payload blocks.
#pragma once

#include <string>
#include <string_view>

#include "read/read.h"
#include "store/coding.h"

namespace interdict::store {

void EncodeRead(const read::Read& r, std::string& out);
// False on malformed or truncated input; `out` is then unspecified.
bool DecodeRead(Decoder& in, read::Read* out);

}  // namespace interdict::store
