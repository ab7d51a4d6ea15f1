#include "base/time_sync.h"

#include <sys/timex.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace interdict {

TimeSync InterpretTimex(int state, int status, std::int64_t offset, std::int64_t max_error_us,
                        std::int64_t estimated_error_us) {
  constexpr int kTimeError = 5;    // TIME_ERROR
  constexpr int kUnsync = 0x0040;  // STA_UNSYNC
  constexpr int kNano = 0x2000;    // STA_NANO
  TimeSync out;
  out.synchronized = state != kTimeError && (status & kUnsync) == 0;
  out.offset_s = static_cast<double>(offset) / ((status & kNano) != 0 ? 1e9 : 1e6);
  out.max_error_s = static_cast<double>(max_error_us) / 1e6;
  out.estimated_error_s = static_cast<double>(estimated_error_us) / 1e6;
  return out;
}

Result<TimeSync> ReadTimeSync() {
  struct timex tx;
  std::memset(&tx, 0, sizeof tx);  // modes = 0: read only
  const int state = ntp_adjtime(&tx);
  if (state < 0) {
    return Status::IOError(std::string("reading the clock's synchronization (ntp_adjtime): ") +
                           std::strerror(errno));
  }
  return InterpretTimex(state, tx.status, tx.offset, tx.maxerror, tx.esterror);
}

}  // namespace interdict
