// What every NATS client of Interdict's shares (decisions 0034, 0035): the
// options of a connection to a list of URLs that reconnects for as long as
// the server runs, and errors that name the library's reason.
#pragma once

#include <nats/nats.h>

#include <string>
#include <string_view>

#include "base/status.h"

namespace interdict::cluster {

// Unavailable: "NATS: <what>: <status text>: <the library's last error>".
Status NatsError(natsStatus s, std::string_view what);

// Options for `urls` (comma-separated; `setting` names them in errors) and
// `token` (empty: none), reconnecting forever every 100 ms, with a 2 s
// connect timeout. The caller destroys them (natsOptions_Destroy).
Result<natsOptions*> NatsOptions(const std::string& urls, const std::string& token,
                                 std::string_view setting);

}  // namespace interdict::cluster
