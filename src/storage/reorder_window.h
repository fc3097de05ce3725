// The reorder window of a download streamed to stdout: buffers that arrive
// out of order wait here until every byte before them has been written.
//
//   written      queued        contiguous_end
//      |  being     |  ready to     |   gap   | held, ahead of the gap |
//      |  written   |  be written   |         |                        |
//   ---+------------+---------------+---------+------------------------+--
//
// Pieces are fetched by several connections at once; each connection fills
// buffers front to back within its piece. A buffer is Added when full (or at
// its piece's end). TakeReady hands out the buffers that continue the output
// exactly where it stands, in order; the caller writes them and reports
// Written. How much may be held is not decided here: the buffers come from a
// bounded BufferPool, which is the memory budget (docs/storage.md).
//
// Thread safety: not thread-safe; the engine uses it on the loop thread only.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "storage/buffer_pool.h"

namespace haul::storage {

class ReorderWindow {
 public:
  /// A window whose output starts at byte `start` of the download.
  explicit ReorderWindow(std::uint64_t start = 0)
      : written_(start), queued_(start), contiguous_end_(start) {}

  /// Holds `buffer`, whose first byte is byte `offset` of the download.
  /// Preconditions (asserted): the buffer is not empty, offset >= queued(),
  /// and it overlaps no buffer held.
  void Add(std::uint64_t offset, std::unique_ptr<Buffer> buffer);

  /// Takes the held buffers that continue the output at queued(), in order,
  /// at most `max_buffers` of them; queued() moves past them.
  std::vector<std::unique_ptr<Buffer>> TakeReady(std::size_t max_buffers);

  /// `bytes` of what TakeReady handed out reached the output.
  /// Precondition (asserted): written() + bytes <= queued().
  void Written(std::uint64_t bytes);

  /// Gives up every held buffer (a failed or restarting download); the
  /// caller returns them to their pool. Nothing written or queued changes.
  std::vector<std::unique_ptr<Buffer>> DropHeld();

  /// Every byte before this reached the output.
  std::uint64_t written() const { return written_; }
  /// Every byte before this was written or handed out by TakeReady.
  std::uint64_t queued() const { return queued_; }
  /// Every byte before this was written, handed out or is held: the offset
  /// the output waits for. The transfer filling a buffer from here is at the
  /// head of the stream.
  std::uint64_t contiguous_end() const { return contiguous_end_; }
  /// Bytes held (not yet handed out).
  std::uint64_t held_bytes() const { return held_bytes_; }
  std::size_t held_buffers() const { return held_.size(); }

 private:
  std::uint64_t written_;
  std::uint64_t queued_;
  std::uint64_t contiguous_end_;
  std::uint64_t held_bytes_ = 0;
  std::map<std::uint64_t, std::unique_ptr<Buffer>> held_;  // by offset
};

}  // namespace haul::storage
