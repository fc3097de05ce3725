// PickStraggler on constructed samples: each rule of the header's table,
// its boundaries, and the choice when several transfers qualify.
#include "scheduling/straggler_policy.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <ostream>
#include <vector>

namespace haul::scheduling {

// Lets GoogleTest print decisions in failure messages.
static void PrintTo(const StragglerDecision& d, std::ostream* os) {
  *os << "{id " << d.id << ", " << (d.action == StragglerAction::kSplit ? "split" : "hedge")
      << "}";
}

namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::uint64_t kMiB = 1024 * 1024;
constexpr double kMB = 1e6;
const Clock::time_point kNow = Clock::time_point{} + seconds(100);

/// A healthy transfer: 1 MB/s, a byte just now, 100 MiB left.
TransferSample Healthy(std::uint64_t id) { return {id, 1 * kMB, kNow, 100 * kMiB, false}; }

TransferSample Slow(std::uint64_t id, double rate, std::uint64_t remaining) {
  return {id, rate, kNow - milliseconds(100), remaining, false};
}

TransferSample Silent(std::uint64_t id, Clock::duration for_how_long, std::uint64_t remaining) {
  return {id, 1 * kMB, kNow - for_how_long, remaining, false};
}

StragglerDecision Split(std::uint64_t id) { return {id, StragglerAction::kSplit}; }
StragglerDecision Hedge(std::uint64_t id) { return {id, StragglerAction::kHedge}; }

TEST(PickStraggler, NothingToDoWhenAllAreHealthy) {
  EXPECT_EQ(PickStraggler({}, kNow), std::nullopt);
  EXPECT_EQ(PickStraggler({Healthy(1)}, kNow), std::nullopt);
  EXPECT_EQ(PickStraggler({Healthy(1), Healthy(2), Healthy(3)}, kNow), std::nullopt);
}

TEST(PickStraggler, SlowWithALargeRemainderIsSplit) {
  EXPECT_EQ(PickStraggler({Healthy(1), Healthy(2), Slow(3, 0.2 * kMB, 50 * kMiB)}, kNow),
            Split(3));
}

TEST(PickStraggler, SlowWithASmallRemainderIsHedged) {
  // Between min_remaining (256 KiB) and min_split (2 MiB).
  EXPECT_EQ(PickStraggler({Healthy(1), Healthy(2), Slow(3, 0.2 * kMB, kMiB)}, kNow), Hedge(3));
  EXPECT_EQ(PickStraggler({Healthy(1), Healthy(2), Slow(3, 0.2 * kMB, 2 * kMiB - 1)}, kNow),
            Hedge(3));
  EXPECT_EQ(PickStraggler({Healthy(1), Healthy(2), Slow(3, 0.2 * kMB, 2 * kMiB)}, kNow),
            Split(3));
}

TEST(PickStraggler, SlowWithATinyRemainderIsLeftAlone) {
  EXPECT_EQ(PickStraggler({Healthy(1), Healthy(2), Slow(3, 0.2 * kMB, 256 * 1024 - 1)}, kNow),
            std::nullopt);
  EXPECT_EQ(PickStraggler({Healthy(1), Healthy(2), Slow(3, 0.2 * kMB, 256 * 1024)}, kNow),
            Hedge(3));
}

TEST(PickStraggler, SlowIsStrictlyBelowTheFactorTimesTheMedian) {
  // Median of {1, 1, 0.3} MB/s is 1 MB/s; 0.3 MB/s is not below 0.3 of it.
  EXPECT_EQ(PickStraggler({Healthy(1), Healthy(2), Slow(3, 0.3 * kMB, 50 * kMiB)}, kNow),
            std::nullopt);
  EXPECT_EQ(PickStraggler({Healthy(1), Healthy(2), Slow(3, 0.29 * kMB, 50 * kMiB)}, kNow),
            Split(3));
}

TEST(PickStraggler, SilentIsHedgedWhateverIsLeft) {
  EXPECT_EQ(PickStraggler({Healthy(1), Silent(2, seconds(3), 100 * kMiB)}, kNow), Hedge(2));
  EXPECT_EQ(PickStraggler({Healthy(1), Silent(2, seconds(3), 1)}, kNow), Hedge(2));
  EXPECT_EQ(PickStraggler({Healthy(1), Silent(2, seconds(3) - milliseconds(1), 100 * kMiB)}, kNow),
            std::nullopt);
  // Nothing left: nothing to fetch again.
  EXPECT_EQ(PickStraggler({Healthy(1), Silent(2, seconds(30), 0)}, kNow), std::nullopt);
}

TEST(PickStraggler, SilenceNeedsNoMedian) {
  EXPECT_EQ(PickStraggler({Silent(7, seconds(10), kMiB)}, kNow), Hedge(7));
  // A transfer that never received a byte reports its start as last_byte.
  EXPECT_EQ(PickStraggler({{7, 0, kNow - seconds(4), kMiB, false}}, kNow), Hedge(7));
}

TEST(PickStraggler, SlownessNeedsTwoMeasuredRates) {
  // One sample cannot be slower than its peers.
  EXPECT_EQ(PickStraggler({Slow(1, 1, 50 * kMiB)}, kNow), std::nullopt);
  // Unmeasured (rate 0) and paused peers do not count for the median.
  const TransferSample young{2, 0, kNow, 100 * kMiB, false};
  TransferSample paused = Healthy(3);
  paused.paused = true;
  EXPECT_EQ(PickStraggler({Slow(1, 1, 50 * kMiB), young, paused}, kNow), std::nullopt);
  // Two: the median is their mean, 0.55 MB/s; 0.1 MB/s is below 0.3 of it.
  EXPECT_EQ(PickStraggler({Healthy(1), Slow(2, 0.1 * kMB, 50 * kMiB)}, kNow), Split(2));
}

TEST(PickStraggler, UnmeasuredIsNotSlow) {
  const TransferSample young{3, 0, kNow - seconds(1), 100 * kMiB, false};
  EXPECT_EQ(PickStraggler({Healthy(1), Healthy(2), young}, kNow), std::nullopt);
}

TEST(PickStraggler, PausedIsNeverActedOn) {
  TransferSample stalled = Silent(3, seconds(60), 100 * kMiB);
  stalled.paused = true;
  TransferSample slow = Slow(4, 1, 100 * kMiB);
  slow.paused = true;
  EXPECT_EQ(PickStraggler({Healthy(1), Healthy(2), stalled, slow}, kNow), std::nullopt);
}

TEST(PickStraggler, PausedRatesStayOutOfTheMedian) {
  // With the paused 0.01 MB/s ones counted the median would be 0.01 MB/s
  // and nothing would look slow.
  std::vector<TransferSample> samples;
  for (std::uint64_t id = 10; id < 15; ++id) {
    TransferSample p = Slow(id, 0.01 * kMB, 100 * kMiB);
    p.paused = true;
    samples.push_back(p);
  }
  samples.push_back(Healthy(1));
  samples.push_back(Healthy(2));
  samples.push_back(Slow(3, 0.1 * kMB, 50 * kMiB));
  EXPECT_EQ(PickStraggler(samples, kNow), Split(3));
}

TEST(PickStraggler, OneActionPerCallSilentFirst) {
  const std::vector<TransferSample> samples = {
      Healthy(1), Healthy(2), Healthy(3), Slow(4, 0.1 * kMB, 50 * kMiB),
      Silent(5, seconds(4), kMiB), Silent(6, seconds(9), kMiB)};
  // The one silent longest, then the other, then the slow one, as the
  // engine acts and leaves each out of the next call.
  EXPECT_EQ(PickStraggler(samples, kNow), Hedge(6));
  std::vector<TransferSample> rest(samples.begin(), samples.end() - 1);
  EXPECT_EQ(PickStraggler(rest, kNow), Hedge(5));
  rest.pop_back();
  EXPECT_EQ(PickStraggler(rest, kNow), Split(4));
}

TEST(PickStraggler, EqualSilenceGoesToTheLargerRemainder) {
  EXPECT_EQ(PickStraggler({Silent(1, seconds(5), kMiB), Silent(2, seconds(5), 3 * kMiB),
                           Silent(3, seconds(5), 3 * kMiB)},
                          kNow),
            Hedge(2));
}

TEST(PickStraggler, AmongSlowOnesTheLongestToFinish) {
  // 40 MiB at 0.2 MB/s (210 s) outlasts 10 MiB at 0.1 MB/s (105 s).
  EXPECT_EQ(PickStraggler({Healthy(1), Healthy(2), Healthy(3), Slow(4, 0.1 * kMB, 10 * kMiB),
                           Slow(5, 0.2 * kMB, 40 * kMiB)},
                          kNow),
            Split(5));
}

TEST(PickStraggler, ZeroTurnsEachCheckOff) {
  StragglerOptions no_silence;
  no_silence.silence = Clock::duration::zero();
  EXPECT_EQ(PickStraggler({Healthy(1), Silent(2, seconds(60), kMiB)}, kNow, no_silence),
            std::nullopt);
  StragglerOptions no_slow;
  no_slow.slow_factor = 0;
  EXPECT_EQ(PickStraggler({Healthy(1), Healthy(2), Slow(3, 1, 50 * kMiB)}, kNow, no_slow),
            std::nullopt);
}

TEST(PickStraggler, OptionsAreHonoured) {
  StragglerOptions o;
  o.slow_factor = 0.5;
  o.silence = seconds(10);
  o.min_remaining = 1;
  o.min_split = 100 * kMiB;
  const std::vector<TransferSample> samples = {Healthy(1), Healthy(2),
                                               Silent(3, seconds(5), 50 * kMiB)};
  // Not silent under a 10 s rule, and its 1 MB/s is not slow either.
  EXPECT_EQ(PickStraggler(samples, kNow, o), std::nullopt);
  // 0.4 MB/s is below half the median; 50 MiB is below the split size.
  EXPECT_EQ(PickStraggler({Healthy(1), Healthy(2), Slow(3, 0.4 * kMB, 50 * kMiB)}, kNow, o),
            Hedge(3));
}

}  // namespace
}  // namespace haul::scheduling
