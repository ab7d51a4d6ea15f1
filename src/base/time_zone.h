// The United States' time zones and their daylight-saving rule (since 2007:
// from 02:00 on the second Sunday of March to 02:00 on the first Sunday of
// November, local time), for telling the hour of a day where a camera stands.
// No tz database is needed for these; other zones are not supported.
#pragma once

#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"

namespace interdict {

// The day of the month of the n-th Sunday (1-based) of a month.
int NthSunday(int year, int month, int n);

class UsTimeZone {
 public:
  // "UTC", "America/New_York", "America/Chicago", "America/Denver",
  // "America/Phoenix", "America/Los_Angeles", "America/Anchorage",
  // "Pacific/Honolulu".
  static Result<UsTimeZone> Parse(std::string_view name);
  static std::string_view Supported();

  // Local time minus UTC at the instant `utc`, in milliseconds.
  std::int64_t OffsetAt(UnixMillis utc) const;
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  int standard_hours_ = 0;
  bool daylight_saving_ = false;
};

}  // namespace interdict
