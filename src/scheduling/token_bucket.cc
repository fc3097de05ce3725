// Implements scheduling/token_bucket.h. Tokens are doubles: a refill over a
// few microseconds earns a fraction of a byte, which must not be lost.
#include "scheduling/token_bucket.h"

#include <algorithm>
#include <limits>

namespace haul::scheduling {
namespace {

constexpr double kMinBurst = 64 * 1024;

// Rates that mean "no limit": zero, negative and NaN.
double NormalRate(double bytes_per_second) {
  return bytes_per_second > 0 ? bytes_per_second : 0;
}

}  // namespace

double DefaultBurst(double bytes_per_second) {
  return std::max(kMinBurst, NormalRate(bytes_per_second) / 10);
}

TokenBucket::TokenBucket(double bytes_per_second, double burst_bytes, Clock::time_point now)
    : rate_(NormalRate(bytes_per_second)),
      auto_burst_(!(burst_bytes > 0)),
      burst_(auto_burst_ ? DefaultBurst(rate_) : burst_bytes),
      tokens_(burst_),
      last_(now) {}

void TokenBucket::Refill(Clock::time_point now) {
  if (now <= last_) return;  // time never goes backwards here
  if (unlimited()) {
    tokens_ = burst_;
  } else {
    tokens_ = std::min(burst_, tokens_ + rate_ * ToSeconds(now - last_));
  }
  last_ = now;
}

std::uint64_t TokenBucket::Available(Clock::time_point now) {
  if (unlimited()) return std::numeric_limits<std::uint64_t>::max();
  Refill(now);
  // tokens_ <= burst_, a finite double well inside the uint64 range.
  return tokens_ > 0 ? static_cast<std::uint64_t>(tokens_) : 0;
}

void TokenBucket::Consume(std::uint64_t n, Clock::time_point now) {
  if (unlimited()) return;
  Refill(now);
  tokens_ -= static_cast<double>(n);
}

Clock::duration TokenBucket::WaitFor(std::uint64_t n, Clock::time_point now) {
  if (unlimited()) return Clock::duration::zero();
  Refill(now);
  // A block larger than the burst waits for a full bucket and then goes
  // into debt; asking for more than the bucket holds would wait forever.
  const double missing = std::min(static_cast<double>(n), burst_) - tokens_;
  if (missing <= 0) return Clock::duration::zero();
  // CeilDuration rounds up to a tick, which earns at least the missing
  // tokens up to the rounding of rate * seconds; one tick more absorbs that.
  const Clock::duration wait = CeilDuration(missing / rate_);
  return wait == Clock::duration::max() ? wait : wait + Clock::duration(1);
}

void TokenBucket::SetRate(double bytes_per_second, Clock::time_point now) {
  Refill(now);
  const bool was_unlimited = unlimited();
  rate_ = NormalRate(bytes_per_second);
  if (auto_burst_) burst_ = DefaultBurst(rate_);
  if (unlimited() || was_unlimited) {
    tokens_ = burst_;  // unlimited forgives debt; limiting starts full
  } else {
    tokens_ = std::min(tokens_, burst_);
  }
}

}  // namespace haul::scheduling
