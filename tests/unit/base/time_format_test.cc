#include "base/time_format.h"
#include "base/time_zone.h"

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

namespace interdict {
namespace {

TEST(UsTimeZoneTest, DaylightTimeStartsAndEndsAtTwoInTheMorningLocalTime) {
  const UsTimeZone chicago = *UsTimeZone::Parse("America/Chicago");
  constexpr std::int64_t kHour = 3'600'000;
  // 2026: daylight time from 8 March 02:00 CST (08:00 UTC) to 1 November
  // 02:00 CDT (07:00 UTC).
  EXPECT_EQ(chicago.OffsetAt(*ParseRfc3339("2026-03-08T07:59:59Z")), -6 * kHour);
  EXPECT_EQ(chicago.OffsetAt(*ParseRfc3339("2026-03-08T08:00:00Z")), -5 * kHour);
  EXPECT_EQ(chicago.OffsetAt(*ParseRfc3339("2026-11-01T06:59:59Z")), -5 * kHour);
  EXPECT_EQ(chicago.OffsetAt(*ParseRfc3339("2026-11-01T07:00:00Z")), -6 * kHour);
  const UsTimeZone phoenix = *UsTimeZone::Parse("America/Phoenix");
  EXPECT_EQ(phoenix.OffsetAt(*ParseRfc3339("2026-07-01T12:00:00Z")), -7 * kHour);
  EXPECT_EQ(UsTimeZone::Parse("UTC")->OffsetAt(0), 0);
  EXPECT_FALSE(UsTimeZone::Parse("Europe/Paris").ok());
  EXPECT_EQ(NthSunday(2026, 3, 2), 8);
  EXPECT_EQ(NthSunday(2026, 11, 1), 1);
}

}  // namespace
}  // namespace interdict
