// Which agency holds which image, and for how long: the catalog side of the
// image store (media::ImageStore keeps the bytes). An image is kept while its
// agency's image retention runs, and as long as a hit keeps it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "catalog/database.h"

namespace interdict::alerting {

// Records that `agency_id` holds the image (idempotent).
Status RecordImage(catalog::Database& db, std::int64_t agency_id, const std::string& address,
                   const std::string& content_type, std::size_t bytes, std::int64_t now);
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
// The content type of an image `agency_id` holds; NotFound otherwise.
Result<std::string> ImageContentType(catalog::Database& db, const std::string& address);

// Forgets images past their agency's image retention that no hit keeps, and
// returns the addresses no agency holds any more (their files may go). At
// most `limit` rows a call.
Result<std::vector<std::string>> ExpireImages(catalog::Database& db, std::int64_t now,
                                              int limit = 1000);

}  // namespace interdict::alerting
