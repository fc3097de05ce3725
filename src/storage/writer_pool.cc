// Implements src/storage/writer_pool.h.
#include "storage/writer_pool.h"

#include <algorithm>
#include <cassert>
#include <utility>

namespace haul::storage {

WriterPool::WriterPool(int threads, std::size_t queue_capacity) : capacity_(queue_capacity) {
  // Zero threads would accept tasks and never run them; clamp instead.
  const int count = std::max(threads, 1);
  threads_.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) threads_.emplace_back([this] { Run(); });
}

WriterPool::~WriterPool() { Stop(); }

bool WriterPool::Post(Task task) {
  assert(task && "empty task");
  {
    std::lock_guard lock(mu_);
    if (stopping_ || queue_.size() >= capacity_) return false;
    queue_.push_back(std::move(task));
  }
  cv_.notify_one();
  return true;
}

void WriterPool::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  // Workers exit only once the queue is empty, so joining drains it.
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
}

void WriterPool::Run() {
  for (;;) {
    Task task;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to drain
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    // Deliberately no try/catch: a throwing task terminates (see header).
    task();
  }
}

}  // namespace haul::storage
