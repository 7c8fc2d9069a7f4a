#include "signet/core/result.h"

#include <gtest/gtest.h>

namespace signet {
namespace {

Result<int> parse_positive(int v) {
  if (v <= 0)
    return fail(ErrorCode::kInvalidArgument, "must be positive, got " + std::to_string(v));
  return v;
}

Result<int> doubled(int v) {
  SIGNET_ASSIGN_OR_RETURN(const int p, parse_positive(v));
  return 2 * p;
}

Status check_both(int a, int b) {
  SIGNET_RETURN_IF_ERROR(parse_positive(a));
  SIGNET_RETURN_IF_ERROR(parse_positive(b));
  return {};
}

TEST(ResultTest, RetryPolicyFollowsTheCode) {
  EXPECT_EQ(retry_of(ErrorCode::kUnavailable), Retry::kCall);
  EXPECT_EQ(retry_of(ErrorCode::kResourceExhausted), Retry::kCall);
  EXPECT_EQ(retry_of(ErrorCode::kAborted), Retry::kItem);
  EXPECT_EQ(retry_of(ErrorCode::kDeadlineExceeded), Retry::kItem);
  EXPECT_EQ(retry_of(ErrorCode::kInvalidArgument), Retry::kNever);
  EXPECT_EQ(retry_of(ErrorCode::kFailedPrecondition), Retry::kNever);
  EXPECT_EQ(retry_of(ErrorCode::kPermissionDenied), Retry::kNever);
  EXPECT_EQ(retry_of(ErrorCode::kInternal), Retry::kNever);
  EXPECT_EQ(to_string(ErrorCode::kUnavailable), "unavailable");
  EXPECT_EQ(to_string(Retry::kItem), "item");
}

TEST(ResultTest, MacrosPropagateTheFirstError) {
  EXPECT_EQ(*doubled(4), 8);
  const auto bad = doubled(-3);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().message(), "must be positive, got -3");
  EXPECT_TRUE(check_both(1, 2));
  const auto second = check_both(1, 0);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().message(), "must be positive, got 0");
}

TEST(ResultTest, ContextPrefixesTheMessageAndKeepsTheCode) {
  const Error e(ErrorCode::kUnavailable, "C_Sign returned CKR_DEVICE_ERROR");
  const Error wrapped = e.context("token 'a'");
  EXPECT_EQ(wrapped.message(), "token 'a': C_Sign returned CKR_DEVICE_ERROR");
  EXPECT_EQ(wrapped.code(), ErrorCode::kUnavailable);
  EXPECT_EQ(wrapped.retry(), Retry::kCall);
}

}  // namespace
}  // namespace signet
