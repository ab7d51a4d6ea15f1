// The connection state machine, instantiated once for plain TCP
// (session_plain.cc) and once for TLS (session_tls.cc). Private to the http
// component; include only from those two files.
#pragma once

#include <fmt/core.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "http/beast_request.h"
#include "http/event_stream.h"
#include "http/server_impl.h"

namespace interdict::http {

namespace beast = boost::beast;
namespace bhttp = beast::http;

template <bool kTls>
class Session final : public SessionBase, public std::enable_shared_from_this<Session<kTls>> {
 public:
  using Stream = std::conditional_t<kTls, beast::ssl_stream<beast::tcp_stream>, beast::tcp_stream>;

  // `remote`: the peer address, already counted by Server::Impl::AdmitAddress.
  Session(tcp::socket socket, std::string remote, std::shared_ptr<Server::Impl> server)
      : server_(std::move(server)),
        stream_(MakeStream(std::move(socket))),
        remote_(std::move(remote)) {
    beast::error_code ec;
    // Responses and alert events go out whole and at once: Nagle's algorithm
    // would hold a small event back for the peer's delayed ACK (~40 ms).
    beast::get_lowest_layer(stream_).socket().set_option(tcp::no_delay(true), ec);
    server_->open_connections.Add(1);
  }
  ~Session() override {
    server_->open_connections.Add(-1);
    server_->connections.fetch_sub(1);
    ReleaseBody();
    server_->Unregister(remote_);
  }

