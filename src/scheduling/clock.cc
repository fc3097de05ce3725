// Implements scheduling/clock.h.
#include "scheduling/clock.h"

#include <cmath>

namespace haul::scheduling {

double ToSeconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

Clock::duration CeilDuration(double seconds) {
  // NaN fails the comparison and lands here too.
  if (!(seconds > 0)) return Clock::duration::zero();
  constexpr double kTicksPerSecond =
      static_cast<double>(Clock::period::den) / static_cast<double>(Clock::period::num);
  const double ticks = std::ceil(seconds * kTicksPerSecond);
  // The largest rep is not exactly representable as a double; compare
  // against the double it rounds to, which is one past it.
  constexpr auto kMax = Clock::duration::max().count();
  if (ticks >= static_cast<double>(kMax)) return Clock::duration::max();
  return Clock::duration(static_cast<Clock::rep>(ticks));
}

}  // namespace haul::scheduling
