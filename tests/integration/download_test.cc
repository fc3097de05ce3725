// Single downloads over plain HTTP: splitting, tiny and empty files, servers
// that ignore ranges, HTTP errors, overwrite protection and where the output
// file lands.
#include <gtest/gtest.h>

#include <string>

#include "harness/access_log.h"
#include "harness/files.h"
#include "harness/nginx_suite.h"
#include "harness/stats.h"

namespace haul_it {
namespace {

namespace fs = std::filesystem;

class DownloadTest : public NginxSuite<DownloadTest> {
 public:
  static NginxOptions ServerOptions() {
    NginxOptions options;
    // A server that answers every Range request with the whole file.
    options.server_extra = "location /noranges/ { max_ranges 0; }";
    return options;
  }
};

TEST_F(DownloadTest, LargeFileIsSplitOverSeveralConnectionsAndByteExact) {
  WriteRandomFile(Served("big.bin"), 24 * kMiB, 1);
  const std::uint64_t mark = server().AccessLogSize();
  const ProcessResult r = Haul({"-x", "8", "--stats", Url("/big.bin")});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(FilesEqual(Served("big.bin"), work_ / "big.bin"));
  EXPECT_FALSE(fs::exists(work_ / "big.bin.part"));

  const auto entries = ReadSettledAccessLog(server().access_log(), mark);
  EXPECT_GT(DistinctConnections(entries, "/big.bin"), 1u)
      << "the 24 MiB file was not split: one TCP connection fetched it all\n"
      << FormatEntries(entries);
  const auto stats = ParseStats(r.err);
  const auto peak = StatInt(stats, "peak transfer slots");
  const auto opened = StatInt(stats, "connections opened");
  ASSERT_TRUE(peak.has_value() && opened.has_value()) << "incomplete --stats:\n" << r.err;
  // -x caps the connections a download uses at once.
  EXPECT_LE(*peak, 8u) << r.err;
  // haul's count (CURLINFO_NUM_CONNECTS) is the server's count.
  EXPECT_EQ(*opened, DistinctConnections(entries)) << r.err << FormatEntries(entries);
  // Over HTTP/1.1 a response cut short (the open-ended first request at the
  // end of its piece, a range shortened by a steal) closes its connection,
  // so a few more than 8 may be opened over the download; a connection per
  // 1 MiB piece would be 24.
  EXPECT_LE(*opened, 16u) << r.err << FormatEntries(entries);
}

TEST_F(DownloadTest, MemoryDoesNotGrowWithTheFileSize) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "sanitizer runtimes inflate and delay RSS; measured in the plain build";
#else
  // The write pipeline holds a fixed number of buffers, whatever the size:
  // 16x the bytes must not mean more memory (a whole-file buffer would add
  // 120 MiB here).
  WriteRandomFile(Served("mem-small.bin"), 8 * kMiB, 30);
  WriteRandomFile(Served("mem-large.bin"), 128 * kMiB, 31);
  const ProcessResult small = Haul({"-q", Url("/mem-small.bin")});
  ASSERT_EQ(small.exit_code, 0) << Describe(small);
  const ProcessResult large = Haul({"-q", Url("/mem-large.bin")});
  ASSERT_EQ(large.exit_code, 0) << Describe(large);
  EXPECT_TRUE(FilesEqual(Served("mem-large.bin"), work_ / "mem-large.bin"));
  // The write pipeline may fill its whole buffer budget (2 * 64 + 4 buffers
  // of 128 KiB, 16.5 MiB) when the disk is slower than the network, for
  // example while a resume-state save syncs the partial; that is bounded
  // and the same for any size, so the limit is the budget plus slack.
  EXPECT_LT(large.max_rss_kib, small.max_rss_kib + 24 * 1024)
      << "peak RSS " << small.max_rss_kib << " KiB for 8 MiB, " << large.max_rss_kib
      << " KiB for 128 MiB";
  fs::remove(Served("mem-large.bin"));
  fs::remove(work_ / "mem-large.bin");
#endif
}

TEST_F(DownloadTest, FileSmallerThanOnePieceIsByteExact) {
  WriteRandomFile(Served("small.bin"), 100 * 1024, 2);
  const ProcessResult r = Haul({Url("/small.bin")});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(FilesEqual(Served("small.bin"), work_ / "small.bin"));
}

TEST_F(DownloadTest, EmptyFileIsCreatedEmpty) {
  WriteFile(Served("empty.bin"), "");
  const ProcessResult r = Haul({Url("/empty.bin")});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  ASSERT_TRUE(fs::is_regular_file(work_ / "empty.bin"));
  EXPECT_EQ(fs::file_size(work_ / "empty.bin"), 0u);
  EXPECT_FALSE(fs::exists(work_ / "empty.bin.part"));
}

TEST_F(DownloadTest, ServerIgnoringRangesStillGivesAByteExactFile) {
  WriteRandomFile(Served("noranges/eight.bin"), 8 * kMiB, 3);
  const ProcessResult r = Haul({"-x", "8", Url("/noranges/eight.bin")});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(FilesEqual(Served("noranges/eight.bin"), work_ / "eight.bin"));
}

TEST_F(DownloadTest, NotFoundExits6AndLeavesNoFile) {
  const std::string url = Url("/missing.bin");
  const ProcessResult r = Haul({url});
  EXPECT_EQ(r.exit_code, 6) << Describe(r);
  EXPECT_NE(r.err.find("haul: error: " + url + ": "), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(work_ / "missing.bin"));
  EXPECT_FALSE(fs::exists(work_ / "missing.bin.part"));
  EXPECT_TRUE(ListDir(work_.path()).empty())
      << "left behind: " << testing::PrintToString(ListDir(work_.path()));
}

TEST_F(DownloadTest, ExistingFileIsKeptWithoutOverwriteAndReplacedWithIt) {
  WriteRandomFile(Served("data.bin"), 300 * 1024, 4);
  WriteFile(work_ / "data.bin", "precious local data");
  const std::string url = Url("/data.bin");

  const ProcessResult kept = Haul({url});
  EXPECT_EQ(kept.exit_code, 9) << Describe(kept);
  EXPECT_NE(kept.err.find("haul: error: " + url + ": "), std::string::npos) << kept.err;
  EXPECT_EQ(ReadFile(work_ / "data.bin"), "precious local data");

  const ProcessResult replaced = Haul({"--overwrite", url});
  ASSERT_EQ(replaced.exit_code, 0) << Describe(replaced);
  EXPECT_TRUE(FilesEqual(Served("data.bin"), work_ / "data.bin"));
}

TEST_F(DownloadTest, OutputOptionNamesTheFile) {
  WriteRandomFile(Served("named.bin"), 64 * 1024, 5);
  const ProcessResult r = Haul({"-o", "chosen.bin", Url("/named.bin")});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(FilesEqual(Served("named.bin"), work_ / "chosen.bin"));
  EXPECT_FALSE(fs::exists(work_ / "named.bin"));
}

TEST_F(DownloadTest, DirectoryOptionCreatesTheDirectory) {
  WriteRandomFile(Served("placed.bin"), 64 * 1024, 6);
  const ProcessResult r = Haul({"-d", "out/deeper", Url("/placed.bin")});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(FilesEqual(Served("placed.bin"), work_ / "out/deeper/placed.bin"));
}

TEST_F(DownloadTest, EncodedSlashesInTheNameStayInsideTheDirectory) {
  // nginx resolves /trap/%2F..%2Fevil to /evil, so this serves a real file
  // whose URL's last segment decodes to "/../evil".
  WriteRandomFile(Served("evil"), 10 * 1024, 7);
  const ProcessResult r = Haul({"-d", "jail", Url("/trap/%2F..%2Fevil")});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_EQ(ListDir(work_.path()), std::vector<std::string>{"jail"})
      << "something was written outside -d";
  const auto inside = ListDir(work_ / "jail");
  ASSERT_EQ(inside.size(), 1u) << testing::PrintToString(inside);
  EXPECT_TRUE(FilesEqual(Served("evil"), work_ / "jail" / inside[0]));
}

}  // namespace
}  // namespace haul_it
