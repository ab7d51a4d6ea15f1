// Synthetic plate crops (docs/simulator.md): the plate as it really is —
// its characters in a bold face on a plate-like background under the state's
// name — tilted, blurred and grainy as a camera's crop is, as a grayscale PNG.
// An officer working a hit compares it with what the camera read.
// Deterministic in (plate, state, seed).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace interdict::sim {

inline constexpr int kPlateCropWidth = 200;
inline constexpr int kPlateCropHeight = 100;
// The face: DejaVu Sans Bold from Debian's fonts-dejavu-core.
inline constexpr const char* kPlateFont = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";

// PNG bytes, or Unavailable when the font is missing (the simulator then
// sends reads without images).
Result<std::string> RenderPlateCrop(std::string_view plate, std::string_view state,
                                    std::uint64_t seed);

}  // namespace interdict::sim
