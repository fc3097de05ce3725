// Socket I/O for the fault server's connection threads. Sockets are
// non-blocking and every wait is a poll() in slices of kPollSlice that also
// watches the shutdown flag, so SIGTERM ends every connection within a
// slice, whatever its client is doing, and every wait has a deadline.
//
// Thread safety: the functions on one fd are called by that fd's thread
// only; `stop` may be set from any thread or a signal handler.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace haul_fault {

/// How often a waiting thread looks at the shutdown flag.
inline constexpr std::chrono::milliseconds kPollSlice{50};

/// How a wait or a transfer ended.
enum class IoStatus {
  kOk,
  kClosed,   ///< the peer closed (recv returned 0)
  kTimeout,  ///< the deadline passed
  kStopped,  ///< the server is shutting down
  kError,    ///< the socket failed, e.g. ECONNRESET
};

/// Waits until fd has one of `events` (POLLIN, POLLOUT) or an error.
IoStatus WaitFor(int fd, short events, const std::atomic<bool>& stop,
                 std::chrono::milliseconds timeout);

/// Waits up to `timeout` for input and appends one recv()'s worth to *buf.
IoStatus ReadSome(int fd, std::string* buf, const std::atomic<bool>& stop,
                  std::chrono::milliseconds timeout);

/// Waits up to `timeout` to be writable, then sends what one send() takes
/// of `data`; *sent is how many bytes it accepted.
IoStatus SendSome(int fd, std::string_view data, const std::atomic<bool>& stop,
                  std::chrono::milliseconds timeout, std::size_t* sent);

/// SendSome until all of `data` is sent, each wait up to `timeout`.
IoStatus SendAll(int fd, std::string_view data, const std::atomic<bool>& stop,
                 std::chrono::milliseconds timeout);

/// Sleeps for `duration`; returns false early when `stop` is set.
bool SleepUnlessStopped(std::chrono::milliseconds duration, const std::atomic<bool>& stop);

/// Ends the connection with a FIN: shuts down writing, then reads and drops
/// what the client still sends for a moment, because closing a socket with
/// unread input makes Linux send an RST instead. Closes fd.
void CloseGracefully(int fd, const std::atomic<bool>& stop);

/// Ends the connection with an RST (SO_LINGER 0). It first waits, briefly,
/// until the client has acknowledged everything sent: an RST discards data
/// still queued, and the client must see exactly the bytes counted as
/// sent. Closes fd.
void CloseWithReset(int fd, const std::atomic<bool>& stop);

}  // namespace haul_fault
