// What haul says and sends: quiet and non-TTY progress on stderr, the exit
// codes and error lines of partly failed batches and of an interrupt,
// --version, the live display on a terminal, and the request headers -H and
// -A put on every request.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <sys/wait.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "harness/files.h"
#include "harness/net.h"
#include "harness/nginx_suite.h"
#include "harness/process.h"
#include "harness/stats.h"

namespace haul_it {
namespace {

namespace fs = std::filesystem;

class OutputTest : public NginxSuite<OutputTest> {
 public:
  static NginxOptions ServerOptions() {
    NginxOptions options;
    // /slow/ paces each connection at 1 MiB/s from the first byte, so a
    // download lasts long enough for progress lines. /guarded/ answers 403
    // unless the request carries the header and user agent the test sets.
    options.server_extra =
        "location /slow/ { limit_rate 1m; sendfile_max_chunk 64k; }\n"
        "location /guarded/ {\n"
        "  if ($http_x_haul_token != \"let-me-in\") { return 403; }\n"
        "  if ($http_user_agent != \"haul-it/1.0\") { return 403; }\n"
        "}\n";
    return options;
  }
};

TEST_F(OutputTest, QuietPrintsNothingOnSuccess) {
  WriteRandomFile(Served("q.bin"), 3 * kMiB, 11);
  const ProcessResult r = Haul({"-q", Url("/q.bin")});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(FilesEqual(Served("q.bin"), work_ / "q.bin"));
}

TEST_F(OutputTest, QuietStillPrintsTheErrorLine) {
  const std::string url = Url("/absent.bin");
  const ProcessResult r = Haul({"-q", url});
  EXPECT_EQ(r.exit_code, 6) << Describe(r);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(url), std::string::npos) << r.err;
}

TEST_F(OutputTest, OffATerminalProgressHasNoCarriageReturnsAndFewLines) {
  // 6 MiB over 2 connections at 1 MiB/s each: about 3 s.
  WriteRandomFile(Served("slow/p.bin"), 6 * kMiB, 12);
  const ProcessResult r = Haul({"-x", "2", Url("/slow/p.bin")});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(FilesEqual(Served("slow/p.bin"), work_ / "p.bin"));
  EXPECT_EQ(r.err.find('\r'), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("\x1b["), std::string::npos) << "escape sequences off a TTY:\n" << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("haul: 1 ok, 0 failed"), std::string::npos) << "no summary:\n" << r.err;
  // At most one progress line every few seconds, plus the summary: a line
  // per update (several a second) would be far more.
  EXPECT_LE(std::count(r.err.begin(), r.err.end(), '\n'), 4) << r.err;
}

TEST_F(OutputTest, OneFailureAmongSuccessesExitsWithItsClassAndNamesTheUrl) {
  WriteRandomFile(Served("good.bin"), 64 * 1024, 13);
  const std::string bad = Url("/nope.bin");
  const ProcessResult r = Haul({"-q", "--stats", Url("/good.bin"), bad});
  EXPECT_EQ(r.exit_code, 6) << Describe(r);  // docs/exit-codes.md: one class, its code
  EXPECT_TRUE(FilesEqual(Served("good.bin"), work_ / "good.bin"));
  EXPECT_FALSE(fs::exists(work_ / "nope.bin"));
  EXPECT_NE(r.err.find("haul: error: " + bad + ": "), std::string::npos) << r.err;
  const auto stats = ParseStats(r.err);
  EXPECT_EQ(StatInt(stats, "downloads ok"), 1u) << r.err;
  EXPECT_EQ(StatInt(stats, "downloads failed"), 1u) << r.err;
}

TEST_F(OutputTest, FailuresOfDifferentClassesExit3WithOneLineEach) {
  WriteRandomFile(Served("good2.bin"), 64 * 1024, 15);
  const std::string not_found = Url("/nope2.bin");
  const std::string refused = "http://127.0.0.1:" + std::to_string(FreePort()) + "/x.bin";
  const ProcessResult r = Haul({"-q", Url("/good2.bin"), not_found, refused});
  EXPECT_EQ(r.exit_code, 3) << Describe(r);
  EXPECT_TRUE(FilesEqual(Served("good2.bin"), work_ / "good2.bin"));
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 2) << r.err;
  EXPECT_NE(r.err.find("haul: error: " + not_found + ": "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("haul: error: " + refused + ": "), std::string::npos) << r.err;
}

