// Read: one sighting of a plate by a camera. The unit Interdict ingests,
// stores, matches and searches. Values are kept at the precision the store
// persists (confidences in hundredths, positions in microdegrees, headings in
// whole degrees), so a read survives a round trip through the store unchanged.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "geo/geo.h"
#include "plate/jurisdiction.h"
#include "plate/plate.h"

namespace interdict::read {

// A confidence in hundredths (0..100), or unknown.
class Confidence {
 public:
  constexpr Confidence() = default;
  static constexpr Confidence Unknown() { return {}; }
  static constexpr Confidence FromPercent(std::uint8_t p) { return Confidence(p > 100 ? 100 : p); }
  // Rounds a 0..1 fraction to hundredths; the caller has range-checked it.
  static Confidence FromFraction(double f);

  bool known() const { return v_ != kUnknown; }
  std::uint8_t percent() const { return v_; }  // 255 when unknown
  double fraction() const { return v_ / 100.0; }
  std::uint8_t raw() const { return v_; }
  static constexpr Confidence FromRaw(std::uint8_t r) { return Confidence(r); }

  friend constexpr bool operator==(Confidence a, Confidence b) { return a.v_ == b.v_; }

 private:
  static constexpr std::uint8_t kUnknown = 255;
  constexpr explicit Confidence(std::uint8_t v) : v_(v) {}
  std::uint8_t v_ = kUnknown;
};

struct Alternate {
  plate::Plate plate;
  Confidence confidence;
  friend bool operator==(const Alternate&, const Alternate&) = default;
};

struct VehicleAttributes {
  std::string make, model, color, body;
  bool empty() const { return make.empty() && model.empty() && color.empty() && body.empty(); }
  friend bool operator==(const VehicleAttributes&, const VehicleAttributes&) = default;
};

struct Read {
  std::string id;         // unique per camera and time; re-sent reads carry the same id
  std::string agency;     // owning agency's code
  std::string camera;     // camera id, unique within the agency
  UnixMillis time = 0;    // capture time, UTC
  plate::Plate plate;     // normalized
  std::string raw_plate;  // the text as the vendor sent it, when it differs from `plate`
  plate::Jurisdiction state;
  Confidence state_confidence;
  Confidence plate_confidence;
  std::optional<geo::Point> position;
  std::int16_t heading = -1;  // degrees 0..359, -1 unknown
  std::vector<Alternate> alternates;
  VehicleAttributes vehicle;
  std::string plate_image;     // content address of the plate crop ("sha256:<hex>"), or empty
  std::string overview_image;  // content address of the overview image, or empty

  friend bool operator==(const Read&, const Read&) = default;
};

// Agency codes are 1-32 of A-Z, a-z, 0-9, '_', '-', '.' (not "." or ".."):
// they name directories in the store.
bool IsAgencyCode(std::string_view code);

inline constexpr std::size_t kMaxAlternates = 10;
inline constexpr std::size_t kMaxIdBytes = 128;
inline constexpr std::size_t kMaxAgencyBytes = 32;
inline constexpr std::size_t kMaxCameraBytes = 128;
inline constexpr std::size_t kMaxAttributeBytes = 64;
inline constexpr std::size_t kMaxImageRefBytes = 128;
// A line of an import file, in any format: as much as the server takes as one
// request body by default.
inline constexpr std::size_t kMaxImportLineBytes = std::size_t{16} << 20;

}  // namespace interdict::read
