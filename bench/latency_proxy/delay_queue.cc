// DelayQueue and Schedule; see delay_queue.h.
#include "delay_queue.h"

#include <algorithm>
#include <utility>

namespace haul_bench {

bool DelayQueue::Push(Segment segment) {
  std::unique_lock lock(mu_);
  // Bounded by the connection's life: the writer drains, or Abort() ends it.
  changed_.wait(lock, [this] { return aborted_ || bytes_ < byte_limit_; });
  if (aborted_) return false;
  if (!segments_.empty()) segment.due = std::max(segment.due, segments_.back().due);
  bytes_ += segment.bytes.size();
  segments_.push_back(std::move(segment));
  changed_.notify_all();
  return true;
}

bool DelayQueue::Pop(Segment* out) {
  std::unique_lock lock(mu_);
  // Bounded by the connection's life: each pass waits for a push, a due
  // time or Abort().
  while (!aborted_) {
    if (segments_.empty()) {
      changed_.wait(lock);
      continue;
    }
    if (Clock::now() >= segments_.front().due) {
      *out = std::move(segments_.front());
      segments_.pop_front();
      bytes_ -= out->bytes.size();
      changed_.notify_all();
      return true;
    }
    changed_.wait_until(lock, segments_.front().due);
  }
  return false;
}

void DelayQueue::Abort() {
  const std::lock_guard lock(mu_);
  aborted_ = true;
  changed_.notify_all();
}

Clock::time_point Schedule::Next(Clock::time_point read_at, std::size_t bytes) {
  Clock::time_point due = std::max(read_at, shape_.open_at) + shape_.delay;
  if (shape_.rate > 0) {
    const auto on_the_wire = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(static_cast<double>(bytes) /
                                      static_cast<double>(shape_.rate)));
    due = std::max(due, last_due_ + on_the_wire);
  }
  last_due_ = due;
  return due;
}

std::size_t QueueLimit(const LinkShape& shape) {
  constexpr std::size_t kNoCapLimit = 8u << 20;
  constexpr std::size_t kMinLimit = 256u << 10;
  if (shape.rate == 0) return kNoCapLimit;
  const double seconds = 0.25 + std::chrono::duration<double>(shape.delay).count();
  const auto limit = static_cast<std::size_t>(static_cast<double>(shape.rate) * seconds);
  return std::clamp(limit, kMinLimit, kNoCapLimit);
}

}  // namespace haul_bench
