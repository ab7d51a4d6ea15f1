#include "media/image_store.h"

#include <fmt/core.h>

#include "crypto/aead.h"
#include "crypto/crypto.h"

namespace interdict::media {

Result<std::unique_ptr<ImageStore>> ImageStore::Open(const std::string& dir, store::Env& env) {
  INTERDICT_RETURN_IF_ERROR(env.CreateDirs(dir));
  return std::unique_ptr<ImageStore>(new ImageStore(dir, env));
}

bool ImageStore::IsAddress(std::string_view a) {
  constexpr std::string_view kPrefix = "sha256:";
  if (a.size() != kPrefix.size() + 64 || a.substr(0, kPrefix.size()) != kPrefix) return false;
  return a.substr(kPrefix.size()).find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

Result<std::string> ImageStore::ContentType(std::string_view b) {
  if (b.size() >= 3 && b.substr(0, 3) == "\xFF\xD8\xFF") return std::string("image/jpeg");
  if (b.size() >= 8 && b.substr(0, 8) == "\x89PNG\r\n\x1A\n") return std::string("image/png");
  return Status::InvalidArgument("image: not a JPEG or PNG (by its first bytes)");
}

std::string ImageStore::PathOf(std::string_view address) const {
  const std::string_view hex = address.substr(7);
  return fmt::format("{}/{}/{}", dir_, hex.substr(0, 2), hex);
}

namespace {

// A sealed image file: this magic, the key id's length (1 byte) and the key
// id, then nonce | ciphertext | tag.
constexpr std::string_view kSealedMagic{"IDIMG\0\0\1", 8};

std::string AddressOf(std::string_view bytes) {
  return "sha256:" + crypto::HexEncode(crypto::AsBytes(crypto::Sha256(bytes)));
}

// What a sealed image is bound to: its key and its address.
std::string SealContext(std::string_view key_id, std::string_view address) {
  return fmt::format("interdict-img/1|{}|{}", key_id, address.substr(7));
}

bool IsAgencyCode(std::string_view a) {
  return !a.empty() && a.size() <= 32 &&
         a.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == std::string_view::npos;
}

}  // namespace

std::string ImageStore::SealedPathOf(std::string_view address, std::string_view agency) const {
  if (!IsAgencyCode(agency)) return {};
  const std::string_view hex = address.substr(7);
  return fmt::format("{}/sealed/{}/{}/{}", dir_, agency, hex.substr(0, 2), hex);
}

Result<CheckedImage> ImageStore::Check(std::string_view bytes) {
  if (bytes.size() > kMaxImageBytes) {
    return Status::InvalidArgument(
        fmt::format("image: {} bytes; at most {} allowed", bytes.size(), kMaxImageBytes));
  }
  Result<std::string> type = ContentType(bytes);
  if (!type.ok()) return type.status();
  return CheckedImage(bytes, AddressOf(bytes), std::move(*type));
}

Result<std::string> ImageStore::Put(std::string_view bytes) {
  Result<CheckedImage> image = Check(bytes);
  if (!image.ok()) return image.status();
  return Put(*image);
}

Result<std::string> ImageStore::Put(const CheckedImage& image) {
  const std::string path = PathOf(image.address());
  if (!env_.Exists(path)) INTERDICT_RETURN_IF_ERROR(WriteOnce(path, image.bytes()));
  return image.address();
}

Result<std::string> ImageStore::PutSealed(const CheckedImage& image, std::string_view agency,
                                          const crypto::DataKey& key) {
  const std::string& address = image.address();
  const std::string path = SealedPathOf(address, agency);
  if (path.empty()) return Status::InvalidArgument(fmt::format("not an agency code: {}", agency));
  if (key.agency != agency || key.data_class != "images") {
    return Status::InvalidArgument(
        fmt::format("key {} is not an images key of {}", key.id, agency));
  }
  std::string file(kSealedMagic);
  file.push_back(static_cast<char>(key.id.size()));
  file += key.id;
  Result<std::unique_ptr<crypto::Aead>> aead = crypto::Aead::Make(key.material);
  if (!aead.ok()) return aead.status();
  INTERDICT_RETURN_IF_ERROR(
      (*aead)->SealAppend(image.bytes(), SealContext(key.id, address), &file));
  INTERDICT_RETURN_IF_ERROR(WriteOnce(path, file));
  return address;
}

Status ImageStore::WriteOnce(const std::string& path, std::string_view bytes) {
  const std::string sub = path.substr(0, path.rfind('/'));
  INTERDICT_RETURN_IF_ERROR(env_.CreateDirs(sub));
  // A name of this write's own: servers sharing the directory (cluster mode)
  // may write the same image at once.
  const std::string tmp = path + ".tmp." + crypto::HexEncode(crypto::RandomBytes(8));
  Result<std::unique_ptr<store::WritableFile>> f = env_.NewWritableFile(tmp);
  if (!f.ok()) return f.status();
  INTERDICT_RETURN_IF_ERROR((*f)->Append(bytes));
  INTERDICT_RETURN_IF_ERROR((*f)->Sync());
  INTERDICT_RETURN_IF_ERROR((*f)->Close());
  INTERDICT_RETURN_IF_ERROR(env_.Rename(tmp, path));
  return env_.SyncDir(sub);
}

Result<std::string> ImageStore::Get(std::string_view address) const {
  if (!IsAddress(address)) return Status::InvalidArgument("not an image address (sha256:<hex>)");
  const std::string path = PathOf(address);
  if (!env_.Exists(path)) return Status::NotFound(fmt::format("no image {}", address));
  Result<std::string> bytes = env_.ReadFile(path);
  if (!bytes.ok()) return bytes.status();
  if (AddressOf(*bytes) != address) {
    return Status::Corruption(fmt::format("image {} does not match its address", address));
  }
  return bytes;
}

bool ImageStore::Contains(std::string_view address) const {
  return IsAddress(address) && env_.Exists(PathOf(address));
}

Status ImageStore::Remove(std::string_view address) {
  if (!IsAddress(address)) return Status::InvalidArgument("not an image address");
  const std::string path = PathOf(address);
  if (!env_.Exists(path)) return Status::Ok();
  return env_.Remove(path);
}

Result<std::string> ImageStore::GetSealed(std::string_view address, std::string_view agency,
                                          const crypto::KeyRing& keys) const {
  if (!IsAddress(address)) return Status::InvalidArgument("not an image address (sha256:<hex>)");
  const std::string path = SealedPathOf(address, agency);
  if (path.empty() || !env_.Exists(path)) {
    return Status::NotFound(fmt::format("no image {} of {}", address, agency));
  }
  Result<std::string> file = env_.ReadFile(path);
  if (!file.ok()) return file.status();
  const std::string_view f = *file;
  if (f.size() < kSealedMagic.size() + 1 || f.substr(0, kSealedMagic.size()) != kSealedMagic ||
      f.size() < kSealedMagic.size() + 1 + static_cast<unsigned char>(f[kSealedMagic.size()])) {
    return Status::Corruption(fmt::format("{}: not a sealed image file", path));
  }
  const std::size_t id_len = static_cast<unsigned char>(f[kSealedMagic.size()]);
  const std::string_view key_id = f.substr(kSealedMagic.size() + 1, id_len);
  Result<std::shared_ptr<const crypto::DataKey>> key = keys.Find(key_id);
  if (!key.ok()) {
    if (keys.StateOf(key_id) == crypto::KeyState::kDestroyed) {
      return Status::NotFound(
          fmt::format("image {} of {}: its data key {} was destroyed: the image expired", address,
                      agency, key_id));
    }
    return Status::Corruption(
        fmt::format("{}: sealed under key {}, which the key ring does not know", path, key_id));
  }
  if ((*key)->agency != agency) {
    return Status::Corruption(fmt::format("{}: sealed under another agency's key", path));
  }
  std::string bytes;
  Result<std::unique_ptr<crypto::Aead>> aead = crypto::Aead::Make((*key)->material);
  if (!aead.ok()) return aead.status();
  Status opened = (*aead)->OpenInto(f.substr(kSealedMagic.size() + 1 + id_len),
                                    SealContext(key_id, address), &bytes);
  if (!opened.ok()) return Status::Corruption(fmt::format("{}: {}", path, opened.message()));
  if (AddressOf(bytes) != address) {
    return Status::Corruption(fmt::format("image {} does not match its address", address));
  }
  return bytes;
}

bool ImageStore::ContainsSealed(std::string_view address, std::string_view agency) const {
  if (!IsAddress(address)) return false;
  const std::string path = SealedPathOf(address, agency);
  return !path.empty() && env_.Exists(path);
}

Status ImageStore::RemoveSealed(std::string_view address, std::string_view agency) {
  if (!IsAddress(address)) return Status::InvalidArgument("not an image address");
  const std::string path = SealedPathOf(address, agency);
  if (path.empty() || !env_.Exists(path)) return Status::Ok();
  return env_.Remove(path);
}

}  // namespace interdict::media
