// Tests for src/util/elastic.h, on a fake clock: time only moves when a test
// says so.
#include "util/elastic.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <vector>

namespace haul::util {
namespace {

using namespace std::chrono_literals;
using Clock = LeakyShrink::Clock;

constexpr Clock::duration kInterval = 2s;
constexpr Clock::duration kMinAge = 5s;

/// A pool of `units` that are all idle unless the test says otherwise,
/// stepped through fake time; it retires whenever the policy says so.
struct FakePool {
  LeakyShrink shrink{kInterval, kMinAge};
  Clock::time_point now{};  // the epoch; only differences matter
  std::size_t units = 0;
  std::size_t busy = 0;
  std::vector<Clock::duration> retired_at;  // since the epoch

  void Create(std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) shrink.OnCreated(now);
    units += n;
  }
  /// Advances in `step`s until `until` (since the epoch), offering the policy
  /// every idle unit at each step.
  void RunUntil(Clock::duration until, Clock::duration step = 100ms) {
    while (now.time_since_epoch() < until) {
      now += step;
      if (shrink.ShouldRetire(units - busy, now)) {
        shrink.OnRetired(now);
        --units;
        retired_at.push_back(now.time_since_epoch());
      }
    }
  }
};

TEST(LeakyShrink, NothingToRetireWhenNoUnitIsIdle) {
  LeakyShrink shrink(kInterval, kMinAge);
  const Clock::time_point t0{};
  EXPECT_FALSE(shrink.ShouldRetire(0, t0 + 1h));
  shrink.OnCreated(t0);
  EXPECT_FALSE(shrink.ShouldRetire(0, t0 + 1h));
  EXPECT_TRUE(shrink.ShouldRetire(1, t0 + 1h));
}

TEST(LeakyShrink, NoHistoryMeansNoWait) {
  LeakyShrink shrink(kInterval, kMinAge);
  EXPECT_TRUE(shrink.ShouldRetire(3, Clock::time_point{}));
  EXPECT_EQ(shrink.interval(), kInterval);
  EXPECT_EQ(shrink.min_age(), kMinAge);
}

TEST(LeakyShrink, BoundariesAreInclusive) {
  LeakyShrink shrink(kInterval, kMinAge);
  const Clock::time_point t0{};
  shrink.OnCreated(t0);
  EXPECT_FALSE(shrink.ShouldRetire(1, t0 + kMinAge - 1ns));
  EXPECT_TRUE(shrink.ShouldRetire(1, t0 + kMinAge));
  shrink.OnRetired(t0 + kMinAge);
  EXPECT_FALSE(shrink.ShouldRetire(1, t0 + kMinAge + kInterval - 1ns));
  EXPECT_TRUE(shrink.ShouldRetire(1, t0 + kMinAge + kInterval));
}

TEST(LeakyShrink, BurstOfEightDrainsExactlyOnePerInterval) {
  FakePool pool;
  pool.Create(8);
  pool.RunUntil(60s);
  EXPECT_EQ(pool.units, 0u);
  // The first waits out min_age; each later one waits a whole interval.
  const std::vector<Clock::duration> expected{5s, 7s, 9s, 11s, 13s, 15s, 17s, 19s};
  EXPECT_EQ(pool.retired_at, expected);
}

TEST(LeakyShrink, ACreationPostponesTheNextRetirement) {
  FakePool pool;
  pool.Create(4);
  pool.RunUntil(5s);
  ASSERT_EQ(pool.retired_at.size(), 1u);  // at 5 s
  pool.RunUntil(6s);
  pool.Create(1);  // load came back at 6 s: nothing goes before 11 s
  pool.RunUntil(10900ms);
  EXPECT_EQ(pool.retired_at.size(), 1u);
  pool.RunUntil(11s);
  ASSERT_EQ(pool.retired_at.size(), 2u);
  EXPECT_EQ(pool.retired_at.back(), 11s);
}

TEST(LeakyShrink, ContinuousUseRetiresNothing) {
  FakePool pool;
  pool.Create(6);
  pool.busy = 6;  // every unit in use, for a long time
  pool.RunUntil(10min);
  EXPECT_TRUE(pool.retired_at.empty());
  EXPECT_EQ(pool.units, 6u);
}

TEST(LeakyShrink, LoadThatKeepsCreatingNeverChurns) {
  // Demand that needs a new unit every 4 s (under min_age) keeps the spare
  // units: a pool that is still growing has nothing to give back.
  FakePool pool;
  pool.Create(2);
  for (int i = 1; i <= 50; ++i) {
    pool.RunUntil(i * 4s);
    pool.Create(1);
  }
  EXPECT_TRUE(pool.retired_at.empty());
}

TEST(LeakyShrink, OnlyUnitsOfferedAsIdleAreCounted) {
  FakePool pool;
  pool.Create(5);
  pool.busy = 3;  // two spare units
  pool.RunUntil(30s);
  EXPECT_EQ(pool.units, 3u);
  const std::vector<Clock::duration> expected{5s, 7s};
  EXPECT_EQ(pool.retired_at, expected);
}

}  // namespace
}  // namespace haul::util
