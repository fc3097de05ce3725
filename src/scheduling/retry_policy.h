// When and how soon a failed request is tried again. Pure functions: the
// engine supplies the attempt count, the server's Retry-After and a random
// number, so the policy is testable without clocks or sockets.
//
// Thread safety: pure functions.
#pragma once

#include <optional>

namespace haul::scheduling {

/// True for HTTP statuses that say "try again later": 408, 429, 500, 502,
/// 503, 504 (the set curl's --retry treats as transient).
bool IsRetryableHttpStatus(long status);

/// Seconds to wait before retry number `attempt` (1 for the first retry):
/// exponential backoff from `base_seconds`, doubled per attempt and capped at
/// `cap_seconds`, with jitter: the result is uniform in [w/2, w) for the
/// capped wait w, so many clients that failed together do not retry
/// together. `unit_random` is in [0, 1). A server's Retry-After (429, 503)
/// replaces the computed wait, also capped. base <= 0 gives 0.
double RetryDelaySeconds(int attempt, double base_seconds, double cap_seconds, double unit_random,
                         std::optional<double> retry_after_seconds = std::nullopt);

}  // namespace haul::scheduling
