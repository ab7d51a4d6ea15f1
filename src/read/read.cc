#include "read/read.h"

#include <cmath>

namespace interdict::read {

Confidence Confidence::FromFraction(double f) {
  const long p = std::lround(f * 100.0);
  return FromPercent(static_cast<std::uint8_t>(p < 0 ? 0 : (p > 100 ? 100 : p)));
}

bool IsAgencyCode(std::string_view code) {
  if (code.empty() || code.size() > kMaxAgencyBytes || code == "." || code == "..") return false;
  for (char c : code) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

}  // namespace interdict::read
