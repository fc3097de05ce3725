// Streaming to stdout (haul -o -): the bytes of each download leave in order
// while several connections fetch pieces of it, through a reorder window
// bounded by --buffer-size. Against nginx (splitting, several URLs in a row,
// a failure among them, --checksum, usage) and against the fault-injecting
// server (resets, stalls, a server ignoring Range, a reader that closes the
// pipe). stdout is always compared byte for byte with what the server
// holds, so bytes written out of order, twice or not at all fail the test.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "harness/access_log.h"
#include "harness/fault_suite.h"
#include "harness/files.h"
#include "harness/nginx_suite.h"
#include "harness/process.h"
#include "harness/stats.h"

namespace haul_it {
namespace {

/// Success when `actual` (what haul wrote to stdout) is exactly `expected`.
/// The message gives both sizes and the first differing offset, never the
/// (many MiB of) bytes themselves.
testing::AssertionResult SameBytes(const std::string& expected, const std::string& actual) {
  if (expected == actual) return testing::AssertionSuccess();
  const auto [e, a] = std::mismatch(expected.begin(), expected.end(), actual.begin(), actual.end());
  return testing::AssertionFailure()
         << "stdout has " << actual.size() << " bytes, expected " << expected.size()
         << "; they differ first at byte " << (e - expected.begin());
}

/// The value of an integer --stats line of `r`; a failure when it is missing.
std::uint64_t Stat(const ProcessResult& r, const std::string& key) {
  const auto value = StatInt(ParseStats(r.err), key);
  if (!value) ADD_FAILURE() << "no '" << key << "' in --stats:\n" << r.err;
  return value.value_or(0);
}

// ---- Against nginx ----

class StdoutTest : public NginxSuite<StdoutTest> {
 public:
  static NginxOptions ServerOptions() { return {}; }

 protected:
  /// Runs haul in this test's working directory, reading its stdout as
  /// `reader` says (chunk size, pauses), with a 60 s deadline.
  ProcessResult HaulReadBy(const std::vector<std::string>& args, RunOptions reader) const {
    reader.cwd = work_.path();
    reader.timeout = std::chrono::seconds(60);
    return RunHaulWith(args, reader);
  }
};

TEST_F(StdoutTest, LargeFileOverSeveralConnectionsIsByteExactOnStdout) {
  // 24 MiB at -x 8: pieces of 1 MiB (16 MiB window / (2 * 8)), fetched by
  // several connections at once and written strictly in order. stdout holds
  // the payload and nothing else: the summary and --stats go to stderr.
  WriteRandomFile(Served("big.bin"), 24 * kMiB, 101);
  const std::uint64_t mark = server().AccessLogSize();
  const ProcessResult r = Haul({"-x", "8", "-o", "-", "--stats", Url("/big.bin")});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(SameBytes(ReadFile(Served("big.bin")), r.out));
  EXPECT_TRUE(ListDir(work_.path()).empty()) << "-o - wrote a file";
  EXPECT_GT(Stat(r, "requests"), 1u) << "not split into pieces:\n" << r.err;
  EXPECT_GT(Stat(r, "connections opened"), 1u) << "one connection fetched it all:\n" << r.err;
  EXPECT_LE(Stat(r, "peak transfer slots"), 8u) << r.err;
  EXPECT_EQ(Stat(r, "stream buffer budget"), 16 * kMiB) << "the default --buffer-size\n" << r.err;
  EXPECT_LE(Stat(r, "stream buffer peak"), Stat(r, "stream buffer budget")) << r.err;
  const auto entries = ReadSettledAccessLog(server().access_log(), mark);
  EXPECT_GT(DistinctConnections(entries, "/big.bin"), 1u)
      << "the server saw a single connection\n" << FormatEntries(entries);
}

TEST_F(StdoutTest, SlowReaderIsServedByteExactWithinTheBufferBudget) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  constexpr bool kMeasureRss = false;  // sanitizer runtimes inflate and delay RSS
#else
  constexpr bool kMeasureRss = true;
#endif
  // The test reads the pipe at most 64 KiB every 4 ms (16 MiB/s at best,
  // about 2 s or more for 32 MiB), far slower than nginx sends: the
  // connections run ahead of the writer and must pause once the 4 MiB
  // budget is held, not buffer the file.
  WriteRandomFile(Served("slow-reader.bin"), 32 * kMiB, 102);
  WriteRandomFile(Served("baseline.bin"), 4 * kMiB, 103);
  const std::vector<std::string> options = {"-x", "8", "--buffer-size", "4M", "-o", "-",
                                            "--stats"};
  std::vector<std::string> args = options;
  args.push_back(Url("/baseline.bin"));
  const ProcessResult baseline = HaulReadBy(args, {});
  ASSERT_EQ(baseline.exit_code, 0) << Describe(baseline);

