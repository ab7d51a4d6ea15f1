#include "crypto/aead.h"

#include <openssl/evp.h>

#include <memory>

#include <fmt/core.h>

#include "crypto/crypto.h"

namespace interdict::crypto {
namespace {

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* Bytes(std::string& s, std::size_t at) {
  return reinterpret_cast<unsigned char*>(s.data() + at);
}

Status CheckKey(std::string_view key) {
  if (key.size() != kAeadKeyBytes)
    return Status::InvalidArgument(
        fmt::format("an AES-256-GCM key is {} bytes, not {}", kAeadKeyBytes, key.size()));
  return Status::Ok();
}

// OpenSSL takes lengths as int: values are refused well below that.
Status CheckSize(std::size_t n) {
  if (n > kAeadMaxBytes)
    return Status::InvalidArgument(
        fmt::format("a sealed value holds at most {} bytes, not {}", kAeadMaxBytes, n));
  return Status::Ok();
}

// Appends nonce | ciphertext | tag to `*out` with `ctx`, keyed already.
Status SealWith(EVP_CIPHER_CTX* ctx, std::string_view nonce, std::string_view plaintext,
                std::string_view associated, std::string* out) {
  INTERDICT_RETURN_IF_ERROR(CheckSize(plaintext.size()));
  INTERDICT_RETURN_IF_ERROR(CheckSize(associated.size()));
  const std::size_t at = out->size();
  out->append(nonce);
  out->resize(at + kAeadNonceBytes + plaintext.size() + kAeadTagBytes);
  const std::size_t tag_at = at + kAeadNonceBytes + plaintext.size();
  int len = 0;
  bool ok = EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, Bytes(nonce)) == 1;
  ok = ok && (associated.empty() || EVP_EncryptUpdate(ctx, nullptr, &len, Bytes(associated),
                                                      static_cast<int>(associated.size())) == 1);
  ok = ok && (plaintext.empty() ||
              EVP_EncryptUpdate(ctx, Bytes(*out, at + kAeadNonceBytes), &len, Bytes(plaintext),
                                static_cast<int>(plaintext.size())) == 1);
  ok = ok && EVP_EncryptFinal_ex(ctx, Bytes(*out, tag_at), &len) == 1;
  ok = ok && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, static_cast<int>(kAeadTagBytes),
                                 Bytes(*out, tag_at)) == 1;
  if (!ok) {
    out->resize(at);
    return Status::Internal("AES-256-GCM sealing failed in OpenSSL");
  }
  return Status::Ok();
}

}  // namespace

struct Aead::Contexts {
  CipherCtx seal, open;
};

Aead::Aead(std::unique_ptr<Contexts> c) : c_(std::move(c)) {}
Aead::~Aead() = default;

Result<std::unique_ptr<Aead>> Aead::Make(std::string_view key) {
  INTERDICT_RETURN_IF_ERROR(CheckKey(key));
  auto c = std::make_unique<Contexts>();
  c->seal.reset(EVP_CIPHER_CTX_new());
  c->open.reset(EVP_CIPHER_CTX_new());
  // The key schedule now; each value then sets only its nonce.
  const bool ok =
      c->seal && c->open &&
      EVP_EncryptInit_ex(c->seal.get(), EVP_aes_256_gcm(), nullptr, Bytes(key), nullptr) == 1 &&
      EVP_DecryptInit_ex(c->open.get(), EVP_aes_256_gcm(), nullptr, Bytes(key), nullptr) == 1;
  if (!ok) return Status::Internal("AES-256-GCM set-up failed in OpenSSL");
  return std::unique_ptr<Aead>(new Aead(std::move(c)));
}

Status Aead::SealAppend(std::string_view plaintext, std::string_view associated, std::string* out) {
  return SealWith(c_->seal.get(), RandomBytes(kAeadNonceBytes), plaintext, associated, out);
}

Status Aead::SealAppendWithNonceForTest(std::string_view nonce, std::string_view plaintext,
                                        std::string_view associated, std::string* out) {
  if (nonce.size() != kAeadNonceBytes)
    return Status::InvalidArgument(fmt::format("a nonce is {} bytes", kAeadNonceBytes));
  return SealWith(c_->seal.get(), nonce, plaintext, associated, out);
}

Status Aead::OpenInto(std::string_view sealed, std::string_view associated, std::string* out) {
  if (sealed.size() < kAeadOverheadBytes)
    return Status::Corruption(fmt::format("a sealed value is at least {} bytes, not {}",
                                          kAeadOverheadBytes, sealed.size()));
  INTERDICT_RETURN_IF_ERROR(CheckSize(sealed.size()));
  INTERDICT_RETURN_IF_ERROR(CheckSize(associated.size()));
  const std::string_view nonce = sealed.substr(0, kAeadNonceBytes);
  const std::string_view body = sealed.substr(kAeadNonceBytes, sealed.size() - kAeadOverheadBytes);
  std::string tag(sealed.substr(sealed.size() - kAeadTagBytes));
  EVP_CIPHER_CTX* ctx = c_->open.get();
  out->resize(body.size());
  int len = 0;
  bool ok = EVP_DecryptInit_ex(ctx, nullptr, nullptr, nullptr, Bytes(nonce)) == 1;
  ok = ok && (associated.empty() || EVP_DecryptUpdate(ctx, nullptr, &len, Bytes(associated),
                                                      static_cast<int>(associated.size())) == 1);
  ok = ok && (body.empty() || EVP_DecryptUpdate(ctx, Bytes(*out, 0), &len, Bytes(body),
                                                static_cast<int>(body.size())) == 1);
  ok = ok && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, static_cast<int>(kAeadTagBytes),
                                 Bytes(tag, 0)) == 1;
  if (!ok) return Status::Internal("AES-256-GCM opening failed in OpenSSL");
  if (EVP_DecryptFinal_ex(ctx, Bytes(*out, body.size()), &len) != 1) {
    out->clear();
    return Status::Corruption(
        "a sealed value does not open: wrong key, wrong context, or altered bytes");
  }
  return Status::Ok();
}

// The one-value forms: a context for one use.
Result<std::string> Seal(std::string_view key, std::string_view plaintext,
                         std::string_view associated) {
  Result<std::unique_ptr<Aead>> aead = Aead::Make(key);
  if (!aead.ok()) return aead.status();
  std::string out;
  INTERDICT_RETURN_IF_ERROR((*aead)->SealAppend(plaintext, associated, &out));
  return out;
}

Result<std::string> SealWithNonceForTest(std::string_view key, std::string_view nonce,
                                         std::string_view plaintext, std::string_view associated) {
  Result<std::unique_ptr<Aead>> aead = Aead::Make(key);
  if (!aead.ok()) return aead.status();
  std::string out;
  INTERDICT_RETURN_IF_ERROR(
      (*aead)->SealAppendWithNonceForTest(nonce, plaintext, associated, &out));
  return out;
}

Result<std::string> Open(std::string_view key, std::string_view sealed,
                         std::string_view associated) {
  Result<std::unique_ptr<Aead>> aead = Aead::Make(key);
  if (!aead.ok()) return aead.status();
  std::string out;
  INTERDICT_RETURN_IF_ERROR((*aead)->OpenInto(sealed, associated, &out));
  return out;
}

}  // namespace interdict::crypto
