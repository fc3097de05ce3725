// The shrink half of an elastic pool: when to retire one idle unit (a writer
// thread, a transfer slot), as a leaky bucket.
//
// Pools grow at once when load needs it and give capacity back slowly: at
// most one idle unit per `interval`, and none within `min_age` of the last
// creation. So a burst of capacity drains one unit at a time, a pool under
// steady load never churns (a unit created for the load postpones the next
// retirement), and a unit is never retired right after one was made.
//
// A pure policy: it owns no units and reads no clock. The pool tells it what
// happened and when (`now`), and tests pass a fake time.
//
// Thread safety: none. The owning pool calls it under its own lock, or from
// the one thread that owns the pool.
#pragma once

#include <chrono>
#include <cstddef>

namespace haul::util {

/// How long the pools wait between retirements, unless told otherwise.
inline constexpr std::chrono::steady_clock::duration kDefaultShrinkInterval =
    std::chrono::seconds(2);
/// How long after a creation the pools retire nothing, unless told otherwise.
inline constexpr std::chrono::steady_clock::duration kDefaultShrinkMinAge =
    std::chrono::seconds(5);

/// Decides when an elastic pool may retire one idle unit.
class LeakyShrink {
 public:
  using Clock = std::chrono::steady_clock;

  /// Retire at most one unit per `interval`, and none within `min_age` of the
  /// last OnCreated.
  LeakyShrink(Clock::duration interval, Clock::duration min_age)
      : interval_(interval), min_age_(min_age) {}

  /// The pool made a unit at `now`.
  void OnCreated(Clock::time_point now) {
    last_created_ = now;
    created_ = true;
  }

  /// True when one of `idle_units` should be retired at `now`. The pool
  /// passes only the units it is willing to lose (idle, and above its floor),
  /// and calls OnRetired if it acts on the answer.
  bool ShouldRetire(std::size_t idle_units, Clock::time_point now) const {
    if (idle_units == 0) return false;
    // Flags rather than time_point::min(): `now - min()` would overflow.
    // (Not std::optional: GCC 12 at -O3 warns it may be read uninitialized.)
    if (created_ && now - last_created_ < min_age_) return false;
    if (retired_ && now - last_retired_ < interval_) return false;
    return true;
  }

  /// The pool retired a unit at `now`.
  void OnRetired(Clock::time_point now) {
    last_retired_ = now;
    retired_ = true;
  }

  Clock::duration interval() const { return interval_; }
  Clock::duration min_age() const { return min_age_; }

 private:
  // Constant after construction.
  const Clock::duration interval_;
  const Clock::duration min_age_;

  Clock::time_point last_created_{};
  Clock::time_point last_retired_{};
  bool created_ = false;
  bool retired_ = false;
};

}  // namespace haul::util