  void Start() {
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (kTls) {
        self->Lowest().expires_after(self->server_->opts.request_timeout);
        self->stream_.async_handshake(net::ssl::stream_base::server, [self](beast::error_code ec) {
          if (ec) return self->Close();
          self->ReadHeader();
        });
      } else {
        self->ReadHeader();
      }
    });
  }

  void Drain() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] {
      self->draining_ = true;
      if (self->idle_) self->Lowest().cancel();
      if (self->events_) self->events_->Close();  // ends an event stream after what is queued
    });
  }

  void Abort() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] {
      beast::error_code ec;
      self->Lowest().socket().close(ec);
    });
  }

 private:
  Stream MakeStream(tcp::socket socket) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *server_->tls);
    } else {
      return Stream(std::move(socket));
    }
  }
  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }

  void ReadHeader() {
    ReleaseBody();  // the previous request has been answered
    if (draining_) return Close();
    parser_.emplace();
    parser_->body_limit(server_->opts.max_body_bytes);
    parser_->header_limit(server_->opts.max_header_bytes);
    idle_ = true;
    Lowest().expires_after(server_->opts.idle_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                               self->idle_ = false;
                               self->OnHeader(ec);
                             });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    const auto& req = parser_->get();
    if (const auto len = parser_->content_length(); len && *len > server_->opts.max_body_bytes) {
      return SendError(413, "payload_too_large",
                       fmt::format("request body of {} bytes exceeds the limit of {} bytes", *len,
                                   server_->opts.max_body_bytes));
    }
    // Reserve the body's memory before reading it (chunked: the most it may be).
    const std::uint64_t want =
        parser_->content_length().value_or(parser_->chunked() ? server_->opts.max_body_bytes : 0);
    if (want > 0) {
      if (!server_->ReserveBody(remote_, want)) {
        server_->refused_bodies.Inc();
        Response busy = Response::Error(
            503, "server_busy",
            fmt::format("the server is holding as many request bodies as it may; retry a body of "
                        "{} bytes shortly",
                        want));
        busy.headers.emplace_back("Retry-After", "1");
        return SendResponse(std::move(busy));
      }
      reserved_ = want;
    }
    if (beast::iequals(req[bhttp::field::expect], "100-continue")) {
      auto cont =
          std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_, 11);
      Lowest().expires_after(server_->opts.request_timeout);
      bhttp::async_write(
          stream_, *cont,
          [self = this->shared_from_this(), cont](beast::error_code wec, std::size_t) {
            if (wec) return self->Close();
            self->ReadBody();
          });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    Lowest().expires_after(server_->opts.request_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec) return self->OnReadError(ec);
                        self->Dispatch();
                      });
  }

  void OnReadError(beast::error_code ec) {
    if (ec == bhttp::error::body_limit) {
      return SendError(
          413, "payload_too_large",
          fmt::format("request body exceeds the limit of {} bytes", server_->opts.max_body_bytes));
    }
    if (ec == bhttp::error::header_limit) {
      return SendError(431, "headers_too_large",
                       fmt::format("request line and headers exceed the limit of {} bytes",
                                   server_->opts.max_header_bytes));
    }
    if (ec.category() == bhttp::make_error_code(bhttp::error::end_of_stream).category() &&
        ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
      return SendError(400, "malformed_request",
                       fmt::format("malformed HTTP request: {}", ec.message()));
    }
    Close();  // end of stream, timeout, reset or cancelled by a drain
  }

  void Dispatch() {
    auto msg = parser_->release();
    const bool keep_alive = msg.keep_alive();
    const unsigned version = msg.version();
    Request req = ToRequest(std::move(msg), remote_);
    net::post(server_->workers, [self = this->shared_from_this(), req = std::move(req), keep_alive,
                                 version]() mutable {
      Response res = self->server_->Handle(req);
      net::post(self->stream_.get_executor(),
                [self, res = std::move(res), keep_alive, version]() mutable {
                  self->Write(std::move(res), keep_alive, version);
                });
    });
  }

  void SendError(int status, std::string_view code, std::string message) {
    SendResponse(Response::Error(status, code, message));
  }
  // Answers a request refused before its body was read, and closes: the
  // parser cannot resynchronize past an unread body or a bad request.
  void SendResponse(Response res) {
    server_->log.Info("http request refused",
                      {{"remote", remote_}, {"status", res.status}, {"reason", res.body}});
    Write(std::move(res), false, 11);
  }

  void ReleaseBody() {
    if (reserved_ == 0) return;
    server_->ReleaseBody(remote_, reserved_);
    reserved_ = 0;
  }

  void Write(Response res, bool keep_alive, unsigned version) {
    if (res.stream) return WriteStream(std::move(res), version);
    auto out = std::make_shared<bhttp::response<bhttp::string_body>>(
        static_cast<bhttp::status>(res.status), version);
    out->set(bhttp::field::server, "interdict");
    out->set(bhttp::field::content_type, res.content_type);
    out->set(bhttp::field::cache_control, "no-store");
    out->set("X-Content-Type-Options", "nosniff");
    // A handler may replace the no-store default (the console's immutable bundles).
    for (auto& [k, v] : res.headers) {
      if (beast::iequals(k, "Cache-Control")) {
        out->set(bhttp::field::cache_control, v);
      } else {
        out->insert(k, v);
      }
    }
    out->body() = std::move(res.body);
    // Once shutdown is asked for, every response closes its connection.
    out->keep_alive(keep_alive && !draining_ && !server_->shutdown_requested.load());
    out->prepare_payload();
    Lowest().expires_after(server_->opts.request_timeout);
    bhttp::async_write(stream_, *out,
                       [self = this->shared_from_this(), out](beast::error_code ec, std::size_t) {
                         if (ec || !out->keep_alive()) return self->Close();
                         self->ReadHeader();
                       });
  }

  // A streamed response: the headers with chunked transfer coding, then each
  // batch the stream yields as one chunk, then the last chunk and the close.
  void WriteStream(Response res, unsigned version) {
    events_ = std::move(res.stream);
    auto head = std::make_shared<bhttp::response<bhttp::empty_body>>(
        static_cast<bhttp::status>(res.status), version);
    head->set(bhttp::field::server, "interdict");
    head->set(bhttp::field::content_type, res.content_type);
    head->set(bhttp::field::cache_control, "no-store");
    head->set("X-Content-Type-Options", "nosniff");
    for (auto& [k, v] : res.headers) head->insert(k, v);
    head->chunked(true);
    head->keep_alive(false);
    auto sr = std::make_shared<bhttp::response_serializer<bhttp::empty_body>>(*head);
    Lowest().expires_after(server_->opts.request_timeout);
    bhttp::async_write_header(
        stream_, *sr,
        [self = this->shared_from_this(), head, sr](beast::error_code ec, std::size_t) {
          if (ec) return self->EndStream();
          self->Pump();
        });
  }

  void Pump() {
    bool done = false;
    std::string data = events_->Take(
        [self = this->shared_from_this()] {
          net::post(self->stream_.get_executor(), [self] { self->Pump(); });
        },
        &done);
    if (!data.empty()) {
      auto buf = std::make_shared<std::string>(std::move(data));
      // A client that stops reading for this long is gone.
      Lowest().expires_after(server_->opts.request_timeout);
      net::async_write(stream_, bhttp::make_chunk(net::buffer(*buf)),
                       [self = this->shared_from_this(), buf](beast::error_code ec, std::size_t) {
                         if (ec) return self->EndStream();
                         self->Pump();
                       });
      return;
    }
    if (done) {
      Lowest().expires_after(std::chrono::seconds(2));
      net::async_write(
          stream_, bhttp::make_chunk_last(),
          [self = this->shared_from_this()](beast::error_code, std::size_t) { self->Close(); });
      return;
    }
    Lowest().expires_never();  // waiting for events; keep-alives find dead clients
  }

  void EndStream() {
    events_->Close();
    Close();
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    if constexpr (kTls) {
      Lowest().expires_after(std::chrono::seconds(2));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
        beast::error_code ec;
        self->Lowest().socket().close(ec);
      });
    } else {
      beast::error_code ec;
      Lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
      Lowest().socket().close(ec);
    }
  }

  std::shared_ptr<Server::Impl> server_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<EventStream> events_;  // set while streaming a response
  std::string remote_;
  std::uint64_t reserved_ = 0;  // request body bytes held against the server's budget
  bool idle_ = false;
  bool draining_ = false;
  bool closed_ = false;
};

}  // namespace interdict::http
