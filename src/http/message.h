// HTTP requests and responses as the rest of Interdict sees them: plain
// values, independent of the network library underneath.
#pragma once

#include <any>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace interdict::http {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;  // "GET"
  std::string target;  // "/api/v1/reads?limit=10"
  std::string path;    // "/api/v1/reads", percent-decoding not applied
  std::string query;   // "limit=10"
  HeaderList headers;
  std::string body;
  std::string remote_address;  // peer IP
  // Who is asking, attached by the access gate for the handlers above this
  // component (the http layer does not know its type).
  std::any caller;

  // The first header of that name (case-insensitive), or empty.
  std::string_view Header(std::string_view name) const;
  // The first query parameter of that name, percent-decoded.
  std::optional<std::string> QueryParam(std::string_view name) const;
};

class EventStream;

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  HeaderList headers;
  // Set for a response produced over time (server-sent events): `body` is
  // ignored, and the connection carries what the stream yields until it ends.
  std::shared_ptr<EventStream> stream;

  static Response Json(int status, std::string body);
  static Response Text(int status, std::string body,
                       std::string content_type = "text/plain; charset=utf-8");
  // {"error": {"status": 404, "code": "not_found", "message": "..."}}
  static Response Error(int status, std::string_view code, std::string_view message);
};

// Decodes %XX and '+' in a query component; invalid escapes are kept as they are.
std::string PercentDecode(std::string_view s);

}  // namespace interdict::http
