// Polls an ADS-B receiver (units.adsb_url: the aircraft.json Debian's
// dump1090-mutability serves) and records the aircraft it hears as the
// configured agency's, as a posted file with that agency's key would be
// (docs/format/units.md, "Aircraft"). Failures are logged once until the
// receiver answers again, and counted; they never stop the server.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "base/status.h"
#include "config/config.h"
#include "metrics/registry.h"
#include "server/api.h"

namespace interdict::server {

class AdsbPoller {
 public:
  AdsbPoller(ApiContext& ctx, config::UnitsConfig config, metrics::Registry& metrics);
  ~AdsbPoller();  // stops
  // Checks the URL and the agency, then polls on a thread of its own.
  Status Start();
  void Stop();
  // One poll on the caller's thread (the thread calls it too): how many
  // aircraft positions were recorded.
  Result<std::size_t> PollOnce();

 private:
  void Run();
  ApiContext& ctx_;
  config::UnitsConfig config_;
  metrics::Counter& polls_;
  metrics::Counter& failures_;
  identity::Principal receiver_;  // the agency's, with units.report only
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  bool failing_ = false;
  std::thread thread_;
};

}  // namespace interdict::server
