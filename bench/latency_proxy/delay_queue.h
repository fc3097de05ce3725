// One direction of a proxied connection: what was read from one socket waits
// in a DelayQueue until its due time, then goes to the other socket. A
// Schedule decides the due times (latency, the emulated TCP handshake and an
// optional rate cap).
//
// Thread safety: a DelayQueue is shared by one pushing (reader) thread and
// one popping (writer) thread; Abort() may be called from any thread. A
// Schedule belongs to the reader thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <vector>

namespace haul_bench {

using Clock = std::chrono::steady_clock;

/// What one read produced: bytes, the end of the stream (a FIN), or an
/// error (a reset); and when the writer may pass it on.
struct Segment {
  enum class Kind { kData, kEnd, kReset };
  Kind kind = Kind::kData;
  std::vector<char> bytes;
  Clock::time_point due;
};

/// A bounded FIFO of segments, each released no earlier than its due time.
/// The bound (in bytes) is what keeps a fast sender from filling memory: a
/// full queue stops the reader, and TCP flow control does the rest.
class DelayQueue {
 public:
  explicit DelayQueue(std::size_t byte_limit) : byte_limit_(byte_limit) {}

  /// Appends `segment`, first waiting while the queue holds byte_limit bytes
  /// or more. False (and nothing queued) once aborted.
  bool Push(Segment segment);

  /// Takes the oldest segment, waiting until there is one and it is due.
  /// False once aborted.
  bool Pop(Segment* out);

  /// Wakes both sides for good; later Push and Pop calls return false.
  void Abort();

 private:
  const std::size_t byte_limit_;
  std::mutex mu_;
  std::condition_variable changed_;  // any push, pop or abort
  std::deque<Segment> segments_;     // guarded by mu_; due times never decrease
  std::size_t bytes_ = 0;            // guarded by mu_
  bool aborted_ = false;             // guarded by mu_
};

/// How one direction is shaped. Every connection and direction gets its own.
struct LinkShape {
  std::chrono::milliseconds delay{0};  ///< one-way latency added to every byte
  std::uint64_t rate = 0;              ///< bytes per second; 0: no cap
  /// Nothing is delivered before this time: the connection's accept time
  /// plus one emulated round trip for the TCP handshake (see proxy.h).
  Clock::time_point open_at;
};

/// Due times for the segments of one direction, in order.
class Schedule {
 public:
  explicit Schedule(const LinkShape& shape) : shape_(shape) {}

  /// When `bytes` bytes read at `read_at` may be delivered: `delay` after
  /// they were read (or after open_at, if later), and, with a rate cap, no
  /// sooner than the previous segment's due time plus bytes / rate.
  Clock::time_point Next(Clock::time_point read_at, std::size_t bytes);

 private:
  const LinkShape shape_;
  Clock::time_point last_due_{};
};

/// The byte limit of a DelayQueue for `shape`: 8 MiB without a rate cap
/// (so 320 MiB/s still flows at 25 ms); with a cap, about 250 ms of data
/// plus the bytes in flight, so a stalled sender is seen soon.
std::size_t QueueLimit(const LinkShape& shape);

}  // namespace haul_bench
