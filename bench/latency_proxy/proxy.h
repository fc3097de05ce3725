// The proxy: listens on 127.0.0.1, and for each accepted connection opens
// one to the target and runs a Session between them on its own thread.
//
// Latency model: every byte, in each direction, is delivered `delay` after
// the proxy read it. A user-space proxy accepts a connection at once, so the
// client's connect() costs nothing; to make a new connection cost what it
// does on a real network, nothing is delivered in either direction before
// one round trip (2 x delay) after the accept, unless emulate_handshake is
// off. So with delay D, a new connection's first request-response takes 4D
// longer than direct (connect 2D, request and response D each), and each
// later request-response on it 2D; a TLS 1.3 handshake adds 2D more.
//
// Thread safety: Listen() then Serve() (or ServeInBackground()) from one
// thread. Sessions run on detached threads that end with their connection;
// the process ends them all when it exits.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <utility>

namespace haul_bench {

/// Everything the proxy is told on its command line.
struct ProxyOptions {
  std::uint16_t listen_port = 0;       ///< --listen; 0: the kernel picks
  std::string target_host;             ///< --target HOST:PORT
  std::uint16_t target_port = 0;
  std::chrono::milliseconds delay{0};  ///< --delay-ms, each direction
  std::uint64_t rate = 0;              ///< --rate, bytes/s per connection and direction; 0: none
  bool emulate_handshake = true;       ///< off with --no-connect-delay
  bool log_connections = false;        ///< --log-connections: "CONN <n>" on stdout per accept
  static constexpr int kMaxSessions = 1024;  ///< more at once are refused with RST
};

/// A listening proxy. Constant after Listen(), except the counters.
class Proxy {
 public:
  explicit Proxy(ProxyOptions options) : options_(std::move(options)) {}
  ~Proxy();
  Proxy(const Proxy&) = delete;
  Proxy& operator=(const Proxy&) = delete;

  /// Binds 127.0.0.1:listen_port and returns the port. Throws
  /// std::system_error.
  std::uint16_t Listen();

  /// The accept loop; returns only if accept fails for good.
  void Serve();

  /// Serve() on a detached thread (the self-check uses this).
  void ServeInBackground();

 private:
  void Accept(int client_fd);

  const ProxyOptions options_;
  int listen_fd_ = -1;
  std::atomic<int> live_sessions_{0};
  std::uint64_t accepted_ = 0;  // only the accept loop's thread touches it
};

}  // namespace haul_bench
