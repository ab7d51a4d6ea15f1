// Interdict's native read format: one JSON object per read (documented in
// docs/format/native-read.md). Used by `POST /api/v1/reads`, `interdict store
// load` and exports.
#pragma once

#include <string>
#include <string_view>

#include "base/json_writer_fwd.h"
#include "base/status.h"
#include "read/read.h"

namespace interdict::read {

// Why a read was refused: the field ("plate", "alternates[1].confidence";
// empty for a JSON syntax error) and a message that says what is wrong, with
// the byte offset for syntax errors.
struct ReadRejection {
  std::string field;
  std::string message;
};

// Parses one JSON object. Unknown fields are refused (a typo must not drop
// data silently). On failure returns false and fills `why`.
bool ParseNativeRead(std::string_view json, Read* out, ReadRejection* why);

// The read as one JSON object, without a trailing newline. Parsing the result
// gives back an equal Read.
std::string FormatNativeRead(const Read& read);
// Its members, into an object the caller opened (and may add to).
void WriteNativeReadMembers(json::Writer& w, const Read& read);

}  // namespace interdict::read
