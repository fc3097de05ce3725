// Implements scheduling/source_scores.h.
#include "scheduling/source_scores.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace haul::scheduling {

// ---------------------------------------------------------------------------
// ThroughputEwma

ThroughputEwma::ThroughputEwma(Clock::duration half_life)
    : half_life_seconds_(ToSeconds(std::max(half_life, Clock::duration(1)))) {}

void ThroughputEwma::Start(Clock::time_point now) {
  if (!last_) last_ = now;
}

ThroughputEwma::Average ThroughputEwma::Closed(std::uint64_t bytes,
                                               Clock::time_point now) const {
  // Callers guarantee last_ is set and now > *last_.
  const double dt = ToSeconds(now - *last_);
  // The share of the old average that survives dt: 2^(-dt / half-life).
  const double keep = std::exp2(-dt / half_life_seconds_);
  const double interval_rate = static_cast<double>(bytes) / dt;
  return {value_ * keep + (1 - keep) * interval_rate, weight_ * keep + (1 - keep)};
}

void ThroughputEwma::Update(std::uint64_t bytes, Clock::time_point now) {
  if (!last_) {
    last_ = now;  // the first sample opens the first interval; see Start
    return;
  }
  pending_ += bytes;
  // No time has passed: there is no interval to close. Keep the bytes for
  // the next one rather than divide by zero.
  if (now <= *last_) return;
  const Average a = Closed(pending_, now);
  value_ = a.value;
  weight_ = a.weight;
  pending_ = 0;
  last_ = now;
}

double ThroughputEwma::rate(Clock::time_point now) const {
  if (!last_) return 0;
  const Average a = now > *last_ ? Closed(pending_, now) : Average{value_, weight_};
  return a.weight > 0 ? a.value / a.weight : 0;
}

// ---------------------------------------------------------------------------
// SourceScores

SourceScores::SourceScores(std::size_t sources, Clock::duration half_life)
    : sources_(sources, Source{ThroughputEwma(half_life), std::nullopt, false}) {}

void SourceScores::AddBytes(std::size_t source, std::uint64_t bytes, Clock::time_point now) {
  assert(source < sources_.size());
  sources_[source].throughput.Update(bytes, now);
}

void SourceScores::Penalize(std::size_t source, Clock::time_point until) {
  assert(source < sources_.size());
  std::optional<Clock::time_point>& p = sources_[source].penalized_until;
  if (!p || *p < until) p = until;
}

void SourceScores::Remove(std::size_t source) {
  assert(source < sources_.size());
  sources_[source].removed = true;
}

bool SourceScores::InRotation(std::size_t source, Clock::time_point now) const {
  return !Removed(source) && !Penalized(source, now);
}

bool SourceScores::Eligible(std::size_t source, Clock::time_point now, int active,
                            int max_per_source) const {
  return InRotation(source, now) && (max_per_source <= 0 || active < max_per_source);
}

double SourceScores::PerConnection(std::size_t source, Clock::time_point now,
                                   int active) const {
  return Rate(source, now) / std::max(active, 1);
}

std::optional<std::size_t> SourceScores::Pick(Clock::time_point now,
                                              const std::vector<int>& active_per_source,
                                              int max_per_source) const {
  assert(active_per_source.size() == sources_.size());
  std::optional<std::size_t> best;
  double best_score = 0;
  for (std::size_t s = 0; s < sources_.size(); ++s) {
    const int active = active_per_source[s];
    if (!Eligible(s, now, active, max_per_source)) continue;
    if (!Measured(s)) {
      if (active <= 0) return s;  // 1. its one try
      continue;                   // 2. being tried: wait for the measurement
    }
    const double score = PerConnection(s, now, active);
    if (!best || score > best_score) {
      best = s;
      best_score = score;
    }
  }
  if (best) return best;
  return LeastBusy(now, active_per_source, max_per_source);  // 3.
}

std::optional<std::size_t> SourceScores::LeastBusy(Clock::time_point now,
                                                   const std::vector<int>& active,
                                                   int max_per_source) const {
  std::optional<std::size_t> best;
  for (std::size_t s = 0; s < sources_.size(); ++s) {
    if (Measured(s) || !Eligible(s, now, active[s], max_per_source)) continue;
    if (!best || active[s] < active[*best]) best = s;
  }
  return best;
}

bool SourceScores::IsSlow(std::size_t source, Clock::time_point now, double factor,
                          const std::vector<int>& active_per_source) const {
  assert(source < sources_.size());
  assert(active_per_source.size() == sources_.size());
  if (Removed(source) || !Measured(source)) return false;
  double best = 0;
  for (std::size_t s = 0; s < sources_.size(); ++s) {
    if (!Measured(s) || !InRotation(s, now)) continue;
    best = std::max(best, PerConnection(s, now, active_per_source[s]));
  }
  return PerConnection(source, now, active_per_source[source]) < factor * best;
}

double SourceScores::Rate(std::size_t source, Clock::time_point now) const {
  assert(source < sources_.size());
  return sources_[source].throughput.rate(now);
}

bool SourceScores::Measured(std::size_t source) const {
  assert(source < sources_.size());
  return sources_[source].throughput.measured();
}

bool SourceScores::Removed(std::size_t source) const {
  assert(source < sources_.size());
  return sources_[source].removed;
}

bool SourceScores::Penalized(std::size_t source, Clock::time_point now) const {
  assert(source < sources_.size());
  const std::optional<Clock::time_point>& p = sources_[source].penalized_until;
  return p && now < *p;
}

}  // namespace haul::scheduling
