// Time zones from the IANA database (tzdata, /usr/share/zoneinfo), read
// through Google's cctz: the hour of the day where a camera stands, the
// local midnight a day starts at, a vendor's local timestamps in UTC.
// Any IANA name is accepted ("America/Chicago", "Europe/London",
// "Australia/Lord_Howe"); rule changes arrive with Debian's tzdata updates.
// Decision 0028.
#pragma once

#include <string>
#include <string_view>

#include <cctz/time_zone.h>

#include "base/clock.h"
#include "base/status.h"

namespace interdict {

class TimeZone {
 public:
  // A zone by its IANA name, or "UTC". The name comes from outside (a search
  // request, a configuration file), so only a name of the database's shape
  // that names a file under the database's folder is read: no path, no "..",
  // and no unbounded cache of unknown names.
  static Result<TimeZone> Parse(std::string_view name);
  static TimeZone Utc();

  // Local time minus UTC at the instant `utc`, in milliseconds.
  std::int64_t OffsetAt(UnixMillis utc) const;

  // The instant of a local wall-clock time. A time skipped by a change to
  // daylight time counts with the offset before the change (02:30 on the
  // morning clocks go from 02:00 to 03:00 is 03:30); a time that happens
  // twice is its first happening. A date that does not exist is an error.
  Result<UnixMillis> LocalToUtc(int year, int month, int day, int hour, int minute,
                                int second) const;

  // The instant the local day holding `utc` began.
  UnixMillis LocalMidnight(UnixMillis utc) const;

  const std::string& name() const { return name_; }

 private:
  std::string name_ = "UTC";
  cctz::time_zone zone_ = cctz::utc_time_zone();
};

}  // namespace interdict
