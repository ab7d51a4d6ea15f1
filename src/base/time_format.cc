#include "base/time_format.h"

#include <chrono>

#include <fmt/core.h>

namespace interdict {
namespace {

bool Digits(std::string_view s, std::size_t pos, std::size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

}  // namespace

std::string FormatRfc3339(UnixMillis t) {
  using namespace std::chrono;
  const sys_time<milliseconds> tp{milliseconds{t}};
  const auto day = floor<days>(tp);
  const year_month_day ymd{day};
  const hh_mm_ss<milliseconds> hms{tp - day};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     hms.hours().count(), hms.minutes().count(), hms.seconds().count(),
                     hms.subseconds().count());
}

Result<UnixMillis> ParseRfc3339(std::string_view s) {
  using namespace std::chrono;
  auto bad = [&](std::size_t at, std::string_view what) {
    return Status::InvalidArgument(
        fmt::format("invalid RFC 3339 time '{}': {} at character {}", s, what, at));
  };
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!Digits(s, 0, 4, &y)) return bad(0, "expected 4-digit year");
  if (s.size() < 5 || s[4] != '-') return bad(4, "expected '-'");
  if (!Digits(s, 5, 2, &mo)) return bad(5, "expected 2-digit month");
  if (s.size() < 8 || s[7] != '-') return bad(7, "expected '-'");
  if (!Digits(s, 8, 2, &d)) return bad(8, "expected 2-digit day");
  if (s.size() < 11 || (s[10] != 'T' && s[10] != 't' && s[10] != ' '))
    return bad(10, "expected 'T'");
  if (!Digits(s, 11, 2, &h)) return bad(11, "expected 2-digit hour");
  if (s.size() < 14 || s[13] != ':') return bad(13, "expected ':'");
  if (!Digits(s, 14, 2, &mi)) return bad(14, "expected 2-digit minute");
  if (s.size() < 17 || s[16] != ':') return bad(16, "expected ':'");
  if (!Digits(s, 17, 2, &sec)) return bad(17, "expected 2-digit second");

  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)},
                           day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return bad(0, "no such date");
  if (h > 23 || mi > 59 || sec > 60) return bad(11, "time of day out of range");
  if (sec == 60) sec = 59;  // a leap second is folded into the second before it

  std::size_t pos = 19;
  std::int64_t millis = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    const std::size_t start = pos;
    int scale = 100;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      millis += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return bad(pos, "expected fraction digits");
  }
  if (pos >= s.size()) return bad(pos, "expected 'Z' or an offset");
  std::int64_t offset_minutes = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh = 0, om = 0;
    if (!Digits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !Digits(s, pos + 4, 2, &om) || oh > 23 || om > 59) {
      return bad(pos, "invalid offset");
    }
    offset_minutes = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return bad(pos, "expected 'Z' or an offset");
  }
  if (pos != s.size()) return bad(pos, "unexpected trailing characters");

  const sys_days days_since_epoch{ymd};
  const std::int64_t secs = days_since_epoch.time_since_epoch().count() * 86400LL + h * 3600LL +
                            mi * 60LL + sec - offset_minutes * 60LL;
  return secs * 1000 + millis;
}

Result<UnixMillis> CivilToUnix(int y, int mo, int d, int h, int mi, int sec) {
  using namespace std::chrono;
  if (mo < 1 || mo > 12 || d < 1 || d > 31) {
    return Status::InvalidArgument(fmt::format("no such date {:04}-{:02}-{:02}", y, mo, d));
  }
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)},
                           day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) {
    return Status::InvalidArgument(fmt::format("no such date {:04}-{:02}-{:02}", y, mo, d));
  }
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59) {
    return Status::InvalidArgument(
        fmt::format("time of day {:02}:{:02}:{:02} out of range", h, mi, sec));
  }
  const sys_days days_since_epoch{ymd};
  return (days_since_epoch.time_since_epoch().count() * 86400LL + h * 3600LL + mi * 60LL + sec) *
         1000;
}

Result<UnixMillis> ParseDate(std::string_view s) {
  int y = 0, mo = 0, d = 0;
  const bool compact =
      s.size() == 8 && Digits(s, 0, 4, &y) && Digits(s, 4, 2, &mo) && Digits(s, 6, 2, &d);
  const bool dashed = s.size() == 10 && Digits(s, 0, 4, &y) && s[4] == '-' &&
                      Digits(s, 5, 2, &mo) && s[7] == '-' && Digits(s, 8, 2, &d);
  if (!compact && !dashed) {
    return Status::InvalidArgument(
        fmt::format("invalid date '{}': expected YYYYMMDD or YYYY-MM-DD", s));
  }
  return CivilToUnix(y, mo, d, 0, 0, 0);
}

}  // namespace interdict
