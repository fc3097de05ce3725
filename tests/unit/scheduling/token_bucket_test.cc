// TokenBucket and DefaultBurst: worked examples, then simulated transfers
// on a fake clock (a time_point the test advances) that take random blocks
// for 10 s and must stay within 5% of the limit.
#include "scheduling/token_bucket.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace haul::scheduling {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr double kKiB = 1024;
constexpr double kMiB = 1024 * 1024;
constexpr std::uint64_t kMaxBlock = 128 * 1024;
const Clock::time_point kT0{};  // the fake clock's epoch

// ---------------------------------------------------------------------------
// Worked examples.

TEST(DefaultBurst, TenthOfASecondWithA64KiBFloor) {
  EXPECT_DOUBLE_EQ(DefaultBurst(0), 64 * kKiB);
  EXPECT_DOUBLE_EQ(DefaultBurst(-5), 64 * kKiB);
  EXPECT_DOUBLE_EQ(DefaultBurst(100 * kKiB), 64 * kKiB);
  EXPECT_DOUBLE_EQ(DefaultBurst(10 * kMiB), kMiB);
}

TEST(TokenBucket, StartsFullAndRefillsAtTheRate) {
  TokenBucket b(1000, 500, kT0);
  EXPECT_EQ(b.Available(kT0), 500u);
  b.Consume(500, kT0);
  EXPECT_EQ(b.Available(kT0), 0u);
  EXPECT_EQ(b.Available(kT0 + milliseconds(100)), 100u);
  EXPECT_EQ(b.Available(kT0 + milliseconds(250)), 250u);
  // Capped at the burst however long it rests.
  EXPECT_EQ(b.Available(kT0 + seconds(60)), 500u);
}

TEST(TokenBucket, WaitForCountsTheMissingTokens) {
  TokenBucket b(1000, 500, kT0);
  EXPECT_EQ(b.WaitFor(500, kT0), Clock::duration::zero());
  b.Consume(400, kT0);
  // 100 left; 300 more take 300 ms (plus at most two ticks of rounding).
  const Clock::duration wait = b.WaitFor(400, kT0);
  EXPECT_GE(wait, milliseconds(300));
  EXPECT_LE(wait, milliseconds(300) + Clock::duration(2));
  EXPECT_EQ(b.WaitFor(400, kT0 + wait), Clock::duration::zero());
  EXPECT_GE(b.Available(kT0 + wait), 400u);
}

TEST(TokenBucket, ABlockLargerThanTheBurstWaitsForAFullBucketThenLeavesDebt) {
  // The file comment's example: 1 MiB/s, burst 100 KiB, a 128 KiB block.
  TokenBucket b(kMiB, 100 * kKiB, kT0);
  EXPECT_EQ(b.WaitFor(128 * 1024, kT0), Clock::duration::zero());
  b.Consume(128 * 1024, kT0);
  EXPECT_EQ(b.Available(kT0), 0u);  // 28 KiB of debt
  // 28 KiB of debt plus 16 KiB: 44 KiB at 1 MiB/s.
  const Clock::duration wait = b.WaitFor(16 * 1024, kT0);
  EXPECT_NEAR(ToSeconds(wait), 44 * kKiB / kMiB, 1e-6);

  // Drained again: a huge block waits only for a full bucket, never forever.
  b.Consume(16 * 1024, kT0 + wait);
  const Clock::duration full = b.WaitFor(std::uint64_t{1} << 40, kT0 + wait);
  EXPECT_NEAR(ToSeconds(full), 100 * kKiB / kMiB, 1e-6);
}

TEST(TokenBucket, TimeGoingBackwardsEarnsNothing) {
  TokenBucket b(1000, 1000, kT0 + seconds(10));
  b.Consume(1000, kT0 + seconds(10));
  EXPECT_EQ(b.Available(kT0 + seconds(5)), 0u);
  EXPECT_EQ(b.Available(kT0 + seconds(10)), 0u);
  EXPECT_EQ(b.Available(kT0 + milliseconds(10500)), 500u);
}

