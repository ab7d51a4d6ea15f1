#include "media/image_store.h"

#include <fmt/core.h>

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

Result<std::string> ImageStore::Put(std::string_view bytes) {
  if (bytes.size() > kMaxImageBytes) {
    return Status::InvalidArgument(
        fmt::format("image: {} bytes; at most {} allowed", bytes.size(), kMaxImageBytes));
  }
  Result<std::string> type = ContentType(bytes);
  if (!type.ok()) return type.status();
  const std::string address = "sha256:" + crypto::HexEncode(crypto::AsBytes(crypto::Sha256(bytes)));
  const std::string path = PathOf(address);
  if (env_.Exists(path)) return address;
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
  INTERDICT_RETURN_IF_ERROR(env_.SyncDir(sub));
  return address;
}

Result<std::string> ImageStore::Get(std::string_view address) const {
  if (!IsAddress(address)) return Status::InvalidArgument("not an image address (sha256:<hex>)");
  const std::string path = PathOf(address);
  if (!env_.Exists(path)) return Status::NotFound(fmt::format("no image {}", address));
  Result<std::string> bytes = env_.ReadFile(path);
  if (!bytes.ok()) return bytes.status();
  if ("sha256:" + crypto::HexEncode(crypto::AsBytes(crypto::Sha256(*bytes))) != address) {
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

}  // namespace interdict::media
