// An HTTP/1.1 server on asynchronous I/O: a few I/O threads serve thousands of
// kept-alive connections, and handlers run on a separate worker pool so a slow
// request never stalls the network. Optional TLS (1.2+). Bodies, headers and
// connection counts are bounded; errors are JSON. Shutdown() drains: it stops
// accepting, closes idle connections, lets in-flight requests finish (up to
// a deadline), then Run() returns.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "base/log.h"
#include "base/status.h"
#include "http/message.h"
#include "http/router.h"
#include "metrics/registry.h"

namespace interdict::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0: any free port; see Server::port()
  int io_threads = 1;
  int worker_threads = 8;
  std::uint64_t max_body_bytes = 16ull << 20;
  std::uint32_t max_header_bytes = 16u << 10;
  int max_connections = 10000;
  // From one peer address: a flood from one machine cannot take every slot.
  int max_connections_per_address = 512;
  // Request bodies held in memory at once — being read or being handled —
  // across the server and from one address. A body that would pass either is
  // refused with 503 and Retry-After before it is read, so slow or stalled
  // senders cannot make the server hold max_connections × max_body_bytes.
  std::uint64_t max_inflight_body_bytes = 1ull << 30;
  std::uint64_t max_inflight_body_bytes_per_address = 64ull << 20;
  std::chrono::seconds idle_timeout{75};
  std::chrono::seconds request_timeout{30};
  std::chrono::seconds shutdown_timeout{30};
  std::string tls_cert_file;  // both set: HTTPS only
  std::string tls_key_file;
};

// Decides whether a request may reach its route: nullopt lets it through (the
// gate may attach the caller to the request), a response (401/403/429)
// refuses it. Called on a worker thread for every matched route; for a
// public route it may refuse only to throttle (429), never for credentials.
using AccessGate = std::function<std::optional<Response>(Request&, const Route&)>;

class Server {
 public:
  // `router`, `log` and `metrics` must outlive the server. Without a gate,
  // every non-public route answers 401.
  Server(ServerOptions options, const Router& router, AccessGate gate, Logger& log,
         metrics::Registry& metrics);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Loads TLS material, binds and listens. After it, port() is the bound port.
  Status Start();
  std::uint16_t port() const;
  // "http://127.0.0.1:8480" or "https://..."
  std::string url() const;

  // Serves until Shutdown() has drained. Call once, after Start().
  void Run();
  // Thread-safe and idempotent; returns at once.
  void Shutdown();

  // Answers one request as a connection would — routing, the access gate,
  // the handler, metrics — without a socket: for in-process callers such as
  // the HTTP fuzz target. Thread-safe; the server need not be running.
  Response Handle(Request& req);

  struct Impl;  // public so the connection code in server.cc can name it

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace interdict::http
