// haul_latency_proxy: a TCP proxy on 127.0.0.1 that adds latency (and
// optionally a rate cap) to every byte in both directions, for the latency
// benchmarks in bench/run.sh (netem is not available on the machines they
// run on). Raw POSIX sockets and threads; no dependencies.
//
//   haul_latency_proxy --target HOST:PORT [--listen PORT] [--delay-ms MS]
//                      [--rate BYTES_PER_S] [--no-connect-delay] [--log-connections]
//   haul_latency_proxy --self-check [--delay-ms MS] [--rate BYTES_PER_S] [--no-connect-delay]
//
// Prints "PORT <n>" on stdout once it listens (--listen 0, the default, lets
// the kernel pick), then with --log-connections "CONN <n>" for each accepted
// connection. Exits 0 at once on SIGTERM or SIGINT (the kernel closes every
// socket). Exit codes: 1 could not listen or a self-check failed, 2 bad
// arguments. The latency model is described in proxy.h.
//
// Thread safety: main() blocks the stop signals before any thread starts,
// runs the accept loop on a thread of its own, and waits for a signal.
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>

#include "proxy.h"
#include "self_check.h"

namespace {

using haul_bench::ProxyOptions;

constexpr const char* kUsage =
    "usage: haul_latency_proxy --target HOST:PORT [--listen PORT] [--delay-ms MS]\n"
    "                          [--rate BYTES_PER_S] [--no-connect-delay] [--log-connections]\n"
    "       haul_latency_proxy --self-check [--delay-ms MS] [--rate BYTES_PER_S]\n"
    "                          [--no-connect-delay]\n";

bool ParseNumber(std::string_view text, std::uint64_t max, std::uint64_t* out) {
  if (text.empty() || text.size() > 19) return false;
  std::uint64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (value > max) return false;
  *out = value;
  return true;
}

bool ParsePort(std::string_view text, std::uint16_t* port) {
  std::uint64_t value = 0;
  if (!ParseNumber(text, 65535, &value)) return false;
  *port = static_cast<std::uint16_t>(value);
  return true;
}

/// "HOST:PORT"; the last colon splits, so "[::1]:80" style is not needed
/// for 127.0.0.1 and localhost.
bool ParseTarget(std::string_view text, ProxyOptions* o) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  o->target_host = std::string(text.substr(0, colon));
  return ParsePort(text.substr(colon + 1), &o->target_port) && o->target_port != 0;
}

struct Flag {
  const char* name;
  bool takes_value;
  std::function<bool(std::string_view, ProxyOptions*)> apply;
};

const Flag kFlags[] = {
    {"--listen", true, [](std::string_view v, ProxyOptions* o) { return ParsePort(v, &o->listen_port); }},
    {"--target", true, ParseTarget},
    {"--delay-ms", true,
     [](std::string_view v, ProxyOptions* o) {
       std::uint64_t ms = 0;
       if (!ParseNumber(v, 60000, &ms)) return false;
       o->delay = std::chrono::milliseconds(ms);
       return true;
     }},
    {"--rate", true, [](std::string_view v, ProxyOptions* o) { return ParseNumber(v, UINT64_MAX / 2, &o->rate); }},
    {"--no-connect-delay", false, [](std::string_view, ProxyOptions* o) { o->emulate_handshake = false; return true; }},
    {"--log-connections", false, [](std::string_view, ProxyOptions* o) { o->log_connections = true; return true; }},
};

/// Fills *o from argv; false on anything unknown or malformed.
bool ParseArgs(int argc, char** argv, ProxyOptions* o, bool* self_check) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--self-check") {
      *self_check = true;
      continue;
    }
    const Flag* flag = nullptr;
    for (const Flag& f : kFlags) flag = arg == f.name ? &f : flag;
    if (flag == nullptr) return false;
    std::string_view value;
    if (flag->takes_value) {
      if (++i >= argc) return false;
      value = argv[i];
    }
    if (!flag->apply(value, o)) return false;
  }
  return *self_check || o->target_port != 0;
}

/// Runs the proxy until SIGTERM or SIGINT. The signals are blocked in every
/// thread (they inherit the mask) and taken here with sigwait.
int Serve(ProxyOptions options, const sigset_t& stop_signals) {
  static haul_bench::Proxy* proxy = nullptr;  // lives until the process exits
  proxy = new haul_bench::Proxy(std::move(options));
  std::uint16_t port = 0;
  try {
    port = proxy->Listen();
  } catch (const std::system_error& e) {  // the only expected failure: start-up
    std::fprintf(stderr, "haul_latency_proxy: %s\n", e.what());
    return 1;
  }
  std::printf("PORT %u\n", static_cast<unsigned>(port));
  std::fflush(stdout);
  proxy->ServeInBackground();
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  std::fflush(stdout);
  // Sessions block in recv on detached threads; ending the process is the
  // prompt way out, and the kernel closes their sockets.
  std::_Exit(0);
}

}  // namespace

int main(int argc, char** argv) {
  ProxyOptions options;
  bool self_check = false;
  if (!ParseArgs(argc, argv, &options, &self_check)) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);  // sends use MSG_NOSIGNAL too; this is a backstop
  if (self_check) std::_Exit(haul_bench::RunSelfCheck(options));
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  return Serve(std::move(options), stop_signals);
}
