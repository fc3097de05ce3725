// RampUp fed with scripted aggregate rates every half second of fake time:
// growth to max, plateaus, backoff and the hold after it.
#include "scheduling/ramp_up.h"

#include <gtest/gtest.h>

#include <chrono>
#include <limits>
#include <vector>

namespace haul::scheduling {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const Clock::time_point kT0{};

/// Feeds `rates` at 500 ms steps starting at `*now`, advancing `*now`, and
/// returns the target after each sample.
std::vector<int> Feed(RampUp& r, const std::vector<double>& rates, Clock::time_point* now) {
  std::vector<int> targets;
  for (double rate : rates) {
    r.OnSample(rate, *now);
    targets.push_back(r.target());
    *now += milliseconds(500);
  }
  return targets;
}

RampUpOptions Options(int initial, int max) {
  RampUpOptions o;
  o.initial = initial;
  o.max = max;
  return o;
}

TEST(RampUp, StartsAtInitialClampedToMax) {
  EXPECT_EQ(RampUp(Options(4, 16)).target(), 4);
  EXPECT_EQ(RampUp(Options(4, 2)).target(), 2);
  EXPECT_EQ(RampUp(Options(0, 16)).target(), 1);
  EXPECT_EQ(RampUp(Options(4, 0)).target(), 1);
  EXPECT_EQ(RampUp().target(), 4);
}

TEST(RampUp, RisingThroughputReachesMax) {
  // 10 sets the baseline and probes with 8; 12 is a gain (16).
  RampUp r(Options(4, 16));
  Clock::time_point now = kT0;
  EXPECT_EQ(Feed(r, {10, 12, 14}, &now), (std::vector<int>{8, 16, 16}));
  // At max, further gains change nothing.
  EXPECT_EQ(Feed(r, {20, 40}, &now), (std::vector<int>{16, 16}));
}

TEST(RampUp, DoublingIsCappedAtMax) {
  RampUp r(Options(3, 10));
  Clock::time_point now = kT0;
  EXPECT_EQ(Feed(r, {1, 2, 4, 8}, &now), (std::vector<int>{6, 10, 10, 10}));
}

TEST(RampUp, PlateauHolds) {
  // The header's example: the probe to 8 did not pay (10.5 and 10.2 are
  // within 10% of 10), so growth stops there.
  RampUp r(Options(4, 16));
  Clock::time_point now = kT0;
  EXPECT_EQ(Feed(r, {10, 10.5, 10.2}, &now), (std::vector<int>{8, 8, 8}));
  EXPECT_FALSE(r.growing());
  // Growth has stopped for good: a later rise changes nothing.
  EXPECT_EQ(Feed(r, {50, 100}, &now), (std::vector<int>{8, 8}));
}

TEST(RampUp, OneFlatSampleIsForgivenAndGainsAddUp) {
  // New connections may need an extra interval: 10 -> 10.6 (flat) -> 11.5
  // is 15% over the baseline, a gain, which also resets the flat count.
  RampUp r(Options(2, 16));
  Clock::time_point now = kT0;
  EXPECT_EQ(Feed(r, {10, 10.6, 11.5, 11.8, 13}, &now), (std::vector<int>{4, 4, 8, 8, 16}));
  EXPECT_TRUE(r.growing());
}

TEST(RampUp, ZeroSamplesSayNothing) {
  // While the first connections handshake the rate is 0: no plateau.
  RampUp r(Options(4, 16));
  Clock::time_point now = kT0;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(Feed(r, {0, 0, nan, -1, 0, 10, 12}, &now),
            (std::vector<int>{4, 4, 4, 4, 4, 8, 16}));
}

TEST(RampUp, BackoffHalvesHoldsThenResumesGrowth) {
  RampUpOptions o = Options(4, 16);
  o.hold = seconds(10);
  RampUp r(o);
  Clock::time_point now = kT0;
  Feed(r, {10, 12, 14}, &now);  // 8 (probe), 16
  ASSERT_EQ(r.target(), 16);

  const Clock::time_point backoff = now;
  r.OnBackoff(backoff);
  EXPECT_EQ(r.target(), 8);
  EXPECT_FALSE(r.growing());
  // Rising samples during the hold are ignored.
  while (now < backoff + seconds(10)) {
    r.OnSample(100, now);
    EXPECT_EQ(r.target(), 8);
    now += milliseconds(500);
  }
  // After the hold: a fresh baseline and a probe, as at the start.
  EXPECT_EQ(Feed(r, {10, 12}, &now), (std::vector<int>{16, 16}));
}

TEST(RampUp, BackoffsOfOneEpisodeHalveOnce) {
  RampUpOptions o = Options(16, 16);
  o.hold = seconds(10);
  RampUp r(o);
  r.OnBackoff(kT0);
  r.OnBackoff(kT0 + milliseconds(10));
  r.OnBackoff(kT0 + seconds(9));
  EXPECT_EQ(r.target(), 8);
  // After the hold a new 429 is a new episode.
  r.OnBackoff(kT0 + seconds(10));
  EXPECT_EQ(r.target(), 4);
}

TEST(RampUp, BackoffNeverGoesBelowOne) {
  RampUp r(Options(2, 16));
  for (int i = 0; i < 5; ++i) r.OnBackoff(kT0 + seconds(20 * i));
  EXPECT_EQ(r.target(), 1);
}

TEST(RampUp, BackoffRestartsGrowthAfterAPlateau) {
  RampUp r(Options(4, 16));
  Clock::time_point now = kT0;
  Feed(r, {10, 10, 10}, &now);  // probe to 8, then a plateau
  ASSERT_FALSE(r.growing());
  r.OnBackoff(now);
  EXPECT_EQ(r.target(), 4);
  now += seconds(10);
  EXPECT_EQ(Feed(r, {5, 6}, &now), (std::vector<int>{8, 16}));
}

}  // namespace
}  // namespace haul::scheduling
