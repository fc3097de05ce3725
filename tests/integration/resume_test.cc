// Resume: what an interrupted, killed or disk-starved download leaves behind,
// and how the next run of the same command picks it up (docs/reliability.md).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <random>
#include <string>
#include <thread>

#include "harness/fault_suite.h"
#include "harness/stats.h"

namespace haul_it {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr std::uint64_t kSize = 8 * kMiB;

class ResumeTest : public FaultSuite {
 protected:
  /// 8 MiB at 1 MiB/s per connection, 4 connections: about 2 s.
  std::string SlowUrl(const std::string& name) {
    return Url(name, "size=" + std::to_string(kSize) + "&rate=1048576");
  }
  /// Starts haul on `url`, waits until it has written for `after`, sends
  /// `signal_number`, and returns its exit code (-1 if it did not exit).
  int InterruptPartway(const std::string& url, const std::string& name, int signal_number,
                       milliseconds after = milliseconds(1200)) {
    const fs::path log = logs_.path() / (name + ".log");
    const pid_t pid = SpawnBackground({HaulBinary(), "-x", "4", "-d", work_.path().string(), url}, log);
    for (int i = 0; i < 100 && !fs::exists(work_ / (name + ".part")); ++i) {
      std::this_thread::sleep_for(milliseconds(50));
    }
    std::this_thread::sleep_for(after);
    EXPECT_EQ(kill(pid, signal_number), 0);
    int status = 0;
    if (!WaitForExitStatus(pid, std::chrono::seconds(10), &status)) {
      StopProcess(pid, std::chrono::seconds(1));
      ADD_FAILURE() << "haul did not exit within 10 s of signal " << signal_number;
      return -1;
    }
    log_text_ = ReadFile(log);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  static std::uint64_t Stat(const ProcessResult& r, const std::string& key) {
    const auto value = StatInt(ParseStats(r.err), key);
    if (!value) ADD_FAILURE() << "no '" << key << "' in --stats:\n" << r.err;
    return value.value_or(0);
  }

  TempDir logs_{"haul-it-logs-"};
  std::string log_text_;  ///< the interrupted run's output
};

TEST_F(ResumeTest, SigintKeepsThePartialAndTheNextRunResumes) {
  const std::string url = SlowUrl("int.bin");
  EXPECT_EQ(InterruptPartway(url, "int.bin", SIGINT), 130) << log_text_;
  EXPECT_FALSE(fs::exists(work_ / "int.bin")) << "an interrupted download got its final name";
  EXPECT_TRUE(fs::exists(work_ / "int.bin.part"));
  ASSERT_TRUE(fs::exists(work_ / "int.bin.haul")) << "no resume state was saved";
  const std::string state = ReadFile(work_ / "int.bin.haul");
  EXPECT_NE(state.find("\"completed\""), std::string::npos) << state;

  const auto r = Haul({"--stats", "-x", "4", url});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(HasContent(work_ / "int.bin", kSize));
  EXPECT_GT(Stat(r, "bytes resumed"), 0u) << r.err;
  EXPECT_LT(Stat(r, "bytes received"), kSize) << "the resume fetched everything again";
  EXPECT_EQ(ListDir(work_.path()), std::vector<std::string>{"int.bin"}) << "state left behind";
}

TEST_F(ResumeTest, SigtermExits143AndKeepsThePartial) {
  const std::string url = SlowUrl("term.bin");
  EXPECT_EQ(InterruptPartway(url, "term.bin", SIGTERM), 143) << log_text_;
  EXPECT_TRUE(fs::exists(work_ / "term.bin.part"));
  EXPECT_TRUE(fs::exists(work_ / "term.bin.haul"));
  const auto r = Haul({"-c", "--stats", url});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(HasContent(work_ / "term.bin", kSize));
  EXPECT_GT(Stat(r, "bytes resumed"), 0u) << r.err;
}

TEST_F(ResumeTest, ChangedValidatorStartsOverFromZero) {
  // The state says the partial holds another version (its ETag): If-Range
  // makes the server send the whole current file, and haul starts over
  // rather than mix the two.
  const std::string url = SlowUrl("stale.bin");
  ASSERT_EQ(InterruptPartway(url, "stale.bin", SIGINT), 130) << log_text_;
  // The state's fields come in a fixed order: "etag" is followed by
  // "last_modified".
  const std::string state = ReadFile(work_ / "stale.bin.haul");
  const auto from = state.find("\"etag\":");
  const auto to = state.find(",\"last_modified\":");
  ASSERT_TRUE(from != std::string::npos && to != std::string::npos && from < to) << state;
  const std::string stale = state.substr(0, from) + R"("etag":"\"stale\"")" + state.substr(to);
  WriteFile(work_ / "stale.bin.haul", stale);

