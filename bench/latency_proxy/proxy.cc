// Proxy: the accept loop and one thread per connection; see proxy.h.
#include "proxy.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <thread>

#include "session.h"
#include "socket_util.h"

namespace haul_bench {
namespace {

/// One connection's life, on its own thread: connect to the target, then
/// forward until both directions end. A failed connect is passed on to the
/// client as a reset, as a refused connection would be.
void RunConnection(const ProxyOptions& options, int client_fd, Clock::time_point accepted_at,
                   std::atomic<int>* live) {
  const int server_fd = ConnectTo(options.target_host, options.target_port);
  if (server_fd < 0) {
    SetResetOnClose(client_fd);
    close(client_fd);
  } else {
    SetNoDelay(client_fd);
    SetNoDelay(server_fd);
    LinkShape shape;
    shape.delay = options.delay;
    shape.rate = options.rate;
    shape.open_at = accepted_at + (options.emulate_handshake ? 2 * options.delay
                                                             : std::chrono::milliseconds(0));
    Session(client_fd, server_fd, shape, shape).Run();
  }
  live->fetch_sub(1);
}

}  // namespace

Proxy::~Proxy() {
  if (listen_fd_ >= 0) close(listen_fd_);
}

std::uint16_t Proxy::Listen() {
  std::uint16_t port = 0;
  listen_fd_ = ListenLoopback(options_.listen_port, &port);
  return port;
}

void Proxy::Serve() {
  int failures = 0;
  // The proxy's life: runs until the process exits. Persistent accept
  // errors (not EINTR or a connection aborted before accept) end it after a
  // bounded number of retries, 10 ms apart.
  while (failures < 1000) {
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) {
      failures = 0;
      Accept(fd);
    } else if (errno != EINTR && errno != ECONNABORTED) {
      ++failures;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // EMFILE and the like
    }
  }
  std::perror("haul_latency_proxy: accept");
}

void Proxy::ServeInBackground() {
  std::thread([this] { Serve(); }).detach();
}

void Proxy::Accept(int client_fd) {
  const Clock::time_point now = Clock::now();
  ++accepted_;
  if (options_.log_connections) {
    std::printf("CONN %llu\n", static_cast<unsigned long long>(accepted_));
    std::fflush(stdout);
  }
  if (live_sessions_.fetch_add(1) >= ProxyOptions::kMaxSessions) {
    live_sessions_.fetch_sub(1);
    SetResetOnClose(client_fd);
    close(client_fd);
    return;
  }
  // The options outlive the thread: the Proxy lives until the process exits.
  std::thread(RunConnection, std::cref(options_), client_fd, now, &live_sessions_).detach();
}

}  // namespace haul_bench
