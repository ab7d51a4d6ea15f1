// Authenticated encryption for data at rest (decision 0036): AES-256-GCM from
// OpenSSL, a fresh random 96-bit nonce for every sealed value, and associated
// data that binds a sealed value to where it belongs (a segment's block, a
// key's agency and bucket), so it cannot be moved elsewhere unnoticed.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace interdict::crypto {

inline constexpr std::size_t kAeadKeyBytes = 32;
inline constexpr std::size_t kAeadNonceBytes = 12;
inline constexpr std::size_t kAeadTagBytes = 16;
// What sealing adds to a value: the nonce before it, the tag after it.
inline constexpr std::size_t kAeadOverheadBytes = kAeadNonceBytes + kAeadTagBytes;
// The largest value (and associated data) sealed or opened at once; more is
// InvalidArgument. Segment blocks, WAL records and keys are far below it.
inline constexpr std::size_t kAeadMaxBytes = std::size_t{1} << 30;

// nonce | ciphertext | tag. InvalidArgument for a key that is not 32 bytes.
Result<std::string> Seal(std::string_view key, std::string_view plaintext,
                         std::string_view associated);
// The plaintext of a sealed value. Corruption when the key, the associated
// data or a single bit of `sealed` is not what was sealed.
Result<std::string> Open(std::string_view key, std::string_view sealed,
                         std::string_view associated);

// One key, set up once, for sealing or opening many values: the cipher
// contexts and the AES key schedule are made here, not per value. Not
// thread-safe: each thread or lock holder uses its own.
class Aead {
 public:
  // InvalidArgument for a key that is not 32 bytes.
  static Result<std::unique_ptr<Aead>> Make(std::string_view key);
  ~Aead();
  Aead(const Aead&) = delete;
  Aead& operator=(const Aead&) = delete;

  // Appends nonce | ciphertext | tag of `plaintext` to `*out`.
  Status SealAppend(std::string_view plaintext, std::string_view associated, std::string* out);
  // Replaces `*out` with the plaintext; Corruption as Open.
  Status OpenInto(std::string_view sealed, std::string_view associated, std::string* out);
  // SealAppend with a given nonce: only for known-answer tests.
  Status SealAppendWithNonceForTest(std::string_view nonce, std::string_view plaintext,
                                    std::string_view associated, std::string* out);

 private:
  struct Contexts;
  explicit Aead(std::unique_ptr<Contexts> c);
  std::unique_ptr<Contexts> c_;
};

// Seal with a given nonce: only for known-answer tests. A nonce used twice
// under one key gives away both plaintexts and the key's authenticity.
Result<std::string> SealWithNonceForTest(std::string_view key, std::string_view nonce,
                                         std::string_view plaintext, std::string_view associated);

}  // namespace interdict::crypto
