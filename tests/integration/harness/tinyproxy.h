// A real HTTP forward proxy on 127.0.0.1 for the integration tests:
// tinyproxy (Debian's tinyproxy-bin, installed by scripts/setup.sh) with a
// throwaway configuration, log and pid file in its own temp directory.
//
// TinyProxy writes tinyproxy.conf (Listen and Allow 127.0.0.1 only, a free
// port, LogLevel Info into the temp dir: one "Request" line per request it
// forwards), starts /usr/bin/tinyproxy (or $HAUL_TEST_TINYPROXY, or
// "tinyproxy" from PATH) in the foreground (-d) with posix_spawn, and waits
// until the port accepts. Its destructor stops it by pid (SIGTERM, then
// SIGKILL) and removes the directory.
//
// Thread safety: construct, use and destroy from one thread. Reading the log
// while haul runs is safe (tinyproxy only appends).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "harness/files.h"

namespace haul_it {

/// One running tinyproxy. Throws std::runtime_error when it cannot start.
class TinyProxy {
 public:
  TinyProxy();
  ~TinyProxy();
  TinyProxy(const TinyProxy&) = delete;
  TinyProxy& operator=(const TinyProxy&) = delete;

  /// "http://127.0.0.1:PORT", for --proxy and http_proxy.
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::uint16_t port() const { return port_; }
  /// What tinyproxy logged so far; each forwarded request appears as
  /// "Request (file descriptor N): GET http://HOST:PORT/PATH HTTP/1.1".
  std::string Log() const;

 private:
  void WriteConfig() const;
  bool TryStart();

  TempDir dir_{"haul-tinyproxy-"};
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace haul_it
