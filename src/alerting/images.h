// Which agency holds which image, and for how long: the catalog side of the
// image store (media::ImageStore keeps the bytes). An image is kept while its
// agency's image retention runs, and as long as a hit keeps it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "catalog/database.h"
#include "crypto/keyring.h"
#include "media/image_store.h"

namespace interdict::alerting {

// Records that `agency_id` holds the image (idempotent); `key_id` names the
// data key of its sealed copy, empty for a plain one.
Status RecordImage(catalog::Database& db, std::int64_t agency_id, const std::string& address,
                   const std::string& content_type, std::size_t bytes, std::int64_t now,
                   const std::string& key_id = {});
// Stores an image `agency_id` sent and records that the agency holds it;
// returns its address. With `keys`, the image is sealed under the agency's
// `images` key of the bucket of `now` (the bucket's length from the agency's
// image retention), or under the key its copy already has. InvalidArgument
// for bytes that are not a JPEG or PNG within media::kMaxImageBytes.
Result<std::string> StoreImage(catalog::Database& db, media::ImageStore& images,
                               crypto::KeyRing* keys, std::int64_t agency_id,
                               std::string_view bytes, std::int64_t now);
// Whether `agency_id` holds the image (a read may only name its own agency's images).
// A read that names the image, so that a hold on the read keeps the image
// too (GOVERNANCE 4): its plate, camera and capture time. Deleted with the
// image.
struct ImageRead {
  std::string address;
  std::int64_t agency_id = 0;
  std::string plate, camera;
  std::int64_t read_time = 0;
};
Status RecordImageReads(catalog::Database& db, const std::vector<ImageRead>& reads);
Result<bool> AgencyHoldsImage(catalog::Database& db, std::int64_t agency_id,
                              const std::string& address);
// One agency's copy of an image: what the hit image route serves.
struct HeldImage {
  std::string address, content_type;
  std::string agency;  // its code
  bool sealed = false;
};
Result<HeldImage> FindHeldImage(catalog::Database& db, std::int64_t agency_id,
                                const std::string& address);
// The bytes of a held image, opened with `keys` when sealed.
Result<std::string> ReadHeldImage(const media::ImageStore& images, const crypto::KeyRing* keys,
                                  const HeldImage& image);

// An image file that may go: an agency's sealed copy, or the shared plain
// file once no agency holds the image in plain.
struct ImageFile {
  std::string address;
  std::string agency;  // empty: the shared plain file
  bool operator==(const ImageFile&) const = default;
};
// Forgets images past their agency's image retention that no hit keeps, and
// returns the files that may go. At most `limit` rows a call.
Result<std::vector<ImageFile>> ExpireImages(catalog::Database& db, std::int64_t now,
                                            int limit = 1000);
Status RemoveImageFile(media::ImageStore& images, const ImageFile& file);

}  // namespace interdict::alerting
