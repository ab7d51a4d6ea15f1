#include "http/rate_limiter.h"

#include <algorithm>
#include <cmath>

#include <boost/asio/ip/address.hpp>

namespace interdict::http {

RateLimiter::RateLimiter(Rate rate, const Clock& clock, std::size_t max_keys)
    : rate_{rate.per_second, std::max(rate.burst, 1.0)}, clock_(clock), max_keys_(max_keys) {}

RateLimiter::Bucket* RateLimiter::Refilled(std::string_view key,
                                           std::chrono::steady_clock::time_point now) {
  auto it = buckets_.find(std::string(key));
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) {
      // Drop every bucket that has filled up again: its key is idle. A sweep
      // walks the whole table, so a flood of new keys into a table of busy
      // ones is refused without one, until a second has passed.
      if (last_sweep_ && now - *last_sweep_ < std::chrono::seconds(1)) return nullptr;
      last_sweep_ = now;
      std::erase_if(buckets_, [&](const auto& kv) {
        const double idle = std::chrono::duration<double>(now - kv.second.last).count();
        return kv.second.tokens + idle * rate_.per_second >= rate_.burst;
      });
      if (buckets_.size() >= max_keys_) return nullptr;
    }
    it = buckets_.emplace(std::string(key), Bucket{rate_.burst, now}).first;
  }
  Bucket& b = it->second;
  const double elapsed = std::chrono::duration<double>(now - b.last).count();
  if (elapsed > 0) {
    b.tokens = std::min(rate_.burst, b.tokens + elapsed * rate_.per_second);
    b.last = now;
  }
  return &b;
}

std::optional<std::int64_t> RateLimiter::Take(std::string_view key) {
  if (!enabled()) return std::nullopt;
  std::lock_guard lock(mu_);
  Bucket* b = Refilled(key, clock_.Monotonic());
  if (b == nullptr) return 1;
  if (b->tokens >= 1) {
    b->tokens -= 1;
    return std::nullopt;
  }
  const double wait = (1 - b->tokens) / rate_.per_second;
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(wait)));
}

std::size_t RateLimiter::keys() const {
  std::lock_guard lock(mu_);
  return buckets_.size();
}

std::string AddressKey(std::string_view address) {
  boost::system::error_code ec;
  const auto a = boost::asio::ip::make_address(std::string(address), ec);
  if (ec || !a.is_v6()) return std::string(address);
  const auto v6 = a.to_v6();
  if (v6.is_v4_mapped()) {
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).to_string();
  }
  auto bytes = v6.to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return boost::asio::ip::address_v6(bytes).to_string() + "/64";
}

}  // namespace interdict::http