  const auto r = Haul({"--stats", "-x", "4", url});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(HasContent(work_ / "stale.bin", kSize));
  EXPECT_EQ(Stat(r, "bytes resumed"), 0u) << r.err;
  EXPECT_EQ(Stat(r, "restarts"), 1u) << r.err;
}

TEST_F(ResumeTest, StateForAnotherUrlIsNeverTrusted) {
  ASSERT_EQ(InterruptPartway(SlowUrl("mine.bin"), "mine.bin", SIGINT), 130) << log_text_;
  // Same output name, different URL: the partial is not this file's.
  const auto r = Haul({"--stats", "-o", "mine.bin",
                       Url("other.bin", "size=" + std::to_string(kSize))});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(HasContent(work_ / "mine.bin", kSize));
  EXPECT_EQ(Stat(r, "bytes resumed"), 0u) << r.err;
  EXPECT_NE(r.err.find("another URL"), std::string::npos) << r.err;
}

TEST_F(ResumeTest, DamagedStateIsIgnored) {
  WriteFile(work_ / "bad.bin.part", std::string(kSize, 'x'));
  WriteFile(work_ / "bad.bin.haul", "{\"format\":\"haul-resume\",\"version\":1,\"urls\":[");
  const auto r = Haul({"--stats", Url("bad.bin", "size=" + std::to_string(kSize))});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(HasContent(work_ / "bad.bin", kSize));
  EXPECT_EQ(Stat(r, "bytes resumed"), 0u);
  EXPECT_NE(r.err.find("damaged resume state"), std::string::npos) << r.err;
}

TEST_F(ResumeTest, KilledAtRandomMomentsEndsByteExact) {
  // SIGKILL leaves no chance to save: every run must resume from whatever
  // state the previous one last wrote (at most a second old).
  constexpr std::uint64_t kBig = 24 * kMiB;
  constexpr int kMaxKills = 20;
  const std::string name = "killed.bin";
  const std::string url = Url(name, "size=" + std::to_string(kBig) + "&rate=1048576");
  const unsigned seed = std::random_device{}();
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> delay_ms(300, 1500);
  int runs = 0;
  int kills = 0;
  bool finished = false;
  for (int i = 0; i < kMaxKills && !finished; ++i) {
    const pid_t pid = SpawnBackground(
        {HaulBinary(), "-q", "-x", "4", "-d", work_.path().string(), url}, logs_ / "kill.log");
    ++runs;
    std::this_thread::sleep_for(milliseconds(delay_ms(rng)));
    int status = 0;
    if (WaitForExitStatus(pid, milliseconds(0), &status)) {
      ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << ReadFile(logs_ / "kill.log");
      finished = true;
      break;
    }
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    ASSERT_TRUE(WaitForExitStatus(pid, std::chrono::seconds(5), &status));
    ++kills;
  }
  if (!finished) {
    const auto r = RunHaul({"--stats", "-x", "4", url}, work_.path());
    ++runs;
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
  }
  EXPECT_TRUE(HasContent(work_ / name, kBig)) << "seed " << seed;
  EXPECT_EQ(ListDir(work_.path()), std::vector<std::string>{name});

  const FaultStats s = server().Stats(name);
  // A resuming run's first request is open-ended from where it left off.
  int resumes = 0;
  for (const std::string& range : s.ranges) {
    if (range.back() == '-' && range != "0-") ++resumes;
  }
  EXPECT_GT(resumes, 0) << "no run resumed: " << testing::PrintToString(s.ranges);
  const std::uint64_t extra = s.bytes > kBig ? s.bytes - kBig : 0;
  std::cout << "kill-and-resume: runs " << runs << ", kills " << kills << ", resumed runs "
            << resumes << ", bytes served " << s.bytes << " for a " << kBig
            << "-byte file, re-downloaded " << extra << " (" << (100.0 * static_cast<double>(extra) / kBig)
            << "% over the minimum), seed " << seed << "\n";
  RecordProperty("runs", runs);
  RecordProperty("kills", kills);
  RecordProperty("redownloaded_bytes", std::to_string(extra));
}

/// A tmpfs of `size` mounted on a temp directory for the test's lifetime.
class SmallDisk {
 public:
  explicit SmallDisk(const std::string& size) {
    const auto r = RunProcess({"mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs",
                               dir_.path().string()});
    mounted_ = r.exit_code == 0;
    why_ = r.err;
  }
  ~SmallDisk() {
    if (mounted_) RunProcess({"umount", dir_.path().string()});
  }
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;
  bool Resize(const std::string& size) {
    return RunProcess({"mount", "-o", "remount,size=" + size, dir_.path().string()}).exit_code == 0;
  }
  bool mounted() const { return mounted_; }
  const std::string& why() const { return why_; }
  const fs::path& path() const { return dir_.path(); }

 private:
  TempDir dir_{"haul-it-disk-"};
  bool mounted_ = false;
  std::string why_;
};

TEST_F(ResumeTest, DiskFullIsAnIoErrorAndResumesOnceSpaceIsFreed) {
  SmallDisk disk("4m");
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root): " << disk.why();
  const std::string url = Url("full.bin", "size=" + std::to_string(kSize));
  const auto r = Haul({"-d", disk.path().string(), url});
  EXPECT_EQ(r.exit_code, 8) << Describe(r);
  EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(disk.path() / "full.bin"));
  EXPECT_TRUE(fs::exists(disk.path() / "full.bin.part"));
  EXPECT_TRUE(fs::exists(disk.path() / "full.bin.haul"));

  ASSERT_TRUE(disk.Resize("32m"));
  const auto again = Haul({"-d", disk.path().string(), url});
  ASSERT_EQ(again.exit_code, 0) << Describe(again);
  EXPECT_TRUE(HasContent(disk.path() / "full.bin", kSize));
}

TEST_F(ResumeTest, UnwritableDirectoryIsAnIoErrorWithOneLine) {
  // Root may write anywhere a mode allows; /sys refuses even root.
  const std::string dir = geteuid() == 0 ? "/sys/haul-it-denied" : "/proc/haul-it-denied";
  const auto r = Haul({"-d", dir, Url("denied.bin", "size=1000")});
  EXPECT_EQ(r.exit_code, 8) << Describe(r);
  EXPECT_NE(r.err.find("cannot create directory"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 2) << r.err;  // the error + the summary
}

}  // namespace
}  // namespace haul_it
