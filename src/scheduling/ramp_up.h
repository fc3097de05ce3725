// How many connections one download should use: start with a few, double
// while doubling pays, stop when it does not, and halve when the server says
// it is overloaded. Pure logic: the engine feeds the download's aggregate
// throughput every half second or so and opens or closes transfers to
// follow target().
//
// The policy, sample by sample (samples with rate <= 0 or NaN say nothing
// about the benefit of connections and are ignored):
//  - The first sample (and the first after a backoff hold) sets the
//    baseline, the rate the current connections achieve, and doubles the
//    target at once as a probe: a rise can only show after connections
//    were added (a server that caps each connection gives a flat rate
//    until then).
//  - While growing, a sample above baseline * (1 + gain) is a gain: the
//    target doubles (capped at max) and the baseline becomes this sample.
//    At max, a gain changes nothing.
//  - Any other sample is flat. Gains are measured against the baseline, not
//    the previous sample, so a slow rise still counts once it adds up to
//    `gain`. After `plateau_samples` flat samples in a row (2: the new
//    connections get one extra interval to get past slow start) growth
//    stops: the target holds until a backoff.
//  - OnBackoff (a 429 or 503) halves the target (at least 1) and holds it
//    for `hold`; samples during the hold are ignored. After the hold growth
//    resumes from a fresh baseline. Backoffs during a hold do not halve
//    again: the responses of one overload arrive together, and one cut per
//    episode is TCP's rule too. One after the hold halves again.
// The target never shrinks except on backoff, so the connections the
// engine has open are never taken away because throughput dipped.
//
//   initial 4, max 16, gain 10%: rates 10 (probe: 8), 20 (gain: 16, max)
//   initial 4, max 16: rates 10 (probe: 8), 10.5 (flat), 10.2 (flat: holds at 8)
//
// Thread safety: not thread-safe; the engine uses it on the loop thread only.
#pragma once

#include <chrono>
#include <optional>

#include "scheduling/clock.h"

namespace haul::scheduling {

/// The parameters of RampUp, with their defaults.
struct RampUpOptions {
  /// Connections to start with. 4: enough to beat a per-connection limit or
  /// a lossy path at once, few enough to be polite to a server that gains
  /// nothing from more. Clamped to [1, max].
  int initial = 4;
  /// The most connections (-x, connections_per_download). At least 1.
  int max = 8;
  /// The least relative rise that counts as a gain. 0.1: the aggregate rate
  /// over half a second varies by a few percent on its own; a doubling that
  /// buys less than 10% is not worth its connections.
  double gain = 0.10;
  /// Flat samples in a row that stop growth. 2; at least 1.
  int plateau_samples = 2;
  /// How long a backoff holds the halved target. 10 s: longer than the
  /// typical rate-limit window of a server (often one to a few seconds), so
  /// growth does not walk straight back into the next 429.
  Clock::duration hold = std::chrono::seconds(10);
};

/// The connection target of one download; see the file comment.
class RampUp {
 public:
  explicit RampUp(const RampUpOptions& options = {});

  /// The download's aggregate throughput (bytes per second) at `now`.
  void OnSample(double aggregate_rate, Clock::time_point now);
  /// The server said it is overloaded (429, 503) at `now`.
  void OnBackoff(Clock::time_point now);

  /// Connections the download should have.
  int target() const { return target_; }
  /// False once a plateau stopped growth (until the next backoff's hold
  /// ends) and during a hold.
  bool growing() const { return growing_; }

 private:
  /// A sample while growing and not holding.
  void Grow(double rate);
  void Double();

  RampUpOptions options_;  // normalized: 1 <= initial <= max, plateau >= 1
  int target_;
  bool growing_ = true;
  std::optional<double> baseline_;                // rate at the last step
  int flat_ = 0;                                  // flat samples in a row
  std::optional<Clock::time_point> hold_until_;  // set by a backoff
};

}  // namespace haul::scheduling
