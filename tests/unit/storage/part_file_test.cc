// Tests for src/storage/part_file.h against real files in a temporary
// directory, plus a disk-full case on a 1 MiB tmpfs when mounting is allowed.
#include "storage/part_file.h"

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <span>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "temp_files.h"

namespace haul::storage {
namespace {

namespace fs = std::filesystem;

using test_files::ReadFile;
using test_files::TempDir;
using test_files::WriteFile;

std::span<const std::byte> Bytes(const std::string& s) { return std::as_bytes(std::span(s)); }

bool Exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

class PartFileTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(dir_.path().empty()) << "mkdtemp failed"; }
  TempDir dir_;
};

TEST_F(PartFileTest, PartPathAppendsSuffix) {
  EXPECT_EQ(PartFile::PartPathFor("/d/x.iso"), "/d/x.iso.part");
}

/// `size` bytes of a pattern that does not repeat at any small period.
std::string Pattern(std::size_t size) {
  std::string s(size, '\0');
  for (std::size_t i = 0; i < size; ++i) s[i] = static_cast<char>((i * 131 + i / 977) & 0xff);
  return s;
}

/// Writes `data` in `piece`-byte pieces, in shuffled order, from `threads`
/// threads at once; returns how many WriteAt calls failed.
int WriteShuffled(PartFile& file, const std::string& data, std::size_t piece, std::size_t threads) {
  const std::size_t pieces = (data.size() + piece - 1) / piece;
  std::vector<std::size_t> order(pieces);
  for (std::size_t i = 0; i < pieces; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937(42));
  std::atomic<int> failures{0};
  std::vector<std::thread> workers;
  workers.reserve(threads);
  for (std::size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (std::size_t k = t; k < pieces; k += threads) {
        const std::size_t off = order[k] * piece;
        const std::size_t len = std::min(piece, data.size() - off);
        if (!file.WriteAt(off, Bytes(data).subspan(off, len)).ok()) failures.fetch_add(1);
      }
    });
  }
  for (std::thread& w : workers) w.join();
  return failures.load();
}

TEST_F(PartFileTest, ConcurrentOutOfOrderWritesReadBackExact) {
  // 1000-byte pieces are not block multiples, and the last one is short.
  const std::string expected = Pattern(1000 * 301 - 17);
  const std::string final_path = dir_.Sub("out.bin");
  PartFile file;
  ASSERT_TRUE(file.Open(final_path, false).ok());
  EXPECT_EQ(WriteShuffled(file, expected, 1000, 4), 0);

  ASSERT_TRUE(file.Commit(expected.size(), false).ok());
  EXPECT_FALSE(file.is_open());
  EXPECT_FALSE(Exists(PartFile::PartPathFor(final_path)));
  EXPECT_TRUE(ReadFile(final_path) == expected);  // not EXPECT_EQ: 300 KB diff
}

TEST_F(PartFileTest, OpenFailsWithExistsWhenFinalExists) {
  const std::string final_path = dir_.Sub("taken.txt");
  WriteFile(final_path, "old");
  PartFile file;
  const Status s = file.Open(final_path, false);
  EXPECT_EQ(s.error_class(), ErrorClass::kExists);
  EXPECT_EQ(s.message(), final_path + " exists (use --overwrite to replace it)");
  EXPECT_FALSE(file.is_open());
  EXPECT_FALSE(Exists(PartFile::PartPathFor(final_path)));
  EXPECT_EQ(ReadFile(final_path), "old");
}

TEST_F(PartFileTest, OverwriteReplacesExistingFinal) {
  const std::string final_path = dir_.Sub("taken.txt");
  WriteFile(final_path, "old content");
  PartFile file;
  ASSERT_TRUE(file.Open(final_path, true).ok());
  EXPECT_EQ(ReadFile(final_path), "old content");  // untouched until Commit
  ASSERT_TRUE(file.WriteAt(0, Bytes("new")).ok());
  ASSERT_TRUE(file.Commit(3, true).ok());
  EXPECT_EQ(ReadFile(final_path), "new");
}

TEST_F(PartFileTest, OpenFailsWhenFinalIsADirectory) {
  const std::string final_path = dir_.Sub("adir");
  fs::create_directory(final_path);
  PartFile file;
  const Status s = file.Open(final_path, true);
  EXPECT_EQ(s.error_class(), ErrorClass::kIo);
  EXPECT_NE(s.message().find(final_path), std::string::npos) << s.message();
}

