// Internals of http::Server shared by server.cc and the two session units
// (session_plain.cc, session_tls.cc), which are compiled apart because each
// instantiation of the connection code is expensive to optimize. Private to
// the http component.
#pragma once

#include <atomic>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include "http/server.h"

namespace interdict::http {

namespace net = boost::asio;
using tcp = net::ip::tcp;

class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Closes the connection if it is waiting for a request; otherwise lets the
  // current request finish and closes after its response.
  virtual void Drain() = 0;
  // Closes the connection now.
  virtual void Abort() = 0;
};

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  Impl(ServerOptions o, const Router& r, AccessGate g, Logger& l, metrics::Registry& m)
      : opts(std::move(o)),
        router(r),
        gate(std::move(g)),
        log(l),
        registry(m),
        acceptor(ioc),
        control(net::make_strand(ioc)),
        drain_timer(control),
        accept_retry(ioc),
        workers(static_cast<std::size_t>(std::max(1, opts.worker_threads))),
        open_connections(m.GetGauge("interdict_http_open_connections", "Open HTTP connections.")),
        refused_connections(
            m.GetCounter("interdict_http_refused_connections_total",
                         "Connections closed at once because of server.max_connections.")),
        refused_per_address(m.GetCounter(
            "interdict_http_refused_connections_per_address_total",
            "Connections closed at once because of server.max_connections_per_address.")),
        accept_failures(m.GetCounter(
            "interdict_http_accept_failures_total",
            "Failed accepts (such as no file descriptor left); each waits 50 ms before the next.")),
        refused_bodies(m.GetCounter(
            "interdict_http_refused_bodies_total",
            "Requests answered 503 because their body would pass the in-flight body budget.")),
        request_seconds(m.GetHistogram("interdict_http_request_duration_seconds",
                                       "Time from a whole request read to its response ready.",
                                       metrics::LatencyBuckets())) {}

  Response Handle(Request& req);
  void Accept();
  void Register(const std::shared_ptr<SessionBase>& s);
  // Called once by each session as it ends, with the address it was admitted for.
  void Unregister(const std::string& address);
  // Counts a new connection from `address`; false (and nothing counted) when
  // that address already holds max_connections_per_address.
  bool AdmitAddress(const std::string& address);
  // Reserves `bytes` of request body for `address`; false (nothing reserved)
  // when that would pass max_inflight_body_bytes or its per-address share.
  bool ReserveBody(const std::string& address, std::uint64_t bytes);
  void ReleaseBody(const std::string& address, std::uint64_t bytes);
  void BeginDrain();

  ServerOptions opts;
  const Router& router;
  AccessGate gate;
  Logger& log;
  metrics::Registry& registry;

  net::io_context ioc;
  std::optional<net::ssl::context> tls;
  tcp::acceptor acceptor;
  net::strand<net::io_context::executor_type> control;
  net::steady_timer drain_timer;
  // After a failed accept (out of file descriptors): waits before the next,
  // so the loop does not spin while the condition lasts.
  net::steady_timer accept_retry;
  std::chrono::steady_clock::time_point last_accept_warning{};
  net::thread_pool workers;
  std::uint16_t bound_port = 0;

  struct AddressUse {
    int connections = 0;
    std::uint64_t body_bytes = 0;
  };
  std::mutex mu;  // guards sessions, session_count, per_address, body_bytes and draining
  std::list<std::weak_ptr<SessionBase>> sessions;
  std::size_t session_count = 0;
  std::unordered_map<std::string, AddressUse> per_address;  // by peer address
  std::uint64_t body_bytes = 0;  // reserved request bodies, all addresses
  bool draining = false;
  std::atomic<bool> shutdown_requested{false};
  std::atomic<int> connections{0};

  metrics::Gauge& open_connections;
  metrics::Counter& refused_connections;
  metrics::Counter& refused_per_address;
  metrics::Counter& accept_failures;
  metrics::Counter& refused_bodies;
  metrics::Histogram& request_seconds;
};

// Start serving one accepted connection (defined in session_plain.cc and session_tls.cc).
// `remote` is the peer address the connection was admitted for.
void StartPlainSession(tcp::socket socket, std::string remote,
                       std::shared_ptr<Server::Impl> server);
void StartTlsSession(tcp::socket socket, std::string remote, std::shared_ptr<Server::Impl> server);

}  // namespace interdict::http
