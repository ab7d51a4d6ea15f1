#include "base/json.h"

#include <string>

#include <gtest/gtest.h>
#include <rapidjson/document.h>

namespace interdict::json {
namespace {

std::string Nested(int depth) {
  return std::string(static_cast<std::size_t>(depth), '[') +
         std::string(static_cast<std::size_t>(depth), ']');
}

TEST(JsonParseTest, AcceptsAnOrdinaryDocument) {
  rapidjson::Document d;
  ASSERT_TRUE(Parse(R"({"plate":"ABC123","seen":[1,2.5,true,null],"o":{"x":"é"}})", &d).ok());
  ASSERT_TRUE(d.IsObject());
  EXPECT_STREQ(d["plate"].GetString(), "ABC123");
  EXPECT_EQ(d["seen"].Size(), 4u);
  EXPECT_STREQ(d["o"]["x"].GetString(), "é");
}

TEST(JsonParseTest, NestingUpToTheLimitIsAcceptedAndOneLevelMoreIsRefusedNamingTheLimit) {
  rapidjson::Document d;
  EXPECT_TRUE(Parse(Nested(kMaxDepth), &d).ok());
  const Status s = Parse(Nested(kMaxDepth + 1), &d);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "JSON nested deeper than the limit of 64 levels at byte 64");
  EXPECT_TRUE(d.IsNull());
}

TEST(JsonParseTest, ObjectsCountTowardTheDepthLikeArrays) {
  std::string deep;
  for (int i = 0; i <= kMaxDepth; ++i) deep += R"({"a":)";
  deep += "1";
  for (int i = 0; i <= kMaxDepth; ++i) deep += "}";
  rapidjson::Document d;
  const Status s = Parse(deep, &d);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("limit of 64 levels"), std::string::npos) << s.message();
}

TEST(JsonParseTest, AMillionOpeningBracketsAreRefusedWithoutExhaustingTheStack) {
  // The body that stopped the whole server (issue 18): rapidjson's recursive
  // parser overflowed the stack; this must be an ordinary error.
  rapidjson::Document d;
  const std::uint64_t before = RefusedCount(Refusal::kDepth);
  const Status s = Parse(std::string(1'000'000, '['), &d);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("nested deeper than the limit"), std::string::npos);
  EXPECT_EQ(RefusedCount(Refusal::kDepth), before + 1);
}

TEST(JsonParseTest, ACallersOwnDepthLimitApplies) {
  rapidjson::Document d;
  EXPECT_TRUE(Parse(Nested(3), &d, {.max_depth = 3}).ok());
  EXPECT_FALSE(Parse(Nested(4), &d, {.max_depth = 3}).ok());
}

TEST(JsonParseTest, TextOverTheSizeLimitIsRefusedBeforeParsing) {
  rapidjson::Document d;
  const Status s = Parse(R"(["0123456789"])", &d, {.max_bytes = 10});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "JSON of 14 bytes exceeds the limit of 10 bytes");
  EXPECT_TRUE(Parse(R"(["01234567"])", &d, {.max_bytes = 12}).ok());
}

TEST(JsonParseTest, InvalidUtf8IsRefusedWithItsOffset) {
  rapidjson::Document d;
  const std::uint64_t before = RefusedCount(Refusal::kEncoding);
  const Status s = Parse("{\"plate\":\"AB\xC3\x28\"}", &d);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("invalid JSON at byte"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("encoding"), std::string::npos) << s.message();
  EXPECT_EQ(RefusedCount(Refusal::kEncoding), before + 1);
  // A lone surrogate escape is not a character either, high or low (the
  // low one was found by fuzz_openalpr: RapidJSON decodes it to invalid UTF-8).
  EXPECT_FALSE(Parse(R"(["\uD800"])", &d).ok());
  const Status low = Parse(R"({"site_id":"x\uDC00y"})", &d);
  ASSERT_FALSE(low.ok());
  EXPECT_NE(low.message().find("unpaired surrogate"), std::string::npos) << low.message();
  EXPECT_FALSE(Parse(R"({"\uDC00":1})", &d).ok());
  ASSERT_TRUE(Parse(R"(["\uD83D\uDE00"])", &d).ok());
  EXPECT_STREQ(d[0].GetString(), "\xF0\x9F\x98\x80");
}

