// A token bucket for byte-rate limits: one shared bucket for
// --max-overall-speed and one per transfer for --max-speed. Pure logic: time
// is passed in, nothing sleeps.
//
// The bucket holds up to `burst` tokens (bytes) and gains `rate` tokens per
// second. It refills lazily: each call first adds rate * (now - last call),
// capped at burst. It starts full.
//
// A transfer cannot take part of a block: libcurl hands over a whole buffer
// and the write callback either takes it or pauses the transfer
// (CURL_WRITEFUNC_PAUSE, after which libcurl delivers the same buffer again).
// So Consume may take more than the bucket holds and leave it in debt
// (negative tokens). The debt is repaid by the refill before anyone can take
// again, which keeps the long-run rate exact, and a block larger than the
// burst does not stall forever: WaitFor asks for at most a full bucket.
//
//   rate 1 MiB/s, burst 100 KiB, a 128 KiB block at t = 0:
//   WaitFor(128 KiB) = 0 (bucket full), Consume -> tokens = -28 KiB
//   WaitFor(16 KiB)  = 44 KiB / (1 MiB/s) = 43 ms
//
// Over any interval [0, t] a caller that takes only when WaitFor says 0 moves
// at most burst + rate * t + (its largest block) bytes; the tests check that
// 10 s of random blocks of up to 128 KiB stay within 5% of the rate.
//
// Rate 0 (or negative, or NaN) means unlimited: Available is the maximum,
// WaitFor is zero and Consume does nothing.
//
// Time must not go backwards: a `now` before the previous call's is taken as
// that call's time (no refill, no harm).
//
// Thread safety: not thread-safe; the engine uses its buckets on the loop
// thread only.
#pragma once

#include <cstdint>

#include "scheduling/clock.h"

namespace haul::scheduling {

/// The burst for a limit of `bytes_per_second`: max(64 KiB, rate / 10).
///
/// Why: the burst is the error of a rate limit. Over a window of T seconds a
/// bucket lets through at most burst + rate * T bytes (plus one block of
/// debt), so the burst must be small against rate * T for the limit to hold
/// within 5% over 10 s. A tenth of a second of traffic costs 1% over 10 s.
/// The floor of 64 KiB is four of libcurl's default write blocks
/// (CURL_MAX_WRITE_SIZE, 16 KiB), so that a slow limit does not pause a
/// transfer for every block it receives. With the floor, the 5% promise
/// holds from about 400 KiB/s with blocks of up to 128 KiB; below that the
/// block size, not the bucket, sets the precision. Unlimited (rate <= 0)
/// gives the floor.
double DefaultBurst(double bytes_per_second);

/// A byte-rate limit; see the file comment.
class TokenBucket {
 public:
  /// A full bucket limiting to `bytes_per_second` (<= 0: unlimited) with
  /// room for `burst_bytes`. burst_bytes <= 0 (or NaN) means "automatic":
  /// DefaultBurst(rate), recomputed by every SetRate.
  TokenBucket(double bytes_per_second, double burst_bytes, Clock::time_point now);

  /// Whole tokens in the bucket after refilling to `now`: 0 while in debt,
  /// the maximum of std::uint64_t when unlimited.
  std::uint64_t Available(Clock::time_point now);

  /// Takes `n` tokens at `now`, whether or not the bucket holds them; what
  /// it does not hold becomes debt. Does nothing when unlimited.
  void Consume(std::uint64_t n, Clock::time_point now);

  /// How long from `now` until a block of `n` bytes may be taken: until the
  /// bucket holds min(n, burst) tokens. Zero when it holds them now or when
  /// unlimited. Rounded up to the clock's tick, so after waiting it,
  /// WaitFor(n, now + wait) is zero. Saturates at Clock::duration::max()
  /// for absurdly small rates (callers must not add that to a time_point).
  Clock::duration WaitFor(std::uint64_t n, Clock::time_point now);

  /// Changes the rate from `now` on: the time before `now` refills at the
  /// old rate. An automatic burst follows the new rate and the tokens are
  /// clipped to it. Going unlimited forgives any debt; going limited from
  /// unlimited starts with a full bucket.
  void SetRate(double bytes_per_second, Clock::time_point now);

  /// Bytes per second; 0 when unlimited.
  double rate() const { return rate_; }
  /// Most tokens the bucket holds.
  double burst() const { return burst_; }
  /// True when rate() is 0.
  bool unlimited() const { return rate_ == 0; }

 private:
  /// Adds the tokens earned since last_ and moves last_ to `now`.
  void Refill(Clock::time_point now);

  double rate_;              // bytes per second, 0 = unlimited
  bool auto_burst_;          // burst_ follows DefaultBurst(rate_)
  double burst_;             // > 0
  double tokens_;            // <= burst_; negative = debt
  Clock::time_point last_;   // time of the last refill
};

}  // namespace haul::scheduling
