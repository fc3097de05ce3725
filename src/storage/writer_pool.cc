// Implements src/storage/writer_pool.h.
#include "storage/writer_pool.h"

#include <algorithm>
#include <cassert>
#include <system_error>
#include <utility>
#include <vector>

namespace haul::storage {
namespace {

// Retiring never takes the pool below this many threads: a queued task must
// always have a thread to run it.
constexpr int kMinThreads = 1;

}  // namespace

WriterPool::WriterPool(int max_threads, std::size_t queue_capacity,
                       Clock::duration retire_interval, Clock::duration retire_min_age)
    : capacity_(queue_capacity),
      // Zero threads would accept tasks and never run them; clamp instead.
      max_threads_(std::max(max_threads, kMinThreads)),
      retire_interval_(retire_interval),
      shrink_(retire_interval, retire_min_age) {
  std::lock_guard lock(mu_);
  Spawn(Clock::now());  // failing to start the first thread is a start-up error: it throws
}

WriterPool::~WriterPool() { Stop(); }

void WriterPool::Spawn(Clock::time_point now) {
  // Under mu_: the new thread blocks on it before reading any state, and is
  // counted idle (alive, not busy) from birth, so a Post racing with its
  // start-up does not start yet another one.
  const std::uint64_t id = next_id_++;
  threads_.emplace(id, std::thread([this, id] { Run(id); }));
  ++alive_;
  shrink_.OnCreated(now);
  ++stats_.threads_created;
  stats_.peak_threads = std::max(stats_.peak_threads, alive_);
}

bool WriterPool::TryGrow() {
  if (alive_ >= max_threads_) return false;
  // Every task waiting beyond the idle threads waits for a busy one.
  if (queue_.size() <= static_cast<std::size_t>(alive_ - busy_)) return false;
  try {
    Spawn(Clock::now());
  } catch (const std::system_error&) {
    // The system refused a thread. The pool keeps at least one, which will
    // run the task; growth is an optimisation, so carry on without it.
    return false;
  }
  return true;
}

bool WriterPool::Post(Task task) {
  assert(task && "empty task");
  {
    std::lock_guard lock(mu_);
    if (stopping_ || queue_.size() >= capacity_) return false;
    queue_.push_back(std::move(task));
    TryGrow();
  }
  cv_.notify_one();
  return true;
}

void WriterPool::Stop() {
  std::vector<std::thread> joining;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    // Once stopping_ is set no thread starts or retires, so this is every
    // thread there is. Workers exit only once the queue is empty, so joining
    // them drains it.
    for (auto& [id, thread] : threads_) joining.push_back(std::move(thread));
    threads_.clear();
    if (exited_.joinable()) joining.push_back(std::move(exited_));
  }
  cv_.notify_all();
  for (std::thread& t : joining) t.join();
}

WriterPool::Stats WriterPool::stats() const {
  std::lock_guard lock(mu_);
  Stats s = stats_;
  s.threads_alive = alive_;
  return s;
}

void WriterPool::RunOne(std::unique_lock<std::mutex>& lock) {
  ++busy_;
  {
    Task task = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    // Deliberately no try/catch: a throwing task terminates (see header).
    task();
    // The task is destroyed here, unlocked: its captures may release buffers,
    // whose hook may Post.
  }
  lock.lock();
  --busy_;
}

bool WriterPool::TryRetire(std::uint64_t id, std::unique_lock<std::mutex>& lock) {
  const Clock::time_point now = Clock::now();
  // Idle threads above the floor. This thread is one of them: it just waited
  // a whole interval for work.
  const int spare = std::min(alive_ - busy_, alive_ - kMinThreads);
  if (!shrink_.ShouldRetire(static_cast<std::size_t>(std::max(spare, 0)), now)) return false;
  shrink_.OnRetired(now);
  --alive_;
  ++stats_.threads_retired;
  auto self = threads_.extract(id);
  assert(!self.empty() && "a running worker is always in threads_");
  // Park this thread for the next one to join, and join the one parked before.
  std::thread previous = std::exchange(exited_, std::move(self.mapped()));
  lock.unlock();
  if (previous.joinable()) previous.join();
  return true;
}

void WriterPool::Run(std::uint64_t id) {
  std::unique_lock lock(mu_);
  // Ends when Stop has begun and the queue is drained, or when this thread
  // retires; each pass runs a task or waits at most one interval.
  for (;;) {
    cv_.wait_for(lock, retire_interval_, [this] { return stopping_ || !queue_.empty(); });
    if (!queue_.empty()) {
      RunOne(lock);
    } else if (stopping_) {
      --alive_;
      return;
    } else if (TryRetire(id, lock)) {
      return;  // unlocked by TryRetire
    }
  }
}

}  // namespace haul::storage
