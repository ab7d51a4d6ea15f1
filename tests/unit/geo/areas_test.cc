#include "geo/areas.h"

#include <gtest/gtest.h>

namespace interdict::geo {
namespace {

TEST(AreasTest, TheShippedNeighbourhoodsAreFoundByNumberOrNameAndKnowTheirNeighbours) {
  const AreaKind* n = Areas("neighborhoods");
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->areas.size(), 88u);
  const Area* cwe = n->Find("central west end");
  ASSERT_NE(cwe, nullptr);
  EXPECT_EQ(cwe->id, "38");
  EXPECT_EQ(n->Find("38"), cwe);
  EXPECT_EQ(n->Find("Atlantis"), nullptr);
  // Forest Park (82) borders the Central West End; Carondelet (1) is across the city.
  EXPECT_LE(AreasDistance(*cwe, *n->Find("82")), kAdjacentMetres);
  EXPECT_GT(AreasDistance(*cwe, *n->Find("1")), 5'000);
  EXPECT_EQ(Areas("planets"), nullptr);
}

TEST(AreasTest, AGeoJsonFileGivesAreasByTheNamedProperty) {
  const std::string text = R"({"type":"FeatureCollection","features":[
    {"type":"Feature","properties":{"beat":"B1","name":"North beat"},"geometry":{"type":"Polygon",
     "coordinates":[[[-90.30,38.60],[-90.20,38.60],[-90.20,38.70],[-90.30,38.70],[-90.30,38.60]]]}},
    {"type":"Feature","id":7,"properties":{},"geometry":{"type":"MultiPolygon",
     "coordinates":[[[[-90.10,38.60],[-90.00,38.60],[-90.00,38.70],[-90.10,38.60]]]]}}]})";
  Result<AreaKind> k = AreasFromGeoJson(text, "beat");
  ASSERT_TRUE(k.ok()) << k.status().message();
  ASSERT_EQ(k->areas.size(), 2u);
  EXPECT_EQ(k->areas[0].id, "B1");
  EXPECT_EQ(k->areas[0].name, "North beat");
  EXPECT_EQ(k->areas[1].id, "7") << "the feature's id when the property is absent";
  EXPECT_EQ(k->areas[0].rings[0].size(), 4u) << "the closing position dropped";
  EXPECT_TRUE(k->areas[0].Contains(Point::FromDegrees(38.65, -90.25)));
  EXPECT_FALSE(k->areas[0].Contains(Point::FromDegrees(38.65, -90.15)));
}

TEST(AreasTest, ABadGeoJsonFileIsRefusedNamingTheFeatureAndWhy) {
  const auto refused = [](const std::string& features) {
    Result<AreaKind> k =
        AreasFromGeoJson(R"({"type":"FeatureCollection","features":[)" + features + "]}");
    return k.ok() ? std::string("accepted") : k.status().message();
  };
  const std::string square =
      R"("coordinates":[[[-90.3,38.6],[-90.2,38.6],[-90.2,38.7],[-90.3,38.7]]])";
  EXPECT_NE(refused(R"({"properties":{},"geometry":{"type":"Polygon",)" + square + "}}")
                .find("feature 0: no id"),
            std::string::npos);
  EXPECT_NE(refused(R"({"id":"a","geometry":{"type":"Point","coordinates":[-90,38]}})")
                .find("feature 0: a Point, not a Polygon"),
            std::string::npos);
  EXPECT_NE(
      refused(R"({"id":"a","geometry":{"type":"Polygon","coordinates":[[[-90,38],[-90,39]]]}})")
          .find("fewer than 3 points"),
      std::string::npos);
  EXPECT_NE(
      refused(
          R"({"id":"a","geometry":{"type":"Polygon","coordinates":[[[-90,38],[-89,39],[-89,38],[-90,39]]]}})")
          .find("crosses itself"),
      std::string::npos);
  EXPECT_NE(
      refused(
          R"({"id":"a","geometry":{"type":"Polygon","coordinates":[[[-200,38],[-89,39],[-89,38]]]}})")
          .find("outside"),
      std::string::npos);
  EXPECT_NE(refused("1").find("feature 0: not an object"), std::string::npos);
  EXPECT_NE(refused("").find("no feature"), std::string::npos);
  EXPECT_FALSE(AreasFromGeoJson("{\"features\": 3}").ok());
  EXPECT_FALSE(AreasFromGeoJson("[").ok());
}

}  // namespace
}  // namespace interdict::geo
