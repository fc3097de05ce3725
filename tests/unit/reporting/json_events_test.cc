// The JSON Lines events of --progress=json: every event's fields and types
// (docs/json.md), and how often the reporter writes progress.
#include "reporting/json_events.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "memory_file.h"

namespace haul::reporting {
namespace {

using std::chrono::milliseconds;
constexpr std::string_view kTime = "2026-01-02T03:04:05.678Z";

/// Every event starts with the same three fields, in this order.
void ExpectHead(const Json& j, std::string_view event) {
  ASSERT_TRUE(j.is_object());
  auto it = j.begin();
  EXPECT_EQ(it.key(), "schema");
  EXPECT_EQ(*it, 1);
  ++it;
  EXPECT_EQ(it.key(), "event");
  EXPECT_EQ(*it, std::string(event));
  ++it;
  EXPECT_EQ(it.key(), "time");
  EXPECT_EQ(*it, std::string(kTime));
}

TEST(JsonEvents, Rfc3339IsUtcWithMilliseconds) {
  const auto t = std::chrono::system_clock::time_point(milliseconds(1'700'000'000'123));
  EXPECT_EQ(Rfc3339(t), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(Rfc3339(std::chrono::system_clock::time_point{}), "1970-01-01T00:00:00.000Z");
}

TEST(JsonEvents, Start) {
  const Json j = StartEvent({7, "http://h/a", "dir/a"}, kTime);
  ExpectHead(j, "start");
  EXPECT_EQ(j["id"], 7);
  EXPECT_EQ(j["url"], "http://h/a");
  EXPECT_EQ(j["path"], "dir/a");
  EXPECT_EQ(j.size(), 6U);
}

TEST(JsonEvents, ProgressWithAndWithoutTotal) {
  Progress p;
  p.bytes_done = 1000;
  p.bytes_total = 4000;
  p.bytes_per_second = 512.6;
  p.active_jobs = 2;
  p.active_transfers = 5;
  p.jobs_done = 3;
  p.jobs_failed = 1;
  p.elapsed = milliseconds(2500);
  Json j = ProgressEvent(p, kTime);
  ExpectHead(j, "progress");
  EXPECT_EQ(j["bytes"], 1000);
  EXPECT_EQ(j["total"], 4000);
  EXPECT_EQ(j["speed"], 513);
  EXPECT_TRUE(j["speed"].is_number_integer());
  EXPECT_EQ(j["active"], 2);
  EXPECT_EQ(j["transfers"], 5);
  EXPECT_EQ(j["done"], 3);
  EXPECT_EQ(j["failed"], 1);
  EXPECT_EQ(j["elapsed_ms"], 2500);
  p.bytes_total.reset();
  p.bytes_per_second = -1;
  j = ProgressEvent(p, kTime);
  EXPECT_TRUE(j["total"].is_null());
  EXPECT_EQ(j["speed"], 0);
}

TEST(JsonEvents, Retry) {
  const Json j = RetryEvent(
      {4, "http://h/a", 2, Status::Error(ErrorClass::kHttp, "HTTP 503"), 1.2345}, kTime);
  ExpectHead(j, "retry");
  EXPECT_EQ(j["id"], 4);
  EXPECT_EQ(j["url"], "http://h/a");
  EXPECT_EQ(j["attempt"], 2);
  EXPECT_EQ(j["error_class"], "http");
  EXPECT_EQ(j["reason"], "HTTP 503");
  EXPECT_EQ(j["wait_ms"], 1235);
}

TEST(JsonEvents, MirrorDroppedAndRested) {
  MirrorChanged e{4, "http://h/a", "http://m/a", MirrorAction::kDropped,
                  Status::Error(ErrorClass::kProtocol, "size differs"), 0};
  Json j = MirrorEvent(e, kTime);
  ExpectHead(j, "mirror");
  EXPECT_EQ(j["id"], 4);
  EXPECT_EQ(j["url"], "http://h/a");
  EXPECT_EQ(j["mirror"], "http://m/a");
  EXPECT_EQ(j["action"], "dropped");
  EXPECT_EQ(j["error_class"], "protocol");
  EXPECT_EQ(j["reason"], "size differs");
  EXPECT_EQ(j["wait_ms"], 0);
  e.action = MirrorAction::kRested;
  e.wait_seconds = 2;
  j = MirrorEvent(e, kTime);
  EXPECT_EQ(j["action"], "rested");
  EXPECT_EQ(j["wait_ms"], 2000);
}

TEST(JsonEvents, DoneCarriesTheVerifiedSha256) {
  JobFinished e;
  e.id = 9;
  e.url = "http://h/a";
  e.path = "a";
  e.bytes = 123;
  e.resumed_bytes = 23;
  e.duration = milliseconds(456);
  e.connections = 4;
  e.retries = 1;
  Json j = FinishedEvent(e, kTime);
  ExpectHead(j, "done");
  EXPECT_EQ(j["id"], 9);
  EXPECT_EQ(j["url"], "http://h/a");
  EXPECT_EQ(j["path"], "a");
  EXPECT_EQ(j["bytes"], 123);
  EXPECT_EQ(j["resumed_bytes"], 23);
  EXPECT_EQ(j["duration_ms"], 456);
  EXPECT_EQ(j["connections"], 4);
  EXPECT_EQ(j["retries"], 1);
  EXPECT_TRUE(j["sha256"].is_null());
  EXPECT_EQ(j["skipped"], false);
  e.skipped = true;
  EXPECT_EQ(FinishedEvent(e, kTime)["skipped"], true);
  e.checksum = "sha-256=" + std::string(64, 'f');
  EXPECT_EQ(FinishedEvent(e, kTime)["sha256"], std::string(64, 'f'));
  e.checksum = "sha-512=" + std::string(128, 'f');
  EXPECT_TRUE(FinishedEvent(e, kTime)["sha256"].is_null());
}

TEST(JsonEvents, ErrorNamesTheClassAndItsExitCode) {
  JobFinished e;
  e.id = 3;
  e.url = "http://h/missing";
  e.status = Status::Error(ErrorClass::kHttp, "HTTP 404 Not Found");
  Json j = FinishedEvent(e, kTime);
  ExpectHead(j, "error");
  EXPECT_EQ(j["id"], 3);
  EXPECT_EQ(j["url"], "http://h/missing");
  EXPECT_EQ(j["error_class"], "http");
  EXPECT_EQ(j["exit_code"], 6);
  EXPECT_EQ(j["message"], "HTTP 404 Not Found");
  j = InputErrorEvent(Status::Error(ErrorClass::kUsage, "list:1: bad URL"), kTime);
  ExpectHead(j, "error");
  EXPECT_TRUE(j["id"].is_null());
  EXPECT_TRUE(j["url"].is_null());
  EXPECT_EQ(j["error_class"], "usage");
  EXPECT_EQ(j["exit_code"], 2);
}

TEST(JsonEvents, InvalidUtf8IsReplacedNotThrown) {
  const Json j = StartEvent({1, "http://h/\xff\xfe", "\xc3"}, kTime);
  std::string text;
  ASSERT_NO_THROW(text = JsonText(j));
  EXPECT_EQ(text.find('\n'), std::string::npos);
  EXPECT_TRUE(Json::accept(text)) << text;
}

/// The reporter, writing into memory with fake clocks.
class JsonReporterTest : public testing::Test {
 protected:
  std::unique_ptr<Reporter> Make() {
    ReporterConfig config;
    config.out = out_.get();
    config.clock = [this] { return now_; };
    config.wall_clock = [] { return std::chrono::system_clock::time_point(milliseconds(5)); };
    return MakeReporter(ReporterKind::kJson, config);
  }
  /// Every line parsed; fails the test on a line that is not JSON.
  std::vector<Json> Events() {
    std::vector<Json> events;
    std::string text = out_.text();
    EXPECT_TRUE(text.empty() || text.back() == '\n');
    for (std::size_t start = 0; start < text.size();) {
      const std::size_t end = text.find('\n', start);
      events.push_back(Json::parse(text.substr(start, end - start)));
      if (end == std::string::npos) break;
      start = end + 1;
    }
    return events;
  }
  std::size_t CountOf(std::string_view event) {
    std::size_t n = 0;
    for (const Json& j : Events()) n += j["event"] == std::string(event) ? 1U : 0U;
    return n;
  }

  MemoryFile out_;
  std::chrono::steady_clock::time_point now_{std::chrono::hours(1)};
};

TEST_F(JsonReporterTest, ProgressAtMostOncePerIntervalAndTheLastAtFinish) {
  auto r = Make();
  Progress p;
  for (int i = 0; i < 25; ++i) {  // 2.5 s of snapshots every 100 ms
    p.bytes_done = static_cast<std::uint64_t>(i);
    r->OnProgress(p);
    now_ += milliseconds(100);
  }
  EXPECT_EQ(CountOf("progress"), 3U);  // at 0, 1.0 and 2.0 s
  r->Finish(RunStats{});
  const std::vector<Json> events = Events();
  ASSERT_EQ(events.size(), 4U);
  EXPECT_EQ(events.back()["bytes"], 24) << "the last snapshot must not be lost";
  EXPECT_EQ(events.back()["time"], "1970-01-01T00:00:00.005Z");
}

TEST_F(JsonReporterTest, EveryEventIsOneLineAndFailuresAreEventsNotText) {
  auto r = Make();
  r->OnJobStarted({1, "http://h/a", "a"});
  r->OnRetry({1, "http://h/a", 1, Status::Error(ErrorClass::kNetwork, "reset"), 0.5});
  r->OnMirror({1, "http://h/a", "http://m/a", MirrorAction::kRested,
               Status::Error(ErrorClass::kHttp, "HTTP 503"), 1});
  JobFinished failed;
  failed.id = 1;
  failed.url = "http://h/a";
  failed.status = Status::Error(ErrorClass::kHttp, "HTTP 404\nsecond line");
  r->OnJobFinished(failed);
  r->ReportInputError(Status::Error(ErrorClass::kUsage, "bad"));
  r->Finish(RunStats{});
  const std::vector<Json> events = Events();
  ASSERT_EQ(events.size(), 5U);
  EXPECT_EQ(events[0]["event"], "start");
  EXPECT_EQ(events[1]["event"], "retry");
  EXPECT_EQ(events[2]["event"], "mirror");
  EXPECT_EQ(events[3]["event"], "error");
  EXPECT_EQ(events[3]["message"], "HTTP 404\nsecond line");
  EXPECT_EQ(events[4]["event"], "error");
  EXPECT_EQ(out_.text().find("haul: error"), std::string::npos);
}

}  // namespace
}  // namespace haul::reporting
