// Small helpers shared by the route files of the API (internal to server).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/router.h"
#include "server/api.h"
#include "server/catalog_handle.h"
#include "server/json_body.h"

namespace interdict::server {

// A component's act on behalf of the request's caller, now, on a catalog
// connection: f(db, Caller(req), args…, now). The one shape of a route's
// call into a component; the route parses before and renders after.
template <typename F, typename... Args>
auto AsCaller(ApiContext& ctx, const http::Request& req, F&& f, const Args&... args) {
  return ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
    return f(db, Caller(req), args..., ctx.clock.NowMillis());
  });
}

// The error response for `s`; a 5xx is also logged with `what`.
inline http::Response Failed(ApiContext& ctx, const Status& s, std::string_view what) {
  http::Response r = ErrorResponse(s);
  if (r.status >= 500) ctx.log.Error(what, {{"error", s.message()}});
  return r;
}

// The login banner a sign-in names (password or single sign-on): nullopt
// when it is the current one, else the refusal (400 without one, 403 for an
// older one; the same answer for every account). GOVERNANCE 31.
std::optional<http::Response> RefuseBanner(const ApiContext& ctx,
                                           const std::optional<std::string>& named);
// A new session's answer: {"token":…,"idle_lock_s":1800}.
http::Response SessionAnswer(const std::string& token);

// Splits a body of items (reads, positions) into one JSON text each: NDJSON
// lines (Content-Type: application/x-ndjson), or the elements of a JSON array.
// Stops after max + 1 items, so the caller can refuse the excess. A body that
// is neither is InvalidArgument naming the place.
Status SplitJsonItems(const http::Request& req, std::size_t max, std::string_view what,
                      std::vector<std::string>* out);

// A whole number of up to 18 digits, nothing else ("12abc" is not 12).
inline std::optional<std::int64_t> ParseNumber(std::string_view raw) {
  if (raw.empty() || raw.size() > 18 || raw.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  return std::stoll(std::string(raw));
}

// The number in a {id} path segment.
inline std::optional<std::int64_t> PathId(const http::PathParams& params) {
  return ParseNumber(params.at("id"));
}

}  // namespace interdict::server
