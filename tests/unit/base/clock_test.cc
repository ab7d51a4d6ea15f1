#include "base/clock.h"

#include <gtest/gtest.h>

namespace interdict {
namespace {

TEST(ClockTest, FakeClockMovesOnlyWhenAdvanced) {
  FakeClock clock(1000);
  const auto mono = clock.Monotonic();
  EXPECT_EQ(clock.NowMillis(), 1000);
  clock.Advance(std::chrono::minutes(3));
  EXPECT_EQ(clock.NowMillis(), 1000 + 180'000);
  EXPECT_EQ(clock.Monotonic() - mono, std::chrono::minutes(3));
}

TEST(ClockTest, WallClockStepsLeaveMonotonicTimeAlone) {
  FakeClock clock(1000);
  const auto mono = clock.Monotonic();
  clock.SetWall(0);
  EXPECT_EQ(clock.NowMillis(), 0);
  EXPECT_EQ(clock.Monotonic(), mono);
}

TEST(ClockTest, SystemClockIsNearTheRealTime) {
  // After 2020-01-01 and before 2100-01-01: catches unit mistakes (s vs ms vs µs).
  const UnixMillis now = Clock::System().NowMillis();
  EXPECT_GT(now, 1'577'836'800'000);
  EXPECT_LT(now, 4'102'444'800'000);
}

}  // namespace
}  // namespace interdict
