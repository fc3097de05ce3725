// Tests scheduling/retry_policy.h.
#include "scheduling/retry_policy.h"

#include <gtest/gtest.h>

namespace haul::scheduling {
namespace {

TEST(RetryPolicyTest, TransientStatusesAreRetried) {
  for (long s : {408L, 429L, 500L, 502L, 503L, 504L}) EXPECT_TRUE(IsRetryableHttpStatus(s)) << s;
  for (long s : {200L, 206L, 301L, 400L, 401L, 403L, 404L, 410L, 416L, 501L, 505L}) {
    EXPECT_FALSE(IsRetryableHttpStatus(s)) << s;
  }
}

TEST(RetryPolicyTest, BackoffDoublesWithinJitterBounds) {
  // attempt n waits in [w/2, w) with w = base * 2^(n-1).
  EXPECT_DOUBLE_EQ(RetryDelaySeconds(1, 1.0, 60, 0.0), 0.5);
  EXPECT_DOUBLE_EQ(RetryDelaySeconds(1, 1.0, 60, 1.0), 1.0);
  EXPECT_DOUBLE_EQ(RetryDelaySeconds(2, 1.0, 60, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(RetryDelaySeconds(3, 1.0, 60, 0.5), 3.0);
  EXPECT_DOUBLE_EQ(RetryDelaySeconds(4, 0.25, 60, 0.0), 1.0);
}

TEST(RetryPolicyTest, BackoffIsCapped) {
  EXPECT_DOUBLE_EQ(RetryDelaySeconds(10, 1.0, 30, 1.0), 30.0);
  EXPECT_DOUBLE_EQ(RetryDelaySeconds(1000000, 1.0, 30, 0.0), 15.0);
  EXPECT_DOUBLE_EQ(RetryDelaySeconds(-5, 1.0, 30, 0.0), 0.5);
}

TEST(RetryPolicyTest, RetryAfterReplacesTheBackoffAndIsCapped) {
  EXPECT_DOUBLE_EQ(RetryDelaySeconds(1, 1.0, 60, 0.9, 7.0), 7.0);
  EXPECT_DOUBLE_EQ(RetryDelaySeconds(5, 1.0, 60, 0.9, 0.0), 0.0);
  EXPECT_DOUBLE_EQ(RetryDelaySeconds(1, 1.0, 60, 0.9, 3600.0), 60.0);
}

TEST(RetryPolicyTest, ZeroBaseMeansNoWait) {
  EXPECT_DOUBLE_EQ(RetryDelaySeconds(3, 0.0, 60, 0.7), 0.0);
}

}  // namespace
}  // namespace haul::scheduling
