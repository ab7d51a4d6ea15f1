// A small blocking HTTP/1.1 client over one kept-alive connection, for tests,
// benchmarks and outgoing calls (webhooks). Not thread-safe: one per thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "http/message.h"

namespace interdict::http {

struct ClientOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 80;
  std::chrono::milliseconds timeout{10'000};
  bool tls = false;
  std::string ca_file;  // with tls: trust this PEM file; empty: the system's trust store
  // A response body longer than this is refused (kUnavailable, "body limit
  // exceeded") before it is read whole: what a peer may make us hold.
  std::uint64_t max_body_bytes = std::uint64_t{1} << 32;

  static ClientOptions To(std::string host, std::uint16_t port) {
    ClientOptions o;
    o.host = std::move(host);
    o.port = port;
    return o;
  }
};

// An absolute http:// or https:// URL, split for a Client.
struct Url {
  bool tls = false;
  std::string host;
  std::uint16_t port = 80;
  std::string target = "/";  // path and query
};
// InvalidArgument naming what is wrong (scheme, host, port).
Result<Url> ParseUrl(std::string_view url);

struct ClientResponse {
  int status = 0;
  HeaderList headers;
  std::string body;
  std::string_view Header(std::string_view name) const;
};

class Client {
 public:
  explicit Client(ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends one request and reads the whole response; reconnects when the
  // server has closed the connection. Network failures are kUnavailable.
  Result<ClientResponse> Send(std::string_view method, std::string_view target,
                              std::string_view body = {}, const HeaderList& headers = {});
  Result<ClientResponse> Get(std::string_view target) { return Send("GET", target); }

  // Sends raw bytes on a fresh connection and returns whatever the server
  // answers until it closes: for tests of malformed requests.
  Result<std::string> SendRaw(std::string_view bytes);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace interdict::http