  RunOptions slow;
  slow.stdout_chunk = 64 * 1024;
  slow.stdout_pause = std::chrono::milliseconds(4);
  args = options;
  args.push_back(Url("/slow-reader.bin"));
  const ProcessResult r = HaulReadBy(args, slow);
  ASSERT_FALSE(r.timed_out) << "a slow reader hung haul";
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(SameBytes(ReadFile(Served("slow-reader.bin")), r.out));
  const std::uint64_t budget = Stat(r, "stream buffer budget");
  const std::uint64_t peak = Stat(r, "stream buffer peak");
  EXPECT_EQ(budget, 4 * kMiB) << r.err;
  EXPECT_GT(peak, 0u) << "the window never held a byte:\n" << r.err;
  EXPECT_LE(peak, budget) << "the reorder window outgrew --buffer-size:\n" << r.err;
  EXPECT_GT(Stat(r, "connections opened"), 1u) << r.err;
  if (kMeasureRss) {
    // The stats are haul's own account; its peak RSS is the outside view.
    // Holding the 32 MiB file (or an unbounded backlog of it) would add
    // far more than the 4 MiB budget plus slack to a 4 MiB run's peak.
    EXPECT_LT(r.max_rss_kib, baseline.max_rss_kib + 16 * 1024)
        << "peak RSS " << baseline.max_rss_kib << " KiB for 4 MiB, " << r.max_rss_kib
        << " KiB for 32 MiB read slowly";
  }
}

TEST_F(StdoutTest, SeveralUrlsAreConcatenatedInOrder) {
  // Sizes that differ (an empty file and a single byte among them), so a
  // download written in the wrong place or mixed into another shows.
  WriteRandomFile(Served("cat/a.bin"), 3 * kMiB, 104);
  WriteFile(Served("cat/empty.bin"), "");
  WriteFile(Served("cat/one.bin"), "Z");
  WriteRandomFile(Served("cat/c.bin"), 5 * kMiB, 105);
  const std::string expected = ReadFile(Served("cat/a.bin")) + "Z" + ReadFile(Served("cat/c.bin"));
  const ProcessResult r = Haul({"-x", "8", "-o", "-", Url("/cat/a.bin"), Url("/cat/empty.bin"),
                                Url("/cat/one.bin"), Url("/cat/c.bin")});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(SameBytes(expected, r.out));
  EXPECT_TRUE(ListDir(work_.path()).empty()) << "-o - wrote a file";
}

TEST_F(StdoutTest, ListOnStdinIsConcatenatedInOrderAndOutLinesAreIgnored) {
  // The list's order is stdout's order; out= cannot name anything there, so
  // it is ignored with a warning and no file appears.
  WriteRandomFile(Served("list/first.bin"), 2 * kMiB, 106);
  WriteRandomFile(Served("list/second.bin"), 3 * kMiB + 17, 107);
  const std::string list = Url("/list/first.bin") + "\n  out=renamed.bin\n" +
                           Url("/list/second.bin") + "\n";
  const ProcessResult r = Haul({"-o", "-", "-i", "-"}, list);
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(
      SameBytes(ReadFile(Served("list/first.bin")) + ReadFile(Served("list/second.bin")), r.out));
  EXPECT_NE(r.err.find("have no effect with -o -"), std::string::npos) << r.err;
  EXPECT_TRUE(ListDir(work_.path()).empty()) << "out= wrote a file";
}

TEST_F(StdoutTest, FailureInTheMiddleStopsTheStreamThere) {
  // After a download fails, stdout has a hole: the URLs after it must not
  // be written (their bytes would pass for the missing ones).
  WriteRandomFile(Served("mid/good.bin"), 2 * kMiB, 108);
  WriteRandomFile(Served("mid/good2.bin"), 1 * kMiB, 109);
  const std::string missing = Url("/mid/missing.bin");
  const ProcessResult r =
      Haul({"-o", "-", "--stats", Url("/mid/good.bin"), missing, Url("/mid/good2.bin")});
  EXPECT_EQ(r.exit_code, 6) << Describe(r);
  EXPECT_TRUE(SameBytes(ReadFile(Served("mid/good.bin")), r.out));
  EXPECT_NE(r.err.find("haul: error: " + missing + ": "), std::string::npos) << r.err;
  EXPECT_EQ(Stat(r, "downloads ok"), 1u) << r.err;
  EXPECT_EQ(Stat(r, "downloads failed"), 2u) << "the URL after the failure is not delivered\n"
                                             << r.err;
}

TEST_F(StdoutTest, ABadUrlInTheMiddleStopsTheStreamThere) {
  // A URL haul cannot even try is a hole too: the URLs after it are not
  // fetched, and the exit code is that of the bad input (2).
  WriteRandomFile(Served("bad/first.bin"), 1 * kMiB, 111);
  WriteRandomFile(Served("bad/third.bin"), 1 * kMiB, 112);
  const ProcessResult r = Haul({"-o", "-", "--stats", Url("/bad/first.bin"),
                                "ftp://127.0.0.1/nope", Url("/bad/third.bin")});
  EXPECT_EQ(r.exit_code, 2) << Describe(r);
  EXPECT_TRUE(SameBytes(ReadFile(Served("bad/first.bin")), r.out));
  EXPECT_NE(r.err.find("ftp://127.0.0.1/nope"), std::string::npos) << r.err;
  EXPECT_EQ(Stat(r, "downloads ok"), 1u) << r.err;
}

TEST_F(StdoutTest, ChecksumIsVerifiedOnTheStreamedBytes) {
  WriteRandomFile(Served("sum.bin"), 3 * kMiB, 110);
  const std::string sha = Sha256Hex(Served("sum.bin"));
  ASSERT_EQ(sha.size(), 64u);
  const ProcessResult good = Haul({"-x", "4", "-o", "-", "--checksum", "sha-256=" + sha,
                                   Url("/sum.bin")});
  ASSERT_EQ(good.exit_code, 0) << Describe(good);
  EXPECT_TRUE(SameBytes(ReadFile(Served("sum.bin")), good.out));

  // Another digest: the bytes are already out, but the exit code says they
  // are not what was promised.
  std::string wrong = sha;
  wrong[0] = wrong[0] == '0' ? '1' : '0';
  const ProcessResult bad = Haul({"-x", "4", "-o", "-", "--checksum", "sha-256=" + wrong,
                                  Url("/sum.bin")});
  EXPECT_EQ(bad.exit_code, 10) << Describe(bad);
  EXPECT_NE(bad.err.find("checksum mismatch"), std::string::npos) << bad.err;
  EXPECT_TRUE(ListDir(work_.path()).empty());
}

TEST_F(StdoutTest, DirectoryWithStdoutIsAUsageError) {
  const ProcessResult r = Haul({"-o", "-", "-d", "somewhere", Url("/never-fetched.bin")});
  EXPECT_EQ(r.exit_code, 2) << Describe(r);
  EXPECT_EQ(NonEmptyLines(r.err).size(), 1u) << "expected one line on stderr, got:\n" << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(ListDir(work_.path()).empty());
}

// ---- Against the fault server ----

constexpr std::uint64_t kSize = 16 * kMiB;
const std::string kSizeQuery = "size=" + std::to_string(kSize);

class StdoutFaultsTest : public FaultSuite {
 protected:
  /// haul -o - with --stats and short retry waits, fetching `name` with
  /// `query`; stdout is read as `reader` says, with a `timeout` deadline.
  ProcessResult Stream(const std::string& name, const std::string& query,
                       std::vector<std::string> extra = {}, RunOptions reader = {},
                       std::chrono::seconds timeout = std::chrono::seconds(60)) const {
    std::vector<std::string> args = {"-o", "-", "--stats", "--retry-wait", "0.05"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(Url(name, query));
    reader.cwd = work_.path();
    reader.timeout = timeout;
    return RunHaulWith(args, reader);
  }
};

TEST_F(StdoutFaultsTest, ResetsAreRetriedWithoutAHoleOrARepeatOnStdout) {
  // Three requests after the first are reset 300000 bytes in: each retry
  // must continue exactly where its piece stopped, or stdout repeats or
  // loses bytes.
  const ProcessResult r = Stream(
      "reset.bin", kSizeQuery + "&reset_after=300000&fault_from=1&fault_count=3", {"-x", "8"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(SameBytes(Content(kSize), r.out));
  EXPECT_GE(Stat(r, "retries"), 3u) << r.err;
  EXPECT_GT(server().Stats("reset.bin").requests, 4);
}

TEST_F(StdoutFaultsTest, StalledPieceIsMovedOnAndTheStreamCompletes) {
  // The third request stalls for 10 minutes after 200000 bytes, and the
  // low-speed limit is out of reach: only the straggler check (a range
  // silent for 1 s while others move, or wait ahead of the window) can
  // finish before the deadline. The stalled piece is near the head of the
  // stream, so everything behind it waits for it.
  const ProcessResult r = Stream(
      "stall.bin", kSizeQuery + "&stall_after=200000&stall_ms=600000&fault_from=2&fault_count=1",
      {"-x", "8", "--speed-time", "3600"}, {}, std::chrono::seconds(30));
  ASSERT_FALSE(r.timed_out) << "a stalled connection held the stream";
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(SameBytes(Content(kSize), r.out));
  EXPECT_GE(Stat(r, "stragglers"), 1u) << r.err;
}

TEST_F(StdoutFaultsTest, StallOnTheOnlyConnectionHitsTheLowSpeedLimit) {
  // One connection, so nothing else moves and the straggler check stays
  // out of it: --speed-time 1 gives up on the silent transfer, and its
  // retry must resume at the byte where the stream stopped.
  const ProcessResult r = Stream(
      "stall1.bin", kSizeQuery + "&stall_after=200000&stall_ms=600000&fault_count=1",
      {"-x", "1", "--speed-time", "1"}, {}, std::chrono::seconds(30));
  ASSERT_FALSE(r.timed_out) << "a stalled connection hung haul";
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(SameBytes(Content(kSize), r.out));
  EXPECT_GE(Stat(r, "retries"), 1u) << r.err;
}

TEST_F(StdoutFaultsTest, ServerIgnoringRangeIsOneStream) {
  // Every request gets 200 and the whole body: one request, read to the
  // end, is the only way to a byte-exact stdout.
  const ProcessResult r = Stream("norange.bin", kSizeQuery + "&ignore_range=1", {"-x", "8"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(SameBytes(Content(kSize), r.out));
  EXPECT_EQ(server().Stats("norange.bin").requests, 1);
}

TEST_F(StdoutFaultsTest, OneStreamThatBreaksIsFetchedAgainWithoutRepeatingWhatWentOut) {
  // The first request gets the whole body (200) and is reset 3 MB in; the
  // only way on is the file again from byte 0. What already went to stdout
  // must be dropped when it comes again (the size and validators are the
  // same), or stdout repeats it. The second request is served normally, so
  // the rest may be split.
  const ProcessResult r = Stream(
      "rebreak.bin", kSizeQuery + "&ignore_range=1&reset_after=3000000&fault_count=1", {"-x", "4"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(SameBytes(Content(kSize), r.out));
  EXPECT_GE(server().Stats("rebreak.bin").requests, 2);
}

TEST_F(StdoutFaultsTest, AFileThatChangesAfterBytesWentOutFailsTheDownload) {
  // From the second request on, every response is a new version. With one
  // connection the first piece (1 MiB) is on its way to stdout before the
  // second request shows the change; those bytes cannot be taken back, so
  // the download fails (exit 7) instead of starting over into a mix.
  const ProcessResult r =
      Stream("changes.bin", kSizeQuery + "&change=1&fault_from=1", {"-x", "1"});
  EXPECT_EQ(r.exit_code, 7) << Describe(r);
  EXPECT_NE(r.err.find("written to stdout"), std::string::npos) << r.err;
  EXPECT_LT(r.out.size(), kSize);
  EXPECT_TRUE(SameBytes(Content(kSize).substr(0, r.out.size()), r.out))
      << "stdout is not a prefix of the first version";
}

TEST_F(StdoutFaultsTest, ReaderClosingThePipeEndsHaulQuietlyWith141) {
  // Like `haul -o - URL | head -c 100`. Each request is held to 256 KiB/s,
  // so the whole 64 MiB would take 32 s over 8 connections: haul must stop
  // at EPIPE, not fetch on. It exits on its own (its --stats report is
  // there, which a death by SIGPIPE would not print) with 141, the shell's
  // code for SIGPIPE, and prints no error about it.
  constexpr std::uint64_t kBig = 64 * kMiB;
  RunOptions head;
  head.stdout_chunk = 100;
  head.stdout_limit = 100;
  const ProcessResult r = Stream("epipe.bin", "size=" + std::to_string(kBig) + "&rate=262144",
                                 {"-x", "8"}, head, std::chrono::seconds(20));
  ASSERT_FALSE(r.timed_out) << "haul did not exit after its reader went away";
  EXPECT_EQ(r.exit_code, 141) << Describe(r);
  EXPECT_TRUE(SameBytes(Content(100), r.out));
  EXPECT_LT(r.seconds, 10.0) << "haul went on fetching after EPIPE";
  EXPECT_EQ(Stat(r, "downloads failed"), 1u) << r.err;
  for (const std::string& line : NonEmptyLines(r.err)) {
    EXPECT_EQ(line.find("error"), std::string::npos) << line;
    EXPECT_EQ(line.find("Broken pipe"), std::string::npos) << line;
    EXPECT_EQ(line.find("closed"), std::string::npos) << line;
  }
  EXPECT_LT(server().Stats("epipe.bin").bytes, kBig / 4) << "the download went on";
}

}  // namespace
}  // namespace haul_it
