#include "http/server.h"

#include <sys/resource.h>

#include <algorithm>
#include <thread>
#include <vector>

#include <fmt/core.h>
#include <openssl/ssl.h>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/string.hpp>

#include "http/server_impl.h"

namespace interdict::http {

namespace beast = boost::beast;

Response Server::Impl::Handle(Request& req) {
  const auto start = std::chrono::steady_clock::now();
  Response res;
  std::string route_label = "unmatched";
  if (req.path.empty() || req.path.front() != '/') {
    res = Response::Error(400, "malformed_request", "request target must be an absolute path");
  } else if (const std::string_view te = req.Header("Transfer-Encoding");
             !te.empty() && !beast::iequals(te, "chunked")) {
    // RFC 9112 6.1: a transfer coding the server does not know is a 501;
    // the parser has only undone the chunking.
    res = Response::Error(
        501, "unsupported_transfer_encoding",
        fmt::format("Transfer-Encoding {} is not supported; only chunked is", te.substr(0, 40)));
  } else if (const std::string_view enc = req.Header("Content-Encoding");
             !enc.empty() && !beast::iequals(enc, "identity")) {
    // Nothing is decompressed: a small compressed body must not expand to
    // gigabytes, and every route reads plain bytes.
    res = Response::Error(415, "unsupported_encoding",
                          fmt::format("Content-Encoding {} is not accepted; send the body as it "
                                      "is (identity)",
                                      enc.substr(0, 40)));
  } else {
    Router::Match m = router.Find(req.method, req.path);
    if (m.route == nullptr) {
      if (m.path_known) {
        res = Response::Error(405, "method_not_allowed",
                              fmt::format("{} is not allowed on {}; allowed: {}", req.method,
                                          req.path, m.allowed_methods));
        res.headers.emplace_back("Allow", m.allowed_methods);
      } else {
        res = Response::Error(404, "not_found", fmt::format("no route for {}", req.path));
      }
    } else {
      route_label = m.route->pattern;
      std::optional<Response> refusal;
      if (gate) {
        refusal = gate(req, *m.route);  // for a public route it may only throttle
      } else if (!m.route->access.is_public()) {
        refusal = Response::Error(401, "unauthenticated", "this route needs credentials");
      }
      if (refusal) {
        res = std::move(*refusal);
      } else {
        try {
          res = m.route->handler(req, m.params);
        } catch (const std::exception& e) {
          log.Error("handler threw", {{"route", route_label}, {"error", e.what()}});
          res = Response::Error(500, "internal", "internal error; the server log has details");
        }
      }
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  request_seconds.Observe(seconds);
  registry
      .GetCounter(
          "interdict_http_requests_total", "HTTP requests answered, by route and status.",
          {{"method", req.method}, {"route", route_label}, {"code", std::to_string(res.status)}})
      .Inc();
  if (log.Enabled(LogLevel::kDebug)) {
    log.Debug("http request", {{"method", req.method},
                               {"path", req.path},
                               {"status", res.status},
                               {"seconds", seconds},
                               {"remote", req.remote_address}});
  }
  return res;
}

void Server::Impl::Register(const std::shared_ptr<SessionBase>& s) {
  std::lock_guard lock(mu);
  ++session_count;
  // Sweep out finished sessions once they outnumber the live ones, so the
  // list stays proportional to open connections at amortized O(1) a connection.
  if (sessions.size() >= 2 * session_count + 16) {
    sessions.remove_if([](const std::weak_ptr<SessionBase>& w) { return w.expired(); });
  }
  sessions.push_back(s);
}

bool Server::Impl::AdmitAddress(const std::string& address) {
  std::lock_guard lock(mu);
  AddressUse& use = per_address[address];
  if (use.connections >= opts.max_connections_per_address) return false;
  ++use.connections;
  return true;
}

bool Server::Impl::ReserveBody(const std::string& address, std::uint64_t bytes) {
  std::lock_guard lock(mu);
  AddressUse& use = per_address[address];  // admitted: present while connected
  if (body_bytes + bytes > opts.max_inflight_body_bytes ||
      use.body_bytes + bytes > opts.max_inflight_body_bytes_per_address) {
    return false;
  }
  body_bytes += bytes;
  use.body_bytes += bytes;
  return true;
}

void Server::Impl::ReleaseBody(const std::string& address, std::uint64_t bytes) {
  std::lock_guard lock(mu);
  body_bytes -= bytes;
  if (auto it = per_address.find(address); it != per_address.end()) it->second.body_bytes -= bytes;
}

void Server::Impl::Unregister(const std::string& address) {
  std::lock_guard lock(mu);
  --session_count;
  if (auto it = per_address.find(address);
      it != per_address.end() && --it->second.connections <= 0) {
    per_address.erase(it);
  }
  if (draining && session_count == 0) {
    net::post(control, [self = shared_from_this()] { self->drain_timer.cancel(); });
  }
}

void Server::Impl::Accept() {
  acceptor.async_accept(
      net::make_strand(ioc), [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
        if (ec == net::error::operation_aborted || !self->acceptor.is_open()) return;
        if (!ec) {
          beast::error_code ignored;
          const auto ep = socket.remote_endpoint(ignored);
          std::string remote = ignored ? "" : ep.address().to_string();
          if (self->connections.fetch_add(1) >= self->opts.max_connections) {
            self->connections.fetch_sub(1);
            self->refused_connections.Inc();
            socket.close(ignored);
          } else if (!self->AdmitAddress(remote)) {
            self->connections.fetch_sub(1);
            self->refused_per_address.Inc();
            socket.close(ignored);
          } else if (self->tls) {
            StartTlsSession(std::move(socket), std::move(remote), self);
          } else {
            StartPlainSession(std::move(socket), std::move(remote), self);
          }
        } else {
          // Out of descriptors (EMFILE, ENFILE) or memory: the
          // condition lasts, so wait instead of spinning on it.
          self->accept_failures.Inc();
          const auto now = std::chrono::steady_clock::now();
          if (now - self->last_accept_warning > std::chrono::seconds(1)) {
            self->last_accept_warning = now;
            self->log.Warn("accept failed; retrying every 50 ms", {{"error", ec.message()}});
          }
          self->accept_retry.expires_after(std::chrono::milliseconds(50));
          self->accept_retry.async_wait([self](beast::error_code wec) {
            if (!wec && self->acceptor.is_open()) self->Accept();
          });
          return;
        }
        self->Accept();
      });
}

void Server::Impl::BeginDrain() {
  std::vector<std::shared_ptr<SessionBase>> live;
  {
    std::lock_guard lock(mu);
    if (draining) return;
    draining = true;
    for (auto& w : sessions) {
      if (auto s = w.lock()) live.push_back(std::move(s));
    }
    sessions.clear();
  }
  log.Info("shutting down: no new connections; finishing in-flight requests",
           {{"connections", live.size()}, {"deadline_s", opts.shutdown_timeout.count()}});
  beast::error_code ec;
  acceptor.close(ec);
  net::post(ioc, [self = shared_from_this()] { self->accept_retry.cancel(); });
  for (auto& s : live) s->Drain();
  bool empty;
  {
    std::lock_guard lock(mu);
    empty = session_count == 0;
  }
  if (empty) return;
  drain_timer.expires_after(opts.shutdown_timeout);
  drain_timer.async_wait(
      [self = shared_from_this(), live_weak = std::vector<std::weak_ptr<SessionBase>>(
                                      live.begin(), live.end())](beast::error_code e) {
        if (e == net::error::operation_aborted) return;
        self->log.Warn("shutdown deadline passed; closing remaining connections");
        for (auto& w : live_weak) {
          if (auto s = w.lock()) s->Abort();
        }
      });
}

Server::Server(ServerOptions options, const Router& router, AccessGate gate, Logger& log,
               metrics::Registry& metrics)
    : impl_(std::make_shared<Impl>(std::move(options), router, std::move(gate), log, metrics)) {}

Server::~Server() {
  Shutdown();
  // Run the loop once more so the drain and every cancelled handler complete;
  // pending handlers hold the Impl and would otherwise never be released.
  impl_->ioc.restart();
  impl_->ioc.run();
  impl_->workers.join();
}

Status Server::Start() {
  Impl& s = *impl_;
  // Each connection holds a descriptor: raise the soft limit toward the hard
  // one so that max_connections can be reached (a login shell's and systemd's
  // default soft limit is 1024).
  if (rlimit rl{}; getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    const rlim_t want = static_cast<rlim_t>(s.opts.max_connections) + 256;
    if (rl.rlim_cur < want && rl.rlim_cur < rl.rlim_max) {
      rl.rlim_cur = std::min(want, rl.rlim_max);
      if (setrlimit(RLIMIT_NOFILE, &rl) != 0) getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur < want) {
      s.log.Warn("the open-files limit is below server.max_connections; raise LimitNOFILE",
                 {{"limit", static_cast<std::int64_t>(rl.rlim_cur)},
                  {"max_connections", s.opts.max_connections}});
    }
  }
  if (!s.opts.tls_cert_file.empty() || !s.opts.tls_key_file.empty()) {
    s.tls.emplace(net::ssl::context::tls_server);
    SSL_CTX_set_min_proto_version(s.tls->native_handle(), TLS1_2_VERSION);
    s.tls->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                       net::ssl::context::no_sslv3 | net::ssl::context::single_dh_use);
    beast::error_code ec;
    s.tls->use_certificate_chain_file(s.opts.tls_cert_file, ec);
    if (ec) {
      return Status::InvalidArgument(
          fmt::format("cannot load TLS certificate '{}': {}", s.opts.tls_cert_file, ec.message()));
    }
    s.tls->use_private_key_file(s.opts.tls_key_file, net::ssl::context::pem, ec);
    if (ec) {
      return Status::InvalidArgument(
          fmt::format("cannot load TLS key '{}': {}", s.opts.tls_key_file, ec.message()));
    }
  }
  beast::error_code ec;
  tcp::resolver resolver(s.ioc);
  const auto results =
      resolver.resolve(s.opts.host, std::to_string(s.opts.port),
                       tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || results.empty()) {
    return Status::InvalidArgument(fmt::format("cannot resolve listen host '{}': {}", s.opts.host,
                                               ec ? ec.message() : "no address"));
  }
  const tcp::endpoint ep = results.begin()->endpoint();
  s.acceptor.open(ep.protocol(), ec);
  if (!ec) s.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor.bind(ep, ec);
  if (!ec) s.acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::Unavailable(
        fmt::format("cannot listen on {}:{}: {}", s.opts.host, s.opts.port, ec.message()));
  }
  s.bound_port = s.acceptor.local_endpoint().port();
  s.Accept();
  return Status::Ok();
}

std::uint16_t Server::port() const {
  return impl_->bound_port;
}

std::string Server::url() const {
  const std::string& h = impl_->opts.host;
  const std::string host = h.find(':') != std::string::npos ? "[" + h + "]" : h;
  return fmt::format("{}://{}:{}", impl_->tls ? "https" : "http", host, impl_->bound_port);
}

void Server::Run() {
  Impl& s = *impl_;
  std::vector<std::thread> threads;
  for (int i = 1; i < s.opts.io_threads; ++i) threads.emplace_back([&s] { s.ioc.run(); });
  s.ioc.run();
  for (auto& t : threads) t.join();
  s.workers.join();
}

Response Server::Handle(Request& req) {
  return impl_->Handle(req);
}

void Server::Shutdown() {
  if (impl_->shutdown_requested.exchange(true)) return;
  net::post(impl_->control, [impl = impl_] { impl->BeginDrain(); });
}

}  // namespace interdict::http
