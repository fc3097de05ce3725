// Throughput scoring: a smoothed bytes-per-second estimate (ThroughputEwma),
// used per connection and per source, and the choice of source (mirror) for
// the next chunk of a download with several (SourceScores). Pure logic: the
// engine reports bytes with the time it saw them.
//
// ThroughputEwma is an exponentially weighted moving average over time, not
// over samples: each interval between two samples weighs in proportion to
// its length, so the estimate does not depend on how often the engine
// samples (every write callback or every half second). With half-life h, an
// interval of dt seconds that carried b bytes moves the estimate toward
// b / dt by a fraction 1 - 2^(-dt / h). A step change of the true rate is
// thus half followed after h and 3/4 after 2h.
//
// The average is debiased: it starts at 0 with weight 0 and reports
// value / weight, where the weight grows toward 1 like the value would for a
// constant rate of 1. So the first interval's estimate is exactly its bytes
// divided by its length, not a fraction of it.
//
//   half-life 2 s, samples (0 B, t=0) (1 MB, t=1s) (1 MB, t=2s) ...
//   rate = 0 (no interval yet), then 1 MB/s, then 1 MB/s ...
//   no sample after t=10s: rate(12s) ~ 0.49 MB/s, rate(14s) ~ 0.24 MB/s
//   (not exactly 1/2 and 1/4: the weight, still 0.97 at t=10s, grows too)
//
// rate(now) treats the time since the last sample as an interval without
// bytes, so a source or connection that goes silent loses its standing.
//
// Thread safety: not thread-safe; the engine uses both classes on the loop
// thread only.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "scheduling/clock.h"

namespace haul::scheduling {

/// The half-life of throughput estimates. Long enough to smooth TCP's
/// sawtooth and libcurl's block-sized deliveries, short enough that a
/// mirror which slows down loses three quarters of its lead within 4 s,
/// about the time a straggler check acts on (see straggler_policy.h).
inline constexpr Clock::duration kDefaultHalfLife = std::chrono::seconds(2);

/// A smoothed bytes-per-second estimate; see the file comment.
class ThroughputEwma {
 public:
  /// An estimator with the given half-life; a half-life <= 0 counts as one
  /// clock tick (no smoothing: the last interval's rate).
  explicit ThroughputEwma(Clock::duration half_life = kDefaultHalfLife);

  /// Opens the first interval at `now` (e.g. when the request is sent), so
  /// that the bytes of the first Update count. Without it the first Update
  /// opens the interval and its bytes, which arrived during an interval of
  /// unknown length, are not counted. Does nothing once started.
  void Start(Clock::time_point now);

  /// `bytes` arrived since the previous sample, the latest of them at
  /// `now`. Closes the interval since the previous sample; bytes reported
  /// at the same time as the previous sample (or earlier) are held over to
  /// the next interval.
  void Update(std::uint64_t bytes, Clock::time_point now);

  /// The estimate at `now`, in bytes per second: 0 until an interval has
  /// closed; after that the estimate as if an Update(0, now) closed the
  /// interval since the last sample (bytes held over included). Does not
  /// change the estimator.
  double rate(Clock::time_point now) const;

  /// True once an interval has closed (two samples at different times, or
  /// Start and a later Update).
  bool measured() const { return weight_ > 0; }

 private:
  /// The (value, weight) pair after closing an interval that ends at `now`
  /// and carried `bytes`.
  struct Average {
    double value;
    double weight;
  };
  Average Closed(std::uint64_t bytes, Clock::time_point now) const;

