// Images of reads (plate crops, overview shots), content-addressed on disk:
// DATA/images/<first 2 hex>/<64 hex of SHA-256>. An image is written once
// (temporary file, fsync, rename, directory fsync) and never changed; its
// address is "sha256:<hex>", so the same bytes are stored once and a read or
// hit names its image without trusting the sender. Which agency holds an image
// and for how long is the catalog's business (docs/format/ingest.md).
//
// With encryption at rest (decision 0036) an image is sealed under its
// agency's `images` data key instead, and kept per agency:
// DATA/images/sealed/<agency>/<2 hex>/<64 hex>, the address unchanged (the hash of
// the plaintext). docs/format/images.md gives the sealed file's layout.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "crypto/keyring.h"
#include "store/env.h"

namespace interdict::media {

inline constexpr std::size_t kMaxImageBytes = 4u << 20;

// Image bytes found acceptable (JPEG or PNG within kMaxImageBytes) and
// hashed once: only ImageStore::Check makes one, so its address is the
// bytes' own. The bytes must outlive it.
class CheckedImage {
 public:
  std::string_view bytes() const { return bytes_; }
  const std::string& address() const { return address_; }  // "sha256:<hex>"
  const std::string& content_type() const { return content_type_; }

 private:
  friend class ImageStore;
  CheckedImage(std::string_view bytes, std::string address, std::string content_type)
      : bytes_(bytes), address_(std::move(address)), content_type_(std::move(content_type)) {}
  std::string_view bytes_;
  std::string address_, content_type_;
};

class ImageStore {
 public:
  // Creates `dir` if needed. `env` must outlive the store.
  static Result<std::unique_ptr<ImageStore>> Open(const std::string& dir, store::Env& env);

  // InvalidArgument for anything but a JPEG or PNG within kMaxImageBytes.
  static Result<CheckedImage> Check(std::string_view bytes);
  // Stores the image in plain and returns its address. Idempotent.
  Result<std::string> Put(const CheckedImage& image);
  // Check, then Put.
  Result<std::string> Put(std::string_view bytes);
  // The bytes at an address; NotFound when absent; Corruption when the file
  // no longer hashes to its address.
  Result<std::string> Get(std::string_view address) const;
  bool Contains(std::string_view address) const;
  Status Remove(std::string_view address);

  // The sealed copy `agency` holds, under `key` (an `images` key of that
  // agency); replaces a copy that is there. Returns the address.
  Result<std::string> PutSealed(const CheckedImage& image, std::string_view agency,
                                const crypto::DataKey& key);
  // The plaintext of `agency`'s sealed copy. NotFound when absent or when its
  // key was destroyed (the image expired; the message says so); Corruption
  // when it does not open or does not hash to its address.
  Result<std::string> GetSealed(std::string_view address, std::string_view agency,
                                const crypto::KeyRing& keys) const;
  Status RemoveSealed(std::string_view address, std::string_view agency);
  bool ContainsSealed(std::string_view address, std::string_view agency) const;

  // "image/jpeg" or "image/png" by magic bytes; InvalidArgument otherwise.
  static Result<std::string> ContentType(std::string_view bytes);
  static bool IsAddress(std::string_view address);

 private:
  ImageStore(std::string dir, store::Env& env) : dir_(std::move(dir)), env_(env) {}
  std::string PathOf(std::string_view address) const;
  // Empty when `agency` is not an agency code (A-Z, 0-9, '-', '_').
  std::string SealedPathOf(std::string_view address, std::string_view agency) const;
  Status WriteOnce(const std::string& path, std::string_view bytes);

  std::string dir_;
  store::Env& env_;
};

}  // namespace interdict::media
