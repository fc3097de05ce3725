// The time type of the scheduling policies, and conversions between it and
// seconds as a double (rates are bytes per second).
//
// The policies never read a clock: every function that depends on time takes
// `now`, so the engine passes Clock::now() and tests pass a plain time_point
// that they advance by hand.
//
// Thread safety: pure functions.
#pragma once

#include <chrono>

namespace haul::scheduling {

/// Monotonic, so that a wall-clock jump never refills a bucket or expires a
/// penalty. The same type as haul::engine::Clock.
using Clock = std::chrono::steady_clock;

/// `d` in seconds.
double ToSeconds(Clock::duration d);

/// `seconds` as a Clock::duration, rounded up to the next tick, so that
/// waiting that long is never too short. Saturates: negative or NaN gives
/// zero, anything beyond Clock::duration::max() gives max().
Clock::duration CeilDuration(double seconds);

}  // namespace haul::scheduling
