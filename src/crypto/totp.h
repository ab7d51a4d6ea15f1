// Time-based one-time passwords (RFC 6238 over RFC 4226): HMAC-SHA1, 30-second
// steps, 6 digits, as every authenticator app implements them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace interdict::crypto {

inline constexpr std::int64_t kTotpStepMs = 30'000;

// The step a moment falls in: floor(epoch ms / 30 s).
std::int64_t TotpStep(std::int64_t now_ms);

// The code for `step` (`digits` of 6 to 8, zero-padded; computed by liboath,
// decision 0030). Empty, which no code matches, if the library fails.
std::string TotpCode(std::string_view secret, std::int64_t step, int digits = 6);

// The step `code` belongs to if it is the code of the current step or of one
// step either side (clock drift) and that step is later than `last_used_step`
// (a code works once); nullopt otherwise.
std::optional<std::int64_t> TotpCheck(std::string_view secret, std::string_view code,
                                      std::int64_t now_ms, std::int64_t last_used_step);

// otpauth://totp/Interdict:<account>?secret=<base32>&issuer=Interdict, for a
// QR code or manual entry in an authenticator app.
std::string TotpUri(std::string_view secret, std::string_view account);

}  // namespace interdict::crypto
