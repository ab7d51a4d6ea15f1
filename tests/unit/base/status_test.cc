#include "base/status.h"

#include <gtest/gtest.h>

namespace interdict {
namespace {

TEST(StatusTest, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "ok");
}

TEST(StatusTest, ErrorCarriesCodeAndMessage) {
  Status s = Status::InvalidArgument("plate is empty");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.ToString(), "invalid_argument: plate is empty");
  EXPECT_EQ(s.WithContext("line 3: ").message(), "line 3: plate is empty");
}

TEST(StatusTest, ResultHoldsValueOrError) {
  Result<int> good = 7;
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 7);
  EXPECT_TRUE(good.status().ok());

  Result<int> bad = Status::NotFound("no such camera");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kNotFound);
}

Status FailsThenPropagates() {
  INTERDICT_RETURN_IF_ERROR(Status::Corruption("bad checksum"));
  return Status::Internal("not reached");
}

TEST(StatusTest, ReturnIfErrorPropagatesTheFirstError) {
  EXPECT_EQ(FailsThenPropagates().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace interdict

namespace interdict {
namespace {

TEST(StatusReasonTest, AReasonTravelsWithTheStatusAndSurvivesContext) {
  const Status s = Status::PermissionDenied("needs an approval").WithReason("approval_required");
  EXPECT_EQ(s.reason(), "approval_required");
  EXPECT_EQ(s.WithContext("search: ").reason(), "approval_required");
  EXPECT_EQ(s.WithContext("search: ").message(), "search: needs an approval");
  EXPECT_EQ(Status::PermissionDenied("no").reason(), "");
  // An OK status has nothing to explain.
  EXPECT_EQ(Status::Ok().WithReason("approval_required").reason(), "");
}

}  // namespace
}  // namespace interdict
