#include "crypto/totp.h"

#include <fmt/core.h>

#include <cctype>

#include "crypto/crypto.h"

namespace interdict::crypto {

std::int64_t TotpStep(std::int64_t now_ms) {
  // Floor division, so moments before 1970 (never in practice) still step down.
  return now_ms >= 0 ? now_ms / kTotpStepMs : -((-now_ms + kTotpStepMs - 1) / kTotpStepMs);
}

std::string TotpCode(std::string_view secret, std::int64_t step, int digits) {
  std::string counter(8, '\0');
  auto c = static_cast<std::uint64_t>(step);
  for (int i = 7; i >= 0; --i, c >>= 8)
    counter[static_cast<std::size_t>(i)] = static_cast<char>(c & 0xff);
  const std::string mac = HmacSha1(secret, counter);
  // Dynamic truncation (RFC 4226 section 5.3).
  const std::size_t offset = static_cast<unsigned char>(mac[19]) & 0x0f;
  const std::uint32_t bin =
      (static_cast<std::uint32_t>(static_cast<unsigned char>(mac[offset]) & 0x7f) << 24) |
      (static_cast<std::uint32_t>(static_cast<unsigned char>(mac[offset + 1])) << 16) |
      (static_cast<std::uint32_t>(static_cast<unsigned char>(mac[offset + 2])) << 8) |
      static_cast<std::uint32_t>(static_cast<unsigned char>(mac[offset + 3]));
  std::uint32_t mod = 1;
  for (int i = 0; i < digits; ++i) mod *= 10;
  return fmt::format("{:0{}}", bin % mod, digits);
}

std::optional<std::int64_t> TotpCheck(std::string_view secret, std::string_view code,
                                      std::int64_t now_ms, std::int64_t last_used_step) {
  if (code.size() != 6) return std::nullopt;
  const std::int64_t now = TotpStep(now_ms);
  std::optional<std::int64_t> found;
  // Every candidate is computed and compared, so timing says nothing about which matched.
  for (std::int64_t step = now - 1; step <= now + 1; ++step) {
    if (ConstantTimeEqual(TotpCode(secret, step), code) && step > last_used_step && !found)
      found = step;
  }
  return found;
}

std::string TotpUri(std::string_view secret, std::string_view account) {
  std::string escaped;
  for (char ch : account) {
    const auto u = static_cast<unsigned char>(ch);
    if (std::isalnum(u) || ch == '-' || ch == '.' || ch == '_')
      escaped += ch;
    else
      escaped += fmt::format("%{:02X}", u);
  }
  return fmt::format("otpauth://totp/Interdict:{}?secret={}&issuer=Interdict&digits=6&period=30",
                     escaped, Base32Encode(secret));
}

}  // namespace interdict::crypto
