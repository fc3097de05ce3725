// Implements src/storage/reorder_window.h.
#include "storage/reorder_window.h"

#include <cassert>
#include <iterator>
#include <utility>

namespace haul::storage {

void ReorderWindow::Add(std::uint64_t offset, std::unique_ptr<Buffer> buffer) {
  assert(buffer && buffer->size > 0);
  assert(offset >= queued_);
  const std::uint64_t size = buffer->size;
  auto [it, inserted] = held_.emplace(offset, std::move(buffer));
  assert(inserted && "two buffers at one offset");
  assert((it == held_.begin() || std::prev(it)->first + std::prev(it)->second->size <= offset) &&
         "overlaps the buffer before");
  assert((std::next(it) == held_.end() || offset + size <= std::next(it)->first) &&
         "overlaps the buffer after");
  (void)inserted;
  held_bytes_ += size;
  // Bounded: each step moves past one held buffer.
  for (auto at = held_.find(contiguous_end_); at != held_.end(); at = held_.find(contiguous_end_)) {
    contiguous_end_ += at->second->size;
  }
}

std::vector<std::unique_ptr<Buffer>> ReorderWindow::TakeReady(std::size_t max_buffers) {
  std::vector<std::unique_ptr<Buffer>> ready;
  while (ready.size() < max_buffers && !held_.empty() && held_.begin()->first == queued_) {
    auto node = held_.extract(held_.begin());
    queued_ += node.mapped()->size;
    held_bytes_ -= node.mapped()->size;
    ready.push_back(std::move(node.mapped()));
  }
  return ready;
}

void ReorderWindow::Written(std::uint64_t bytes) {
  assert(written_ + bytes <= queued_);
  written_ += bytes;
}

std::vector<std::unique_ptr<Buffer>> ReorderWindow::DropHeld() {
  std::vector<std::unique_ptr<Buffer>> dropped;
  dropped.reserve(held_.size());
  for (auto& [offset, buffer] : held_) dropped.push_back(std::move(buffer));
  held_.clear();
  held_bytes_ = 0;
  contiguous_end_ = queued_;
  return dropped;
}

}  // namespace haul::storage
