#include "http/client.h"

#include <optional>

#include <fmt/core.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace interdict::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = net::ip::tcp;

std::string_view ClientResponse::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (beast::iequals(k, name)) return v;
  }
  return {};
}

struct Client::Impl {
  explicit Impl(ClientOptions o) : opts(std::move(o)), ssl_ctx(net::ssl::context::tls_client) {}

  Status Connect() {
    beast::error_code ec;
    tcp::resolver resolver(ioc);
    const auto results = resolver.resolve(opts.host, std::to_string(opts.port), ec);
    if (ec)
      return Status::Unavailable(fmt::format("cannot resolve {}: {}", opts.host, ec.message()));
    if (opts.tls) {
      if (!opts.ca_file.empty()) {
        ssl_ctx.load_verify_file(opts.ca_file, ec);
      } else {
        ssl_ctx.set_default_verify_paths(ec);
      }
      if (ec) return Status::InvalidArgument(fmt::format("cannot load CA: {}", ec.message()));
      ssl_ctx.set_verify_mode(net::ssl::verify_peer);
      tls_stream.emplace(ioc, ssl_ctx);
      if (!SSL_ctrl(tls_stream->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME,
                    TLSEXT_NAMETYPE_host_name, const_cast<char*>(opts.host.c_str()))) {
        return Status::Internal("cannot set SNI host name");
      }
      tls_stream->set_verify_callback(net::ssl::host_name_verification(opts.host));
      beast::get_lowest_layer(*tls_stream).expires_after(opts.timeout);
      beast::get_lowest_layer(*tls_stream).connect(results, ec);
      if (!ec) tls_stream->handshake(net::ssl::stream_base::client, ec);
    } else {
      plain_stream.emplace(ioc);
      plain_stream->expires_after(opts.timeout);
      plain_stream->connect(results, ec);
    }
    if (ec) {
      Reset();
      return Status::Unavailable(
          fmt::format("cannot connect to {}:{}: {}", opts.host, opts.port, ec.message()));
    }
    return Status::Ok();
  }

  void Reset() {
    plain_stream.reset();
    tls_stream.reset();
    buffer.clear();
  }
  bool connected() const { return plain_stream.has_value() || tls_stream.has_value(); }

  template <typename F>
  auto WithStream(F&& f) {
    if (tls_stream) {
      beast::get_lowest_layer(*tls_stream).expires_after(opts.timeout);
      return f(*tls_stream);
    }
    plain_stream->expires_after(opts.timeout);
    return f(*plain_stream);
  }

  ClientOptions opts;
  net::io_context ioc;
  net::ssl::context ssl_ctx;
  std::optional<beast::tcp_stream> plain_stream;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_stream;
  beast::flat_buffer buffer;
};

Client::Client(ClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Client::~Client() = default;

Result<ClientResponse> Client::Send(std::string_view method, std::string_view target,
                                    std::string_view body, const HeaderList& headers) {
  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target, 11};
  req.set(bhttp::field::host, impl_->opts.host);
  req.set(bhttp::field::user_agent, "interdict-client");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = std::string(body);
  req.keep_alive(true);
  req.prepare_payload();

  // One retry: a kept-alive connection may have been closed by the server.
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool reused = impl_->connected();
    if (!reused) INTERDICT_RETURN_IF_ERROR(impl_->Connect());
    beast::error_code ec;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(impl_->opts.max_body_bytes);
    bool too_long = false;
    impl_->WithStream([&](auto& stream) {
      bhttp::write(stream, req, ec);
      // The header first: a declared length over the limit is refused before
      // any of the body is read (a chunked one stops at the parser's limit).
      if (!ec) bhttp::read_header(stream, impl_->buffer, parser, ec);
      too_long = !ec && parser.content_length().value_or(0) > impl_->opts.max_body_bytes;
      if (!ec && !too_long && !parser.is_done()) bhttp::read(stream, impl_->buffer, parser, ec);
    });
    if (too_long) {
      impl_->Reset();
      return Status::Unavailable(
          fmt::format("{} {} failed: body limit exceeded ({} bytes declared, at most {} taken)",
                      method, target, *parser.content_length(), impl_->opts.max_body_bytes));
    }
    if (ec) {
      impl_->Reset();
      if (reused && (ec == bhttp::error::end_of_stream || ec == net::error::connection_reset ||
                     ec == net::error::broken_pipe)) {
        continue;
      }
      return Status::Unavailable(fmt::format("{} {} failed: {}", method, target, ec.message()));
    }
    auto msg = parser.release();
    ClientResponse out;
    out.status = static_cast<int>(msg.result_int());
    for (const auto& f : msg)
      out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    out.body = std::move(msg.body());
    if (!msg.keep_alive()) impl_->Reset();
    return out;
  }
  return Status::Unavailable(fmt::format("{} {} failed: connection closed", method, target));
}

Result<std::string> Client::SendRaw(std::string_view bytes) {
  impl_->Reset();
  INTERDICT_RETURN_IF_ERROR(impl_->Connect());
  std::string out;
  beast::error_code ec;
  impl_->WithStream([&](auto& stream) {
    net::write(stream, net::buffer(bytes.data(), bytes.size()), ec);
    char chunk[4096];
    while (!ec) {
      const std::size_t n = stream.read_some(net::buffer(chunk), ec);
      out.append(chunk, n);
    }
  });
  impl_->Reset();
  if (ec && ec != net::error::eof && ec != net::ssl::error::stream_truncated &&
      ec != net::error::connection_reset) {
    return Status::Unavailable(fmt::format("raw request failed: {}", ec.message()));
  }
  return out;
}

Result<Url> ParseUrl(std::string_view url) {
  Url out;
  std::string_view rest;
  if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else if (url.rfind("https://", 0) == 0) {
    out.tls = true;
    out.port = 443;
    rest = url.substr(8);
  } else {
    return Status::InvalidArgument(
        fmt::format("url '{}': must start with http:// or https://", url));
  }
  const std::size_t slash = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    out.target = std::string(rest.substr(slash));
    if (out.target[0] == '?') out.target = "/" + out.target;
  }
  if (authority.find('@') != std::string_view::npos) {
    return Status::InvalidArgument(
        fmt::format("url '{}': credentials in the URL are not allowed", url));
  }
  std::string_view host = authority;
  if (!authority.empty() && authority[0] == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return Status::InvalidArgument(fmt::format("url '{}': unclosed [ in the host", url));
    }
    host = authority.substr(1, close - 1);
    authority.remove_prefix(close + 1);
    if (!authority.empty() && authority[0] != ':') {
      return Status::InvalidArgument(fmt::format("url '{}': text after the host", url));
    }
  } else {
    const std::size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    authority = colon == std::string_view::npos ? std::string_view() : authority.substr(colon);
  }
  if (host.empty()) return Status::InvalidArgument(fmt::format("url '{}': no host", url));
  out.host = std::string(host);
  if (!authority.empty()) {
    const std::string_view port = authority.substr(1);
    unsigned v = 0;
    if (port.empty() || port.size() > 5 ||
        port.find_first_not_of("0123456789") != std::string_view::npos ||
        (v = static_cast<unsigned>(std::stoul(std::string(port)))) == 0 || v > 65535) {
      return Status::InvalidArgument(fmt::format("url '{}': port must be 1-65535", url));
    }
    out.port = static_cast<std::uint16_t>(v);
  }
  return out;
}

}  // namespace interdict::http
