#include "http/message.h"

#include <gtest/gtest.h>

namespace interdict::http {
namespace {

TEST(MessageTest, HeadersAreCaseInsensitive) {
  Request r;
  r.headers = {{"Content-Type", "application/x-ndjson"}};
  EXPECT_EQ(r.Header("content-type"), "application/x-ndjson");
  EXPECT_EQ(r.Header("accept"), "");
}

TEST(MessageTest, QueryParametersArePercentDecoded) {
  Request r;
  r.query = "plate=7%3FK3*&state=us-mo&empty&q=a+b";
  EXPECT_EQ(r.QueryParam("plate"), "7?K3*");
  EXPECT_EQ(r.QueryParam("state"), "us-mo");
  EXPECT_EQ(r.QueryParam("empty"), "");
  EXPECT_EQ(r.QueryParam("q"), "a b");
  EXPECT_EQ(r.QueryParam("missing"), std::nullopt);
  EXPECT_EQ(PercentDecode("%zz%4"), "%zz%4");
}

TEST(MessageTest, ErrorBodiesAreJsonEvenForHostileBytes) {
  Response e = Response::Error(400, "bad_plate", "plate \"A\xFF\" rejected");
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.content_type, "application/json");
  EXPECT_EQ(
      e.body,
      "{\"error\":{\"status\":400,\"code\":\"bad_plate\",\"message\":\"plate \\\"A\xEF\xBF\xBD\\\" "
      "rejected\"}}");
}

}  // namespace
}  // namespace interdict::http