TEST_F(PartFileTest, CommitWithoutOverwriteKeepsFileThatAppeared) {
  const std::string final_path = dir_.Sub("race.txt");
  PartFile file;
  ASSERT_TRUE(file.Open(final_path, false).ok());
  ASSERT_TRUE(file.WriteAt(0, Bytes("ours")).ok());
  WriteFile(final_path, "theirs");  // someone else finished first

  const Status s = file.Commit(4, false);
  EXPECT_EQ(s.error_class(), ErrorClass::kExists);
  EXPECT_NE(s.message().find(final_path), std::string::npos) << s.message();
  EXPECT_EQ(ReadFile(final_path), "theirs");
  // Still open, locked and on disk: the caller decides what happens to it.
  EXPECT_TRUE(file.is_open());
  EXPECT_EQ(ReadFile(file.part_path()), "ours");
  file.Discard();
  EXPECT_FALSE(Exists(file.part_path()));
  EXPECT_EQ(ReadFile(final_path), "theirs");
}

TEST_F(PartFileTest, SecondOpenOfSamePathFailsWhileFirstIsOpen) {
  const std::string final_path = dir_.Sub("shared.bin");
  PartFile first;
  ASSERT_TRUE(first.Open(final_path, false).ok());
  ASSERT_TRUE(first.WriteAt(0, Bytes("first")).ok());

  PartFile second;
  const Status s = second.Open(final_path, false);
  EXPECT_EQ(s.error_class(), ErrorClass::kIo);
  EXPECT_EQ(s.message(), PartFile::PartPathFor(final_path) + " is in use by another download");
  EXPECT_FALSE(second.is_open());
  // The loser must not have truncated the winner's data.
  EXPECT_EQ(ReadFile(first.part_path()), "first");
}

TEST_F(PartFileTest, LockIsReleasedWhenFirstCloses) {
  const std::string final_path = dir_.Sub("shared.bin");
  {
    PartFile first;
    ASSERT_TRUE(first.Open(final_path, false).ok());
    ASSERT_TRUE(first.WriteAt(0, Bytes("stale")).ok());
  }  // destructor: closed, partial kept
  EXPECT_EQ(ReadFile(PartFile::PartPathFor(final_path)), "stale");
  PartFile second;
  ASSERT_TRUE(second.Open(final_path, false).ok());
  EXPECT_EQ(ReadFile(second.part_path()), "");  // Open truncates
}

TEST_F(PartFileTest, PreallocateThenCommitSmallerTruncates) {
  const std::string final_path = dir_.Sub("pre.bin");
  PartFile file;
  ASSERT_TRUE(file.Open(final_path, false).ok());
  ASSERT_TRUE(file.Preallocate(1 << 20).ok());
  ASSERT_TRUE(file.WriteAt(0, Bytes("0123456789")).ok());
  ASSERT_TRUE(file.Commit(10, false).ok());
  EXPECT_EQ(fs::file_size(final_path), 10u);
  EXPECT_EQ(ReadFile(final_path), "0123456789");
}

TEST_F(PartFileTest, PreallocateSetsTheSize) {
  PartFile file;
  ASSERT_TRUE(file.Open(dir_.Sub("pre.bin"), false).ok());
  ASSERT_TRUE(file.Preallocate(123457).ok());
  // Only where fallocate works; /tmp is tmpfs or ext4/xfs/btrfs, which all do.
  EXPECT_EQ(fs::file_size(file.part_path()), 123457u);
}

TEST_F(PartFileTest, CreatesNestedMissingDirectories) {
  const std::string final_path = dir_.Sub("a/b/c/file.bin");
  PartFile file;
  ASSERT_TRUE(file.Open(final_path, false).ok());
  EXPECT_TRUE(fs::is_directory(dir_.Sub("a/b/c")));
  ASSERT_TRUE(file.WriteAt(0, Bytes("x")).ok());
  ASSERT_TRUE(file.Commit(1, false).ok());
  EXPECT_EQ(ReadFile(final_path), "x");
}

