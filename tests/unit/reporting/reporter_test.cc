#include "reporting/reporter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "memory_file.h"

namespace haul::reporting {
namespace {

using std::chrono::milliseconds;
using TimePoint = std::chrono::steady_clock::time_point;

/// A clock the test moves by hand.
class FakeClock {
 public:
  Clock AsClock() {
    return [this] { return now_; };
  }
  void Advance(milliseconds d) { now_ += d; }

 private:
  TimePoint now_{std::chrono::hours(1)};
};

/// A reporter of one kind writing into memory, driven by a fake clock.
class ReporterTest : public ::testing::Test {
 protected:
  std::unique_ptr<Reporter> Make(ReporterKind kind, int width = 80) {
    ReporterConfig config;
    config.out = out_.get();
    config.clock = clock_.AsClock();
    config.width = width;
    return MakeReporter(kind, config);
  }

  static Progress SomeProgress() {
    Progress p;
    p.bytes_done = 5 << 20;
    p.bytes_total = 10 << 20;
    p.bytes_per_second = 1 << 20;
    p.active_jobs = 2;
    p.jobs_done = 3;
    return p;
  }

  static JobFinished Failed(std::string url, std::string why) {
    JobFinished e;
    e.url = std::move(url);
    e.status = Status::Error(ErrorClass::kNetwork, std::move(why));
    return e;
  }

  static std::size_t Count(const std::string& text, std::string_view what) {
    std::size_t n = 0;
    for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
    return n;
  }

