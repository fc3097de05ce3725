// Which running transfer of a download holds it back, and what to do about
// it. Pure logic: the engine describes its transfers, the policy names at
// most one to act on. The engine calls it periodically (e.g. every half
// second); acting on one transfer per call keeps the reaction gradual, and
// the next call sees the effect of the last action.
//
// Two kinds of straggler:
//  - silent: no byte for `silence` (a stalled connection or server). Its
//    remainder is hedged: fetched again on a fresh connection while the old
//    one keeps going; whichever writes a byte first wins it, and the engine
//    stops the other transfer once the range is covered.
//  - slow: still moving but at less than `slow_factor` times the median rate
//    of the download's transfers. A large remainder is split (ChunkPlan's
//    StealLargest-style steal: a fresh connection takes the back half, the
//    slow one keeps the front). A remainder too small to split is hedged.
//
// Precisely, for each sample that is not paused and has remaining > 0:
//   silent  = silence > 0 and now - last_byte >= silence
//   median  = median rate of those samples with rate > 0 (the mean of the
//             two middle ones for an even count); defined only when there
//             are at least 2 such samples
//   slow    = not silent, rate > 0, median defined, slow_factor > 0,
//             rate < slow_factor * median, remaining >= min_remaining
//   action  = kHedge if silent; kSplit if slow and remaining >= min_split;
//             kHedge if slow and remaining < min_split
// If any sample is silent, the one silent longest (earliest last_byte; ties:
// more remaining, then first in the vector) is chosen; otherwise the slow
// one with the longest expected finish, remaining / rate (ties: first in the
// vector); otherwise nothing.
//
// Why these rules:
//  - Paused transfers (rate limit, full write queue) are slow by our own
//    choice, not the server's: never acted on, and their rates stay out of
//    the median.
//  - A rate of 0 means "not measured yet" (a young transfer in TCP slow
//    start): such a transfer is judged by silence only. The engine passes 0
//    until a transfer has been measured for a while (ThroughputEwma).
//  - A silent transfer never finishes by itself, however little it has
//    left, so min_remaining does not apply to silence.
//  - The caller leaves out transfers it must not act on again: one that
//    already has a hedge, and a hedge itself.
//
// Thread safety: a pure function.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "scheduling/clock.h"

namespace haul::scheduling {

/// What the engine knows about one running transfer.
struct TransferSample {
  std::uint64_t id = 0;             ///< the engine's handle for the transfer
  double rate = 0;                  ///< smoothed bytes/s; 0 = not measured yet
  Clock::time_point last_byte{};    ///< when it last received a byte (or started)
  std::uint64_t remaining = 0;      ///< bytes left in its range
  bool paused = false;              ///< paused by haul (rate limit, backpressure)
};

/// The thresholds of PickStraggler, with their defaults.
struct StragglerOptions {
  /// Slow means below this fraction of the median rate. 0.3: a transfer at
  /// a third of its peers' speed finishes its share three times later; a
  /// looser factor would act on ordinary TCP variation between connections.
  /// <= 0 turns the slow check off.
  double slow_factor = 0.3;
  /// Silent means no byte for this long. 3 s: several times the longest
  /// gap of a healthy transfer (TCP retransmission timeouts start at 1 s)
  /// and much shorter than libcurl's low-speed abort (speed_time_seconds,
  /// 20 s), which is the fallback if hedging does not help. <= 0 turns the
  /// silence check off.
  Clock::duration silence = std::chrono::seconds(3);
  /// A slow transfer with less left than this is left alone. 256 KiB: a
  /// fresh connection spends a few round trips (TCP, TLS) before its first
  /// byte; below a quarter MiB the slow one usually finishes first.
  std::uint64_t min_remaining = std::uint64_t{256} << 10;
  /// A slow transfer with at least this left is split, below it hedged.
  /// 2 MiB: twice the default min_piece_size (1 MiB), the least that
  /// ChunkPlan::StealLargest splits. Keep it >= 2 * min_piece_size.
  std::uint64_t min_split = std::uint64_t{2} << 20;
};

/// What to do with a straggler.
enum class StragglerAction {
  kSplit,  ///< move the back half of its remainder to a fresh connection
  kHedge,  ///< fetch its whole remainder again on a fresh connection
};

/// One transfer to act on.
struct StragglerDecision {
  std::uint64_t id = 0;
  StragglerAction action = StragglerAction::kHedge;
  bool operator==(const StragglerDecision&) const = default;
};

/// The one transfer to act on at `now`, or nullopt; see the file comment
/// for the exact rules. Samples may come in any order; ids are not checked.
std::optional<StragglerDecision> PickStraggler(const std::vector<TransferSample>& samples,
                                               Clock::time_point now,
                                               const StragglerOptions& options = {});

}  // namespace haul::scheduling
