// A fixed set of threads that run blocking work off the loop thread:
// positioned writes, preallocation, commits (rename), and later hashing.
//
// The queue is bounded. Callers never block: Post fails when the queue is
// full. The engine sizes the queue so this cannot happen (every queued write
// holds a pool buffer, and buffers are bounded), so a failed Post is a bug.
//
// Thread safety: Post may be called from any thread. Stop is called once.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace haul::storage {

class WriterPool {
 public:
  using Task = std::function<void()>;

  /// Starts `threads` threads; at most `queue_capacity` tasks wait at once.
  WriterPool(int threads, std::size_t queue_capacity);
  ~WriterPool();  ///< calls Stop()
  WriterPool(const WriterPool&) = delete;
  WriterPool& operator=(const WriterPool&) = delete;

  /// Queues a task; false (task not queued) when the queue is full or stopped.
  [[nodiscard]] bool Post(Task task);
  /// Runs every queued task, then joins the threads. Idempotent.
  void Stop();

  std::size_t queue_capacity() const { return capacity_; }

 private:
  void Run();

  const std::size_t capacity_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Task> queue_;  // guarded by mu_
  bool stopping_ = false;   // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace haul::storage
