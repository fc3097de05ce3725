// Implements src/storage/buffer_pool.h.
#include "storage/buffer_pool.h"

#include <algorithm>
#include <cassert>
#include <utility>

namespace haul::storage {

BufferPool::BufferPool(std::size_t unit, std::size_t max_buffers)
    : unit_(unit), max_buffers_(max_buffers) {}

std::unique_ptr<Buffer> BufferPool::Acquire(std::size_t keep_free) {
  {
    std::lock_guard lock(mu_);
    if (out_ >= max_buffers_ || max_buffers_ - out_ <= keep_free) {
      ++stats_.refusals;
      return nullptr;
    }
    ++out_;
    stats_.peak_out = std::max(stats_.peak_out, out_);
    if (!free_.empty()) {
      ++stats_.hits;
      std::unique_ptr<Buffer> buffer = std::move(free_.back());
      free_.pop_back();
      buffer->size = 0;
      return buffer;
    }
    ++stats_.misses;
  }
  // The slot is reserved above, so allocating outside the lock cannot exceed
  // max_buffers_. "for_overwrite" skips zeroing: every byte handed out is
  // written by libcurl before it is read.
  auto buffer = std::make_unique<Buffer>();
  buffer->data = std::make_unique_for_overwrite<std::byte[]>(unit_);
  buffer->capacity = unit_;
  return buffer;
}

void BufferPool::Release(std::unique_ptr<Buffer> buffer) {
  if (!buffer) return;
  assert(buffer->capacity == unit_ && "buffer from another pool");
  std::shared_ptr<const std::function<void()>> hook;
  {
    std::lock_guard lock(mu_);
    assert(out_ > 0 && "more releases than acquires");
    --out_;
    free_.push_back(std::move(buffer));
    hook = on_available_;
  }
  // Outside the lock: the hook may post to the loop thread, which may call
  // Acquire right away.
  if (hook) (*hook)();
}

void BufferPool::SetOnAvailable(std::function<void()> hook) {
  std::shared_ptr<const std::function<void()>> shared;
  if (hook) shared = std::make_shared<const std::function<void()>>(std::move(hook));
  std::lock_guard lock(mu_);
  on_available_ = std::move(shared);
}

BufferPool::Stats BufferPool::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace haul::storage
