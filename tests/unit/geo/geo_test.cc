#include "geo/geo.h"

#include <gtest/gtest.h>

namespace interdict::geo {
namespace {

Point P(double lat, double lon) {
  return Point::FromDegrees(lat, lon);
}

TEST(GeoTest, RingContainsTheInsideAndBoundaryOfAConcavePolygon) {
  // An L shape: the notch at the top right is outside.
  const Ring l = {P(0, 0), P(0, 2), P(1, 2), P(1, 1), P(2, 1), P(2, 0)};
  EXPECT_TRUE(RingContains(l, P(0.5, 0.5)));
  EXPECT_TRUE(RingContains(l, P(0.5, 1.5)));
  EXPECT_TRUE(RingContains(l, P(1.5, 0.5)));
  EXPECT_FALSE(RingContains(l, P(1.5, 1.5)));  // the notch
  EXPECT_FALSE(RingContains(l, P(3, 0.5)));
  EXPECT_TRUE(RingContains(l, P(0, 1)));  // on an edge
  EXPECT_TRUE(RingContains(l, P(2, 0)));  // a vertex
}

TEST(GeoTest, SelfCrossingRingsAreFoundAndSimpleOnesPass) {
  EXPECT_FALSE(RingSelfCrossing({P(0, 0), P(0, 1), P(1, 1), P(1, 0)}));
  EXPECT_FALSE(RingSelfCrossing({P(0, 0), P(0, 2), P(1, 2), P(1, 1), P(2, 1), P(2, 0)}));
  // A bow tie: edges 0 and 2 cross.
  auto bow = RingSelfCrossing({P(0, 0), P(1, 1), P(0, 1), P(1, 0)});
  ASSERT_TRUE(bow);
  EXPECT_EQ(*bow, (std::pair<std::size_t, std::size_t>{0, 2}));
  // A spike folding back along its own edge.
  EXPECT_TRUE(RingSelfCrossing({P(0, 0), P(0, 2), P(0, 1), P(1, 1)}));
  // Two edges touching at a point that is not their shared vertex.
  EXPECT_TRUE(RingSelfCrossing({P(0, 0), P(0, 2), P(1, 1), P(0, 1), P(1, 0)}));
}

TEST(GeoTest, RingBoundsCoverEveryVertex) {
  const Ring r = {P(38.60, -90.30), P(38.70, -90.30), P(38.70, -90.10), P(38.60, -90.10)};
  const auto [center, radius] = RingBounds(r);
  for (const Point& p : r) EXPECT_LE(DistanceMeters(center, p), radius);
}

TEST(GeoTest, DistanceToRingIsZeroInsideAndTheNearestEdgeOutside) {
  // About 1.1 km square in St. Louis.
  const Ring r = {P(38.60, -90.30), P(38.61, -90.30), P(38.61, -90.29), P(38.60, -90.29)};
  EXPECT_EQ(DistanceToRing(r, P(38.605, -90.295)), 0);
  EXPECT_EQ(DistanceToRing(r, P(38.60, -90.295)), 0);  // on an edge
  // 0.001° of latitude north of the top edge: about 111 m.
  const double north = DistanceToRing(r, P(38.611, -90.295));
  EXPECT_NEAR(north, DistanceMeters(P(38.611, -90.295), P(38.61, -90.295)), 1.0);
  // Beyond a corner, the distance is to the corner.
  const double corner = DistanceToRing(r, P(38.62, -90.28));
  EXPECT_NEAR(corner, DistanceMeters(P(38.62, -90.28), P(38.61, -90.29)), 2.0);
}

}  // namespace
}  // namespace interdict::geo

namespace interdict::geo {
namespace {

Point Q(double lat, double lon) {
  return Point::FromDegrees(lat, lon);
}

TEST(GeoLibraryTest, RingsDrawnEitherWayHaveTheSameInside) {
  const Ring clockwise = {Q(0, 0), Q(1, 0), Q(1, 1), Q(0, 1)};
  const Ring counter = {Q(0, 0), Q(0, 1), Q(1, 1), Q(1, 0)};
  for (const Ring& r : {clockwise, counter}) {
    EXPECT_TRUE(RingContains(r, Q(0.5, 0.5)));
    EXPECT_FALSE(RingContains(r, Q(1.5, 0.5)));
    EXPECT_FALSE(RingSelfCrossing(r));
    EXPECT_EQ(DistanceToRing(r, Q(0.5, 0.5)), 0);
  }
}

TEST(GeoLibraryTest, ARingWithNoAreaIsNamedNotAccepted) {
  // Three points on one line: the closing edge folds back over both others.
  auto flat = RingSelfCrossing({Q(0, 0), Q(0, 1), Q(0, 2)});
  ASSERT_TRUE(flat);
  EXPECT_EQ(*flat, (std::pair<std::size_t, std::size_t>{0, 2}));
}

TEST(GeoLibraryTest, DistancesAreOnTheSphere) {
  // One degree of a meridian is the mean radius times pi / 180.
  EXPECT_NEAR(DistanceMeters(Q(38, -90), Q(39, -90)), 111'195.08, 0.01);
  // A degree of longitude shrinks with the cosine of the latitude.
  EXPECT_NEAR(DistanceMeters(Q(60, 10), Q(60, 11)), 55'597.5, 5.0);
  const auto [dlat, dlon] = DegreesAround(Q(60, 10), 1000);
  EXPECT_NEAR(dlat, 1000 / 111'195.08, 1e-9);
  EXPECT_NEAR(dlon, 2 * dlat, 1e-9);
  const LocalPlane plane(Q(60, 10));
  const LocalPlane::Xy p = plane.ToMetres(Q(60.01, 10.02));
  EXPECT_NEAR(p.x, DistanceMeters(Q(60, 10), Q(60, 10.02)), 1.0);
  EXPECT_NEAR(p.y, DistanceMeters(Q(60, 10), Q(60.01, 10)), 0.01);
}

}  // namespace
}  // namespace interdict::geo
