#include "http/wire.h"

#include <gtest/gtest.h>

namespace interdict::http {
namespace {

TEST(WireRequestTest, AWholeRequestBecomesTheRequestAConnectionWouldHandOn) {
  std::size_t used = 0;
  const std::string first =
      "POST /api/v1/reads?limit=10 HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
      "Content-Length: 2\r\n\r\n[]";
  Result<Request> r = ParseWireRequest(first + "GET /healthz HTTP/1.1\r\n\r\n", {}, &used);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->method, "POST");
  EXPECT_EQ(r->path, "/api/v1/reads");
  EXPECT_EQ(r->query, "limit=10");
  EXPECT_EQ(r->Header("content-type"), "application/json");
  EXPECT_EQ(r->body, "[]");
  EXPECT_EQ(used, first.size()) << "the pipelined request after it is not consumed";
}

TEST(WireRequestTest, AChunkedBodyIsJoined) {
  Result<Request> r = ParseWireRequest(
      "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", {});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->body, "abcde");
}

TEST(WireRequestTest, SmugglingShapesAreRefused) {
  // Two lengths that disagree, and a length beside chunked encoding: a proxy
  // and this server could split the stream differently.
  EXPECT_FALSE(
      ParseWireRequest("POST /x HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}x", {})
          .ok());
  EXPECT_FALSE(ParseWireRequest("POST /x HTTP/1.1\r\nContent-Length: 4\r\nTransfer-Encoding: "
                                "chunked\r\n\r\n0\r\n\r\n",
                                {})
                   .ok());
}

TEST(WireRequestTest, LimitsAreResourceExhaustedAndTruncationIsInvalid) {
  ServerOptions small;
  small.max_body_bytes = 4;
  small.max_header_bytes = 64;
  Result<Request> body =
      ParseWireRequest("POST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\n12345", small);
  EXPECT_EQ(body.status().code(), StatusCode::kResourceExhausted);
  Result<Request> headers =
      ParseWireRequest("GET /x HTTP/1.1\r\nX: " + std::string(100, 'a') + "\r\n\r\n", small);
  EXPECT_EQ(headers.status().code(), StatusCode::kResourceExhausted);
  Result<Request> cut = ParseWireRequest("POST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\n12", {});
  EXPECT_EQ(cut.status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(ParseWireRequest("GET /a\0b HTTP/1.1\r\n\r\n", {}).ok());
  EXPECT_FALSE(ParseWireRequest(std::string("GET /a\0b HTTP/1.1\r\n\r\n", 21), {}).ok());
}

}  // namespace
}  // namespace interdict::http
