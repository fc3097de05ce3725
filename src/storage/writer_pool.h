// A fixed set of threads that run blocking work off the loop thread:
// positioned writes, preallocation, commits (rename), and later hashing.
//
// The queue is bounded. Callers never block: Post fails when the queue is
// full. The engine sizes the queue so this cannot happen (every queued write
// holds a pool buffer, and buffers are bounded), so a failed Post is a bug.
//
// Tasks must not throw: an exception escaping a task terminates the process
// (no catch-all; a throwing task is a bug and should crash loudly). A task must
// not call Stop, and must not wait on work that is queued behind it.
//
// Thread safety: Post may be called from any thread, including from a task.
// Stop (and so the destructor) is called from one thread, not from a task.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace haul::storage {

/// Worker threads fed by a bounded FIFO queue of tasks.
class WriterPool {
 public:
  using Task = std::function<void()>;

  /// Starts `threads` threads (at least one); at most `queue_capacity` tasks
  /// wait at once (tasks being run do not count).
  WriterPool(int threads, std::size_t queue_capacity);
  ~WriterPool();  ///< calls Stop()
  WriterPool(const WriterPool&) = delete;
  WriterPool& operator=(const WriterPool&) = delete;

  /// Queues a non-empty task; false (task not queued) when the queue is full
  /// or Stop has begun.
  [[nodiscard]] bool Post(Task task);
  /// Runs every queued task, then joins the threads. Idempotent.
  void Stop();

  /// The bound given at construction.
  std::size_t queue_capacity() const { return capacity_; }

 private:
  void Run();

  const std::size_t capacity_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Task> queue_;  // guarded by mu_
  bool stopping_ = false;   // guarded by mu_
  std::vector<std::thread> threads_;  // touched only by the ctor and Stop
};

}  // namespace haul::storage
