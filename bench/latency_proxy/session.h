// One proxied TCP connection: a client socket the proxy accepted and the
// server socket it opened for it, with a DelayQueue per direction.
//
// Thread safety: Run() is called once, on the thread that owns the
// Session; it starts three more threads (one reader and two writers) and
// joins them before it returns, so the sockets are closed only when no
// thread uses them any more.
#pragma once

#include <atomic>

#include "delay_queue.h"

namespace haul_bench {

/// Both directions of one connection. Each direction has a reader thread
/// (recv, stamp a due time, push) and a writer thread (pop when due, send).
/// A FIN is passed on as shutdown(SHUT_WR) once the bytes before it are
/// delivered, so half-closed connections stay half-closed. A receive error
/// (say, a reset) or a send error aborts the whole connection: both sockets
/// are shut down and later closed with RST.
class Session {
 public:
  /// Takes ownership of both sockets. `to_server` and `to_client` shape
  /// the two directions.
  Session(int client_fd, int server_fd, const LinkShape& to_server, const LinkShape& to_client);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  /// Forwards until both directions have ended or the connection aborts.
  void Run();

 private:
  void Read(int from, DelayQueue* queue, Schedule schedule);
  void Write(int to, DelayQueue* queue);
  void Abort();

  const int client_fd_;
  const int server_fd_;
  const LinkShape to_server_;
  const LinkShape to_client_;
  DelayQueue upstream_;    // client -> server
  DelayQueue downstream_;  // server -> client
  std::atomic<bool> aborted_{false};
};

}  // namespace haul_bench
