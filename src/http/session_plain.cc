#include "http/session.h"

namespace interdict::http {

void StartPlainSession(tcp::socket socket, std::string remote,
                       std::shared_ptr<Server::Impl> server) {
  auto s = std::make_shared<Session<false>>(std::move(socket), std::move(remote), server);
  server->Register(s);
  s->Start();
}

}  // namespace interdict::http
