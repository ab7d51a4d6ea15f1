// Cryptographic primitives Interdict uses, behind one narrow header: random
// bytes, SHA-256, HMAC-SHA1 (for TOTP) and HMAC-SHA256 (webhooks), constant-time comparison, hex
// and base32. OpenSSL does the work (decision 0009); no other component includes an OpenSSL header.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace interdict::crypto {

// `n` bytes from the operating system's CSPRNG (through OpenSSL). Aborts the
// process if none can be had: nothing may continue with predictable secrets.
std::string RandomBytes(std::size_t n);

using Digest = std::array<std::uint8_t, 32>;
// SHA-256 of the concatenation of `parts`.
Digest Sha256(std::initializer_list<std::string_view> parts);
inline Digest Sha256(std::string_view data) {
  return Sha256({data});
}
std::string_view AsBytes(const Digest& d);

// SHA-256 of data given in pieces (a file read in chunks).
class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;
  void Update(std::string_view data);
  Digest Final();

 private:
  void* ctx_;  // EVP_MD_CTX
};

// HMAC-SHA256 (RFC 2104), 32 bytes: webhook signatures.
std::string HmacSha256(std::string_view key, std::string_view message);

// Whether a and b are equal, in time that depends only on their lengths.
bool ConstantTimeEqual(std::string_view a, std::string_view b);

std::string HexEncode(std::string_view bytes);
std::optional<std::string> HexDecode(std::string_view hex);

// RFC 4648 base32 (A–Z, 2–7), without padding on output; decoding accepts
// lower case, padding and spaces (as people type TOTP secrets).
std::string Base32Encode(std::string_view bytes);
std::optional<std::string> Base32Decode(std::string_view text);

}  // namespace interdict::crypto
