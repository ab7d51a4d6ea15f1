#include "base/json_writer.h"

#include <gtest/gtest.h>

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "base/json.h"

namespace interdict::json {
namespace {

TEST(JsonWriter, ObjectsTakeEveryKindOfValue) {
  EXPECT_EQ(Object("s", "a", "n", -3, "u", std::size_t{4}, "b", true, "d", 0.5, "none",
                   std::optional<std::string>{}, "some", std::optional<int>{7}, "list",
                   std::vector<std::string>{"x", "y"}, "raw", Raw{R"({"k":[1]})"}, "null", nullptr),
            R"({"s":"a","n":-3,"u":4,"b":true,"d":0.5,"none":null,"some":7,"list":["x","y"],)"
            R"("raw":{"k":[1]},"null":null})");
}

// A hostile value can neither end the string nor add a line: what is written
// reads back, through the one parser, as exactly the value given.
TEST(JsonWriter, StringsAreEscapedAndReadBackUnchanged) {
  // (No U+0000: json::Parse refuses it by design, decision 0026.)
  const std::string hostile = "a\"b\\c\n\x01\x1f</d>e";
  const std::string text = Object(hostile, hostile);
  EXPECT_EQ(text.find('\n'), std::string::npos) << text;
  rapidjson::Document d;
  ASSERT_TRUE(Parse(text, &d).ok()) << text;
  const auto& m = *d.MemberBegin();
  EXPECT_EQ(std::string(m.name.GetString(), m.name.GetStringLength()), hostile);
  EXPECT_EQ(std::string(m.value.GetString(), m.value.GetStringLength()), hostile);
}

// NaN and infinity are not JSON; left to RapidJSON they would leave a key
// without a value and the whole document unreadable.
TEST(JsonWriter, NonFiniteNumbersAreNull) {
  const std::string text = Object("nan", std::numeric_limits<double>::quiet_NaN(), "inf",
                                  std::numeric_limits<double>::infinity(), "x", 1.25);
  EXPECT_EQ(text, R"({"nan":null,"inf":null,"x":1.25})");
  rapidjson::Document d;
  EXPECT_TRUE(Parse(text, &d).ok());
}

TEST(JsonWriter, MembersExtendAnObjectTheCallerOpened) {
  EXPECT_EQ(Write([](Writer& w) {
              w.StartObject();
              Members(w, "a", 1);
              Key(w, "b");
              Put(w, std::vector<int>{1, 2});
              Members(w, "c", "z");
              w.EndObject();
            }),
            R"({"a":1,"b":[1,2],"c":"z"})");
  EXPECT_EQ(Array(std::vector<int>{}), "[]");
}

}  // namespace
}  // namespace interdict::json
