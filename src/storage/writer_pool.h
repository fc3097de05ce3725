// An elastic set of threads that run blocking work off the loop thread:
// positioned writes, preallocation, commits (rename), and later hashing.
//
// The pool starts one thread and grows by one whenever a Post leaves more
// tasks waiting than there are idle threads, up to `max_threads`. It shrinks
// as a leaky bucket (util/elastic.h): a thread that has waited idle for a
// whole `retire_interval` exits if the policy allows, so at most one thread
// leaves per interval, none within `retire_min_age` of the last thread
// created, and never the last one.
//
// The queue is bounded. Callers never block: Post fails when the queue is
// full. The engine sizes the queue so this cannot happen (every queued write
// holds a pool buffer, and buffers are bounded), so a failed Post is a bug.
//
// Tasks must not throw: an exception escaping a task terminates the process
// (no catch-all; a throwing task is a bug and should crash loudly). A task must
// not call Stop, and must not wait on work that is queued behind it.
//
// Thread safety: Post and stats may be called from any thread, including from
// a task. Stop (and so the destructor) is called from one thread, not from a
// task.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "util/elastic.h"

namespace haul::storage {

/// Worker threads, between one and a maximum, fed by a bounded FIFO queue.
class WriterPool {
 public:
  using Task = std::function<void()>;
  using Clock = std::chrono::steady_clock;

  /// Starts one thread and grows to at most `max_threads` (at least one); at
  /// most `queue_capacity` tasks wait at once (tasks being run do not count).
  /// Idle threads retire one per `retire_interval`, never within
  /// `retire_min_age` of the last thread created.
  WriterPool(int max_threads, std::size_t queue_capacity,
             Clock::duration retire_interval = util::kDefaultShrinkInterval,
             Clock::duration retire_min_age = util::kDefaultShrinkMinAge);
  ~WriterPool();  ///< calls Stop()
  WriterPool(const WriterPool&) = delete;
  WriterPool& operator=(const WriterPool&) = delete;

  /// Queues a non-empty task, starting a thread if every thread is busy and
  /// the pool is below its maximum; false (task not queued) when the queue is
  /// full or Stop has begun.
  [[nodiscard]] bool Post(Task task);
  /// Runs every queued task, then joins every thread. Idempotent.
  void Stop();

  /// The bound given at construction.
  std::size_t queue_capacity() const { return capacity_; }
  /// The most threads the pool runs at once.
  int max_threads() const { return max_threads_; }

  /// Counters for the summary and for tests.
  struct Stats {
    std::uint64_t threads_created = 0;  ///< every thread started, the first included
    std::uint64_t threads_retired = 0;  ///< threads that left idle (not at Stop)
    int peak_threads = 0;               ///< most threads alive at once
    int threads_alive = 0;              ///< threads alive now (0 after Stop)
  };
  /// A consistent snapshot of the counters.
  Stats stats() const;

 private:
  void Spawn(Clock::time_point now);         // requires mu_
  bool TryGrow();                            // requires mu_
  bool TryRetire(std::uint64_t id, std::unique_lock<std::mutex>& lock);
  void RunOne(std::unique_lock<std::mutex>& lock);
  void Run(std::uint64_t id);

  // Constant after construction.
  const std::size_t capacity_;
  const int max_threads_;
  const Clock::duration retire_interval_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Task> queue_;   // guarded by mu_
  bool stopping_ = false;    // guarded by mu_
  int alive_ = 0;            // guarded by mu_; threads that have not exited
  int busy_ = 0;             // guarded by mu_; threads running a task
  util::LeakyShrink shrink_; // guarded by mu_
  Stats stats_;              // guarded by mu_ (threads_alive is alive_)
  std::uint64_t next_id_ = 0;                     // guarded by mu_
  std::map<std::uint64_t, std::thread> threads_;  // guarded by mu_; by worker id
  // The last retired thread, joined by the next one to retire or by Stop, so
  // no caller of Post ever waits on a join.
  std::thread exited_;  // guarded by mu_
};

}  // namespace haul::storage
