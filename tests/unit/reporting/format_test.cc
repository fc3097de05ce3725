#include "reporting/format.h"

#include <gtest/gtest.h>

namespace haul::reporting {
namespace {

using std::chrono::milliseconds;

TEST(FormatStats, ExactFormatParsedByIntegrationTests) {
  RunStats s;
  s.jobs_ok = 3;
  s.jobs_failed = 1;
  s.jobs_skipped = 2;
  s.bytes = 123456789;
  s.wall = milliseconds(2345);
  s.requests = 17;
  s.connections_opened = 5;
  s.requests_reused = 12;
  s.peak_slots = 8;
  s.slots_created = 9;
  s.bytes_received = 200;
  s.bytes_resumed = 100;
  s.retries = 2;
  s.restarts = 1;
  s.stragglers = 3;
  s.slots_retired = 4;
  s.writer_threads_created = 2;
  s.writer_threads_retired = 1;
  s.writer_threads_peak = 2;
  s.buffer_hits = 50;
  s.buffer_misses = 7;
  s.stream_buffer_budget = 16777216;
  s.stream_buffer_peak = 1048576;
  EXPECT_EQ(FormatStats(s),
            "downloads ok: 3\n"
            "downloads failed: 1\n"
            "downloads skipped: 2\n"
            "bytes: 123456789\n"
            "bytes received: 200\n"
            "bytes resumed: 100\n"
            "wall seconds: 2.345\n"
            "requests: 17\n"
            "connections opened: 5\n"
            "requests reusing a connection: 12\n"
            "peak transfer slots: 8\n"
            "transfer slots created: 9\n"
            "transfer slots retired: 4\n"
            "writer threads created: 2\n"
            "writer threads retired: 1\n"
            "peak writer threads: 2\n"
            "buffer pool hits: 50\n"
            "buffer pool misses: 7\n"
            "retries: 2\n"
            "restarts: 1\n"
            "stragglers: 3\n"
            "stream buffer budget: 16777216\n"
            "stream buffer peak: 1048576\n");
}

TEST(FormatStats, WallSecondsAlwaysHaveThreeDecimals) {
  RunStats s;
  s.wall = milliseconds(5);
  EXPECT_NE(FormatStats(s).find("wall seconds: 0.005\n"), std::string::npos);
  s.wall = milliseconds(0);
  EXPECT_NE(FormatStats(s).find("wall seconds: 0.000\n"), std::string::npos);
  s.wall = milliseconds(61000);
  EXPECT_NE(FormatStats(s).find("wall seconds: 61.000\n"), std::string::npos);
}

TEST(FormatStats, LargeCountersAreNotTruncated) {
  RunStats s;
  s.bytes = 18446744073709551615ULL;
  EXPECT_NE(FormatStats(s).find("bytes: 18446744073709551615\n"), std::string::npos);
}

TEST(ErrorLines, DownloadFailureIsOneLineWithUrlAndMessage) {
  const Status st = Status::Error(ErrorClass::kHttp, "HTTP 404 Not Found");
  EXPECT_EQ(DownloadErrorLine("http://h/f", st), "haul: error: http://h/f: HTTP 404 Not Found\n");
  EXPECT_EQ(ErrorLine("no URLs given"), "haul: error: no URLs given\n");
}

TEST(FormatBytes, BinaryUnitsWithOneDecimal) {
  EXPECT_EQ(FormatBytes(0), "0 B");
  EXPECT_EQ(FormatBytes(1023), "1023 B");
  EXPECT_EQ(FormatBytes(1024), "1.0 KiB");
  EXPECT_EQ(FormatBytes(1536), "1.5 KiB");
  EXPECT_EQ(FormatBytes(1048575), "1.0 MiB");  // not "1024.0 KiB"
  EXPECT_EQ(FormatBytes(1048576), "1.0 MiB");
  EXPECT_EQ(FormatBytes(10 * 1048576 + 1048576 / 2), "10.5 MiB");
  EXPECT_EQ(FormatBytes(5ULL << 30), "5.0 GiB");
  EXPECT_EQ(FormatBytes(3ULL << 40), "3.0 TiB");
  EXPECT_EQ(FormatBytes(5000ULL << 40), "5000.0 TiB");
}

TEST(FormatRate, AppendsPerSecondAndIgnoresNonsense) {
  EXPECT_EQ(FormatRate(2048.7), "2.0 KiB/s");
  EXPECT_EQ(FormatRate(-1), "0 B/s");
  EXPECT_EQ(FormatRate(std::numeric_limits<double>::quiet_NaN()), "0 B/s");
}

TEST(FormatDuration, ShortFormsByMagnitude) {
  EXPECT_EQ(FormatDuration(milliseconds(0)), "0.0s");
  EXPECT_EQ(FormatDuration(milliseconds(3250)), "3.2s");
  EXPECT_EQ(FormatDuration(milliseconds(9999)), "9.9s");
  EXPECT_EQ(FormatDuration(milliseconds(42000)), "42s");
  EXPECT_EQ(FormatDuration(milliseconds(245000)), "4m05s");
  EXPECT_EQ(FormatDuration(milliseconds(7380000)), "2h03m");
  EXPECT_EQ(FormatDuration(milliseconds(-5)), "0.0s");
}

}  // namespace
}  // namespace haul::reporting

namespace haul::reporting {
namespace {

// https://no-color.org: colour only on a terminal, and only while NO_COLOR
// is unset or empty.
TEST(ColourWanted, OnlyOnATerminalWithoutNoColor) {
  EXPECT_TRUE(ColourWanted(true, nullptr));
  EXPECT_TRUE(ColourWanted(true, ""));
  EXPECT_FALSE(ColourWanted(true, "1"));
  EXPECT_FALSE(ColourWanted(true, "0"));  // any non-empty value counts
  EXPECT_FALSE(ColourWanted(false, nullptr));
  EXPECT_FALSE(ColourWanted(false, ""));
}

TEST(RedErrorLine, ColoursOnlyThePrefix) {
  EXPECT_EQ(RedErrorLine("haul: error: http://h/a: reset\n"),
            "\x1b[31mhaul: error:\x1b[0m http://h/a: reset\n");
  EXPECT_EQ(RedErrorLine("something else\n"), "something else\n");
}

}  // namespace
}  // namespace haul::reporting
