// Running child processes for the integration tests: the haul binary under
// test, nginx, openssl and sha256sum. Every child is started with
// posix_spawn, waited for with a deadline, and killed only by its own pid.
//
// Thread safety: the functions here may be called from any thread; they
// share no state. The test process ignores SIGPIPE (set on first use) so a
// child that exits early cannot kill the test when its stdin is written.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

namespace haul_it {

/// What a finished child left behind.
struct ProcessResult {
  int exit_code = -1;      ///< exit status, or 128 + signal number
  bool timed_out = false;  ///< true when the child was killed at the deadline
  std::string out;         ///< everything it wrote to stdout
  std::string err;         ///< everything it wrote to stderr
  double seconds = 0;      ///< wall time from spawn to reap
  long max_rss_kib = 0;    ///< the child's peak resident set (ru_maxrss)
};

/// How to run one child.
struct RunOptions {
  std::filesystem::path cwd;  ///< empty: the test's own working directory
  std::string stdin_data;     ///< written to the child's stdin, then closed
  std::chrono::milliseconds timeout{std::chrono::seconds(120)};
  /// How stdout is read, to play a slow or an impatient reader of a pipe
  /// (haul -o -): at most `stdout_chunk` bytes per read, each read followed
  /// by a pause of `stdout_pause`; once `stdout_limit` bytes were read the
  /// reading end is closed, as `| head -c N` does, and later writes of the
  /// child fail with EPIPE. The defaults read everything as fast as it comes.
  std::size_t stdout_chunk = 65536;
  std::chrono::milliseconds stdout_pause{0};
  std::size_t stdout_limit = std::numeric_limits<std::size_t>::max();
  /// Changes to the inherited environment, applied in order: "NAME=value"
  /// sets NAME, a bare "NAME" removes it.
  std::vector<std::string> env;
};

/// Runs argv[0] (searched in PATH when it has no '/') to completion, feeding
/// stdin and draining stdout and stderr with poll() so neither pipe can fill
/// up and deadlock. On timeout the child is killed with SIGKILL by pid.
ProcessResult RunProcess(const std::vector<std::string>& argv,
                         const RunOptions& options = {});

/// Starts argv[0] in the background with stdin from /dev/null and stdout and
/// stderr appended to log_path. Returns the pid; throws std::runtime_error
/// when posix_spawn fails.
pid_t SpawnBackground(const std::vector<std::string>& argv,
                      const std::filesystem::path& log_path);

/// Waits up to `timeout` for pid to exit; returns true when it was reaped.
bool WaitForExit(pid_t pid, std::chrono::milliseconds timeout);

/// Like WaitForExit, and stores the raw waitpid status in *status when it
/// is not null.
bool WaitForExitStatus(pid_t pid, std::chrono::milliseconds timeout, int* status);

/// Like WaitForExitStatus, and stores the child's resource usage (wait4)
/// in *usage when it is not null and the child was reaped here.
bool WaitForExitUsage(pid_t pid, std::chrono::milliseconds timeout, int* status,
                      rusage* usage);

/// Stops a child we started: SIGTERM, a bounded wait, then SIGKILL and reap.
void StopProcess(pid_t pid, std::chrono::milliseconds grace);

/// Waits until the server just spawned as `pid` accepts connections on
/// 127.0.0.1:`port`, for at most `timeout`. False when it exited first, or
/// did not listen in time (it is then stopped, with `grace`).
bool AwaitListening(pid_t pid, std::uint16_t port, std::chrono::milliseconds timeout,
                    std::chrono::milliseconds grace);

/// The haul binary under test: $HAUL_BINARY when set, else the path CMake
/// compiled in (HAUL_BINARY_PATH), else "haul" from PATH.
std::string HaulBinary();

/// The haul binary runs in a controlled environment: $XDG_CONFIG_HOME is
/// `cwd`/.config (so a test's config goes in work_/.config/haul/config and
/// the user's own is never read) and the proxy variables libcurl reads are
/// removed; RunOptions::env is applied after that.
///
/// Runs the haul binary with `args` in `cwd`, with an optional stdin.
ProcessResult RunHaul(const std::vector<std::string>& args,
                      const std::filesystem::path& cwd,
                      const std::string& stdin_data = {});

/// Runs the haul binary with `args` and everything else from `options`
/// (its cwd, stdin, timeout and how stdout is read).
ProcessResult RunHaulWith(const std::vector<std::string>& args, const RunOptions& options);

/// A one-line description of a result for assertion messages: the exit code,
/// whether it timed out, and stderr.
std::string Describe(const ProcessResult& r);

/// The program to run for a server the tests start: $`env_var` when set and
/// not empty, else `installed` when executable, else `name` (found on PATH).
std::string FindTool(const char* env_var, const char* installed, const char* name);

/// The non-empty lines of `text` (a process's stderr, say), in order.
std::vector<std::string> NonEmptyLines(const std::string& text);

}  // namespace haul_it
