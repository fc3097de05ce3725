#include <gtest/gtest.h>

#include <vector>

#include "haul/exit_codes.h"

namespace haul {
namespace {

TEST(ExitCodeForFailures, NoFailuresIsOk) {
  EXPECT_EQ(ExitCodeForFailures({}), ExitCode::kOk);
}

TEST(ExitCodeForFailures, AgreeingFailuresKeepTheirCode) {
  std::vector<ErrorClass> f{ErrorClass::kHttp, ErrorClass::kHttp};
  EXPECT_EQ(ExitCodeForFailures(f), ExitCode::kHttp);
  EXPECT_EQ(static_cast<int>(ExitCodeForFailures(f)), 6);
}

TEST(ExitCodeForFailures, DifferentFailuresAreMixed) {
  std::vector<ErrorClass> f{ErrorClass::kHttp, ErrorClass::kNetwork};
  EXPECT_EQ(ExitCodeForFailures(f), ExitCode::kMixed);
}

TEST(ExitCodeForFailures, InterruptionWins) {
  std::vector<ErrorClass> f{ErrorClass::kHttp, ErrorClass::kInterrupted};
  EXPECT_EQ(ExitCodeForFailures(f), ExitCode::kInterrupted);
}

TEST(ExitCodeForFailures, AClosedStdoutExplainsTheDownloadsAfterIt) {
  // Streaming, the downloads queued behind a closed stdout fail with it.
  std::vector<ErrorClass> f{ErrorClass::kOutputClosed, ErrorClass::kHttp};
  EXPECT_EQ(ExitCodeForFailures(f), ExitCode::kOutputClosed);
  f.push_back(ErrorClass::kInterrupted);
  EXPECT_EQ(ExitCodeForFailures(f), ExitCode::kInterrupted);
}

TEST(ExitCodeFor, CodesAreStable) {
  // docs/exit-codes.md promises these numbers; changing one breaks users' scripts.
  EXPECT_EQ(static_cast<int>(ExitCodeFor(ErrorClass::kUsage)), 2);
  EXPECT_EQ(static_cast<int>(ExitCodeFor(ErrorClass::kNetwork)), 4);
  EXPECT_EQ(static_cast<int>(ExitCodeFor(ErrorClass::kTls)), 5);
  EXPECT_EQ(static_cast<int>(ExitCodeFor(ErrorClass::kProtocol)), 7);
  EXPECT_EQ(static_cast<int>(ExitCodeFor(ErrorClass::kIo)), 8);
  EXPECT_EQ(static_cast<int>(ExitCodeFor(ErrorClass::kExists)), 9);
  EXPECT_EQ(static_cast<int>(ExitCodeFor(ErrorClass::kInterrupted)), 130);
  EXPECT_EQ(static_cast<int>(ExitCodeFor(ErrorClass::kOutputClosed)), 141);
  EXPECT_EQ(ErrorClassName(ErrorClass::kOutputClosed), "output-closed");
}

}  // namespace
}  // namespace haul
