// One client connection of the fault server: reads requests (keep-alive,
// pipelining allowed), plans each answer and delivers it, faults included,
// until the client, a fault, a timeout or shutdown ends the connection.
//
// Thread safety: a Connection is used by the one thread that serves it. It
// shares only the Counters (thread-safe) and the shutdown flag.
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "fault_server/counters.h"
#include "fault_server/response_plan.h"

namespace haul_fault {

/// How long a connection waits for the next request, or for the client to
/// take more of a response, before giving up on it.
inline constexpr std::chrono::milliseconds kIdleTimeout{60000};

/// Serves one accepted, non-blocking socket, and closes it.
class Connection {
 public:
  /// Takes ownership of `fd`. `default_host` ("127.0.0.1:PORT") is used for
  /// absolute redirects when a request has no Host field.
  Connection(int fd, Counters& counters, const std::atomic<bool>& stop, std::string default_host);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Serves requests until the connection ends, then closes the socket.
  void Serve();

 private:
  /// How a response leaves the connection.
  enum class Ending {
    kKeepOpen,  ///< ready for the next request
    kClose,     ///< close with a FIN
    kReset,     ///< close with an RST
    kAbort,     ///< the socket failed, timed out or the server stops: just close
  };

  /// The next request head, without its blank line; nullopt when the
  /// connection ends first (a head too large is answered 400 here).
  std::optional<std::string> ReadHead();
  Ending Handle(std::string_view head);
  ResponsePlan StatsResponse(const Request& request) const;
  /// Sends the head and body of `plan`, counting body bytes for
  /// `count_path` unless it is null.
  Ending Respond(const ResponsePlan& plan, const std::string* count_path);
  Ending SendBody(const ResponsePlan& plan, const std::string* count_path);
  /// Applies the faults due once `sent` body bytes are out; nullopt when
  /// delivery goes on.
  std::optional<Ending> FaultAt(const ResponsePlan& plan, std::uint64_t sent, bool* stalled);
  void Finish(Ending ending);

  const int fd_;
  Counters& counters_;
  const std::atomic<bool>& stop_;
  const std::string default_host_;
  std::string input_;  ///< received bytes not yet parsed
};

}  // namespace haul_fault
