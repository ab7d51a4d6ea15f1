// Routes: method + path pattern -> handler, each with the access rule it needs.
// A route cannot be added without an access rule: "public" must be stated,
// with the reason, as deliberately as a permission.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"

namespace interdict::http {

class AccessRule {
 public:
  enum class Kind { kPublic, kPermission };

  // Reachable without credentials; `why` says why that is safe ("liveness probe").
  static AccessRule Public(std::string_view why) { return {Kind::kPublic, std::string(why)}; }
  // Needs an authenticated principal holding `permission` ("reads.search").
  static AccessRule Requires(std::string_view permission) {
    return {Kind::kPermission, std::string(permission)};
  }

  Kind kind() const { return kind_; }
  bool is_public() const { return kind_ == Kind::kPublic; }
  const std::string& permission() const { return value_; }  // kPermission
  const std::string& reason() const { return value_; }      // kPublic

 private:
  AccessRule(Kind k, std::string v) : kind_(k), value_(std::move(v)) {}
  Kind kind_;
  std::string value_;
};

// Values of the {name} segments of a matched pattern.
using PathParams = std::map<std::string, std::string, std::less<>>;
using Handler = std::function<Response(const Request&, const PathParams&)>;

struct Route {
  std::string method;   // "GET"
  std::string pattern;  // "/api/v1/hits/{id}"; a {name} matches one non-empty segment
  AccessRule access;
  Handler handler;
};

class Router {
 public:
  // Throws std::invalid_argument on an empty access rule, a malformed pattern or
  // a duplicate method + pattern: all programming errors found at start-up.
  void Add(Route route);

  struct Match {
    const Route* route = nullptr;  // null: no route for this method and path
    PathParams params;
    bool path_known = false;      // some route has this path with another method (-> 405)
    std::string allowed_methods;  // for the Allow header of a 405
  };
  Match Find(std::string_view method, std::string_view path) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

}  // namespace interdict::http
