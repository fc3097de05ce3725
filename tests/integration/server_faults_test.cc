// What haul does when the server misbehaves: one test per row of the table in
// docs/reliability.md, against the fault-injecting server (tests/fault_server).
// Every test names its own resource, so the server's counters are its own.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "harness/fault_suite.h"
#include "harness/stats.h"

namespace haul_it {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kSize = 8 * kMiB;
const std::string kSizeQuery = "size=" + std::to_string(kSize);

class ServerFaultsTest : public FaultSuite {
 protected:
  /// haul with short retry waits and --stats, fetching `name` with `query`.
  ProcessResult Fetch(const std::string& name, const std::string& query,
                      std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--stats", "--retry-wait", "0.05"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(Url(name, kSizeQuery + "&" + query));
    return Haul(args);
  }
  /// Fetch, expecting success and the server's exact bytes in `name`.
  ProcessResult FetchWhole(const std::string& name, const std::string& query,
                           std::vector<std::string> extra = {}) {
    ProcessResult r = Fetch(name, query, std::move(extra));
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_TRUE(HasContent(work_ / name, kSize));
    return r;
  }
  std::uint64_t Stat(const ProcessResult& r, const std::string& key) {
    const auto value = StatInt(ParseStats(r.err), key);
    if (!value) ADD_FAILURE() << "no '" << key << "' in --stats:\n" << r.err;
    return value.value_or(0);
  }
  static bool AnyRangeStartsAt(const FaultStats& s, std::uint64_t offset) {
    const std::string prefix = std::to_string(offset) + "-";
    return std::any_of(s.ranges.begin(), s.ranges.end(),
                       [&](const std::string& r) { return r.rfind(prefix, 0) == 0; });
  }
  /// Nothing but `name` itself may be left in the working directory.
  void ExpectOnlyFile(const std::string& name) {
    EXPECT_EQ(ListDir(work_.path()), std::vector<std::string>{name});
  }
  void ExpectNothingLeft() { EXPECT_TRUE(ListDir(work_.path()).empty()) << "left behind"; }
};

TEST_F(ServerFaultsTest, ResetRetriesOnlyTheMissingRemainder) {
  const auto r = FetchWhole("reset.bin", "reset_after=300000&fault_count=3");
  ExpectOnlyFile("reset.bin");
  EXPECT_GE(Stat(r, "retries"), 3u) << r.err;
  // The first request was cut after 300000 bytes; its retry starts there.
  const FaultStats s = server().Stats("reset.bin");
  EXPECT_TRUE(AnyRangeStartsAt(s, 300000)) << testing::PrintToString(s.ranges);
}

TEST_F(ServerFaultsTest, ShortBodyRetriesOnlyTheMissingRemainder) {
  FetchWhole("short.bin", "short=100000&fault_count=1");
  EXPECT_TRUE(AnyRangeStartsAt(server().Stats("short.bin"), 100000));
}

TEST_F(ServerFaultsTest, StalledConnectionIsRequeuedNotFatal) {
  // The first response stalls for 10 minutes after 200000 bytes: without
  // stall detection this test times out. One connection, so no other
  // transfer of the download is moving and the straggler handling
  // (sources_test.cc) stays out of it: this is the low-speed limit's case.
  std::vector<std::string> args = {"--stats",     "-x", "1", "--retry-wait", "0.05", "--speed-time", "1",
                                   Url("stall.bin", kSizeQuery + "&stall_after=200000&stall_ms=600000&fault_count=1")};
  const auto r = RunHaul(args, work_.path());
  ASSERT_FALSE(r.timed_out) << "a stalled connection hung haul";
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(HasContent(work_ / "stall.bin", kSize));
  EXPECT_GE(Stat(r, "retries"), 1u) << r.err;
}

TEST_F(ServerFaultsTest, ServiceUnavailableHonoursRetryAfter) {
  // Two 503s asking for 1 s each, and a backoff of 0: only Retry-After can
  // make haul wait 2 s.
  const auto r = Haul({"--stats", "--retry-wait", "0",
                       Url("busy.bin", kSizeQuery + "&status=503&retry_after=1&fault_count=2")});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(HasContent(work_ / "busy.bin", kSize));
  EXPECT_EQ(Stat(r, "retries"), 2u) << r.err;
  EXPECT_GE(r.seconds, 2.0) << "Retry-After: 1 was not honoured twice";
}

TEST_F(ServerFaultsTest, TooManyRequestsHonoursRetryAfter) {
  const auto r = Haul({"--retry-wait", "0",
                       Url("throttled.bin", kSizeQuery + "&status=429&retry_after=1&fault_count=1")});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(HasContent(work_ / "throttled.bin", kSize));
  EXPECT_GE(r.seconds, 1.0);
}

TEST_F(ServerFaultsTest, RetriesAreBounded) {
  const auto r = Haul({"--retries", "2", "--retry-wait", "0",
                       Url("down.bin", kSizeQuery + "&status=503&retry_after=0")});
  EXPECT_EQ(r.exit_code, 6) << Describe(r);
  EXPECT_NE(r.err.find("gave up after 2 retries"), std::string::npos) << r.err;
  EXPECT_EQ(server().Stats("down.bin").requests, 3);
  ExpectNothingLeft();
}

TEST_F(ServerFaultsTest, IgnoredRangeIsOneStream) {
  FetchWhole("norange.bin", "ignore_range=1");
  EXPECT_EQ(server().Stats("norange.bin").requests, 1);
}

TEST_F(ServerFaultsTest, WrongContentRangeOffsetIsRejectedAndTheFileIsExact) {
  // Every range request after the first answers for the wrong offset: none
  // of those bytes may land in the file.
  FetchWhole("badoffset.bin", "bad_range=offset&fault_ranged=1");
  ExpectOnlyFile("badoffset.bin");
}

TEST_F(ServerFaultsTest, WrongContentRangeTotalIsRejectedAndTheFileIsExact) {
  FetchWhole("badtotal.bin", "bad_range=total&fault_ranged=1");
}

TEST_F(ServerFaultsTest, WrongContentRangeOnTheFirstRequestFailsCleanly) {
  const auto r = Haul({"--retries", "1", "--retry-wait", "0",
                       Url("badfirst.bin", kSizeQuery + "&bad_range=offset")});
  EXPECT_EQ(r.exit_code, 7) << Describe(r);
  ExpectNothingLeft();
}

TEST_F(ServerFaultsTest, FileChangingMidDownloadRestartsCleanly) {
  // The second request sees a new version (new ETag and bytes); after that
  // the server is stable again. The file must be one version, not a mix.
  const auto r = Fetch("changed.bin", "change=1&fault_from=1&fault_count=1");
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(HasContent(work_ / "changed.bin", kSize, 0));
  EXPECT_EQ(Stat(r, "restarts"), 1u) << r.err;
  ExpectOnlyFile("changed.bin");
}

TEST_F(ServerFaultsTest, FileThatKeepsChangingFailsAndLeavesNothing) {
  // A new version on every request: haul starts over a bounded number of
  // times, then fails without a final name or a partial.
  const auto r = Fetch("changing.bin", "change=1");
  EXPECT_EQ(r.exit_code, 7) << Describe(r);
  EXPECT_NE(r.err.find("changed"), std::string::npos) << r.err;
  ExpectNothingLeft();
}

TEST_F(ServerFaultsTest, ChunkedWithoutLengthIsOneStream) {
  FetchWhole("chunked.bin", "chunked=1");
  EXPECT_EQ(server().Stats("chunked.bin").requests, 1);
}

TEST_F(ServerFaultsTest, ContentEncodingIsSavedRawInOneStream) {
  // The server labels its 206 responses gzip although haul asked for
  // identity: the bytes are saved as sent, from one stream, never split.
  FetchWhole("encoded.bin", "encoding=gzip");
  EXPECT_EQ(server().Stats("encoded.bin").requests, 1);
}

TEST_F(ServerFaultsTest, RedirectsAreFollowedForEveryPiece) {
  FetchWhole("redirected.bin", "redirect=3", {"-x", "4"});
  // Each of the 4 pieces walked the 3 redirects (signed URLs are per request).
  EXPECT_GE(server().Stats("redirected.bin").requests, 4 * 4);
}

TEST_F(ServerFaultsTest, RedirectLoopIsAClearError) {
  const auto r = Fetch("loop.bin", "loop=1");
  EXPECT_EQ(r.exit_code, 7) << Describe(r);
  EXPECT_NE(r.err.find("redirects"), std::string::npos) << r.err;
  ExpectNothingLeft();
}

TEST_F(ServerFaultsTest, RefusedExtraRangeRequestsFallBackToFewerConnections) {
  for (const char* status : {"403", "404"}) {
    const std::string name = std::string("refused") + status + ".bin";
    const auto r = Fetch(name, std::string("status=") + status + "&fault_ranged=1");
    ASSERT_EQ(r.exit_code, 0) << status << ": " << Describe(r);
    EXPECT_TRUE(HasContent(work_ / name, kSize)) << status;
  }
}

TEST_F(ServerFaultsTest, ClientErrorsFailThatDownloadAndKeepTheOthers) {
  for (const char* status : {"404", "410", "400"}) {
    const std::string bad = std::string("gone") + status + ".bin";
    const auto r = Haul({Url(bad, std::string("size=1000&status=") + status),
                         Url("fine" + std::string(status) + ".bin", "size=1000")});
    EXPECT_EQ(r.exit_code, 6) << status << ": " << Describe(r);
    EXPECT_TRUE(HasContent(work_ / ("fine" + std::string(status) + ".bin"), 1000));
    EXPECT_FALSE(fs::exists(work_ / bad));
    EXPECT_FALSE(fs::exists(work_ / (bad + ".part")));
    EXPECT_EQ(server().Stats(bad).requests, 1) << "a 4xx was retried";
  }
}

}  // namespace
}  // namespace haul_it
