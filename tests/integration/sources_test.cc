// Fast sources take more work: mirrors, and connections that stall. Against
// the fault-injecting server (tests/fault_server); each test names its own
// resources, and mirrors are other paths serving the same bytes.
#include <gtest/gtest.h>

#include <string>

#include "harness/fault_suite.h"
#include "harness/stats.h"

namespace haul_it {
namespace {

constexpr std::uint64_t kSize = 16 * kMiB;
const std::string kSizeQuery = "size=" + std::to_string(kSize);

class SourcesTest : public FaultSuite {
 protected:
  std::uint64_t Stat(const ProcessResult& r, const std::string& key) {
    const auto value = StatInt(ParseStats(r.err), key);
    if (!value) ADD_FAILURE() << "no '" << key << "' in --stats:\n" << r.err;
    return value.value_or(0);
  }
};

TEST_F(SourcesTest, SlowMirrorPlusFastPrimaryGivesAByteExactFile) {
  const auto r = Haul({"--stats", "-x", "4", Url("fast.bin", kSizeQuery + "&rate=8388608"),
                       "--mirror", Url("slow.bin", kSizeQuery + "&rate=1048576")});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(HasContent(work_ / "fast.bin", kSize));
  const FaultStats slow = server().Stats("slow.bin");
  EXPECT_GE(slow.requests, 1) << "the mirror was never used";
  EXPECT_GT(slow.bytes, 0u);
}

TEST_F(SourcesTest, MirrorsOnAListLineAreUsed) {
  WriteFile(work_ / "urls.txt", Url("one.bin", kSizeQuery + "&rate=8388608") + " " +
                                    Url("two.bin", kSizeQuery + "&rate=8388608") + "\n");
  const auto r = Haul({"-x", "2", "-i", (work_ / "urls.txt").string()});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(HasContent(work_ / "one.bin", kSize));
  EXPECT_GE(server().Stats("two.bin").requests, 1);
}

TEST_F(SourcesTest, MirrorServingOtherContentIsDropped) {
  // change=1: version (bytes and ETag) = the path's request number. One
  // request beforehand makes every answer haul gets a version the primary
  // (version 0) does not have.
  const std::string query = kSizeQuery + "&change=1";
  const std::string warm = "GET /other.bin?" + query +
                           " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  ASSERT_FALSE(RawHttpExchange(server().port(), warm).data.empty());
  const auto r = Haul({"-x", "4", Url("real.bin", kSizeQuery + "&rate=8388608"), "--mirror",
                       Url("other.bin", query)});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(HasContent(work_ / "real.bin", kSize));
  EXPECT_NE(r.err.find("disagrees"), std::string::npos) << r.err;
  EXPECT_EQ(server().Stats("other.bin").requests, 2) << "a disagreeing mirror was asked again";
}

TEST_F(SourcesTest, MirrorOfAnotherSizeIsDropped) {
  const auto r = Haul({"-x", "4", Url("sized.bin", kSizeQuery + "&rate=8388608"), "--mirror",
                       Url("bigger.bin", "size=" + std::to_string(kSize + 1))});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(HasContent(work_ / "sized.bin", kSize));
  EXPECT_NE(r.err.find("disagrees"), std::string::npos) << r.err;
}

TEST_F(SourcesTest, FailingMirrorIsTakenOutOfRotationNotTheDownload) {
  const auto r = Haul({"-x", "4", Url("main.bin", kSizeQuery + "&rate=8388608"), "--mirror",
                       Url("gone.bin", kSizeQuery + "&status=404")});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(HasContent(work_ / "main.bin", kSize));
  EXPECT_EQ(server().Stats("gone.bin").requests, 1);
}

TEST_F(SourcesTest, StalledConnectionIsRecoveredLongBeforeTheLowSpeedLimit) {
  // One request (the third) stalls for 10 minutes after 1 MiB; the low-speed
  // limit is pushed out of reach, so only the straggler handling can finish
  // this download before the harness's timeout.
  const auto r = Haul({"--stats", "-x", "4", "--speed-time", "3600",
                       Url("stuck.bin", kSizeQuery +
                                            "&stall_after=1048576&stall_ms=600000&fault_from=2&fault_count=1")});
  ASSERT_FALSE(r.timed_out) << "a stalled connection held the download";
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(HasContent(work_ / "stuck.bin", kSize));
  EXPECT_GE(Stat(r, "stragglers"), 1u) << r.err;
  EXPECT_EQ(Stat(r, "retries"), 0u) << "a straggler is not a failure";
}

TEST_F(SourcesTest, MaxSpeedHoldsADownloadToItsRate) {
  // 4 MiB at 1 MiB/s cannot take less than about 4 s (the bucket starts
  // with a tenth of a second's burst); unlimited, it takes milliseconds.
  const auto r = Haul({"--max-speed", "1M", Url("limited.bin", "size=" + std::to_string(4 * kMiB))});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(HasContent(work_ / "limited.bin", 4 * kMiB));
  EXPECT_GE(r.seconds, 3.8) << "--max-speed 1M let 4 MiB through faster than 1 MiB/s";
}

TEST_F(SourcesTest, MaxOverallSpeedIsSharedByAllDownloads) {
  const std::string q = "size=" + std::to_string(2 * kMiB);
  const auto r = Haul({"--max-overall-speed", "1M", Url("shared1.bin", q), Url("shared2.bin", q)});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(HasContent(work_ / "shared1.bin", 2 * kMiB));
  EXPECT_TRUE(HasContent(work_ / "shared2.bin", 2 * kMiB));
  EXPECT_GE(r.seconds, 3.8) << "two downloads together went faster than 1 MiB/s";
}

TEST_F(SourcesTest, MirrorNeedsExactlyOneUrl) {
  const auto r = Haul({Url("a.bin"), Url("b.bin"), "--mirror", Url("c.bin")});
  EXPECT_EQ(r.exit_code, 2) << Describe(r);
  EXPECT_NE(r.err.find("--mirror needs exactly one URL"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace haul_it
