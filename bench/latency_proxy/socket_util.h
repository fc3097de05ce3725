// Small POSIX socket helpers for haul_latency_proxy: loopback listeners,
// blocking connects, whole-buffer sends and the socket options the proxy
// sets. Thread safety: free functions on file descriptors the caller owns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace haul_bench {

/// A listening TCP socket on 127.0.0.1:`port` (0: the kernel picks).
/// Sets *bound_port to the port it got. Throws std::system_error.
int ListenLoopback(std::uint16_t port, std::uint16_t* bound_port);

/// A connected TCP socket to host:port (resolved with getaddrinfo, IPv4 or
/// IPv6), or -1 with errno set. Blocking.
int ConnectTo(const std::string& host, std::uint16_t port);

/// Sends all `size` bytes (MSG_NOSIGNAL, retrying short sends and EINTR).
/// False on any error, e.g. the peer reset the connection.
bool SendAll(int fd, const char* data, std::size_t size);

/// Turns off Nagle's algorithm: the proxy forwards each read as it comes and
/// must not add a wait of its own.
void SetNoDelay(int fd);

/// SO_LINGER {on, 0}: a later close() sends RST instead of FIN.
void SetResetOnClose(int fd);

}  // namespace haul_bench
