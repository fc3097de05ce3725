// ThroughputEwma and SourceScores on a fake clock: the estimate's start,
// convergence, step response and decay; then the choice of source for the
// next chunk (exploration, per-connection scores, caps, penalties, removal).
#include "scheduling/source_scores.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

namespace haul::scheduling {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr double kMB = 1e6;
const Clock::time_point kT0{};

/// Feeds `rate` bytes/s into `e` in 10 ms samples over [from, from + span).
void Stream(ThroughputEwma& e, double rate, Clock::time_point from, Clock::duration span) {
  const Clock::duration step = milliseconds(10);
  for (Clock::time_point t = from + step; t <= from + span; t += step) {
    e.Update(static_cast<std::uint64_t>(rate * ToSeconds(step)), t);
  }
}

// ---------------------------------------------------------------------------
// ThroughputEwma

TEST(ThroughputEwma, ZeroUntilTheFirstIntervalThenExactlyItsRate) {
  ThroughputEwma e;
  EXPECT_EQ(e.rate(kT0), 0.0);
  EXPECT_FALSE(e.measured());
  e.Update(5000, kT0);  // opens the interval; these bytes have no interval
  EXPECT_FALSE(e.measured());
  EXPECT_EQ(e.rate(kT0), 0.0);
  e.Update(1000000, kT0 + seconds(1));
  EXPECT_TRUE(e.measured());
  EXPECT_DOUBLE_EQ(e.rate(kT0 + seconds(1)), 1e6);
}

TEST(ThroughputEwma, StartMakesTheFirstBytesCount) {
  ThroughputEwma e;
  e.Start(kT0);
  e.Start(kT0 + seconds(5));  // ignored once started
  e.Update(500000, kT0 + milliseconds(500));
  EXPECT_DOUBLE_EQ(e.rate(kT0 + milliseconds(500)), 1e6);
}

TEST(ThroughputEwma, SameTimeSamplesAreHeldForTheNextInterval) {
  ThroughputEwma e;
  e.Start(kT0);
  e.Update(300000, kT0 + seconds(1));
  e.Update(200000, kT0 + seconds(1));  // no time passed: held over
  EXPECT_DOUBLE_EQ(e.rate(kT0 + seconds(1)), 3e5);
  e.Update(0, kT0 + seconds(2));
  // Two one-second intervals of 300 KB and 200 KB: between the two rates.
  const double r = e.rate(kT0 + seconds(2));
  EXPECT_GT(r, 2e5);
  EXPECT_LT(r, 3e5);
}

TEST(ThroughputEwma, ConvergesToASteadyRateWhateverTheSamplingPeriod) {
  ThroughputEwma fine;
  ThroughputEwma coarse;
  fine.Start(kT0);
  coarse.Start(kT0);
  Stream(fine, 2 * kMB, kT0, seconds(10));
  for (int i = 1; i <= 20; ++i) coarse.Update(1000000, kT0 + milliseconds(500 * i));
  EXPECT_NEAR(fine.rate(kT0 + seconds(10)), 2 * kMB, 0.01 * kMB);
  EXPECT_NEAR(coarse.rate(kT0 + seconds(10)), 2 * kMB, 0.01 * kMB);
}

TEST(ThroughputEwma, FollowsAStepHalfwayInOneHalfLife) {
  ThroughputEwma e(seconds(2));
  e.Start(kT0);
  Stream(e, 1 * kMB, kT0, seconds(30));
  Stream(e, 3 * kMB, kT0 + seconds(30), seconds(2));
  EXPECT_NEAR(e.rate(kT0 + seconds(32)), 2 * kMB, 0.02 * kMB);
  Stream(e, 3 * kMB, kT0 + seconds(32), seconds(2));
  EXPECT_NEAR(e.rate(kT0 + seconds(34)), 2.5 * kMB, 0.02 * kMB);
}

TEST(ThroughputEwma, DecaysTowardZeroWhenSilent) {
  ThroughputEwma e(seconds(2));
  e.Start(kT0);
  Stream(e, 1 * kMB, kT0, seconds(30));
  EXPECT_NEAR(e.rate(kT0 + seconds(32)), 0.5 * kMB, 0.01 * kMB);
  EXPECT_NEAR(e.rate(kT0 + seconds(34)), 0.25 * kMB, 0.01 * kMB);
  EXPECT_LT(e.rate(kT0 + seconds(60)), 0.001 * kMB);
  // rate() does not change the estimator: bytes arriving now count fully.
  e.Update(1000000, kT0 + seconds(31));
  EXPECT_GT(e.rate(kT0 + seconds(31)), 0.7 * kMB);
}

// ---------------------------------------------------------------------------
// SourceScores

/// Sources fed with constant rates (bytes/s) in 100 ms samples over [0, 5 s).
SourceScores Measured(const std::vector<double>& rates) {
  SourceScores scores(rates.size());
  for (int tick = 0; tick <= 50; ++tick) {
    for (std::size_t s = 0; s < rates.size(); ++s) {
      scores.AddBytes(s, static_cast<std::uint64_t>(rates[s] / 10), kT0 + milliseconds(100 * tick));
    }
  }
  return scores;
}
const Clock::time_point kNow = kT0 + seconds(5);

TEST(SourceScores, FastBeatsSlow) {
  const SourceScores scores = Measured({1 * kMB, 10 * kMB});
  EXPECT_NEAR(scores.Rate(1, kNow), 10 * kMB, 0.01 * kMB);
  EXPECT_EQ(scores.Pick(kNow, {1, 1}, 8), 1u);
  EXPECT_EQ(scores.Pick(kNow, {0, 0}, 8), 1u);
}

TEST(SourceScores, ComparesPerConnection) {
  // 10 MB/s over 8 connections is 1.25 MB/s each; 2 MB/s over 1 beats it.
  const SourceScores scores = Measured({10 * kMB, 2 * kMB});
  EXPECT_EQ(scores.Pick(kNow, {8, 1}, 16), 1u);
  EXPECT_EQ(scores.Pick(kNow, {4, 1}, 16), 0u);
}

TEST(SourceScores, UnmeasuredSourceGetsOneTry) {
  SourceScores scores(3);
  for (int tick = 0; tick <= 50; ++tick) scores.AddBytes(0, 1000000, kT0 + milliseconds(100 * tick));
  // Sources 1 and 2 were never measured: each gets one transfer, lowest first.
  EXPECT_EQ(scores.Pick(kNow, {1, 0, 0}, 8), 1u);
  EXPECT_EQ(scores.Pick(kNow, {1, 1, 0}, 8), 2u);
  // Both are being tried: no second transfer before their measurements.
  EXPECT_EQ(scores.Pick(kNow, {1, 1, 1}, 8), 0u);
  EXPECT_EQ(scores.Pick(kNow, {5, 1, 1}, 8), 0u);
}

TEST(SourceScores, AtTheStartConnectionsSpreadEvenly) {
  const SourceScores scores(2);
  EXPECT_EQ(scores.Pick(kT0, {0, 0}, 4), 0u);
  EXPECT_EQ(scores.Pick(kT0, {1, 0}, 4), 1u);
  EXPECT_EQ(scores.Pick(kT0, {1, 1}, 4), 0u);
  EXPECT_EQ(scores.Pick(kT0, {2, 1}, 4), 1u);
  EXPECT_EQ(scores.Pick(kT0, {4, 4}, 4), std::nullopt);
}

TEST(SourceScores, RespectsThePerSourceCap) {
  const SourceScores scores = Measured({10 * kMB, 1 * kMB});
  EXPECT_EQ(scores.Pick(kNow, {3, 3}, 4), 0u);
  EXPECT_EQ(scores.Pick(kNow, {4, 3}, 4), 1u);
  EXPECT_EQ(scores.Pick(kNow, {4, 4}, 4), std::nullopt);
  EXPECT_EQ(scores.Pick(kNow, {400, 400}, 0), 0u);  // 0: no cap
}

TEST(SourceScores, PenaltyExpires) {
  SourceScores scores = Measured({10 * kMB, 1 * kMB});
  scores.Penalize(0, kNow + seconds(5));
  scores.Penalize(0, kNow + seconds(1));  // does not shorten the first
  EXPECT_TRUE(scores.Penalized(0, kNow));
  EXPECT_EQ(scores.Pick(kNow, {0, 0}, 4), 1u);
  EXPECT_EQ(scores.Pick(kNow + seconds(3), {0, 0}, 4), 1u);
  EXPECT_FALSE(scores.Penalized(0, kNow + seconds(5)));
  // At the end of the penalty source 0 is back: its score decayed over the
  // idle 5 s, but so did source 1's, by the same factor.
  EXPECT_EQ(scores.Pick(kNow + seconds(5), {0, 0}, 4), 0u);
}

TEST(SourceScores, RemovedIsNeverPicked) {
  SourceScores scores = Measured({10 * kMB, 1 * kMB});
  scores.Remove(0);
  EXPECT_TRUE(scores.Removed(0));
  EXPECT_EQ(scores.Pick(kNow, {0, 0}, 4), 1u);
  EXPECT_EQ(scores.Pick(kNow, {0, 4}, 4), std::nullopt);
  EXPECT_EQ(scores.Pick(kNow + seconds(3600), {0, 0}, 4), 1u);

  SourceScores fresh(2);
  fresh.Remove(0);
  EXPECT_EQ(fresh.Pick(kT0, {0, 0}, 4), 1u);
  EXPECT_EQ(fresh.Pick(kT0, {0, 1}, 4), 1u);
}

TEST(SourceScores, AllPenalizedGivesNothing) {
  SourceScores scores = Measured({10 * kMB, 1 * kMB, 0});
  for (std::size_t s = 0; s < scores.size(); ++s) scores.Penalize(s, kNow + seconds(2));
  EXPECT_EQ(scores.Pick(kNow, {0, 0, 0}, 4), std::nullopt);
  EXPECT_EQ(scores.Pick(kNow + seconds(2), {0, 0, 0}, 4), 0u);
}

TEST(SourceScores, SlowMeansBelowAFractionOfTheBestPerConnection) {
  SourceScores scores = Measured({10 * kMB, 2 * kMB, 6 * kMB});
  const std::vector<int> one_each = {1, 1, 1};
  EXPECT_FALSE(scores.IsSlow(0, kNow, 0.5, one_each));
  EXPECT_TRUE(scores.IsSlow(1, kNow, 0.5, one_each));
  EXPECT_FALSE(scores.IsSlow(2, kNow, 0.5, one_each));
  // Per connection: 10 MB/s over 5 is 2 MB/s each, the same as source 1.
  EXPECT_FALSE(scores.IsSlow(1, kNow, 0.5, {5, 1, 4}));
  // The best in rotation is the yardstick: penalize 0 and 1 is compared to 2.
  scores.Penalize(0, kNow + seconds(1));
  EXPECT_FALSE(scores.IsSlow(1, kNow, 0.3, one_each));
  EXPECT_TRUE(scores.IsSlow(1, kNow, 0.5, one_each));
}

TEST(SourceScores, UnmeasuredOrRemovedIsNeverSlow) {
  SourceScores scores(2);
  EXPECT_FALSE(scores.IsSlow(0, kT0, 0.5, {1, 1}));
  scores = Measured({10 * kMB, 1 * kMB});
  scores.Remove(1);
  EXPECT_FALSE(scores.IsSlow(1, kNow, 0.5, {1, 1}));
}

}  // namespace
}  // namespace haul::scheduling
