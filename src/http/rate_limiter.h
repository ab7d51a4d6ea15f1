// Token buckets by key (an address, a person, an integration key): each key
// may spend `burst` requests at once and regains `per_second`. A client over
// its rate gets 429 with Retry-After from the caller; one principal's excess
// never spends another's tokens (docs/security.md, "Rate limits").
// Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/clock.h"

namespace interdict::http {

class RateLimiter {
 public:
  struct Rate {
    double per_second = 0;  // 0: no limit
    double burst = 1;
  };
  // `clock` must outlive the limiter; its monotonic time drives refills. At
  // most `max_keys` buckets are kept: idle ones (full again) are dropped to
  // make room, at most once a second, and while every bucket is busy a new
  // key is refused rather than let the table grow.
  RateLimiter(Rate rate, const Clock& clock, std::size_t max_keys = 100'000);

  bool enabled() const { return rate_.per_second > 0; }
  const Rate& rate() const { return rate_; }

  // Spends one token of `key`: nullopt when it had one, else the whole
  // seconds (at least 1) until it will have one again.
  std::optional<std::int64_t> Take(std::string_view key);
  std::size_t keys() const;

 private:
  struct Bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point last;
  };
  // REQUIRES: mu_ is held. The bucket of `key`, refilled to now; null when the
  // table is full of busy buckets.
  Bucket* Refilled(std::string_view key, std::chrono::steady_clock::time_point now);

  const Rate rate_;
  const Clock& clock_;
  const std::size_t max_keys_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;                  // GUARDED_BY(mu_)
  std::optional<std::chrono::steady_clock::time_point> last_sweep_;  // GUARDED_BY(mu_)
};

// The key an address is limited under: an IPv4 address as it is, an IPv6
// address by its /64 ("2001:db8:1:2::/64" — one subscriber holds a whole /64,
// so a per-address limit on single addresses would be no limit).
std::string AddressKey(std::string_view address);

}  // namespace interdict::http