TEST(TokenBucket, ZeroRateIsUnlimited) {
  for (double rate : {0.0, -1.0, std::numeric_limits<double>::quiet_NaN()}) {
    TokenBucket b(rate, 0, kT0);
    EXPECT_TRUE(b.unlimited());
    EXPECT_EQ(b.rate(), 0.0);
    b.Consume(std::uint64_t{1} << 50, kT0);
    EXPECT_EQ(b.Available(kT0), std::numeric_limits<std::uint64_t>::max());
    EXPECT_EQ(b.WaitFor(std::uint64_t{1} << 50, kT0), Clock::duration::zero());
  }
}

TEST(TokenBucket, AutomaticBurstFollowsTheRate) {
  TokenBucket b(10 * kMiB, 0, kT0);
  EXPECT_DOUBLE_EQ(b.burst(), kMiB);
  b.SetRate(100 * kKiB, kT0);
  EXPECT_DOUBLE_EQ(b.burst(), 64 * kKiB);
  EXPECT_EQ(b.Available(kT0), 64u * 1024);  // clipped to the new burst

  TokenBucket fixed(10 * kMiB, 4096, kT0);
  fixed.SetRate(kMiB, kT0);
  EXPECT_DOUBLE_EQ(fixed.burst(), 4096);
}

TEST(TokenBucket, SetRateSplitsTimeBetweenTheOldAndNewRate) {
  TokenBucket b(1000, 10000, kT0);
  b.Consume(10000, kT0);
  b.SetRate(2000, kT0 + seconds(1));  // 1 s at 1000/s
  EXPECT_EQ(b.Available(kT0 + seconds(2)), 3000u);  // + 1 s at 2000/s
}

TEST(TokenBucket, GoingUnlimitedForgivesDebtAndLimitingStartsFull) {
  TokenBucket b(1000, 1000, kT0);
  b.Consume(50000, kT0);
  b.SetRate(0, kT0);
  EXPECT_TRUE(b.unlimited());
  b.SetRate(1000, kT0 + seconds(1));
  EXPECT_EQ(b.Available(kT0 + seconds(1)), 1000u);
}

TEST(TokenBucket, HugeWaitsSaturate) {
  TokenBucket b(1e-30, 1000, kT0);
  b.Consume(1000, kT0);
  EXPECT_EQ(b.WaitFor(1000, kT0), Clock::duration::max());
}

// ---------------------------------------------------------------------------
// Simulated transfers on a fake clock.

/// Bytes moved by a transfer that takes random blocks of 1..kMaxBlock bytes
/// from `b` for `run` of fake time, sleeping exactly WaitFor before each.
/// Checks on the way that no prefix of the run exceeds the bucket's promise:
/// burst + rate * t + one block of debt.
std::uint64_t RunSleeper(TokenBucket& b, double rate, Clock::duration run, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<std::uint64_t> block(1, kMaxBlock);
  Clock::time_point now = kT0;
  std::uint64_t moved = 0;
  for (;;) {
    const std::uint64_t n = block(rng);
    now += b.WaitFor(n, now);
    if (now - kT0 > run) return moved;
    b.Consume(n, now);
    moved += n;
    const double promise = b.burst() + rate * ToSeconds(now - kT0) + kMaxBlock;
    EXPECT_LE(static_cast<double>(moved), promise) << "at " << ToSeconds(now - kT0) << " s";
  }
}

TEST(TokenBucketSimulation, SleeperStaysWithinFivePercentOverTenSeconds) {
  // From about 400 KiB/s up the 64 KiB floor and a 128 KiB block stay under
  // 5% of 10 s of traffic (see DefaultBurst).
  for (double rate : {400 * kKiB, kMiB, 10 * kMiB, 100 * kMiB, 1000 * kMiB}) {
    for (std::uint32_t seed = 1; seed <= 5; ++seed) {
      TokenBucket b(rate, 0, kT0);
      const double moved = static_cast<double>(RunSleeper(b, rate, seconds(10), seed));
      EXPECT_NEAR(moved / 10, rate, 0.05 * rate) << "rate " << rate << " seed " << seed;
    }
  }
}

