// CI caches: --skip-existing leaves a file that exists alone without a
// request, and -N asks If-Modified-Since the local copy's mtime, so that a
// second run gets a 304 and touches nothing, while a newer file on the
// server is fetched again and replaces the old one. Also pins what nginx
// does with If-Modified-Since on haul's ranged first request ("bytes=0-").
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <string>
#include <vector>

#include "harness/access_log.h"
#include "harness/files.h"
#include "harness/nginx_suite.h"
#include "harness/stats.h"

namespace haul_it {
namespace {

namespace fs = std::filesystem;

/// 2023-11-14 22:13:20 UTC: a Last-Modified well in the past.
constexpr std::int64_t kPast = 1'700'000'000;

void SetMtime(const fs::path& path, std::int64_t seconds) {
  const timespec times[2] = {{0, UTIME_OMIT}, {static_cast<time_t>(seconds), 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0) << path;
}

/// mtime (whole seconds) and inode of a file; {-1, 0} when it is missing.
struct Identity {
  std::int64_t mtime = -1;
  std::uint64_t inode = 0;
  bool operator==(const Identity&) const = default;
};
Identity IdentityOf(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  return {static_cast<std::int64_t>(st.st_mtim.tv_sec), static_cast<std::uint64_t>(st.st_ino)};
}

/// The requests among `entries` whose target is `target`.
std::vector<AccessLogEntry> RequestsFor(const std::vector<AccessLogEntry>& entries,
                                        const std::string& target) {
  std::vector<AccessLogEntry> found;
  std::copy_if(entries.begin(), entries.end(), std::back_inserter(found),
               [&](const AccessLogEntry& e) { return e.target == target; });
  return found;
}

class CiCacheTest : public NginxSuite<CiCacheTest> {
 public:
  static NginxOptions ServerOptions() { return {}; }
};

TEST_F(CiCacheTest, SkipExistingLeavesTheFileAndItsPartialAloneWithoutARequest) {
  WriteRandomFile(Served("skip/a.bin"), 200'000, 1);
  WriteRandomFile(Served("skip/b.bin"), 300'000, 2);
  // A different local copy, and a stray partial beside it: neither may change.
  WriteFile(work_ / "a.bin", "the local copy, not the server's\n");
  WriteFile(work_ / "a.bin.part", "a stray partial\n");
  SetMtime(work_ / "a.bin", kPast);
  const Identity before = IdentityOf(work_ / "a.bin");
  const std::uint64_t mark = server().AccessLogSize();

  const ProcessResult r =
      Haul({"--skip-existing", "--stats", Url("/skip/a.bin"), Url("/skip/b.bin")});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_EQ(ReadFile(work_ / "a.bin"), "the local copy, not the server's\n");
  EXPECT_EQ(ReadFile(work_ / "a.bin.part"), "a stray partial\n");
  EXPECT_EQ(IdentityOf(work_ / "a.bin"), before);
  EXPECT_TRUE(FilesEqual(Served("skip/b.bin"), work_ / "b.bin"));
  const auto stats = ParseStats(r.err);
  EXPECT_EQ(StatInt(stats, "downloads ok"), 2u) << r.err;
  EXPECT_EQ(StatInt(stats, "downloads skipped"), 1u) << r.err;
  EXPECT_EQ(StatInt(stats, "downloads failed"), 0u) << r.err;
  EXPECT_NE(r.err.find("2 ok (1 skipped)"), std::string::npos) << r.err;

  const auto entries = ReadSettledAccessLog(server().access_log(), mark);
  EXPECT_EQ(RequestsFor(entries, "/skip/a.bin").size(), 0u) << FormatEntries(entries);
  EXPECT_EQ(RequestsFor(entries, "/skip/b.bin").size(), 1u) << FormatEntries(entries);
}

TEST_F(CiCacheTest, WithoutSkipExistingTheSameRunFailsWithExists) {
  // The control for the test above: the file really is in the way.
  WriteRandomFile(Served("skip/c.bin"), 1000, 3);
  WriteFile(work_ / "c.bin", "local\n");
  const ProcessResult r = Haul({"-q", Url("/skip/c.bin")});
  EXPECT_EQ(r.exit_code, 9) << Describe(r);
  EXPECT_EQ(ReadFile(work_ / "c.bin"), "local\n");
}

TEST_F(CiCacheTest, TimestampingTwiceGetsA304AndLeavesTheFileUntouched) {
  // Big enough to be split: the first run is a normal multi-connection download.
  WriteRandomFile(Served("ts/f.bin"), 3 * kMiB, 4);
  SetMtime(Served("ts/f.bin"), kPast);

  const ProcessResult first = Haul({"-N", "--stats", Url("/ts/f.bin")});
  ASSERT_EQ(first.exit_code, 0) << Describe(first);
  ASSERT_TRUE(FilesEqual(Served("ts/f.bin"), work_ / "f.bin"));
  EXPECT_EQ(IdentityOf(work_ / "f.bin").mtime, kPast) << "mtime is not the Last-Modified";
  EXPECT_EQ(StatInt(ParseStats(first.err), "downloads skipped"), 0u) << first.err;

  const Identity before = IdentityOf(work_ / "f.bin");
  const std::uint64_t mark = server().AccessLogSize();
  const ProcessResult second = Haul({"-N", "--stats", Url("/ts/f.bin")});
  ASSERT_EQ(second.exit_code, 0) << Describe(second);
  EXPECT_EQ(IdentityOf(work_ / "f.bin"), before) << "the file was replaced or touched";
  EXPECT_TRUE(FilesEqual(Served("ts/f.bin"), work_ / "f.bin"));
  EXPECT_EQ(ListDir(work_.path()), std::vector<std::string>{"f.bin"}) << "a partial was left";
  const auto stats = ParseStats(second.err);
  EXPECT_EQ(StatInt(stats, "downloads ok"), 1u) << second.err;
  EXPECT_EQ(StatInt(stats, "downloads skipped"), 1u) << second.err;
  EXPECT_EQ(StatInt(stats, "bytes"), 0u) << second.err;

  // One request, the usual ranged probe, which nginx answered 304: it
  // evaluates If-Modified-Since before Range.
  const auto requests = RequestsFor(ReadSettledAccessLog(server().access_log(), mark), "/ts/f.bin");
  ASSERT_EQ(requests.size(), 1u) << FormatEntries(requests);
  EXPECT_EQ(requests[0].status, 304);
  EXPECT_EQ(requests[0].range, "bytes=0-");
  EXPECT_EQ(requests[0].body_bytes, 0u);
}

TEST_F(CiCacheTest, TimestampingFetchesANewerFileAndReplacesTheOldOne) {
  WriteRandomFile(Served("ts/g.bin"), 3 * kMiB, 5);
  SetMtime(Served("ts/g.bin"), kPast);
  const ProcessResult first = Haul({"-N", Url("/ts/g.bin")});
  ASSERT_EQ(first.exit_code, 0) << Describe(first);
  ASSERT_EQ(IdentityOf(work_ / "g.bin").mtime, kPast);

  // The server's file changes: new bytes, a newer mtime.
  WriteRandomFile(Served("ts/g.bin"), 2 * kMiB + 12345, 6);
  SetMtime(Served("ts/g.bin"), kPast + 3600);
  const std::uint64_t mark = server().AccessLogSize();
  const ProcessResult second = Haul({"-N", "--stats", Url("/ts/g.bin")});
  ASSERT_EQ(second.exit_code, 0) << Describe(second);
  EXPECT_TRUE(FilesEqual(Served("ts/g.bin"), work_ / "g.bin"));
  EXPECT_EQ(IdentityOf(work_ / "g.bin").mtime, kPast + 3600);
  EXPECT_EQ(StatInt(ParseStats(second.err), "downloads skipped"), 0u) << second.err;
  const auto requests = RequestsFor(ReadSettledAccessLog(server().access_log(), mark), "/ts/g.bin");
  // The conditional probe got the new file (nginx logs it when it ends,
  // which may be after the pieces).
  const auto probe = std::find_if(requests.begin(), requests.end(),
                                  [](const AccessLogEntry& e) { return e.range == "bytes=0-"; });
  ASSERT_NE(probe, requests.end()) << FormatEntries(requests);
  EXPECT_EQ(probe->status, 206) << FormatEntries(requests);

  // And now it is current again.
  const ProcessResult third = Haul({"-N", "--stats", Url("/ts/g.bin")});
  ASSERT_EQ(third.exit_code, 0) << Describe(third);
  EXPECT_EQ(StatInt(ParseStats(third.err), "downloads skipped"), 1u) << third.err;
}

TEST_F(CiCacheTest, TimestampingReplacesALocalCopyWithAnotherDate) {
  // A copy fetched without -N has the download time as its mtime; nginx
  // (if_modified_since exact) answers 200 to any date but its own, and -N
  // replaces the copy without --overwrite.
  WriteRandomFile(Served("ts/h.bin"), 100'000, 7);
  SetMtime(Served("ts/h.bin"), kPast);
  WriteFile(work_ / "h.bin", "stale\n");
  const ProcessResult r = Haul({"-N", Url("/ts/h.bin")});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(FilesEqual(Served("ts/h.bin"), work_ / "h.bin"));
  EXPECT_EQ(IdentityOf(work_ / "h.bin").mtime, kPast);
}

}  // namespace
}  // namespace haul_it
