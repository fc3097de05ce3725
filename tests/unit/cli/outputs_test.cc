// --progress, --progress-file and --summary-json: parsing, the choice of
// reporter, and the summary document with its atomic write.
#include "cli/outputs.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/command_line.h"
#include "parse_helpers.h"
#include "cli/run_summary.h"

namespace haul::cli {
namespace {

using reporting::ReporterKind;

using parse_test::Parse;
using parse_test::ParseOk;
using parse_test::UsageError;

TEST(ProgressOptions, EveryModeParses) {
  EXPECT_EQ(ParseOk({"http://h/a"}).progress, ProgressMode::kAuto);
  EXPECT_EQ(ParseOk({"--progress=bar", "http://h/a"}).progress, ProgressMode::kBar);
  EXPECT_EQ(ParseOk({"--progress", "line", "http://h/a"}).progress, ProgressMode::kLine);
  EXPECT_EQ(ParseOk({"--progress=json", "http://h/a"}).progress, ProgressMode::kJson);
  EXPECT_EQ(ParseOk({"--progress=none", "http://h/a"}).progress, ProgressMode::kNone);
  const CommandLine cl =
      ParseOk({"--progress=json", "--progress-file", "p.jsonl", "--summary-json", "s.json",
               "http://h/a"});
  EXPECT_EQ(cl.progress_file, "p.jsonl");
  EXPECT_EQ(cl.summary_json, "s.json");
}

TEST(ProgressOptions, BadValuesAreOneLineUsageErrors) {
  EXPECT_EQ(UsageError({"--progress=fancy", "http://h/a"}),
            "haul: error: --progress must be one of auto, bar, line, json, none (got 'fancy')\n");
  EXPECT_EQ(UsageError({"--progress-file", "p", "http://h/a"}),
            "haul: error: --progress-file needs --progress=json\n");
  UsageError({"--progress=line", "--progress-file", "p", "http://h/a"});
  UsageError({"-q", "--progress=bar", "http://h/a"});
  UsageError({"-q", "--progress=line", "http://h/a"});
  ParseOk({"-q", "--progress=json", "http://h/a"});
  ParseOk({"-q", "--progress=none", "http://h/a"});
}

TEST(StderrReporterKind, AutoIsABarOnATerminalAndLinesElsewhere) {
  CommandLine cl;
  EXPECT_EQ(StderrReporterKind(cl, true), ReporterKind::kTty);
  EXPECT_EQ(StderrReporterKind(cl, false), ReporterKind::kLines);
  cl.verbose = true;
  EXPECT_EQ(StderrReporterKind(cl, true), ReporterKind::kLines);
  cl.verbose = false;
  cl.quiet = true;
  EXPECT_EQ(StderrReporterKind(cl, true), ReporterKind::kQuiet);
}

TEST(StderrReporterKind, ExplicitModesIgnoreTheTerminal) {
  for (bool terminal : {true, false}) {
    CommandLine cl;
    cl.progress = ProgressMode::kBar;
    EXPECT_EQ(StderrReporterKind(cl, terminal), ReporterKind::kTty);
    cl.progress = ProgressMode::kLine;
    EXPECT_EQ(StderrReporterKind(cl, terminal), ReporterKind::kLines);
    cl.progress = ProgressMode::kNone;
    EXPECT_EQ(StderrReporterKind(cl, terminal), ReporterKind::kNoProgress);
    cl.progress = ProgressMode::kJson;
    EXPECT_EQ(StderrReporterKind(cl, terminal), ReporterKind::kJson);
    EXPECT_TRUE(JsonOnStderr(cl));
    cl.progress_file = "p.jsonl";  // the events go there; stderr keeps errors and the summary
    EXPECT_EQ(StderrReporterKind(cl, terminal), ReporterKind::kNoProgress);
    EXPECT_FALSE(JsonOnStderr(cl));
    cl.quiet = true;
    EXPECT_EQ(StderrReporterKind(cl, terminal), ReporterKind::kQuiet);
  }
}

JobFinished Finished(JobId id, std::string url, Status status) {
  JobFinished e;
  e.id = id;
  e.url = std::move(url);
  e.path = "out/" + std::to_string(id);
  e.status = std::move(status);
  return e;
}

TEST(RunSummary, ListsDownloadsInSubmissionOrderWithTotals) {
  RunSummary summary;
  JobFinished ok = Finished(1, "http://h/a", Status::Ok());
  ok.bytes = 1000;
  ok.duration = std::chrono::milliseconds(250);
  ok.connections = 3;
  ok.retries = 2;
  ok.checksum = "sha-256=" + std::string(64, 'a');
  summary.OnJobFinished(Finished(2, "http://h/b", Status::Error(ErrorClass::kHttp, "HTTP 404")));
  summary.OnJobFinished(ok);
  summary.ReportInputError(Status::Error(ErrorClass::kUsage, "bad"));
  RunStats stats;
  stats.wall = std::chrono::milliseconds(1234);
  summary.Finish(stats);
  const reporting::Json doc = summary.ToJson(3);
  EXPECT_EQ(doc["schema"], 1);
  ASSERT_EQ(doc["downloads"].size(), 2U);
  const auto& a = doc["downloads"][0];
  EXPECT_EQ(a["url"], "http://h/a");
  EXPECT_EQ(a["path"], "out/1");
  EXPECT_EQ(a["bytes"], 1000);
  EXPECT_EQ(a["sha256"], std::string(64, 'a'));
  EXPECT_EQ(a["duration_ms"], 250);
  EXPECT_EQ(a["connections"], 3);
  EXPECT_EQ(a["retries"], 2);
  EXPECT_EQ(a["outcome"], "ok");
  EXPECT_TRUE(a["error_class"].is_null());
  EXPECT_TRUE(a["error"].is_null());
  const auto& b = doc["downloads"][1];
  EXPECT_EQ(b["outcome"], "failed");
  EXPECT_EQ(b["error_class"], "http");
  EXPECT_EQ(b["error"], "HTTP 404");
  EXPECT_TRUE(b["sha256"].is_null());
  const auto& t = doc["totals"];
  EXPECT_EQ(t["downloads"], 2);
  EXPECT_EQ(t["ok"], 1);
  EXPECT_EQ(t["failed"], 1);
  EXPECT_EQ(t["input_errors"], 1);
  EXPECT_EQ(t["bytes"], 1000);
  EXPECT_EQ(t["duration_ms"], 1234);
  EXPECT_EQ(t["exit_code"], 3);
}

TEST(RunSummary, OtherChecksumsAreNotSha256) {
  RunSummary summary;
  JobFinished e = Finished(1, "http://h/a", Status::Ok());
  e.checksum = "md5=" + std::string(32, 'b');
  summary.OnJobFinished(e);
  EXPECT_TRUE(summary.ToJson(0)["downloads"][0]["sha256"].is_null());
}

class AtomicFileTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("haul-atomic-" + std::to_string(::getpid()) + "-" +
            testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  static std::string Read(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  std::filesystem::path dir_;
};

TEST_F(AtomicFileTest, ReplacesTheFileOnlyAtCommit) {
  const auto path = dir_ / "s.json";
  { std::ofstream(path) << "old"; }
  AtomicFile f;
  ASSERT_TRUE(f.Open(path.string()).ok());
  EXPECT_EQ(Read(path), "old");  // still the old document while haul runs
  ASSERT_TRUE(f.Commit("{\"new\":1}\n").ok());
  EXPECT_EQ(Read(path), "{\"new\":1}\n");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_),
                          std::filesystem::directory_iterator()),
            1)
      << "the temporary file was left behind";
}

TEST_F(AtomicFileTest, AnUnwritablePlaceFailsAtOpenAndLeavesNothing) {
  AtomicFile f;
  const Status s = f.Open((dir_ / "missing" / "s.json").string());
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("missing/s.json"), std::string::npos) << s.message();
  {
    AtomicFile abandoned;
    ASSERT_TRUE(abandoned.Open((dir_ / "t.json").string()).ok());
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir_)) << "an uncommitted file was left behind";
}

}  // namespace
}  // namespace haul::cli
