// The binary row encoding of a read (docs/format/store.md, "Row encoding"),
// used in WAL batches and segment payload blocks.
#pragma once

#include <string>
#include <string_view>

#include "read/read.h"
#include "store/coding.h"

namespace interdict::store {

void EncodeRead(const read::Read& r, std::string& out);

// The tail both the log's row encoding and a segment's payload row share:
// position and heading (when their flag bits are set), alternates, vehicle
// attributes and image references.
inline constexpr std::uint8_t kRowHasPosition = 1;
inline constexpr std::uint8_t kRowHasHeading = 2;
std::uint8_t OptionalFieldFlags(const read::Read& r);
void EncodeOptionalFields(const read::Read& r, std::string& out);
bool DecodeOptionalFields(Decoder& in, std::uint8_t flags, read::Read* r);
// False on malformed or truncated input; `out` is then unspecified.
bool DecodeRead(Decoder& in, read::Read* out);

// One encoded read's fields in place, without copies or a read::Read: what a
// flush needs to write the memtable's rows as segment payload rows.
struct EncodedRow {
  std::string_view id, agency, camera, plate, raw_plate;
  std::int64_t time = 0;
  std::uint8_t state = 0, state_confidence = 0, plate_confidence = 0, flags = 0;
  std::string_view optional;  // EncodeOptionalFields's bytes, as encoded
};
// `row` is exactly one EncodeRead output. False when malformed or truncated.
bool ParseEncodedRow(std::string_view row, EncodedRow* out);

}  // namespace interdict::store
