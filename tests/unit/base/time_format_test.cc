#include "base/time_format.h"

#include <gtest/gtest.h>

namespace interdict {
namespace {

TEST(TimeFormatTest, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatRfc3339(1'700'000'000'123), "2023-11-14T22:13:20.123Z");
}

TEST(TimeFormatTest, ParsesZuluAndOffsets) {
  EXPECT_EQ(*ParseRfc3339("2023-11-14T22:13:20.123Z"), 1'700'000'000'123);
  EXPECT_EQ(*ParseRfc3339("2023-11-14T22:13:20Z"), 1'700'000'000'000);
  EXPECT_EQ(*ParseRfc3339("2023-11-14T23:13:20+01:00"), 1'700'000'000'000);
  EXPECT_EQ(*ParseRfc3339("2023-11-14T17:13:20.5-05:00"), 1'700'000'000'500);
  EXPECT_EQ(*ParseRfc3339("2023-11-14t22:13:20.123456z"), 1'700'000'000'123);
}

TEST(TimeFormatTest, RoundTripsAcrossCenturies) {
  for (UnixMillis t : {UnixMillis{0}, UnixMillis{951'782'400'000}, UnixMillis{4'102'444'799'999},
                       UnixMillis{-86'400'000}}) {
    EXPECT_EQ(*ParseRfc3339(FormatRfc3339(t)), t) << FormatRfc3339(t);
  }
}

TEST(TimeFormatTest, RejectsMalformedTimesNamingThePosition) {
  for (const char* bad : {"", "2023-11-14", "2023-13-01T00:00:00Z", "2023-02-30T00:00:00Z",
                          "2023-11-14T25:00:00Z", "2023-11-14T22:13:20", "2023-11-14T22:13:20Zjunk",
                          "2023-11-14T22:13:20+1:00", "2023-11-14T22:13:20.Z"}) {
    Result<UnixMillis> r = ParseRfc3339(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_NE(r.status().message().find("character"), std::string::npos) << bad;
    }
  }
}

}  // namespace
}  // namespace interdict
