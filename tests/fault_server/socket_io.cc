// Stop-aware, deadline-bounded socket waits, reads, writes and closes.
// Thread safety: one thread per fd; `stop` from anywhere (socket_io.h).
#include "fault_server/socket_io.h"

#include <linux/sockios.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <thread>

namespace haul_fault {
namespace {

using Clock = std::chrono::steady_clock;

// How long a closing connection waits for the client: to acknowledge what
// was sent before an RST, or to finish sending before the FIN's close.
constexpr std::chrono::milliseconds kCloseWait{1000};

/// The time until `deadline`, never negative.
std::chrono::milliseconds MillisLeft(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return std::max(left, std::chrono::milliseconds(0));
}

/// The next poll() timeout: a slice, or less near the deadline.
int SliceMillis(Clock::time_point deadline) {
  return static_cast<int>(std::min(MillisLeft(deadline), kPollSlice).count());
}

bool WouldBlock() { return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR; }

/// Bytes sent but not yet acknowledged by the peer (SIOCOUTQ).
int UnacknowledgedBytes(int fd) {
  int queued = 0;
  if (ioctl(fd, SIOCOUTQ, &queued) != 0) return 0;
  return queued;
}

}  // namespace

IoStatus WaitFor(int fd, short events, const std::atomic<bool>& stop,
                 std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {  // bounded by the deadline
    if (stop.load()) return IoStatus::kStopped;
    pollfd p{fd, events, 0};
    const int n = poll(&p, 1, SliceMillis(deadline));
    if (n > 0) return IoStatus::kOk;  // ready, or an error the next call reports
    if (n < 0 && errno != EINTR) return IoStatus::kError;
    if (Clock::now() >= deadline) return IoStatus::kTimeout;
  }
}

IoStatus ReadSome(int fd, std::string* buf, const std::atomic<bool>& stop,
                  std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {  // bounded by the deadline
    const IoStatus ready = WaitFor(fd, POLLIN, stop, MillisLeft(deadline));
    if (ready != IoStatus::kOk) return ready;
    char chunk[16384];
    const ssize_t n = recv(fd, chunk, sizeof chunk, 0);
    if (n > 0) {
      buf->append(chunk, static_cast<std::size_t>(n));
      return IoStatus::kOk;
    }
    if (n == 0) return IoStatus::kClosed;
    if (!WouldBlock()) return IoStatus::kError;
  }
}

IoStatus SendSome(int fd, std::string_view data, const std::atomic<bool>& stop,
                  std::chrono::milliseconds timeout, std::size_t* sent) {
  *sent = 0;
  const auto deadline = Clock::now() + timeout;
  for (;;) {  // bounded by the deadline
    const IoStatus ready = WaitFor(fd, POLLOUT, stop, MillisLeft(deadline));
    if (ready != IoStatus::kOk) return ready;
    const ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n >= 0) {
      *sent = static_cast<std::size_t>(n);
      return IoStatus::kOk;
    }
    if (!WouldBlock()) return IoStatus::kError;
  }
}

IoStatus SendAll(int fd, std::string_view data, const std::atomic<bool>& stop,
                 std::chrono::milliseconds timeout) {
  while (!data.empty()) {  // each pass sends at least a byte or returns
    std::size_t sent = 0;
    const IoStatus status = SendSome(fd, data, stop, timeout, &sent);
    if (status != IoStatus::kOk) return status;
    if (sent == 0) return IoStatus::kError;
    data.remove_prefix(sent);
  }
  return IoStatus::kOk;
}

bool SleepUnlessStopped(std::chrono::milliseconds duration, const std::atomic<bool>& stop) {
  const auto deadline = Clock::now() + duration;
  for (;;) {  // bounded by the deadline
    if (stop.load()) return false;
    const auto left = deadline - Clock::now();
    if (left <= Clock::duration::zero()) return true;
    std::this_thread::sleep_for(std::min<Clock::duration>(left, kPollSlice));
  }
}

void CloseGracefully(int fd, const std::atomic<bool>& stop) {
  shutdown(fd, SHUT_WR);
  const auto deadline = Clock::now() + kCloseWait;
  std::string discard;
  for (;;) {  // bounded by the deadline
    const auto left = MillisLeft(deadline);
    if (left.count() == 0) break;
    discard.clear();
    if (ReadSome(fd, &discard, stop, left) != IoStatus::kOk) break;  // EOF, error or stop
  }
  close(fd);
}

void CloseWithReset(int fd, const std::atomic<bool>& stop) {
  const auto deadline = Clock::now() + kCloseWait;
  while (UnacknowledgedBytes(fd) > 0 && Clock::now() < deadline) {  // bounded
    if (!SleepUnlessStopped(std::chrono::milliseconds(1), stop)) break;
  }
  const linger reset{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
  close(fd);
}

}  // namespace haul_fault
