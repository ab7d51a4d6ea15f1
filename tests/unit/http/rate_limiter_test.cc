#include "http/rate_limiter.h"

#include <gtest/gtest.h>

namespace interdict::http {
namespace {

using std::chrono::milliseconds;

TEST(RateLimiterTest, AKeySpendsItsBurstThenWaitsForTheRate) {
  FakeClock clock;
  RateLimiter limiter({.per_second = 2, .burst = 5}, clock);
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(limiter.Take("cam-a")) << i;
  const std::optional<std::int64_t> wait = limiter.Take("cam-a");
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, 1) << "half a second to the next token rounds up to 1 s";
  clock.Advance(milliseconds(499));
  EXPECT_TRUE(limiter.Take("cam-a"));
  clock.Advance(milliseconds(2));
  EXPECT_FALSE(limiter.Take("cam-a"));
  EXPECT_TRUE(limiter.Take("cam-a"));
}

TEST(RateLimiterTest, OneKeysExcessNeverSpendsAnothersTokens) {
  FakeClock clock;
  RateLimiter limiter({.per_second = 1, .burst = 3}, clock);
  for (int i = 0; i < 100; ++i) (void)limiter.Take("misconfigured-camera");
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(limiter.Take("other-camera")) << i;
}

TEST(RateLimiterTest, RetryAfterIsTheWholeSecondsUntilATokenIsBack) {
  FakeClock clock;
  RateLimiter limiter({.per_second = 0.1, .burst = 1}, clock);
  EXPECT_FALSE(limiter.Take("k"));
  EXPECT_EQ(limiter.Take("k"), 10);
  clock.Advance(milliseconds(9'000));
  EXPECT_EQ(limiter.Take("k"), 1);
}

TEST(RateLimiterTest, ARateOfZeroLimitsNothing) {
  FakeClock clock;
  RateLimiter limiter({.per_second = 0, .burst = 1}, clock);
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(limiter.Take("k"));
  EXPECT_EQ(limiter.keys(), 0u);
}

TEST(RateLimiterTest, TheTableStaysBoundedIdleKeysMakeRoomAndBusyOnesAreNotEvicted) {
  FakeClock clock;
  RateLimiter limiter({.per_second = 1, .burst = 2}, clock, /*max_keys=*/3);
  for (const char* k : {"a", "b", "c"}) EXPECT_FALSE(limiter.Take(k));
  // Every bucket is busy (spent a token a moment ago): a fourth key is refused,
  // so a flood of new keys cannot reset anyone's limit or grow the table.
  EXPECT_TRUE(limiter.Take("d"));
  EXPECT_EQ(limiter.keys(), 3u);
  clock.Advance(milliseconds(1'000));  // a, b and c are full again: idle
  EXPECT_FALSE(limiter.Take("d"));
  EXPECT_EQ(limiter.keys(), 1u);
}

TEST(RateLimiterTest, IPv6AddressesAreLimitedByTheirSlash64) {
  EXPECT_EQ(AddressKey("127.0.0.1"), "127.0.0.1");
  EXPECT_EQ(AddressKey("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
  EXPECT_EQ(AddressKey("2001:db8:1:2::1"), AddressKey("2001:db8:1:2:ffff::9"));
  EXPECT_NE(AddressKey("2001:db8:1:2::1"), AddressKey("2001:db8:1:3::1"));
  EXPECT_EQ(AddressKey("::ffff:10.1.2.3"), "10.1.2.3");
  EXPECT_EQ(AddressKey("not an address"), "not an address");
}

}  // namespace
}  // namespace interdict::http
