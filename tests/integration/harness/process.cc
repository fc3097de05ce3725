#include "harness/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "harness/net.h"

extern char** environ;

namespace haul_it {
namespace {

using Clock = std::chrono::steady_clock;

/// Writing to a pipe whose reader has exited must fail with EPIPE instead of
/// killing the test process.
void IgnoreSigpipeOnce() {
  static std::once_flag once;
  std::call_once(once, [] { signal(SIGPIPE, SIG_IGN); });
}

/// A pipe whose ends close themselves; both ends are O_CLOEXEC so that only
/// the dup2'd copies reach the child.
struct Pipe {
  int fds[2] = {-1, -1};
  Pipe() {
    if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  }
  ~Pipe() { CloseBoth(); }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  void Close(int i) {
    if (fds[i] >= 0) close(fds[i]);
    fds[i] = -1;
  }
  void CloseBoth() {
    Close(0);
    Close(1);
  }
};

/// posix_spawn's file actions and attributes, freed on scope exit.
struct SpawnSetup {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
    // SIG_IGN survives exec, so give the child default SIGPIPE handling back
    // and an empty signal mask.
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    sigset_t empty;
    sigemptyset(&empty);
    posix_spawnattr_setsigmask(&attr, &empty);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

/// `base` ("NAME=value" strings) with `changes` applied as RunOptions::env says.
std::vector<std::string> ChangedEnvironment(char** base, const std::vector<std::string>& changes) {
  std::vector<std::string> env;
  for (char** e = base; *e != nullptr; ++e) env.emplace_back(*e);
  for (const std::string& change : changes) {
    const std::string name = change.substr(0, change.find('='));
    std::erase_if(env, [&](const std::string& e) { return e.rfind(name + "=", 0) == 0; });
    if (change.size() > name.size()) env.push_back(change);
  }
  return env;
}

pid_t Spawn(const std::vector<std::string>& argv, SpawnSetup& setup,
            const std::vector<std::string>& env_changes = {}) {
  if (argv.empty()) throw std::invalid_argument("empty argv");
  const std::vector<std::string> env = ChangedEnvironment(environ, env_changes);
  std::vector<char*> cenv;
  cenv.reserve(env.size() + 1);
  for (const auto& e : env) cenv.push_back(const_cast<char*>(e.c_str()));
  cenv.push_back(nullptr);
  std::vector<char*> cargv;
  cargv.reserve(argv.size() + 1);
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, cargv[0], &setup.actions, &setup.attr,
                              cargv.data(), cenv.data());
  if (rc != 0) {
    throw std::runtime_error("posix_spawn " + argv[0] + ": " + std::strerror(rc));
  }
  return pid;
}

int DecodeStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

/// The parent's side of a running child's three pipes.
struct ChildPipes {
  int in = -1, out = -1, err = -1;
  const std::string* stdin_data = nullptr;
  size_t stdin_written = 0;
  const RunOptions* options = nullptr;  ///< how stdout is read
};

/// Moves whatever is ready between the pipes and the strings. Returns false
/// once stdout and stderr are both at EOF.
bool PumpOnce(ChildPipes& p, ProcessResult& r, int timeout_ms) {
  pollfd fds[3] = {{p.in, POLLOUT, 0}, {p.out, POLLIN, 0}, {p.err, POLLIN, 0}};
  if (poll(fds, 3, timeout_ms) < 0 && errno != EINTR) return false;
  if (p.in >= 0 && (fds[0].revents & (POLLOUT | POLLERR | POLLHUP))) {
    const std::string& data = *p.stdin_data;
    const ssize_t n = write(p.in, data.data() + p.stdin_written,
                            data.size() - p.stdin_written);
    if (n > 0) p.stdin_written += static_cast<size_t>(n);
    if ((n < 0 && errno != EAGAIN && errno != EINTR) || p.stdin_written == data.size()) {
      close(p.in);
      p.in = -1;
    }
  }
  int* fd_for[2] = {&p.out, &p.err};
  std::string* sink_for[2] = {&r.out, &r.err};
  for (int i = 0; i < 2; ++i) {
    if (*fd_for[i] < 0 || !(fds[i + 1].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    char buf[65536];
    size_t want = sizeof buf;
    const bool is_stdout = i == 0;
    if (is_stdout) {
      want = std::min({want, std::max<size_t>(p.options->stdout_chunk, 1),
                       p.options->stdout_limit - r.out.size()});
    }
    const ssize_t n = read(*fd_for[i], buf, want);
    if (n > 0) sink_for[i]->append(buf, static_cast<size_t>(n));
    const bool at_limit = is_stdout && r.out.size() >= p.options->stdout_limit;
    if (n == 0 || at_limit || (n < 0 && errno != EINTR && errno != EAGAIN)) {
      close(*fd_for[i]);
      *fd_for[i] = -1;
    }
    if (is_stdout && n > 0 && p.options->stdout_pause.count() > 0) {
      std::this_thread::sleep_for(p.options->stdout_pause);  // a slow reader, by design
    }
  }
  return p.out >= 0 || p.err >= 0;
}

int MillisLeft(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - Clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

}  // namespace

bool WaitForExit(pid_t pid, std::chrono::milliseconds timeout) {
  return WaitForExitStatus(pid, timeout, nullptr);
}

bool WaitForExitStatus(pid_t pid, std::chrono::milliseconds timeout, int* status) {
  return WaitForExitUsage(pid, timeout, status, nullptr);
}

bool WaitForExitUsage(pid_t pid, std::chrono::milliseconds timeout, int* status,
                      rusage* usage) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {  // bounded by the deadline
    int st = 0;
    rusage ru{};
    const pid_t done = wait4(pid, &st, WNOHANG, &ru);
    if (done == pid || (done < 0 && errno == ECHILD)) {
      if (status != nullptr) *status = st;
      if (usage != nullptr && done == pid) *usage = ru;
      return true;
    }
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void StopProcess(pid_t pid, std::chrono::milliseconds grace) {
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  if (WaitForExit(pid, grace)) return;
  kill(pid, SIGKILL);
  WaitForExit(pid, std::chrono::seconds(10));
}

ProcessResult RunProcess(const std::vector<std::string>& argv,
                         const RunOptions& options) {
  IgnoreSigpipeOnce();
  Pipe in, out, err;
  SpawnSetup setup;
  posix_spawn_file_actions_adddup2(&setup.actions, in.fds[0], 0);
  posix_spawn_file_actions_adddup2(&setup.actions, out.fds[1], 1);
  posix_spawn_file_actions_adddup2(&setup.actions, err.fds[1], 2);
  if (!options.cwd.empty()) {
    posix_spawn_file_actions_addchdir_np(&setup.actions, options.cwd.c_str());
  }
  const auto start = Clock::now();
  const pid_t pid = Spawn(argv, setup, options.env);
  in.Close(0);  // the child's ends
  out.Close(1);
  err.Close(1);

  ProcessResult r;
  ChildPipes p{in.fds[1], out.fds[0], err.fds[0], &options.stdin_data, 0, &options};
  in.fds[1] = out.fds[0] = err.fds[0] = -1;  // now owned by p
  // Non-blocking, so that one large write cannot stall the loop while the
  // child waits for us to drain its stdout.
  for (int fd : {p.in, p.out, p.err}) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  if (options.stdin_data.empty()) {
    close(p.in);
    p.in = -1;
  }
  if (options.stdout_limit == 0) {  // a reader that reads nothing at all
    close(p.out);
    p.out = -1;
  }
  const auto deadline = start + options.timeout;
  while (PumpOnce(p, r, std::min(MillisLeft(deadline), 100))) {
    if (Clock::now() >= deadline) break;
  }
  for (int fd : {p.in, p.out, p.err}) {
    if (fd >= 0) close(fd);
  }
  int status = 0;
  rusage usage{};
  if (!WaitForExitUsage(pid, std::chrono::milliseconds(MillisLeft(deadline)), &status,
                        &usage)) {
    r.timed_out = true;
    kill(pid, SIGKILL);
    WaitForExitUsage(pid, std::chrono::seconds(10), &status, &usage);
  }
  r.exit_code = DecodeStatus(status);
  r.max_rss_kib = usage.ru_maxrss;
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return r;
}

pid_t SpawnBackground(const std::vector<std::string>& argv,
                      const std::filesystem::path& log_path) {
  SpawnSetup setup;
  posix_spawn_file_actions_addopen(&setup.actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&setup.actions, 1, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&setup.actions, 1, 2);
  return Spawn(argv, setup);
}

std::string HaulBinary() {
  if (const char* env = std::getenv("HAUL_BINARY"); env != nullptr && *env != '\0') {
    return env;
  }
#ifdef HAUL_BINARY_PATH
  return HAUL_BINARY_PATH;
#else
  return "haul";
#endif
}

ProcessResult RunHaul(const std::vector<std::string>& args,
                      const std::filesystem::path& cwd,
                      const std::string& stdin_data) {
  RunOptions options;
  options.cwd = cwd;
  options.stdin_data = stdin_data;
  return RunHaulWith(args, options);
}

ProcessResult RunHaulWith(const std::vector<std::string>& args, const RunOptions& options) {
  std::vector<std::string> argv{HaulBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  RunOptions controlled = options;
  const std::filesystem::path cwd =
      options.cwd.empty() ? std::filesystem::current_path() : options.cwd;
  controlled.env = {"XDG_CONFIG_HOME=" + (cwd / ".config").string(),
                    "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy",
                    "NO_PROXY", "no_proxy"};
  controlled.env.insert(controlled.env.end(), options.env.begin(), options.env.end());
  return RunProcess(argv, controlled);
}

std::string Describe(const ProcessResult& r) {
  std::string s = "exit code " + std::to_string(r.exit_code);
  if (r.timed_out) s += " (killed at the timeout)";
  s += " after " + std::to_string(r.seconds) + " s; stderr:\n" + r.err;
  return s;
}

bool AwaitListening(pid_t pid, std::uint16_t port, std::chrono::milliseconds timeout,
                    std::chrono::milliseconds grace) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {  // bounded
    if (WaitForExit(pid, std::chrono::milliseconds(0))) return false;  // it gave up
    if (PortAccepts(port)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  StopProcess(pid, grace);
  return false;
}

std::string FindTool(const char* env_var, const char* installed, const char* name) {
  if (const char* env = std::getenv(env_var); env != nullptr && *env != '\0') return env;
  if (access(installed, X_OK) == 0) return installed;
  return name;  // posix_spawnp searches PATH
}

std::vector<std::string> NonEmptyLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {  // bounded by the text's size
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

}  // namespace haul_it
