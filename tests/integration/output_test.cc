// What haul says and sends: quiet and non-TTY progress on stderr, the exit
// codes and error lines of partly failed batches and of an interrupt,
// --version, and the request headers -H and -A put on every request.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include "harness/files.h"
#include "harness/net.h"
#include "harness/nginx_suite.h"
#include "harness/process.h"
#include "harness/stats.h"

namespace haul_it {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kMiB = 1 << 20;

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

TEST_F(OutputTest, VersionNamesHaulAndLibcurl) {
  const ProcessResult r = Haul({"--version"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_EQ(r.out.rfind("haul ", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("libcurl/7."), std::string::npos) << r.out;
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

}  // namespace
}  // namespace haul_it
