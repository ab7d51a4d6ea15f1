#include "base/time_zone.h"

#include <sys/stat.h>

#include <chrono>
#include <cstdlib>

#include <cctz/civil_time.h>
#include <fmt/core.h>

namespace interdict {
namespace {

using Seconds = std::chrono::time_point<std::chrono::system_clock, std::chrono::seconds>;

// Where cctz reads the database: $TZDIR, else Debian's tzdata folder.
std::string ZoneFolder() {
  const char* dir = std::getenv("TZDIR");
  return dir != nullptr && *dir != '\0' ? dir : "/usr/share/zoneinfo";
}

// The shape of an IANA name: parts of letters, digits, '_', '+' and '-'
// joined by '/', none starting with '.', 64 bytes at most.
bool IsZoneName(std::string_view name) {
  if (name.empty() || name.size() > 64 || name.front() == '/' || name.back() == '/') return false;
  bool part_start = true;
  for (char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '+' || c == '-' || c == '/';
    if (!ok || (part_start && (c == '/' || c == '-'))) return false;
    part_start = c == '/';
  }
  return true;
}

Seconds ToSeconds(UnixMillis t) {
  return std::chrono::floor<std::chrono::seconds>(
      std::chrono::time_point<std::chrono::system_clock, std::chrono::milliseconds>(
          std::chrono::milliseconds(t)));
}

}  // namespace

TimeZone TimeZone::Utc() {
  return TimeZone();
}

Result<TimeZone> TimeZone::Parse(std::string_view name) {
  if (name == "UTC") return Utc();
  const auto unknown = [&] {
    return Status::InvalidArgument(
        fmt::format("unknown time zone \"{}\": an IANA name such as America/Chicago or "
                    "Europe/London is expected",
                    name.substr(0, 64)));
  };
  if (!IsZoneName(name)) return unknown();
  // cctz keeps every name it is asked for, found or not; asking only for
  // names that are files keeps that cache to the database's size.
  struct stat st {};
  const std::string path = ZoneFolder() + "/" + std::string(name);
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return unknown();
  TimeZone tz;
  if (!cctz::load_time_zone(std::string(name), &tz.zone_)) return unknown();
  tz.name_ = std::string(name);
  return tz;
}

std::int64_t TimeZone::OffsetAt(UnixMillis utc) const {
  return static_cast<std::int64_t>(zone_.lookup(ToSeconds(utc)).offset) * 1000;
}

Result<UnixMillis> TimeZone::LocalToUtc(int y, int mo, int d, int h, int mi, int s) const {
  const cctz::civil_second cs(y, mo, d, h, mi, s);
  if (cs.year() != y || cs.month() != mo || cs.day() != d || cs.hour() != h || cs.minute() != mi ||
      cs.second() != s) {
    return Status::InvalidArgument(fmt::format(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} is not a date and time", y, mo, d, h, mi, s));
  }
  // `pre`: the offset in force before a change, which gives the first
  // happening of a repeated time and moves a skipped one forward.
  const Seconds t = zone_.lookup(cs).pre;
  return UnixMillis{t.time_since_epoch().count()} * 1000;
}

UnixMillis TimeZone::LocalMidnight(UnixMillis utc) const {
  const cctz::civil_day day(cctz::convert(ToSeconds(utc), zone_));
  const Seconds t = cctz::convert(cctz::civil_second(day), zone_);
  return UnixMillis{t.time_since_epoch().count()} * 1000;
}

}  // namespace interdict
