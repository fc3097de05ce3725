// Implements scheduling/straggler_policy.h.
#include "scheduling/straggler_policy.h"

#include <algorithm>

namespace haul::scheduling {
namespace {

/// Running, with something left: the samples the policy looks at.
bool Considered(const TransferSample& s) { return !s.paused && s.remaining > 0; }

bool IsSilent(const TransferSample& s, Clock::time_point now, const StragglerOptions& o) {
  return o.silence > Clock::duration::zero() && now - s.last_byte >= o.silence;
}

/// The median rate of the considered, measured samples; nullopt for fewer
/// than two, where "slower than the others" means nothing.
std::optional<double> MedianRate(const std::vector<TransferSample>& samples) {
  std::vector<double> rates;
  for (const TransferSample& s : samples) {
    if (Considered(s) && s.rate > 0) rates.push_back(s.rate);
  }
  if (rates.size() < 2) return std::nullopt;
  std::sort(rates.begin(), rates.end());
  const std::size_t mid = rates.size() / 2;
  return rates.size() % 2 == 1 ? rates[mid] : (rates[mid - 1] + rates[mid]) / 2;
}

/// True when `a` is the better silent pick than `b`: silent longer, then
/// more left. Equal ones keep the earlier sample.
bool SilentLonger(const TransferSample& a, const TransferSample& b) {
  if (a.last_byte != b.last_byte) return a.last_byte < b.last_byte;
  return a.remaining > b.remaining;
}

/// The sample silent longest, if any.
const TransferSample* LongestSilent(const std::vector<TransferSample>& samples,
                                    Clock::time_point now, const StragglerOptions& o) {
  const TransferSample* best = nullptr;
  for (const TransferSample& s : samples) {
    if (!Considered(s) || !IsSilent(s, now, o)) continue;
    if (best == nullptr || SilentLonger(s, *best)) best = &s;
  }
  return best;
}

/// The slow sample with the longest expected finish, if any.
const TransferSample* SlowestToFinish(const std::vector<TransferSample>& samples,
                                      Clock::time_point now, const StragglerOptions& o) {
  const std::optional<double> median = MedianRate(samples);
  if (!median || !(o.slow_factor > 0)) return nullptr;
  const double threshold = o.slow_factor * *median;
  const TransferSample* best = nullptr;
  double best_finish = 0;
  for (const TransferSample& s : samples) {
    if (!Considered(s) || IsSilent(s, now, o)) continue;
    if (!(s.rate > 0) || !(s.rate < threshold) || s.remaining < o.min_remaining) continue;
    const double finish = static_cast<double>(s.remaining) / s.rate;
    if (best == nullptr || finish > best_finish) {
      best = &s;
      best_finish = finish;
    }
  }
  return best;
}

}  // namespace

std::optional<StragglerDecision> PickStraggler(const std::vector<TransferSample>& samples,
                                               Clock::time_point now,
                                               const StragglerOptions& options) {
  if (const TransferSample* s = LongestSilent(samples, now, options)) {
    return StragglerDecision{s->id, StragglerAction::kHedge};
  }
  if (const TransferSample* s = SlowestToFinish(samples, now, options)) {
    const bool split = s->remaining >= options.min_split;
    return StragglerDecision{s->id, split ? StragglerAction::kSplit : StragglerAction::kHedge};
  }
  return std::nullopt;
}

}  // namespace haul::scheduling
