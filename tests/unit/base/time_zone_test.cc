#include "base/time_zone.h"

#include <gtest/gtest.h>

#include "base/time_format.h"

namespace interdict {
namespace {

constexpr std::int64_t kMinute = 60'000;
constexpr std::int64_t kHour = 60 * kMinute;

UnixMillis At(const char* rfc3339) {
  return *ParseRfc3339(rfc3339);
}

TEST(TimeZoneTest, ChicagoChangesToDaylightTimeAtTwoInTheMorningLocalTime) {
  const TimeZone chicago = *TimeZone::Parse("America/Chicago");
  // 2026: daylight time from 8 March 02:00 CST (08:00 UTC) to 1 November
  // 02:00 CDT (07:00 UTC).
  EXPECT_EQ(chicago.OffsetAt(At("2026-03-08T07:59:59Z")), -6 * kHour);
  EXPECT_EQ(chicago.OffsetAt(At("2026-03-08T08:00:00Z")), -5 * kHour);
  EXPECT_EQ(chicago.OffsetAt(At("2026-11-01T06:59:59Z")), -5 * kHour);
  EXPECT_EQ(chicago.OffsetAt(At("2026-11-01T07:00:00Z")), -6 * kHour);
  // The skipped 02:30 moves forward an hour; the repeated 01:30 is its first.
  EXPECT_EQ(*chicago.LocalToUtc(2026, 3, 8, 2, 30, 0), At("2026-03-08T08:30:00Z"));
  EXPECT_EQ(*chicago.LocalToUtc(2026, 11, 1, 1, 30, 0), At("2026-11-01T06:30:00Z"));
  // Before 2007 the US changed in April and October.
  EXPECT_EQ(chicago.OffsetAt(At("2006-03-20T12:00:00Z")), -6 * kHour);
  EXPECT_EQ(chicago.OffsetAt(At("2006-10-20T12:00:00Z")), -5 * kHour);
}

TEST(TimeZoneTest, LondonChangesAtOneInTheMorningUtcOnTheLastSundays) {
  const TimeZone london = *TimeZone::Parse("Europe/London");
  // 2026: British Summer Time from 29 March 01:00 UTC to 25 October 01:00 UTC.
  EXPECT_EQ(london.OffsetAt(At("2026-03-29T00:59:59Z")), 0);
  EXPECT_EQ(london.OffsetAt(At("2026-03-29T01:00:00Z")), kHour);
  EXPECT_EQ(london.OffsetAt(At("2026-10-25T00:59:59Z")), kHour);
  EXPECT_EQ(london.OffsetAt(At("2026-10-25T01:00:00Z")), 0);
  EXPECT_EQ(london.LocalMidnight(At("2026-07-01T23:30:00Z")), At("2026-07-01T23:00:00Z"));
  EXPECT_EQ(london.LocalMidnight(At("2026-07-01T22:30:00Z")), At("2026-06-30T23:00:00Z"));
}

TEST(TimeZoneTest, LordHoweShiftsByHalfAnHour) {
  const TimeZone lord_howe = *TimeZone::Parse("Australia/Lord_Howe");
  // +10:30 in winter, +11:00 in summer: 2026-04-05 02:00 local daylight time
  // (15:00 UTC the day before) goes back to 01:30; 2026-10-04 02:00 standard
  // time (15:30 UTC the day before) goes forward to 02:30.
  EXPECT_EQ(lord_howe.OffsetAt(At("2026-04-04T14:59:59Z")), 11 * kHour);
  EXPECT_EQ(lord_howe.OffsetAt(At("2026-04-04T15:00:00Z")), 10 * kHour + 30 * kMinute);
  EXPECT_EQ(lord_howe.OffsetAt(At("2026-10-03T15:29:59Z")), 10 * kHour + 30 * kMinute);
  EXPECT_EQ(lord_howe.OffsetAt(At("2026-10-03T15:30:00Z")), 11 * kHour);
  EXPECT_EQ(*lord_howe.LocalToUtc(2026, 10, 4, 2, 15, 0), At("2026-10-03T15:45:00Z"));
}

TEST(TimeZoneTest, LocalMidnightOnTheDayClocksChange) {
  const TimeZone chicago = *TimeZone::Parse("America/Chicago");
  // Midnight before the change is CST; the next midnight is CDT, 23 hours on.
  EXPECT_EQ(chicago.LocalMidnight(At("2026-03-08T20:00:00Z")), At("2026-03-08T06:00:00Z"));
  EXPECT_EQ(chicago.LocalMidnight(At("2026-03-09T12:00:00Z")), At("2026-03-09T05:00:00Z"));
  EXPECT_EQ(chicago.LocalMidnight(At("2026-03-09T04:59:59Z")), At("2026-03-08T06:00:00Z"));
}

TEST(TimeZoneTest, AcceptsUtcAndAnyIanaName) {
  EXPECT_EQ(TimeZone::Parse("UTC")->OffsetAt(0), 0);
  EXPECT_EQ(TimeZone::Parse("Asia/Kolkata")->OffsetAt(0), 5 * kHour + 30 * kMinute);
  EXPECT_EQ(TimeZone::Parse("America/Argentina/Buenos_Aires")->name(),
            "America/Argentina/Buenos_Aires");
}

TEST(TimeZoneTest, RefusesNamesThatAreNotZonesOrArePaths) {
  for (const char* bad : {"", "Mars/Olympus_Mons", "/etc/passwd", "../../etc/passwd",
                          "America/../../etc/passwd", "America/", "America//Chicago",
                          "America/Chicago\n", "file:America/Chicago", "America", ".hidden"}) {
    Result<TimeZone> tz = TimeZone::Parse(bad);
    EXPECT_FALSE(tz.ok()) << bad;
    if (!tz.ok()) {
      EXPECT_NE(tz.status().message().find("unknown time zone"), std::string::npos);
    }
  }
  EXPECT_FALSE(TimeZone::Parse(std::string(100, 'A')).ok());
}

TEST(TimeZoneTest, RefusesWallClockTimesThatAreNotDates) {
  const TimeZone utc = TimeZone::Utc();
  EXPECT_FALSE(utc.LocalToUtc(2026, 2, 30, 0, 0, 0).ok());
  EXPECT_FALSE(utc.LocalToUtc(2026, 1, 1, 24, 0, 0).ok());
  EXPECT_EQ(*utc.LocalToUtc(2026, 1, 1, 0, 0, 0), At("2026-01-01T00:00:00Z"));
}

}  // namespace
}  // namespace interdict
