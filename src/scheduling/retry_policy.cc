// Implements scheduling/retry_policy.h.
#include "scheduling/retry_policy.h"

#include <algorithm>
#include <cmath>

namespace haul::scheduling {

bool IsRetryableHttpStatus(long status) {
  switch (status) {
    case 408:
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
      return true;
    default:
      return false;
  }
}

double RetryDelaySeconds(int attempt, double base_seconds, double cap_seconds, double unit_random,
                         std::optional<double> retry_after_seconds) {
  const double cap = std::max(0.0, cap_seconds);
  if (retry_after_seconds) return std::clamp(*retry_after_seconds, 0.0, cap);
  if (base_seconds <= 0) return 0;
  // 2^(attempt-1), without overflow for absurd attempt counts.
  const int doublings = std::clamp(attempt - 1, 0, 62);
  const double wait = std::min(cap, base_seconds * std::ldexp(1.0, doublings));
  const double r = std::clamp(unit_random, 0.0, 1.0);
  return wait / 2 + wait / 2 * r;
}

}  // namespace haul::scheduling
