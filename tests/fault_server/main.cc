// haul_fault_server: an HTTP/1.1 server on 127.0.0.1 that serves
// deterministic content (content.h) and misbehaves on request, the fault
// being chosen by query parameters (fault_params.h). The integration tests
// start it through harness/fault_server.h.
//
//   haul_fault_server [--port N]
//
// Prints "PORT <n>" on stdout once it listens (N = 0, the default, lets the
// kernel pick), then serves until SIGTERM or SIGINT and exits 0. Exit code
// 1: it could not listen; 2: bad arguments.
//
// Thread safety: main() runs the accept loop; each connection has its own
// thread. The signal handler only sets an atomic flag that every thread
// polls.
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <system_error>

#include "fault_server/http.h"
#include "fault_server/server.h"

namespace {

std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");

void OnStopSignal(int /*signal*/) { g_stop.store(true); }

void InstallSignalHandlers() {
  struct sigaction action {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  signal(SIGPIPE, SIG_IGN);  // sends use MSG_NOSIGNAL too; this is a backstop
}

/// Reads "--port N"; false on anything else.
bool ParseArgs(int argc, char** argv, std::uint16_t* port) {
  for (int i = 1; i < argc; i += 2) {
    std::uint64_t value = 0;
    if (std::strcmp(argv[i], "--port") != 0 || i + 1 >= argc ||
        !haul_fault::ParseU64(argv[i + 1], &value) || value > 65535) {
      return false;
    }
    *port = static_cast<std::uint16_t>(value);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::uint16_t port = 0;
  if (!ParseArgs(argc, argv, &port)) {
    std::fprintf(stderr, "usage: haul_fault_server [--port N]\n");
    return 2;
  }
  InstallSignalHandlers();
  haul_fault::Server server(g_stop);
  try {
    port = server.Listen(port);
  } catch (const std::system_error& e) {  // the only expected failure: start-up
    std::fprintf(stderr, "haul_fault_server: %s\n", e.what());
    return 1;
  }
  std::printf("PORT %u\n", static_cast<unsigned>(port));
  std::fflush(stdout);
  server.Run();
  return 0;
}
