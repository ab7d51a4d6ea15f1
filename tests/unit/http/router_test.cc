#include "http/router.h"

#include <gtest/gtest.h>

namespace interdict::http {
namespace {

Handler Ok() {
  return [](const Request&, const PathParams&) { return Response::Json(200, "{}"); };
}

TEST(RouterTest, MatchesExactPathsAndNamedSegments) {
  Router r;
  r.Add({"GET", "/healthz", AccessRule::Public("probe"), Ok()});
  r.Add({"GET", "/api/v1/hits/{id}", AccessRule::Requires("hits.view"), Ok()});
  Router::Match m = r.Find("GET", "/api/v1/hits/42");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.params.at("id"), "42");
  EXPECT_EQ(r.Find("GET", "/healthz").route->pattern, "/healthz");
  EXPECT_EQ(r.Find("GET", "/api/v1/hits").route, nullptr);
  EXPECT_EQ(r.Find("GET", "/api/v1/hits/42/x").route, nullptr);
  EXPECT_EQ(r.Find("GET", "/healthz/").route, nullptr);
}

TEST(RouterTest, OtherMethodOnAKnownPathReportsTheAllowedOnes) {
  Router r;
  r.Add({"GET", "/x", AccessRule::Public("t"), Ok()});
  r.Add({"PUT", "/x", AccessRule::Requires("x.write"), Ok()});
  Router::Match m = r.Find("DELETE", "/x");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.path_known);
  EXPECT_EQ(m.allowed_methods, "GET, PUT");
}

TEST(RouterTest, ARouteWithoutAnAccessRuleIsRefused) {
  Router r;
  EXPECT_THROW(r.Add({"GET", "/a", AccessRule::Public(""), Ok()}), std::invalid_argument);
  EXPECT_THROW(r.Add({"GET", "/a", AccessRule::Requires(""), Ok()}), std::invalid_argument);
}

TEST(RouterTest, DuplicateAndMalformedRoutesAreRefused) {
  Router r;
  r.Add({"GET", "/a", AccessRule::Public("t"), Ok()});
  EXPECT_THROW(r.Add({"GET", "/a", AccessRule::Public("t"), Ok()}), std::invalid_argument);
  EXPECT_THROW(r.Add({"GET", "a", AccessRule::Public("t"), Ok()}), std::invalid_argument);
  EXPECT_THROW(r.Add({"GET", "/b", AccessRule::Public("t"), nullptr}), std::invalid_argument);
}

}  // namespace
}  // namespace interdict::http
