#include "http/wire.h"

#include <fmt/core.h>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>

#include "http/beast_request.h"

namespace interdict::http {

namespace bhttp = boost::beast::http;

Request ToRequest(bhttp::request<bhttp::string_body>&& msg, std::string remote_address) {
  Request req;
  req.method = std::string(msg.method_string());
  req.target = std::string(msg.target());
  const std::size_t q = req.target.find('?');
  req.path = req.target.substr(0, q);
  if (q != std::string::npos) req.query = req.target.substr(q + 1);
  req.headers.reserve(16);
  for (const auto& f : msg)
    req.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  req.body = std::move(msg.body());
  req.remote_address = std::move(remote_address);
  return req;
}

Result<Request> ParseWireRequest(std::string_view bytes, const ServerOptions& limits,
                                 std::size_t* consumed) {
  if (bytes.empty()) return Status::InvalidArgument("malformed HTTP request: no bytes");
  bhttp::request_parser<bhttp::string_body> parser;
  parser.body_limit(limits.max_body_bytes);
  parser.header_limit(limits.max_header_bytes);
  parser.eager(true);
  boost::beast::error_code ec;
  std::size_t used = 0;
  while (!parser.is_done() && used < bytes.size()) {
    const std::size_t n =
        parser.put(boost::asio::buffer(bytes.data() + used, bytes.size() - used), ec);
    used += n;
    if (ec || n == 0) break;
  }
  if (ec == bhttp::error::need_more) ec = {};  // the bytes end here: as a peer closing
  if (!ec && !parser.is_done()) {
    // put_eof requires that the parser has taken something.
    if (!parser.got_some()) return Status::InvalidArgument("malformed HTTP request: incomplete");
    parser.put_eof(ec);
    if (!ec && !parser.is_done()) ec = bhttp::error::partial_message;
  }
  if (ec == bhttp::error::body_limit || ec == bhttp::error::header_limit) {
    return Status::ResourceExhausted(fmt::format("request refused: {}", ec.message()));
  }
  if (ec) return Status::InvalidArgument(fmt::format("malformed HTTP request: {}", ec.message()));
  if (consumed != nullptr) *consumed = used;
  return ToRequest(parser.release(), "127.0.0.1");
}

}  // namespace interdict::http
