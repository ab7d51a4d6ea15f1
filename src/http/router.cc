#include "http/router.h"

#include <stdexcept>

#include <fmt/core.h>

namespace interdict::http {
namespace {

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    const std::size_t end = path.find('/', i);
    out.push_back(path.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i));
    if (end == std::string_view::npos) break;
    i = end;
  }
  return out;
}

bool IsParam(std::string_view seg) {
  return seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
}

bool MatchPattern(std::string_view pattern, std::string_view path, PathParams* params) {
  if (path.size() > 1 && path.back() == '/') return false;  // one spelling per resource
  const auto ps = Segments(pattern);
  const auto xs = Segments(path);
  if (ps.size() != xs.size()) return false;
  PathParams found;
  for (std::size_t i = 0; i < ps.size(); ++i) {
    if (IsParam(ps[i])) {
      found.emplace(std::string(ps[i].substr(1, ps[i].size() - 2)), std::string(xs[i]));
    } else if (ps[i] != xs[i]) {
      return false;
    }
  }
  if (params) *params = std::move(found);
  return true;
}

}  // namespace

void Router::Add(Route route) {
  if (route.method.empty() || route.pattern.empty() || route.pattern.front() != '/') {
    throw std::invalid_argument(
        fmt::format("route '{} {}' is malformed", route.method, route.pattern));
  }
  if (route.access.is_public() ? route.access.reason().empty()
                               : route.access.permission().empty()) {
    throw std::invalid_argument(
        fmt::format("route '{} {}' has no access rule", route.method, route.pattern));
  }
  if (!route.handler) {
    throw std::invalid_argument(
        fmt::format("route '{} {}' has no handler", route.method, route.pattern));
  }
  for (const Route& r : routes_) {
    if (r.method == route.method && r.pattern == route.pattern) {
      throw std::invalid_argument(
          fmt::format("route '{} {}' added twice", route.method, route.pattern));
    }
  }
  routes_.push_back(std::move(route));
}

Router::Match Router::Find(std::string_view method, std::string_view path) const {
  Match m;
  for (const Route& r : routes_) {
    PathParams params;
    if (!MatchPattern(r.pattern, path, &params)) continue;
    if (r.method == method) {
      m.route = &r;
      m.params = std::move(params);
      return m;
    }
    m.path_known = true;
    if (!m.allowed_methods.empty()) m.allowed_methods += ", ";
    m.allowed_methods += r.method;
  }
  return m;
}

}  // namespace interdict::http
