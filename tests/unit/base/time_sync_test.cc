// The clock's synchronization as the kernel reports it (GOVERNANCE 33).
#include "base/time_sync.h"

#include <gtest/gtest.h>

namespace interdict {
namespace {

constexpr int kTimeOk = 0, kTimeError = 5;
constexpr int kUnsync = 0x0040, kNano = 0x2000, kPll = 0x0001;

TEST(TimeSyncTest, ADisciplinedClockIsSynchronizedWithItsOffsetInSeconds) {
  const TimeSync s = InterpretTimex(kTimeOk, kPll, -2500, 12'000, 300);
  EXPECT_TRUE(s.synchronized);
  EXPECT_DOUBLE_EQ(s.offset_s, -0.0025);  // microseconds
  EXPECT_DOUBLE_EQ(s.max_error_s, 0.012);
  EXPECT_DOUBLE_EQ(s.estimated_error_s, 0.0003);
  EXPECT_DOUBLE_EQ(InterpretTimex(kTimeOk, kPll | kNano, 1'500'000, 0, 0).offset_s, 0.0015)
      << "STA_NANO: nanoseconds";
}

TEST(TimeSyncTest, AnUnsyncFlagOrTheErrorStateMeansNotSynchronized) {
  EXPECT_FALSE(InterpretTimex(kTimeOk, kUnsync, 0, 16'000'000, 16'000'000).synchronized);
  EXPECT_FALSE(InterpretTimex(kTimeError, kPll, 0, 0, 0).synchronized);
}

TEST(TimeSyncTest, TheKernelAnswersWithoutPrivilege) {
  // Whether or not this machine runs a time daemon, reading never needs root.
  Result<TimeSync> s = ReadTimeSync();
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_GE(s->max_error_s, 0);
}

}  // namespace
}  // namespace interdict
