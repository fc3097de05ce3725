// The fault server's listener: accepts TCP connections on 127.0.0.1 and
// serves each on its own thread (at most kMaxConnections at once; extra
// ones are closed as soon as they are accepted), until the shutdown flag is
// set.
//
// Thread safety: Listen and Run are called from one thread (main). The
// connection threads share the Counters and read the shutdown flag; Run
// joins them all before it returns.
#pragma once

#include <atomic>
#include <cstdint>
#include <list>
#include <thread>

#include "fault_server/counters.h"

namespace haul_fault {

/// Connections served at the same time; one more is accepted and closed.
inline constexpr std::size_t kMaxConnections = 256;

/// One listening socket and the threads serving its connections.
class Server {
 public:
  /// Run() returns once `stop` is set, e.g. by a SIGTERM handler.
  explicit Server(const std::atomic<bool>& stop) : stop_(stop) {}
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds 127.0.0.1:port (0: a port the kernel picks) and listens.
  /// Returns the port. Throws std::system_error when it cannot.
  std::uint16_t Listen(std::uint16_t port);

  /// Accepts and serves until `stop` is set, then waits for every
  /// connection thread, each of which notices within a poll slice.
  void Run();

 private:
  /// A connection thread; `done` is set as its last action.
  struct Worker {
    std::thread thread;
    std::atomic<bool> done{false};
  };

  void AcceptOne();
  /// Joins the threads whose connections have ended.
  void ReapFinished();

  const std::atomic<bool>& stop_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  Counters counters_;
  std::list<Worker> workers_;  ///< touched by the Run() thread only
};

}  // namespace haul_fault