  MemoryFile out_;
  FakeClock clock_;
};

TEST_F(ReporterTest, EveryKindPrintsExactlyOneLinePerFailedDownload) {
  for (ReporterKind kind : {ReporterKind::kTty, ReporterKind::kLines, ReporterKind::kQuiet}) {
    MemoryFile out;
    ReporterConfig config;
    config.out = out.get();
    auto r = MakeReporter(kind, config);
    r->OnJobFinished(Failed("http://h/a", "connection refused"));
    JobFinished ok;
    ok.url = "http://h/b";
    r->OnJobFinished(ok);
    const std::string text = out.text();
    EXPECT_EQ(text, "haul: error: http://h/a: connection refused\n") << static_cast<int>(kind);
  }
}

TEST_F(ReporterTest, InputErrorPrintsItsMessage) {
  auto r = Make(ReporterKind::kQuiet);
  r->ReportInputError(Status::Error(ErrorClass::kUsage, "urls.txt:3: unsupported scheme 'ftp'"));
  EXPECT_EQ(out_.text(), "haul: error: urls.txt:3: unsupported scheme 'ftp'\n");
}

TEST_F(ReporterTest, QuietPrintsNoProgressAndNoSummary) {
  auto r = Make(ReporterKind::kQuiet);
  for (int i = 0; i < 100; ++i) {
    r->OnProgress(SomeProgress());
    clock_.Advance(milliseconds(1000));
  }
  r->Finish(RunStats{});
  EXPECT_EQ(out_.text(), "");
}

TEST_F(ReporterTest, LineReporterNeverWritesCarriageReturns) {
  auto r = Make(ReporterKind::kLines);
  for (int i = 0; i < 200; ++i) {
    r->OnProgress(SomeProgress());
    if (i % 50 == 0) r->OnJobFinished(Failed("http://h/x", "timeout"));
    clock_.Advance(milliseconds(200));
  }
  r->Finish(RunStats{});
  const std::string text = out_.text();
  EXPECT_EQ(text.find('\r'), std::string::npos);
  EXPECT_GT(Count(text, "active"), 0U);
}

TEST_F(ReporterTest, LineReporterPrintsAtMostOneProgressLinePerFiveSeconds) {
  auto r = Make(ReporterKind::kLines);
  // 4.9 s of frequent progress: a short run prints no progress at all.
  for (int i = 0; i < 49; ++i) {
    r->OnProgress(SomeProgress());
    clock_.Advance(milliseconds(100));
  }
  EXPECT_EQ(Count(out_.text(), "active"), 0U);
  clock_.Advance(milliseconds(100));  // 5.0 s
  r->OnProgress(SomeProgress());
  EXPECT_EQ(Count(out_.text(), "active"), 1U);
  clock_.Advance(milliseconds(4999));
  r->OnProgress(SomeProgress());
  EXPECT_EQ(Count(out_.text(), "active"), 1U);
  clock_.Advance(milliseconds(1));
  r->OnProgress(SomeProgress());
  EXPECT_EQ(Count(out_.text(), "active"), 2U);
  EXPECT_EQ(Count(out_.text(), "\n"), 2U);
}

TEST_F(ReporterTest, SummaryCountsInputErrors) {
  auto r = Make(ReporterKind::kLines);
  r->ReportInputError(Status::Error(ErrorClass::kUsage, "urls.txt:1: bad"));
  r->ReportInputError(Status::Error(ErrorClass::kUsage, "urls.txt:2: bad"));
  RunStats s;
  s.jobs_ok = 1;
  r->Finish(s);
  EXPECT_NE(out_.text().find("haul: 1 ok, 0 failed, 2 input errors, 0 B in 0.0s\n"),
            std::string::npos)
      << out_.text();
  EXPECT_EQ(SummaryLine(s, 1), "haul: 1 ok, 0 failed, 1 input error, 0 B in 0.0s\n");
  s.jobs_skipped = 1;
  EXPECT_EQ(SummaryLine(s), "haul: 1 ok (1 skipped), 0 failed, 0 B in 0.0s\n");
}

TEST_F(ReporterTest, LineReporterEndsWithSummary) {
  auto r = Make(ReporterKind::kLines);
  RunStats s;
  s.jobs_ok = 4;
  s.jobs_failed = 1;
  s.bytes = 2 << 20;
  s.wall = milliseconds(2000);
  r->Finish(s);
  EXPECT_EQ(out_.text(), "haul: 4 ok, 1 failed, 2.0 MiB in 2.0s (1.0 MiB/s)\n");
}

TEST_F(ReporterTest, TtyRedrawsAtMostTenTimesASecond) {
  auto r = Make(ReporterKind::kTty);
  for (int i = 0; i < 100; ++i) {  // 1 s of progress every 10 ms
    r->OnProgress(SomeProgress());
    clock_.Advance(milliseconds(10));
  }
  const std::string text = out_.text();
  EXPECT_EQ(Count(text, "active"), 10U);
  EXPECT_EQ(Count(text, "\r"), 10U);
  EXPECT_EQ(text.find('\n'), std::string::npos);
}

TEST_F(ReporterTest, TtyClearsTheLiveLineBeforeAnError) {
  auto r = Make(ReporterKind::kTty);
  r->OnProgress(SomeProgress());
  const std::size_t live = out_.text().size() - 1;  // minus the leading '\r'
  r->OnJobFinished(Failed("http://h/a", "reset"));
  const std::string text = out_.text();
  const std::string cleared = "\r" + std::string(live, ' ') + "\r";
  EXPECT_NE(text.find(cleared + "haul: error: http://h/a: reset\n"), std::string::npos) << text;
}

TEST_F(ReporterTest, TtyOverwritesALongerLineCompletely) {
  auto r = Make(ReporterKind::kTty);
  Progress wide = SomeProgress();
  wide.jobs_done = 123456789;
  r->OnProgress(wide);
  const std::size_t first = out_.text().size() - 1;
  clock_.Advance(milliseconds(100));
  r->OnProgress(SomeProgress());
  const std::string text = out_.text();
  const std::string second = text.substr(first + 1);
  EXPECT_EQ(second.size(), first + 1) << "the shorter redraw must pad over the old text";
}

TEST_F(ReporterTest, TtyLineFitsTheTerminal) {
  auto r = Make(ReporterKind::kTty, 30);
  r->OnProgress(SomeProgress());
  EXPECT_EQ(out_.text().size(), 1U + 29U);
}

TEST_F(ReporterTest, TtyFinishClearsTheLineAndPrintsSummary) {
  auto r = Make(ReporterKind::kTty);
  r->OnProgress(SomeProgress());
  r->Finish(RunStats{});
  const std::string text = out_.text();
  EXPECT_NE(text.find("\rhaul: 0 ok, 0 failed, 0 B in 0.0s\n"), std::string::npos) << text;
}

TEST(ProgressText, KnownTotalShowsPercentAndEta) {
  Progress p;
  p.bytes_done = 1 << 20;
  p.bytes_total = 4 << 20;
  p.bytes_per_second = 1 << 20;
  p.active_jobs = 1;
  EXPECT_EQ(ProgressText(p), "1.0 MiB / 4.0 MiB (25%), 1.0 MiB/s, ETA 3.0s, 1 active, 0 done");
}

TEST(ProgressText, UnknownTotalShowsNoEta) {
  Progress p;
  p.bytes_done = 1 << 20;
  p.bytes_per_second = 1 << 20;
  p.jobs_failed = 2;
  EXPECT_EQ(ProgressText(p), "1.0 MiB, 1.0 MiB/s, 0 active, 0 done, 2 failed");
}

TEST_F(ReporterTest, NoProgressPrintsErrorsAndTheSummaryOnly) {
  auto r = Make(ReporterKind::kNoProgress);
  for (int i = 0; i < 100; ++i) {
    r->OnProgress(SomeProgress());
    clock_.Advance(milliseconds(1000));
  }
  r->OnJobFinished(Failed("http://h/a", "reset"));
  r->Finish(RunStats{});
  EXPECT_EQ(out_.text(), "haul: error: http://h/a: reset\nhaul: 0 ok, 0 failed, 0 B in 0.0s\n");
}

TEST_F(ReporterTest, OnlyTheLiveDisplayColoursErrors) {
  for (ReporterKind kind : {ReporterKind::kTty, ReporterKind::kLines, ReporterKind::kQuiet,
                            ReporterKind::kNoProgress, ReporterKind::kJson}) {
    MemoryFile out;
    ReporterConfig config;
    config.out = out.get();
    config.colour = true;
    auto r = MakeReporter(kind, config);
    r->OnJobFinished(Failed("http://h/a", "reset"));
    r->ReportInputError(Status::Error(ErrorClass::kUsage, "bad"));
    const bool coloured = out.text().find("\x1b[31m") != std::string::npos;
    EXPECT_EQ(coloured, kind == ReporterKind::kTty) << static_cast<int>(kind) << out.text();
  }
  // And the live display only when asked (ColourWanted said yes).
  auto r = Make(ReporterKind::kTty);
  r->OnJobFinished(Failed("http://h/a", "reset"));
  EXPECT_EQ(out_.text().find('\x1b'), std::string::npos);
}

}  // namespace
}  // namespace haul::reporting
