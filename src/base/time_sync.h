// Whether this machine's clock is synchronized (GOVERNANCE 33, CJIS 5.4.1.1:
// audit times are only evidence if the clock is right). The kernel knows: a
// time daemon (chrony, ntpd, systemd-timesyncd) that disciplines the clock
// clears STA_UNSYNC and reports its last offset and error bounds through
// ntp_adjtime(2). Interdict reads them — it never sets the clock — at start and
// every minute, logs a warning when the clock is not synchronized, and
// exposes the figures on /metrics.
#pragma once

#include <cstdint>

#include "base/status.h"

namespace interdict {

struct TimeSync {
  bool synchronized = false;     // disciplined by a time daemon
  double offset_s = 0;           // the daemon's last measured offset from its reference
  double max_error_s = 0;        // the kernel's bound on the clock's error
  double estimated_error_s = 0;  // its estimate of it
};

// The figures as ntp_adjtime(2) returns them: the clock state (TIME_ERROR = 5
// means unsynchronized), the status bits (STA_UNSYNC 0x40, STA_NANO 0x2000:
// offset in nanoseconds rather than microseconds), the offset, and the
// maximum and estimated errors in microseconds.
TimeSync InterpretTimex(int state, int status, std::int64_t offset, std::int64_t max_error_us,
                        std::int64_t estimated_error_us);

// Reads the kernel's figures (read-only: no privilege needed).
Result<TimeSync> ReadTimeSync();

}  // namespace interdict
