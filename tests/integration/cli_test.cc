// The command line: list files (mirrors, out=/dir=, comments, garbage
// lines, stdin, a list that streams in), option validation and the exit
// codes for usage and network errors.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include "harness/files.h"
#include "harness/net.h"
#include "harness/nginx_suite.h"
#include "harness/process.h"

namespace haul_it {
namespace {

namespace fs = std::filesystem;

/// True when `text` names line `n` as "line N" or ":N" not followed by a
/// digit (as in "list.txt:3: ...").
bool MentionsLine(const std::string& text, int n) {
  const std::string number = std::to_string(n);
  for (const std::string& prefix : {"line " + number, ":" + number}) {
    for (size_t at = text.find(prefix); at != std::string::npos;
         at = text.find(prefix, at + 1)) {  // bounded by the text's size
      const size_t end = at + prefix.size();
      if (end == text.size() || !std::isdigit(static_cast<unsigned char>(text[end]))) {
        return true;
      }
    }
  }
  return false;
}

class CliTest : public NginxSuite<CliTest> {
 public:
  static NginxOptions ServerOptions() { return {}; }
};

TEST_F(CliTest, ListFileWithMirrorsOutAndDirLines) {
  WriteRandomFile(Served("a.bin"), 2 << 20, 21);
  WriteRandomFile(Served("mirror/a.bin"), 2 << 20, 21);  // the same bytes
  WriteRandomFile(Served("b.bin"), 50 * 1024, 22);
  WriteFile(work_ / "list.txt",
            "# two mirrors of a, saved under another name\n" +
                Url("/a.bin") + " " + Url("/mirror/a.bin") + "\n"
                "  out=renamed-a.bin\n"
                "\n" +
                Url("/b.bin") + "\n"
                "\tdir=sub\n");
  const ProcessResult r = Haul({"-i", "list.txt"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(FilesEqual(Served("a.bin"), work_ / "renamed-a.bin"));
  EXPECT_TRUE(FilesEqual(Served("b.bin"), work_ / "sub/b.bin"));
  EXPECT_FALSE(fs::exists(work_ / "a.bin"));
  EXPECT_FALSE(fs::exists(work_ / "b.bin"));
}

TEST_F(CliTest, GarbageListLineIsReportedByNumberAndTheRestDownloads) {
  WriteRandomFile(Served("c.bin"), 30 * 1024, 23);
  WriteRandomFile(Served("d.bin"), 30 * 1024, 24);
  WriteFile(work_ / "list.txt", Url("/c.bin") + "\n# comment\nthis is not a url\n" +
                                    Url("/d.bin") + "\n");
  const ProcessResult r = Haul({"-i", "list.txt"});
  EXPECT_EQ(r.exit_code, 2) << Describe(r);
  EXPECT_TRUE(MentionsLine(r.err, 3))
      << "the bad line's number (3) is not in stderr:\n" << r.err;
  EXPECT_TRUE(FilesEqual(Served("c.bin"), work_ / "c.bin"));
  EXPECT_TRUE(FilesEqual(Served("d.bin"), work_ / "d.bin"));
}

TEST_F(CliTest, ListFromStdin) {
  WriteRandomFile(Served("e.bin"), 40 * 1024, 25);
  WriteRandomFile(Served("f.bin"), 0, 26);
  const ProcessResult r = Haul({"-i", "-"}, Url("/e.bin") + "\n" + Url("/f.bin") + "\n");
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(FilesEqual(Served("e.bin"), work_ / "e.bin"));
  EXPECT_TRUE(FilesEqual(Served("f.bin"), work_ / "f.bin"));
}

/// haul running with `-i FIFO -d out_dir`, and the FIFO's writing end held
/// by the test, so the test decides when list lines arrive and when the list
/// ends. Kills haul by pid if the test leaves it running.
class ListFifo {
 public:
  explicit ListFifo(const fs::path& out_dir) {
    const fs::path fifo = side_.path() / "list";
    if (mkfifo(fifo.c_str(), 0600) != 0) return;
    pid_ = SpawnBackground({HaulBinary(), "-i", fifo.string(), "-d", out_dir.string()},
                           side_.path() / "log");
    // O_NONBLOCK open fails (ENXIO) until haul has opened the reading end.
    for (int i = 0; i < 200 && fd_ < 0; ++i) {  // bounded: 10 s
      fd_ = open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
      if (fd_ < 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  ~ListFifo() {
    CloseList();
    if (pid_ > 0 && !reaped_) StopProcess(pid_, std::chrono::seconds(1));
  }
  ListFifo(const ListFifo&) = delete;
  ListFifo& operator=(const ListFifo&) = delete;

  /// True when haul runs and has opened the list.
  bool ready() const { return fd_ >= 0; }
  pid_t pid() const { return pid_; }
  bool WriteLine(const std::string& line) const {
    const std::string text = line + "\n";
    return write(fd_, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  }
  /// Ends the list (EOF for haul).
  void CloseList() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }
  /// Waits up to `timeout` for haul to exit; its wait status, or nullopt.
  std::optional<int> Wait(std::chrono::seconds timeout) {
    int status = 0;
    if (!WaitForExitStatus(pid_, timeout, &status)) return std::nullopt;
    reaped_ = true;
    return status;
  }
  std::string Log() const { return ReadFile(side_.path() / "log"); }

 private:
  TempDir side_{"haul-it-fifo-"};
  pid_t pid_ = -1;
  int fd_ = -1;
  bool reaped_ = false;
};

TEST_F(CliTest, ListStreamsWorkStartsBeforeTheListEnds) {
  // The first entry must be downloaded while haul is still waiting for the
  // rest of the list. An entry is complete once the next entry's line
  // arrives (indented out= and dir= lines may follow it until then), so the
  // test sends two before it waits.
  WriteRandomFile(Served("s1.bin"), 40 * 1024, 27);
  WriteRandomFile(Served("s2.bin"), 40 * 1024, 28);
  WriteRandomFile(Served("s3.bin"), 40 * 1024, 29);
  ListFifo list(work_.path());
  ASSERT_TRUE(list.ready()) << "haul never opened the list";
  EXPECT_TRUE(list.WriteLine(Url("/s1.bin")));
  EXPECT_TRUE(list.WriteLine(Url("/s2.bin")));
  for (int i = 0; i < 200 && !fs::exists(work_ / "s1.bin"); ++i) {  // bounded: 10 s
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(fs::exists(work_ / "s1.bin")) << "the first entry waited for the end of the list";
  EXPECT_TRUE(list.WriteLine(Url("/s3.bin")));
  list.CloseList();
  const std::optional<int> status = list.Wait(std::chrono::seconds(30));
  ASSERT_TRUE(status.has_value()) << "haul did not exit after the list ended";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << list.Log();
  for (const char* name : {"s1.bin", "s2.bin", "s3.bin"}) {
    EXPECT_TRUE(FilesEqual(Served(name), work_ / name));
  }
}

TEST_F(CliTest, OneSigintEndsAListThatIsWaitingForInput) {
  // Like `haul -i -` on a terminal: the list's writer stays silent. A single
  // Ctrl-C must end the wait, not only a second one.
  ListFifo list(work_.path());
  ASSERT_TRUE(list.ready()) << "haul never opened the list";
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // haul waits in read
  ASSERT_EQ(kill(list.pid(), SIGINT), 0);
  const std::optional<int> status = list.Wait(std::chrono::seconds(10));
  ASSERT_TRUE(status.has_value()) << "one SIGINT did not end haul while its list waited";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 130) << list.Log();
}

/// One invalid command line and what its single stderr line must mention.
struct BadArgs {
  std::string name;  ///< the test's name suffix
  std::vector<std::string> args;
  std::string must_mention;  ///< empty: anything
};

/// How GoogleTest (and so CTest's test names) shows a BadArgs.
void PrintTo(const BadArgs& b, std::ostream* os) {
  for (const auto& a : b.args) *os << a << ' ';
}

class BadArgsTest : public CliTest, public testing::WithParamInterface<BadArgs> {};

TEST_P(BadArgsTest, ExitsWithUsageErrorAndOneLine) {
  std::vector<std::string> args = GetParam().args;
  args.push_back(Url("/never-fetched.bin"));
  const ProcessResult r = Haul(args);
  EXPECT_EQ(r.exit_code, 2) << Describe(r);
  const auto lines = NonEmptyLines(r.err);
  ASSERT_EQ(lines.size(), 1u) << "expected one line on stderr, got:\n" << r.err;
  EXPECT_NE(lines[0].find(GetParam().must_mention), std::string::npos)
      << "'" << lines[0] << "' does not name the range (" << GetParam().must_mention << ")";
  EXPECT_TRUE(ListDir(work_.path()).empty());
}

INSTANTIATE_TEST_SUITE_P(OutOfRange, BadArgsTest,
                         testing::Values(BadArgs{"ConnectionsZero", {"-x", "0"}, "64"},
                                         BadArgs{"ConnectionsHuge", {"-x", "100000"}, "64"},
                                         BadArgs{"JobsNegative", {"-j", "-1"}, ""}),
                         [](const testing::TestParamInfo<BadArgs>& p) { return p.param.name; });

TEST_F(CliTest, MissingListFileIsAUsageError) {
  const ProcessResult r = Haul({"-i", "no-such-list.txt"});
  EXPECT_EQ(r.exit_code, 2) << Describe(r);
  EXPECT_NE(r.err.find("no-such-list.txt"), std::string::npos) << r.err;
}

TEST_F(CliTest, UnsupportedSchemeIsAUsageError) {
  const ProcessResult r = Haul({"ftp://127.0.0.1/file.bin"});
  EXPECT_EQ(r.exit_code, 2) << Describe(r);
  EXPECT_TRUE(ListDir(work_.path()).empty());
}

TEST_F(CliTest, ConnectionRefusedExits4) {
  const std::string url = "http://127.0.0.1:" + std::to_string(FreePort()) + "/x.bin";
  const ProcessResult r = Haul({url});
  EXPECT_EQ(r.exit_code, 4) << Describe(r);
  EXPECT_NE(r.err.find("haul: error: " + url + ": "), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(work_ / "x.bin"));
}

}  // namespace
}  // namespace haul_it
