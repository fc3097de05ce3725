// POSIX socket helpers; see socket_util.h.
#include "socket_util.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace haul_bench {
namespace {

[[noreturn]] void ThrowErrno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

void SetIntOption(int fd, int level, int name, int value) {
  (void)setsockopt(fd, level, name, &value, sizeof value);
}

}  // namespace

int ListenLoopback(std::uint16_t port, std::uint16_t* bound_port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) ThrowErrno("socket");
  SetIntOption(fd, SOL_SOCKET, SO_REUSEADDR, 1);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  // sockaddr_in and sockaddr are layout-compatible by POSIX's design.
  auto* generic = reinterpret_cast<sockaddr*>(&addr);
  if (bind(fd, generic, len) != 0 || listen(fd, 1024) != 0 ||
      getsockname(fd, generic, &len) != 0) {
    const int saved = errno;
    close(fd);
    errno = saved;
    ThrowErrno("listen on 127.0.0.1");
  }
  *bound_port = ntohs(addr.sin_port);
  return fd;
}

int ConnectTo(const std::string& host, std::uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (getaddrinfo(host.c_str(), service.c_str(), &hints, &found) != 0) {
    errno = EHOSTUNREACH;
    return -1;
  }
  int fd = -1;
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {  // bounded: the list
    fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    int rc = connect(fd, a->ai_addr, a->ai_addrlen);
    for (int tries = 0; rc != 0 && errno == EINTR && tries < 100; ++tries) {
      rc = connect(fd, a->ai_addr, a->ai_addrlen);
    }
    if (rc == 0) break;
    const int saved = errno;
    close(fd);
    fd = -1;
    errno = saved;
  }
  freeaddrinfo(found);
  return fd;
}

bool SendAll(int fd, const char* data, std::size_t size) {
  // Bounded by `size`: each pass sends at least one byte or returns.
  while (size > 0) {
    const ssize_t n = send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

void SetNoDelay(int fd) { SetIntOption(fd, IPPROTO_TCP, TCP_NODELAY, 1); }

void SetResetOnClose(int fd) {
  const linger option{1, 0};
  (void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, sizeof option);
}

}  // namespace haul_bench
