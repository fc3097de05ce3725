#include "harness/net.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace haul_it {
namespace {

sockaddr_in Loopback(std::uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

/// A closes-itself socket file descriptor.
struct Socket {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  Socket() = default;
  ~Socket() {
    if (fd >= 0) close(fd);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
};

}  // namespace

std::uint16_t FreePort() {
  Socket s;
  if (s.fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in addr = Loopback(0);
  // The casts below are the sockets API's own convention.
  if (bind(s.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    throw std::runtime_error("bind(127.0.0.1:0) failed");
  }
  socklen_t len = sizeof addr;
  if (getsockname(s.fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw std::runtime_error("getsockname failed");
  }
  return ntohs(addr.sin_port);
}

bool PortAccepts(std::uint16_t port) {
  Socket s;
  if (s.fd < 0) return false;
  sockaddr_in addr = Loopback(port);
  return connect(s.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
}

}  // namespace haul_it
