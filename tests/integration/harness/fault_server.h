// The fault-injecting HTTP/1.1 test server (tests/fault_server) for the
// integration tests: starting and stopping it, URLs that pick its faults,
// and reading its per-path counters back.
//
// FaultServer spawns haul_fault_server with posix_spawn (the binary CMake
// built, HAUL_FAULT_SERVER_PATH, or $HAUL_FAULT_SERVER), its stdout and
// stderr going to a log file in its own temp directory, and waits at most
// 5 s for the "PORT <n>" line. Stop() (and the destructor) sends SIGTERM to
// that pid, waits at most 5 s, then SIGKILLs it. The faults and their
// parameters are listed in tests/integration/README.md and
// tests/fault_server/fault_params.h.
//
// The served bytes are those of tests/fault_server/content.h, re-exported
// here: Content(size, version) is the whole resource.
//
// Thread safety: Start, Stop and destruction from one thread. Once started,
// Url, Stats, port and RawHttpExchange may be called from any thread.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fault_server/content.h"
#include "harness/files.h"

namespace haul_it {

// The served content: ContentByte(offset, version), FillContent(offset,
// out, version), ContentSlice(offset, length, version) and Content(size,
// version).
using haul_fault::Content;
using haul_fault::ContentByte;
using haul_fault::ContentSlice;
using haul_fault::FillContent;

/// A path's counters, from GET /_stats/<name>.
struct FaultStats {
  int requests = 0;         ///< requests for the path, /_stats excluded
  std::uint64_t bytes = 0;  ///< body bytes the server's sockets accepted
  /// Each request's Range without "bytes=" ("0-1023"), "" when it had none.
  std::vector<std::string> ranges;
};

/// What one raw exchange with a server brought back.
struct RawReply {
  std::string data;        ///< every byte received, head and body
  bool reset = false;      ///< the connection ended with ECONNRESET
  bool timed_out = false;  ///< the deadline passed before the server closed
  double seconds = 0;      ///< from connecting to the end
};

/// Sends `request` verbatim on a new TCP connection to 127.0.0.1:port and
/// reads until the server closes the connection, resets it, or `timeout`
/// passes. End the last request with "Connection: close" so the server
/// closes. Throws std::runtime_error when it cannot connect.
RawReply RawHttpExchange(std::uint16_t port, std::string_view request,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10));

/// The haul_fault_server binary: $HAUL_FAULT_SERVER when set, else the path
/// CMake compiled in, else "haul_fault_server" from PATH.
std::string FaultServerBinary();

/// True when `path` holds exactly Content(size, version); the message says
/// where the first difference is. Compiled optimised with the harness, so a
/// debug test build compares tens of MiB quickly.
testing::AssertionResult HasServedContent(const std::filesystem::path& path, std::uint64_t size,
                                          std::uint64_t version = 0);

/// One running haul_fault_server.
class FaultServer {
 public:
  FaultServer() = default;
  /// Stops the server if it runs.
  ~FaultServer();
  FaultServer(const FaultServer&) = delete;
  FaultServer& operator=(const FaultServer&) = delete;

  /// Spawns the server and waits for its port. Throws std::runtime_error
  /// (with the server's log) when it does not start within 5 s.
  void Start();

  /// SIGTERM, a wait of at most 5 s, then SIGKILL; reaps the process.
  /// Returns its exit code (0 after a clean shutdown, 128 + signal when it
  /// was killed), or -1 when it was not running.
  int Stop();

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  std::uint16_t port() const { return port_; }
  /// "http://127.0.0.1:PORT", without a slash.
  std::string base_url() const;
  /// http://127.0.0.1:PORT/<name>?<query>; without '?' when `query` is
  /// empty. A leading '/' of `name` is ignored.
  std::string Url(std::string_view name, std::string_view query = "") const;
  /// The counters of path /<name>. Throws std::runtime_error when the
  /// server does not answer them.
  FaultStats Stats(std::string_view name) const;
  /// What the server wrote to stdout and stderr so far.
  std::string log() const;

 private:
  /// Waits for "PORT <n>" in the log; false when the server exits first
  /// or does not print it in time.
  bool WaitForPort();

  std::unique_ptr<TempDir> dir_;  ///< holds the log; made by Start()
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace haul_it
