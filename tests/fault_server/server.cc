// The listening socket, the accept loop and the connection threads.
// Thread safety: Listen and Run on the main thread; see server.h.
#include "fault_server/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>

#include "fault_server/connection.h"
#include "fault_server/socket_io.h"

namespace haul_fault {
namespace {

constexpr int kBacklog = 512;

[[noreturn]] void ThrowErrno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

sockaddr_in Loopback(std::uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

void SetIntOption(int fd, int level, int name, int value) {
  setsockopt(fd, level, name, &value, sizeof value);
}

}  // namespace

Server::~Server() {
  if (listen_fd_ >= 0) close(listen_fd_);
}

std::uint16_t Server::Listen(std::uint16_t port) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) ThrowErrno("socket");
  SetIntOption(listen_fd_, SOL_SOCKET, SO_REUSEADDR, 1);
  sockaddr_in addr = Loopback(port);
  // The casts are the sockets API's own convention.
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ThrowErrno("bind 127.0.0.1");
  }
  if (listen(listen_fd_, kBacklog) != 0) ThrowErrno("listen");
  socklen_t len = sizeof addr;
  if (getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ThrowErrno("getsockname");
  }
  port_ = ntohs(addr.sin_port);
  return port_;
}

void Server::Run() {
  while (!stop_.load()) {  // bounded by the shutdown flag: the server's life
    ReapFinished();
    if (WaitFor(listen_fd_, POLLIN, stop_, kPollSlice) == IoStatus::kOk) AcceptOne();
  }
  for (Worker& w : workers_) w.thread.join();
  workers_.clear();
}

void Server::AcceptOne() {
  const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return;  // EAGAIN or an aborted connection; poll again
  if (workers_.size() >= kMaxConnections) {
    close(fd);
    return;
  }
  // Without Nagle, a head and the body's first write do not wait on the
  // client's delayed ACK; throttled bodies go out as they are written.
  SetIntOption(fd, IPPROTO_TCP, TCP_NODELAY, 1);
  Worker& worker = workers_.emplace_back();
  worker.thread = std::thread([this, fd, &worker] {
    Connection(fd, counters_, stop_, "127.0.0.1:" + std::to_string(port_)).Serve();
    worker.done.store(true);
  });
}

void Server::ReapFinished() {
  for (auto it = workers_.begin(); it != workers_.end();) {  // bounded by the list
    if (it->done.load()) {
      it->thread.join();
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace haul_fault
