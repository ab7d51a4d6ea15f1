// A message on the alert bus (decision 0034), as another server — or anyone
// who reaches NATS — might send it: AlertBus::Decode must refuse every
// malformed one with a status, never crash, and what it accepts must encode
// back to a message that decodes to the same hit.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "server/alert_bus.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using interdict::server::AlertBus;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  interdict::Result<AlertBus::Message> m = AlertBus::Decode(text);
  if (!m.ok()) return 0;
  if (m->hit <= 0) std::abort();
  interdict::Result<AlertBus::Message> again = AlertBus::Decode(AlertBus::Encode(*m));
  if (!again.ok() || again->hit != m->hit || again->raised_at != m->raised_at) std::abort();
  return 0;
}