TEST(TokenBucketSimulation, PollerThatTakesOnlyWhatIsAvailable) {
  // A transfer that checks Available on every loop tick (1..20 ms apart)
  // and takes its block only when the bucket holds it. The burst (400 KiB)
  // holds the largest block, so it never waits forever.
  const double rate = 4 * kMiB;
  TokenBucket b(rate, 0, kT0);
  ASSERT_GE(b.burst(), static_cast<double>(kMaxBlock));
  std::mt19937 rng(7);
  std::uniform_int_distribution<std::uint64_t> block(1, kMaxBlock);
  std::uniform_int_distribution<int> tick_ms(1, 20);
  Clock::time_point now = kT0;
  std::uint64_t moved = 0;
  std::uint64_t n = block(rng);
  while (now - kT0 < seconds(10)) {
    if (b.Available(now) >= n) {
      b.Consume(n, now);
      moved += n;
      n = block(rng);
      continue;  // take more in the same tick while it lasts
    }
    now += milliseconds(tick_ms(rng));
  }
  EXPECT_NEAR(static_cast<double>(moved) / 10, rate, 0.05 * rate);
}

TEST(TokenBucketSimulation, TransfersShareTheOverallLimitUnderTheirOwn) {
  // --max-overall-speed 2 MiB/s over four transfers of --max-speed 1 MiB/s
  // each: a block goes when both buckets allow it. Each transfer sleeps
  // until the later of its two waits; the earliest-waking one moves next.
  const double overall_rate = 2 * kMiB;
  const double own_rate = kMiB;
  TokenBucket overall(overall_rate, 0, kT0);
  std::vector<TokenBucket> own(4, TokenBucket(own_rate, 0, kT0));
  std::vector<Clock::time_point> wake(own.size(), kT0);
  std::vector<std::uint64_t> moved(own.size(), 0);
  std::mt19937 rng(11);
  std::uniform_int_distribution<std::uint64_t> block(1, kMaxBlock);
  std::vector<std::uint64_t> next(own.size());
  for (std::uint64_t& n : next) n = block(rng);

  for (;;) {
    const auto i = static_cast<std::size_t>(
        std::min_element(wake.begin(), wake.end()) - wake.begin());
    const Clock::time_point now = wake[i];
    if (now - kT0 > seconds(10)) break;
    const Clock::duration wait = std::max(overall.WaitFor(next[i], now), own[i].WaitFor(next[i], now));
    if (wait > Clock::duration::zero()) {
      wake[i] = now + wait;
      continue;
    }
    overall.Consume(next[i], now);
    own[i].Consume(next[i], now);
    moved[i] += next[i];
    next[i] = block(rng);
  }
  std::uint64_t total = 0;
  for (std::uint64_t m : moved) {
    total += m;
    EXPECT_LE(static_cast<double>(m) / 10, 1.05 * own_rate);
    // Fair enough that nobody starves: each gets a good part of its share.
    EXPECT_GE(static_cast<double>(m) / 10, 0.25 * overall_rate / 4);
  }
  EXPECT_NEAR(static_cast<double>(total) / 10, overall_rate, 0.05 * overall_rate);
}

TEST(TokenBucketSimulation, RateChangeMidRunIsFollowed) {
  // 5 s at 1 MiB/s, then 5 s at 4 MiB/s: about 25 MiB in all.
  TokenBucket b(kMiB, 0, kT0);
  std::mt19937 rng(3);
  std::uniform_int_distribution<std::uint64_t> block(1, kMaxBlock);
  Clock::time_point now = kT0;
  bool changed = false;
  std::uint64_t moved = 0;
  for (;;) {
    const std::uint64_t n = block(rng);
    Clock::duration wait = b.WaitFor(n, now);
    if (!changed && now + wait >= kT0 + seconds(5)) {
      // The engine applies a new limit at once; a waiting transfer asks again.
      now = kT0 + seconds(5);
      b.SetRate(4 * kMiB, now);
      changed = true;
      wait = b.WaitFor(n, now);
    }
    now += wait;
    if (now - kT0 > seconds(10)) break;
    b.Consume(n, now);
    moved += n;
  }
  const double expected = 5 * kMiB + 5 * 4 * kMiB;
  EXPECT_NEAR(static_cast<double>(moved), expected, 0.05 * expected);
}

}  // namespace
}  // namespace haul::scheduling