TEST(JsonParseTest, TheNulCharacterInAStringOrANameIsRefused) {
  rapidjson::Document d;
  const Status s = Parse(R"({"plate":"AB\u0000C"})", &d);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("NUL character"), std::string::npos) << s.message();
  EXPECT_FALSE(Parse(R"({"pl\u0000ate":"ABC"})", &d).ok());
  // A raw NUL byte is not even a JSON string character.
  EXPECT_FALSE(Parse(std::string("[\"A\0B\"]", 7), &d).ok());
}

TEST(JsonParseTest, AMemberNamedTwiceInOneObjectIsRefusedByName) {
  rapidjson::Document d;
  const std::uint64_t before = RefusedCount(Refusal::kDuplicateMember);
  const Status s = Parse(R"({"purpose":"theft","case":"1","purpose":"other"})", &d);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("duplicate member \"purpose\""), std::string::npos) << s.message();
  EXPECT_EQ(RefusedCount(Refusal::kDuplicateMember), before + 1);
  // The same name in two different objects, or at two depths, is fine.
  EXPECT_TRUE(Parse(R"([{"a":1},{"a":2,"b":{"a":3}}])", &d).ok());
}

TEST(JsonParseTest, DuplicatesAreFoundInObjectsWithManyMembers) {
  std::string big = "{";
  for (int i = 0; i < 5000; ++i) big += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  rapidjson::Document d;
  EXPECT_TRUE(Parse(big.substr(0, big.size() - 1) + "}", &d).ok());
  EXPECT_EQ(d.MemberCount(), 5000u);
  const Status s = Parse(big + "\"k4321\":0}", &d);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("duplicate member \"k4321\""), std::string::npos) << s.message();
}

TEST(JsonParseTest, ALongDuplicateNameIsQuotedShort) {
  const std::string name(1000, 'x');
  rapidjson::Document d;
  const Status s = Parse("{\"" + name + "\":1,\"" + name + "\":2}", &d);
  ASSERT_FALSE(s.ok());
  EXPECT_LT(s.message().size(), 120u) << s.message();
}

TEST(JsonParseTest, SyntaxErrorsNameTheByteOffset) {
  rapidjson::Document d;
  const std::uint64_t before = RefusedCount(Refusal::kSyntax);
  const Status s = Parse(R"({"a" 1})", &d);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "invalid JSON at byte 5: Missing a colon after a name of object member.");
  EXPECT_EQ(RefusedCount(Refusal::kSyntax), before + 1);
}

TEST(JsonParseTest, OnlyOneDocumentAndNoExtensionsAreAccepted) {
  rapidjson::Document d;
  EXPECT_FALSE(Parse("", &d).ok());
  EXPECT_FALSE(Parse("{} {}", &d).ok());
  EXPECT_FALSE(Parse("[NaN]", &d).ok());
  EXPECT_FALSE(Parse("[Infinity]", &d).ok());
  EXPECT_FALSE(Parse("[1,]", &d).ok());
  EXPECT_FALSE(Parse("[1] // comment", &d).ok());
  EXPECT_TRUE(Parse(" \n[1]\r\n\t", &d).ok());
}

TEST(JsonParseTest, TheDocumentIsReplacedAndIsNullAfterAFailure) {
  rapidjson::Document d;
  ASSERT_TRUE(Parse("[1,2,3]", &d).ok());
  ASSERT_TRUE(Parse(R"({"x":1})", &d).ok());
  EXPECT_TRUE(d.IsObject());
  EXPECT_FALSE(Parse("[1,", &d).ok());
  EXPECT_TRUE(d.IsNull());
}

TEST(JsonParseTest, RefusalsHaveStableMetricNames) {
  EXPECT_EQ(RefusalName(Refusal::kSyntax), "syntax");
  EXPECT_EQ(RefusalName(Refusal::kEncoding), "encoding");
  EXPECT_EQ(RefusalName(Refusal::kDepth), "depth");
  EXPECT_EQ(RefusalName(Refusal::kSize), "size");
  EXPECT_EQ(RefusalName(Refusal::kDuplicateMember), "duplicate_member");
}

}  // namespace
}  // namespace interdict::json
