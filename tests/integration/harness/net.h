// Loopback ports for the integration tests. Everything here talks to
// 127.0.0.1 only.
//
// Thread safety: no shared state.
#pragma once

#include <chrono>
#include <cstdint>

namespace haul_it {

/// A TCP port on 127.0.0.1 that was free a moment ago: the kernel's choice
/// for a socket bound to port 0, which is then closed. Another process could
/// take it before we use it; callers that start servers retry on failure.
std::uint16_t FreePort();

/// True when a TCP connection to 127.0.0.1:port succeeds.
bool PortAccepts(std::uint16_t port);

}  // namespace haul_it
