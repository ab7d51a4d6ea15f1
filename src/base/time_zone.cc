#include "base/time_zone.h"

#include <array>
#include <chrono>

#include <fmt/core.h>

#include "base/time_format.h"

namespace interdict {
namespace {

struct Zone {
  std::string_view name;
  int standard_hours;
  bool daylight_saving;
};

constexpr std::array<Zone, 8> kZones = {{{"UTC", 0, false},
                                         {"America/New_York", -5, true},
                                         {"America/Chicago", -6, true},
                                         {"America/Denver", -7, true},
                                         {"America/Phoenix", -7, false},
                                         {"America/Los_Angeles", -8, true},
                                         {"America/Anchorage", -9, true},
                                         {"Pacific/Honolulu", -10, false}}};

constexpr std::int64_t kHour = 3'600'000;

}  // namespace

int NthSunday(int y, int m, int n) {
  using namespace std::chrono;
  const sys_days day{year_month_day{year{y}, month{static_cast<unsigned>(m)}, std::chrono::day{1}}};
  const int first_weekday = static_cast<int>(weekday{day}.c_encoding());  // 0 = Sunday
  return 1 + (7 - first_weekday) % 7 + 7 * (n - 1);
}

std::string_view UsTimeZone::Supported() {
  return "UTC, America/New_York, America/Chicago, America/Denver, America/Phoenix, "
         "America/Los_Angeles, America/Anchorage, Pacific/Honolulu";
}

Result<UsTimeZone> UsTimeZone::Parse(std::string_view name) {
  for (const Zone& z : kZones) {
    if (z.name == name) {
      UsTimeZone tz;
      tz.name_ = std::string(name);
      tz.standard_hours_ = z.standard_hours;
      tz.daylight_saving_ = z.daylight_saving;
      return tz;
    }
  }
  return Status::InvalidArgument(
      fmt::format("unknown time zone \"{}\"; one of {}", name, Supported()));
}

std::int64_t UsTimeZone::OffsetAt(UnixMillis utc) const {
  const std::int64_t standard = standard_hours_ * kHour;
  if (!daylight_saving_) return standard;
  using namespace std::chrono;
  const auto local_day = floor<days>(sys_time<milliseconds>(milliseconds(utc + standard)));
  const int y = static_cast<int>(year_month_day{local_day}.year());
  // Daylight time starts at 02:00 standard time and ends at 02:00 daylight
  // time (01:00 standard), both as instants in UTC.
  const Result<UnixMillis> start = CivilToUnix(y, 3, NthSunday(y, 3, 2), 2, 0, 0);
  const Result<UnixMillis> end = CivilToUnix(y, 11, NthSunday(y, 11, 1), 1, 0, 0);
  if (!start.ok() || !end.ok()) return standard;
  const bool daylight = utc >= *start - standard && utc < *end - standard;
  return daylight ? standard + kHour : standard;
}

}  // namespace interdict