  double half_life_seconds_;              // > 0
  std::optional<Clock::time_point> last_;  // end of the last interval; unset before Start
  std::uint64_t pending_ = 0;             // bytes not yet in a closed interval
  double value_ = 0;                      // weighted sum of interval rates
  double weight_ = 0;                     // sum of the weights; 0 = unmeasured
};

/// Throughput of each source of one download and the choice of source for
/// its next chunk. Sources are numbered 0 .. size() - 1.
///
/// A source is in one of three states: in rotation; penalized until a time
/// (after 429, 503 or a retryable error), when it comes back by itself; or
/// removed for good (it failed for good or disagreed with the others).
///
/// Scores compare sources per connection: a mirror that moves 10 MB/s over
/// 8 connections gives a new connection less than one that moves 4 MB/s
/// over 1. The per-connection rate of source s is
///   rate_s(now) / max(active_s, 1)
/// with active_s the caller's count of transfers on s now. A source with no
/// transfer counts as one, so its recent aggregate rate (which decays once
/// its transfers end) stands for what a new connection could get.
class SourceScores {
 public:
  /// `sources` sources in rotation, none measured yet.
  explicit SourceScores(std::size_t sources, Clock::duration half_life = kDefaultHalfLife);

  /// `bytes` arrived from `source` (over all its connections) by `now`.
  /// Precondition (asserted): source < size().
  void AddBytes(std::size_t source, std::uint64_t bytes, Clock::time_point now);

  /// Takes `source` out of rotation until `until`; it is eligible again from
  /// `until` on. A penalty never shortens an earlier, longer one.
  /// Precondition (asserted): source < size().
  void Penalize(std::size_t source, Clock::time_point until);

  /// Takes `source` out of rotation for good. Precondition (asserted):
  /// source < size().
  void Remove(std::size_t source);

  /// The source for the next chunk, or nullopt when none is eligible.
  ///
  /// Eligible: not removed, not penalized at `now`, and fewer than
  /// `max_per_source` transfers (max_per_source <= 0: no cap). Among those:
  ///  1. exploration: the lowest eligible source that is unmeasured and has
  ///     no transfer gets one (each source gets one try before it is judged);
  ///  2. otherwise the measured source with the highest per-connection rate
  ///     (ties: lowest index). An unmeasured source that already has a
  ///     transfer waits for its measurement and gets no second one;
  ///  3. only when no eligible source is measured (the start of a download):
  ///     the unmeasured source with the fewest transfers (ties: lowest
  ///     index), so connections spread evenly until measurements arrive.
  /// Precondition (asserted): active_per_source.size() == size().
  std::optional<std::size_t> Pick(Clock::time_point now,
                                  const std::vector<int>& active_per_source,
                                  int max_per_source) const;

  /// True when `source`'s per-connection rate is below `factor` times the
  /// best per-connection rate among measured sources in rotation (neither
  /// removed nor penalized at `now`; the source itself included). False for
  /// an unmeasured or removed source and when there is nothing to compare.
  /// Preconditions (asserted): source < size() and
  /// active_per_source.size() == size().
  bool IsSlow(std::size_t source, Clock::time_point now, double factor,
              const std::vector<int>& active_per_source) const;

  /// The source's smoothed aggregate rate at `now` (bytes per second).
  double Rate(std::size_t source, Clock::time_point now) const;
  /// True when the source has been measured (see ThroughputEwma::measured).
  bool Measured(std::size_t source) const;
  /// True when the source was removed.
  bool Removed(std::size_t source) const;
  /// True when the source is penalized at `now`.
  bool Penalized(std::size_t source, Clock::time_point now) const;
  /// Number of sources.
  std::size_t size() const { return sources_.size(); }

 private:
  struct Source {
    ThroughputEwma throughput;
    std::optional<Clock::time_point> penalized_until;
    bool removed = false;
  };

  /// Not removed and not penalized at `now`.
  bool InRotation(std::size_t source, Clock::time_point now) const;
  /// rate / max(active, 1); see the class comment.
  double PerConnection(std::size_t source, Clock::time_point now, int active) const;
  /// Step 3 of Pick: the unmeasured eligible source with the fewest transfers.
  std::optional<std::size_t> LeastBusy(Clock::time_point now, const std::vector<int>& active,
                                       int max_per_source) const;
  /// In rotation and below the cap.
  bool Eligible(std::size_t source, Clock::time_point now, int active, int max_per_source) const;

  std::vector<Source> sources_;
};

}  // namespace haul::scheduling