TEST_F(PartFileTest, ParentThatIsAFileIsAnIoError) {
  WriteFile(dir_.Sub("plain"), "");
  PartFile file;
  const Status s = file.Open(dir_.Sub("plain/sub/x.bin"), false);
  EXPECT_EQ(s.error_class(), ErrorClass::kIo);
  EXPECT_NE(s.message().find("cannot create directory " + dir_.Sub("plain/sub")),
            std::string::npos)
      << s.message();
}

TEST_F(PartFileTest, DiscardRemovesPartial) {
  const std::string final_path = dir_.Sub("gone.bin");
  PartFile file;
  ASSERT_TRUE(file.Open(final_path, false).ok());
  ASSERT_TRUE(file.WriteAt(0, Bytes("data")).ok());
  ASSERT_TRUE(Exists(file.part_path()));
  file.Discard();
  EXPECT_FALSE(file.is_open());
  EXPECT_FALSE(Exists(file.part_path()));
  EXPECT_FALSE(Exists(final_path));
}

TEST_F(PartFileTest, ClosedFileRefusesWork) {
  PartFile file;
  EXPECT_EQ(file.WriteAt(0, Bytes("x")).error_class(), ErrorClass::kInternal);
  EXPECT_EQ(file.Preallocate(10).error_class(), ErrorClass::kInternal);
  EXPECT_EQ(file.Commit(0, false).error_class(), ErrorClass::kInternal);
  file.Discard();  // a no-op, must not crash
  ASSERT_TRUE(file.Open(dir_.Sub("x"), false).ok());
  EXPECT_EQ(file.Open(dir_.Sub("y"), false).error_class(), ErrorClass::kInternal);
}

TEST_F(PartFileTest, LinkNoReplaceMovesOrRefuses) {
  const std::string from = dir_.Sub("from");
  const std::string to = dir_.Sub("to");
  WriteFile(from, "payload");
  WriteFile(to, "existing");
  const Status refused = detail::LinkNoReplace(from, to);
  EXPECT_EQ(refused.error_class(), ErrorClass::kExists);
  EXPECT_EQ(ReadFile(to), "existing");
  EXPECT_EQ(ReadFile(from), "payload");

  fs::remove(to);
  ASSERT_TRUE(detail::LinkNoReplace(from, to).ok());
  EXPECT_EQ(ReadFile(to), "payload");
  EXPECT_FALSE(Exists(from));
}

/// Mounts a 1 MiB tmpfs on a temp dir for the test's lifetime.
class DiskFullTest : public PartFileTest {
 protected:
  void SetUp() override {
    PartFileTest::SetUp();
    mount_point_ = dir_.Sub("tiny");
    fs::create_directory(mount_point_);
    if (::mount("tmpfs", mount_point_.c_str(), "tmpfs", 0, "size=1m") != 0) {
      GTEST_SKIP() << "cannot mount a 1 MiB tmpfs (" << std::generic_category().message(errno)
                   << "); needs root or CAP_SYS_ADMIN";
    }
    mounted_ = true;
  }
  void TearDown() override {
    if (mounted_) ::umount2(mount_point_.c_str(), MNT_DETACH);
  }

  std::string mount_point_;
  bool mounted_ = false;
};

TEST_F(DiskFullTest, WriteAtReportsNoSpace) {
  PartFile file;
  ASSERT_TRUE(file.Open(mount_point_ + "/big.bin", false).ok());
  // One write larger than the disk: pwrite first returns a short count, and
  // only the retry of the rest reports ENOSPC, so this also checks the loop.
  const std::string chunk(2u << 20, 'z');
  const Status s = file.WriteAt(0, Bytes(chunk));
  EXPECT_EQ(s.error_class(), ErrorClass::kIo);
  EXPECT_EQ(s.message(), "cannot write " + file.part_path() + ": No space left on device");
  file.Discard();
}

TEST_F(DiskFullTest, PreallocateReportsNoSpace) {
  PartFile file;
  ASSERT_TRUE(file.Open(mount_point_ + "/big.bin", false).ok());
  const Status s = file.Preallocate(4u << 20);
  EXPECT_EQ(s.error_class(), ErrorClass::kIo);
  EXPECT_NE(s.message().find("No space left on device"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find(file.part_path()), std::string::npos) << s.message();
  file.Discard();
}

}  // namespace
}  // namespace haul::storage
