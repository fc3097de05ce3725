// Tests for src/storage/existing_file.h: the --skip-existing / -N decision
// table, and the two file-system calls against real files.
#include "storage/existing_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "temp_files.h"

namespace haul::storage {
namespace {

using test_files::TempDir;
using test_files::WriteFile;

FinalFile Regular(std::int64_t mtime) { return {true, false, true, mtime}; }
constexpr FinalFile kMissing{};
constexpr FinalFile kDirectory{true, true, false, 0};
constexpr FinalFile kDangling{true, false, false, 0};

TEST(DecideExisting, NothingThereDownloadsWhateverTheFlags) {
  for (bool skip : {false, true}) {
    for (bool n : {false, true}) {
      for (bool resuming : {false, true}) {
        EXPECT_EQ(DecideExisting(skip, n, kMissing, resuming), ExistingAction::kDownload);
      }
    }
  }
}

TEST(DecideExisting, SkipExistingNeverTouchesAFileEvenWithAPartial) {
  EXPECT_EQ(DecideExisting(true, false, Regular(5), false), ExistingAction::kSkip);
  EXPECT_EQ(DecideExisting(true, false, Regular(5), true), ExistingAction::kSkip);
  EXPECT_EQ(DecideExisting(true, false, kDangling, false), ExistingAction::kSkip);
}

TEST(DecideExisting, ADirectoryIsNeverSkippedSoOpeningReportsIt) {
  EXPECT_EQ(DecideExisting(true, false, kDirectory, false), ExistingAction::kDownload);
  EXPECT_EQ(DecideExisting(false, true, kDirectory, false), ExistingAction::kDownload);
}

TEST(DecideExisting, TimestampingAsksIfNewerUnlessAPartialIsResumed) {
  EXPECT_EQ(DecideExisting(false, true, Regular(5), false), ExistingAction::kIfNewer);
  EXPECT_EQ(DecideExisting(false, true, Regular(5), true), ExistingAction::kReplace);
  // No mtime to ask with: the usual rules (the open fails with "exists").
  EXPECT_EQ(DecideExisting(false, true, kDangling, false), ExistingAction::kDownload);
}

TEST(DecideExisting, WithoutEitherFlagAnExistingFileIsTheUsualError) {
  EXPECT_EQ(DecideExisting(false, false, Regular(5), false), ExistingAction::kDownload);
  EXPECT_EQ(DecideExisting(false, false, Regular(5), true), ExistingAction::kDownload);
}

TEST(InspectFinal, SeesFilesDirectoriesAndDanglingLinks) {
  TempDir dir;
  EXPECT_FALSE(InspectFinal(dir.Sub("none")).exists);
  WriteFile(dir.Sub("f"), "x");
  const FinalFile f = InspectFinal(dir.Sub("f"));
  EXPECT_TRUE(f.exists && f.regular && !f.directory);
  EXPECT_GT(f.mtime, 0);
  const FinalFile d = InspectFinal(dir.path());
  EXPECT_TRUE(d.exists && d.directory && !d.regular);
  ASSERT_EQ(::symlink("nowhere", dir.Sub("link").c_str()), 0);
  const FinalFile l = InspectFinal(dir.Sub("link"));
  EXPECT_TRUE(l.exists && !l.regular && !l.directory);
}

TEST(SetModifiedTime, SetsTheMtimeThatInspectFinalReads) {
  TempDir dir;
  WriteFile(dir.Sub("f"), "x");
  constexpr std::int64_t kWhen = 784111777;  // Sun, 06 Nov 1994 08:49:37 GMT
  ASSERT_TRUE(SetModifiedTime(dir.Sub("f"), kWhen).ok());
  EXPECT_EQ(InspectFinal(dir.Sub("f")).mtime, kWhen);
  const Status missing = SetModifiedTime(dir.Sub("none"), kWhen);
  EXPECT_EQ(missing.error_class(), ErrorClass::kIo);
}

}  // namespace
}  // namespace haul::storage
