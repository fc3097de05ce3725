// Implements scheduling/ramp_up.h.
#include "scheduling/ramp_up.h"

#include <algorithm>

namespace haul::scheduling {
namespace {

RampUpOptions Normalized(RampUpOptions o) {
  o.max = std::max(o.max, 1);
  o.initial = std::clamp(o.initial, 1, o.max);
  o.plateau_samples = std::max(o.plateau_samples, 1);
  return o;
}

}  // namespace

RampUp::RampUp(const RampUpOptions& options)
    : options_(Normalized(options)), target_(options_.initial) {}

void RampUp::OnSample(double aggregate_rate, Clock::time_point now) {
  if (!(aggregate_rate > 0)) return;  // nothing measured (NaN included)
  if (hold_until_) {
    if (now < *hold_until_) return;
    // The hold is over: start again from what the halved target achieves.
    hold_until_.reset();
    growing_ = true;
    baseline_.reset();
  }
  if (!growing_) return;
  if (!baseline_) {
    // What the current connections achieve; then try more right away (the
    // next sample says whether they helped): a rise can only be seen after
    // connections were added.
    baseline_ = aggregate_rate;
    flat_ = 0;
    Double();
    return;
  }
  Grow(aggregate_rate);
}

void RampUp::Double() {
  if (target_ >= options_.max) return;
  // Doubling without overflow for a max near INT_MAX.
  target_ = target_ > options_.max / 2 ? options_.max : 2 * target_;
}

void RampUp::Grow(double rate) {
  if (!(rate > *baseline_ * (1 + options_.gain))) {
    if (++flat_ >= options_.plateau_samples) growing_ = false;
    return;
  }
  flat_ = 0;
  Double();
  baseline_ = rate;
}

void RampUp::OnBackoff(Clock::time_point now) {
  if (hold_until_ && now < *hold_until_) return;  // same episode: cut once
  target_ = std::max(1, target_ / 2);
  hold_until_ = now + options_.hold;
  growing_ = false;
  baseline_.reset();
  flat_ = 0;
}

}  // namespace haul::scheduling
