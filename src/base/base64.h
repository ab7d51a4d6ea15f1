// RFC 4648 base64 (the standard alphabet), for images vendors embed in JSON
// and for search cursors; OpenSSL does the coding (decision 0030).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace interdict {

// Decodes base64; whitespace is skipped, padding optional. Nullopt for any
// other character or a truncated final group.
std::optional<std::string> Base64Decode(std::string_view text);
std::string Base64Encode(std::string_view bytes);

}  // namespace interdict
