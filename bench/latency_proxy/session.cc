// Session: both directions of one proxied connection; see session.h.
#include "session.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <thread>
#include <utility>

#include "socket_util.h"

namespace haul_bench {
namespace {

constexpr std::size_t kReadSize = 64u << 10;

}  // namespace

Session::Session(int client_fd, int server_fd, const LinkShape& to_server,
                 const LinkShape& to_client)
    : client_fd_(client_fd),
      server_fd_(server_fd),
      to_server_(to_server),
      to_client_(to_client),
      upstream_(QueueLimit(to_server)),
      downstream_(QueueLimit(to_client)) {}

Session::~Session() {
  close(client_fd_);
  close(server_fd_);
}

void Session::Run() {
  std::thread write_up([this] { Write(server_fd_, &upstream_); });
  std::thread read_down([this] { Read(server_fd_, &downstream_, Schedule(to_client_)); });
  std::thread write_down([this] { Write(client_fd_, &downstream_); });
  Read(client_fd_, &upstream_, Schedule(to_server_));
  write_up.join();
  read_down.join();
  write_down.join();
}

void Session::Read(int from, DelayQueue* queue, Schedule schedule) {
  std::vector<char> buffer(kReadSize);
  // Bounded by the stream: it ends at EOF, at an error, or when aborted
  // (Abort() shuts the socket down, so recv returns 0).
  for (;;) {
    const ssize_t n = recv(from, buffer.data(), buffer.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    Segment segment;
    segment.kind = n > 0 ? Segment::Kind::kData
                         : (n == 0 ? Segment::Kind::kEnd : Segment::Kind::kReset);
    const std::size_t size = n > 0 ? static_cast<std::size_t>(n) : 0;
    segment.bytes.assign(buffer.data(), buffer.data() + size);
    segment.due = schedule.Next(Clock::now(), size);
    const Segment::Kind kind = segment.kind;
    if (!queue->Push(std::move(segment)) || kind != Segment::Kind::kData) return;
  }
}

void Session::Write(int to, DelayQueue* queue) {
  Segment segment;
  // Bounded by the stream: Pop fails once aborted, and kEnd/kReset end it.
  while (queue->Pop(&segment)) {
    switch (segment.kind) {
      case Segment::Kind::kData:
        if (!SendAll(to, segment.bytes.data(), segment.bytes.size())) {
          Abort();
          return;
        }
        break;
      case Segment::Kind::kEnd:
        shutdown(to, SHUT_WR);  // the half-close, passed on
        return;
      case Segment::Kind::kReset:
        Abort();
        return;
    }
  }
}

void Session::Abort() {
  if (aborted_.exchange(true)) return;
  for (const int fd : {client_fd_, server_fd_}) {
    SetResetOnClose(fd);
    shutdown(fd, SHUT_RDWR);  // wakes a recv or send blocked on it
  }
  upstream_.Abort();
  downstream_.Abort();
}

}  // namespace haul_bench
