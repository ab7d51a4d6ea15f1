#include "cluster/nats.h"

#include <vector>

#include <fmt/core.h>

namespace interdict::cluster {

Status NatsError(natsStatus s, std::string_view what) {
  const char* detail = nats_GetLastError(nullptr);
  return Status::Unavailable(fmt::format("NATS: {}: {}{}{}", what, natsStatus_GetText(s),
                                         detail && *detail ? ": " : "", detail ? detail : ""));
}

Result<natsOptions*> NatsOptions(const std::string& urls, const std::string& token,
                                 std::string_view setting) {
  // Each URL apart: the client library takes a comma-separated list only for
  // one URL (3.4 answers "no server available" for two).
  std::vector<std::string> list;
  for (std::size_t start = 0; start <= urls.size();) {
    std::size_t end = urls.find(',', start);
    if (end == std::string::npos) end = urls.size();
    std::string one = urls.substr(start, end - start);
    one.erase(0, one.find_first_not_of(' '));
    one.erase(one.find_last_not_of(' ') + 1);
    if (!one.empty()) list.push_back(std::move(one));
    start = end + 1;
  }
  if (list.empty()) return Status::InvalidArgument(fmt::format("{}: no URL", setting));
  natsOptions* o = nullptr;
  natsStatus s = natsOptions_Create(&o);
  if (s != NATS_OK) return NatsError(s, "options");
  std::vector<const char*> servers;
  for (const std::string& u : list) servers.push_back(u.c_str());
  if ((s = natsOptions_SetServers(o, servers.data(), static_cast<int>(servers.size()))) !=
      NATS_OK) {
    natsOptions_Destroy(o);
    return NatsError(s, fmt::format("{}: the URLs", setting));
  }
  if (!token.empty() && (s = natsOptions_SetToken(o, token.c_str())) != NATS_OK) {
    natsOptions_Destroy(o);
    return NatsError(s, "the token");
  }
  natsOptions_SetName(o, "interdict");
  natsOptions_SetTimeout(o, 2000);
  natsOptions_SetMaxReconnect(o, -1);  // for as long as the server runs
  natsOptions_SetReconnectWait(o, 100);
  return o;
}

}  // namespace interdict::cluster
