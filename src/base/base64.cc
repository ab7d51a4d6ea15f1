#include "base/base64.h"

#include <algorithm>

#include <openssl/evp.h>

namespace interdict {

// OpenSSL's EVP_EncodeBlock and EVP_DecodeBlock do the work (decision 0030);
// what is ours is the leniency vendors need around them: whitespace
// anywhere, padding optional.
std::optional<std::string> Base64Decode(std::string_view text) {
  std::string clean;
  clean.reserve(text.size());
  for (char c : text) {
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') clean.push_back(c);
  }
  std::size_t padding = 0;
  while (!clean.empty() && clean.back() == '=') {
    clean.pop_back();
    ++padding;
  }
  // More than two '=', '=' inside the data, or a lone character in the
  // last group (6 bits cannot make a byte).
  if (padding > 2 || clean.find('=') != std::string::npos || clean.size() % 4 == 1) {
    return std::nullopt;
  }
  const std::size_t bytes =
      clean.size() / 4 * 3 + (clean.size() % 4 == 0 ? 0 : clean.size() % 4 - 1);
  clean.append((4 - clean.size() % 4) % 4, '=');
  if (clean.size() > static_cast<std::size_t>(INT32_MAX)) return std::nullopt;  // EVP takes an int
  std::string out(clean.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(clean.data()),
                                static_cast<int>(clean.size()));
  if (n < 0) return std::nullopt;  // a character outside the alphabet
  out.resize(bytes);
  return out;
}

std::string Base64Encode(std::string_view bytes) {
  std::string out((bytes.size() + 2) / 3 * 4 + 1, '\0');  // EVP_EncodeBlock ends it with NUL
  std::size_t done = 0, written = 0;
  // EVP_EncodeBlock takes an int: whole groups of three at a time.
  constexpr std::size_t kChunk = std::size_t{3} << 28;
  while (done < bytes.size()) {
    const std::size_t n = std::min(kChunk, bytes.size() - done);
    written += static_cast<std::size_t>(EVP_EncodeBlock(
        reinterpret_cast<unsigned char*>(out.data() + written),
        reinterpret_cast<const unsigned char*>(bytes.data() + done), static_cast<int>(n)));
    done += n;
  }
  out.resize(written);
  return out;
}

}  // namespace interdict
