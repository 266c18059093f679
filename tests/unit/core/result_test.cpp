#include "core/result.hpp"

#include <gtest/gtest.h>
#include <string>

namespace aic {
namespace {

Result<int> parse_positive(int v) {
  if (v <= 0) {
    return unexpected(Error(ErrorCode::InvalidSpec, "not positive"));
  }
  return v;
}

TEST(Result, HoldsAValueOrAnError) {
  Result<int> ok = parse_positive(3);
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, 3);
  Result<int> bad = parse_positive(-1);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), ErrorCode::InvalidSpec);
}

TEST(Result, ContextIsPrependedOutermostFirst) {
  Error e(ErrorCode::NotFound, "no such container");
  e.with_context("stopping web-1").with_context("down demo");
  EXPECT_EQ(e.describe(), "down demo: stopping web-1: no such container");
}

TEST(Result, VoidResultReportsSuccessOrError) {
  Result<void> ok;
  EXPECT_TRUE(ok);
  Result<void> bad = unexpected(Error(ErrorCode::Timeout, "slow"));
  EXPECT_FALSE(bad);
  EXPECT_EQ(to_string(bad.error().code()), "timeout");
}

} // namespace
} // namespace aic
