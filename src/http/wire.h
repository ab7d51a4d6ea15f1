// A whole HTTP/1.1 request as bytes → Request, through the same parser, limits
// and conversion a connection uses (session.h). For in-process callers that
// hold a request's bytes: the HTTP fuzz target (fuzz/fuzz_http_request.cc)
// and tests.
#pragma once

#include <cstddef>
#include <string_view>

#include "base/status.h"
#include "http/message.h"
#include "http/server.h"

namespace interdict::http {

// Parses the first request in `bytes` under `limits` (max_body_bytes,
// max_header_bytes). InvalidArgument naming the problem for a malformed or
// incomplete request, ResourceExhausted for a limit. `*consumed`, when given,
// is the length of that request: what follows is the next pipelined one. The
// request's remote address is 127.0.0.1.
Result<Request> ParseWireRequest(std::string_view bytes, const ServerOptions& limits,
                                 std::size_t* consumed = nullptr);

}  // namespace interdict::http
