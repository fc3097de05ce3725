// A bounded pool of fixed-size byte buffers shared by all downloads.
//
// The loop thread acquires a buffer, fills it from libcurl's write callback and
// hands it to a writer thread, which releases it after pwrite. When the pool is
// exhausted Acquire returns null and the caller pauses its transfer; Release
// calls the `on_available` hook so the loop can unpause (the hook runs on the
// releasing thread and must be cheap and thread-safe, e.g. post + wakeup).
//
// Thread safety: every method is thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace haul::storage {

/// A byte buffer of the pool's unit size; `size` bytes of it are in use.
struct Buffer {
  std::unique_ptr<std::byte[]> data;
  std::size_t capacity = 0;
  std::size_t size = 0;
  std::size_t free_space() const { return capacity - size; }
};

/// The shared, bounded set of write buffers; exhaustion is backpressure.
class BufferPool {
 public:
  /// At most `max_buffers` buffers of `unit` bytes exist at once. Buffers are
  /// allocated lazily and kept for reuse after release.
  BufferPool(std::size_t unit, std::size_t max_buffers);

  /// A buffer with size 0, or null when max_buffers are out. With
  /// `keep_free` > 0, also null unless that many buffers stay available
  /// afterwards: a reserve that only callers passing 0 may use (the stream
  /// to stdout keeps one for the transfer at its write position).
  std::unique_ptr<Buffer> Acquire(std::size_t keep_free = 0);
  /// Returns a buffer to the pool and calls the on_available hook, if set.
  /// `buffer` must have come from this pool's Acquire; null is ignored.
  void Release(std::unique_ptr<Buffer> buffer);
  /// Called (outside the pool's lock) after every Release. An empty hook
  /// clears it.
  void SetOnAvailable(std::function<void()> hook);

  std::size_t unit() const { return unit_; }
  std::size_t max_buffers() const { return max_buffers_; }
  /// Counters for the progress summary and benchmarks.
  struct Stats {
    std::uint64_t hits = 0;      ///< Acquire served from the free list
    std::uint64_t misses = 0;    ///< Acquire that allocated a new buffer
    std::uint64_t refusals = 0;  ///< Acquire that returned null
    std::size_t peak_out = 0;    ///< most buffers out at once
  };
  /// A consistent snapshot of the counters.
  Stats stats() const;

 private:
  const std::size_t unit_;
  const std::size_t max_buffers_;
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Buffer>> free_;  // guarded by mu_
  std::size_t out_ = 0;                        // guarded by mu_
  Stats stats_;                                // guarded by mu_
  // Shared so Release can copy it under mu_ and call it after unlocking,
  // which keeps SetOnAvailable safe to call at any time.
  std::shared_ptr<const std::function<void()>> on_available_;  // guarded by mu_
};

}  // namespace haul::storage