TEST_F(OutputTest, VersionNamesHaulLibcurlAndTheTlsLibrary) {
  const ProcessResult r = Haul({"--version"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  // Two lines: "haul X.Y.Z", then libcurl's, which names its TLS library.
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 2) << r.out;
  EXPECT_EQ(r.out.rfind("haul ", 0), 0u) << r.out;
  const std::size_t curl_line = r.out.find("\nlibcurl/7.");
  ASSERT_NE(curl_line, std::string::npos) << r.out;
  const std::string curl = r.out.substr(curl_line + 1);
  EXPECT_TRUE(curl.find(" OpenSSL/") != std::string::npos ||
              curl.find(" GnuTLS/") != std::string::npos)
      << "no TLS library in: " << curl;
}

TEST_F(OutputTest, HeaderAndUserAgentReachTheServerOnEveryRequest) {
  // 8 MiB with -x 4: the first request and the extra range requests must
  // all carry them, or /guarded/ refuses one and the download fails.
  WriteRandomFile(Served("guarded/g.bin"), 8 * kMiB, 14);
  const ProcessResult without = Haul({"-q", Url("/guarded/g.bin")});
  EXPECT_EQ(without.exit_code, 6) << Describe(without);

  const ProcessResult r = Haul({"-x", "4", "-H", "X-Haul-Token: let-me-in", "-A", "haul-it/1.0",
                                "--stats", Url("/guarded/g.bin")});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(FilesEqual(Served("guarded/g.bin"), work_ / "g.bin"));
  const auto opened = StatInt(ParseStats(r.err), "connections opened");
  EXPECT_GT(opened.value_or(0), 1u) << "not split, so the range requests were not checked\n"
                                    << r.err;
}

TEST_F(OutputTest, InterruptExits130AndGivesNoFinalName) {
  // 8 MiB over 2 connections at 1 MiB/s each: about 4 s, interrupted early.
  WriteRandomFile(Served("slow/i.bin"), 8 * kMiB, 16);
  TempDir logs("haul-it-logs-");
  const fs::path log = logs.path() / "haul.log";
  const pid_t pid =
      SpawnBackground({HaulBinary(), "-x", "2", "-d", work_.path().string(), Url("/slow/i.bin")},
                      log);
  // Wait (bounded) until the download has started writing.
  for (int i = 0; i < 100 && !fs::exists(work_ / "i.bin.part"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(fs::exists(work_ / "i.bin.part"));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_EQ(kill(pid, SIGINT), 0);
  int status = 0;
  if (!WaitForExitStatus(pid, std::chrono::seconds(10), &status)) {
    StopProcess(pid, std::chrono::seconds(1));
    FAIL() << "haul did not exit within 10 s of SIGINT";
  }
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 130) << ReadFile(log);
  EXPECT_FALSE(fs::exists(work_ / "i.bin")) << "an interrupted download got its final name";
}

/// Runs haul with stderr on a new pseudo-terminal (stdin and stdout on
/// /dev/null) and returns what it drew there; the exit status goes to
/// *status. Bounded by `timeout`: at the deadline haul is killed by pid.
std::string RunOnTerminal(const std::vector<std::string>& args, int* status,
                          std::chrono::seconds timeout) {
  int master = -1;
  int slave = -1;
  winsize size{};
  size.ws_row = 24;
  size.ws_col = 100;
  if (openpty(&master, &slave, nullptr, nullptr, &size) != 0) {
    ADD_FAILURE() << "openpty failed";
    return {};
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, slave, 2);
  posix_spawn_file_actions_addclose(&actions, master);
  std::vector<std::string> argv_storage = {HaulBinary()};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  argv.reserve(argv_storage.size() + 1);
  for (std::string& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(slave);
  if (rc != 0) {
    close(master);
    ADD_FAILURE() << "posix_spawn failed: " << rc;
    return {};
  }
  // Read until the child closes the terminal (EIO on Linux) or the deadline.
  std::string drawn;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd pfd{master, POLLIN, 0};
    if (poll(&pfd, 1, 100) <= 0) continue;
    char chunk[4096];
    const ssize_t n = read(master, chunk, sizeof chunk);
    if (n <= 0) break;
    drawn.append(chunk, static_cast<size_t>(n));
  }
  close(master);
  if (!WaitForExitStatus(pid, std::chrono::seconds(5), status)) {
    StopProcess(pid, std::chrono::seconds(1));
    ADD_FAILURE() << "haul did not finish on the terminal in time";
  }
  return drawn;
}

TEST_F(OutputTest, OnATerminalProgressIsRedrawnInPlace) {
  // 6 MiB over 2 connections at 1 MiB/s each: about 3 s of live display.
  WriteRandomFile(Served("slow/t.bin"), 6 * kMiB, 18);
  int status = 0;
  const std::string drawn = RunOnTerminal(
      {"-x", "2", "-d", work_.path().string(), Url("/slow/t.bin")}, &status,
      std::chrono::seconds(60));
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << drawn;
  EXPECT_TRUE(FilesEqual(Served("slow/t.bin"), work_ / "t.bin"));
  // Several frames redrawn in place, showing bytes, speed, ETA and the
  // active downloads; then the summary on a line of its own. (The terminal
  // turns each "\n" into "\r\n", so '\r' alone proves nothing.)
  size_t frames = 0;
  for (size_t at = drawn.find("ETA"); at != std::string::npos; at = drawn.find("ETA", at + 1)) {
    ++frames;  // bounded by the output's size
  }
  EXPECT_GE(frames, 5u) << drawn;
  bool redrawn = false;  // some frame starts with '\r' then the byte count
  for (size_t i = 0; i + 1 < drawn.size() && !redrawn; ++i) {
    redrawn = drawn[i] == '\r' && std::isdigit(static_cast<unsigned char>(drawn[i + 1])) != 0;
  }
  EXPECT_TRUE(redrawn) << drawn;
  EXPECT_NE(drawn.find("MiB/s"), std::string::npos) << drawn;
  EXPECT_NE(drawn.find("ETA"), std::string::npos) << drawn;
  EXPECT_NE(drawn.find("1 active"), std::string::npos) << drawn;
  EXPECT_NE(drawn.find("haul: 1 ok, 0 failed"), std::string::npos) << drawn;
  // No frame is wider than the terminal (100 columns), or it would wrap.
  size_t frame_start = 0;
  for (size_t i = 0; i <= drawn.size(); ++i) {
    if (i == drawn.size() || drawn[i] == '\r' || drawn[i] == '\n') {
      EXPECT_LT(i - frame_start, 100u) << drawn;
      frame_start = i + 1;
    }
  }
}

// https://no-color.org: on a terminal the error prefix is red, unless
// NO_COLOR is set to anything non-empty; off a terminal there is never colour
// (OffATerminalProgressHasNoCarriageReturnsAndFewLines).
TEST_F(OutputTest, OnATerminalErrorsAreRedUnlessNoColorIsSet) {
  const std::string missing = Url("/not-here.bin");
  const std::vector<std::string> args = {"-d", work_.path().string(), missing};
  int status = 0;
  ::unsetenv("NO_COLOR");
  std::string drawn = RunOnTerminal(args, &status, std::chrono::seconds(30));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 6) << drawn;
  EXPECT_NE(drawn.find("\x1b[31mhaul: error:\x1b[0m " + missing), std::string::npos) << drawn;
  ::setenv("NO_COLOR", "1", 1);
  drawn = RunOnTerminal(args, &status, std::chrono::seconds(30));
  ::unsetenv("NO_COLOR");
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 6) << drawn;
  EXPECT_NE(drawn.find("haul: error: " + missing), std::string::npos) << drawn;
  EXPECT_EQ(drawn.find("\x1b["), std::string::npos) << "colour despite NO_COLOR:\n" << drawn;
}

}  // namespace
}  // namespace haul_it
