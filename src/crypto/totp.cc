#include "crypto/totp.h"

#include <fmt/core.h>

#include <cctype>

#include <liboath/oath.h>

#include "crypto/crypto.h"

namespace interdict::crypto {

std::int64_t TotpStep(std::int64_t now_ms) {
  // Floor division, so moments before 1970 (never in practice) still step down.
  return now_ms >= 0 ? now_ms / kTotpStepMs : -((-now_ms + kTotpStepMs - 1) / kTotpStepMs);
}

std::string TotpCode(std::string_view secret, std::int64_t step, int digits) {
  // liboath computes the code (RFC 4226: HMAC-SHA1 and dynamic truncation);
  // oath_init must run once before any other call.
  static const int init = oath_init();
  char code[16] = {};
  if (init != OATH_OK || digits < 6 || digits > 8 ||
      oath_hotp_generate(secret.data(), secret.size(), static_cast<std::uint64_t>(step),
                         static_cast<unsigned>(digits), false, OATH_HOTP_DYNAMIC_TRUNCATION,
                         code) != OATH_OK) {
    return {};  // matches no code a person can type
  }
  return code;
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
