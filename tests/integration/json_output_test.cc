// Output for programs: --progress=json events (on stderr and in
// --progress-file), --summary-json, and --progress=none, with the real haul
// against nginx and the fault server. Every event line is parsed and its
// documented fields and types checked (docs/json.md).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "harness/fault_suite.h"
#include "harness/files.h"
#include "harness/nginx_suite.h"
#include "harness/process.h"

namespace haul_it {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

/// Every non-empty line of `text` parsed as JSON; a line that is not a JSON
/// object fails the test.
std::vector<Json> ParseLines(const std::string& text) {
  std::vector<Json> events;
  for (const std::string& line : NonEmptyLines(text)) {
    Json j = Json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      ADD_FAILURE() << "not a JSON object: " << line;
      continue;
    }
    events.push_back(std::move(j));
  }
  return events;
}

std::vector<Json> OfKind(const std::vector<Json>& events, const std::string& kind) {
  std::vector<Json> out;
  std::copy_if(events.begin(), events.end(), std::back_inserter(out),
               [&](const Json& j) { return j.value("event", "") == kind; });
  return out;
}

bool IsCount(const Json& j, const char* key) {
  return j.contains(key) && j[key].is_number_integer() && j[key].get<long long>() >= 0;
}

/// The head every event has: schema 1, a known event name and an RFC 3339
/// UTC time with milliseconds.
void ExpectHead(const Json& j) {
  EXPECT_EQ(j.value("schema", 0), 1) << j;
  static const std::vector<std::string> kEvents = {"start", "progress", "retry",
                                                   "mirror", "done",     "error"};
  ASSERT_TRUE(j.contains("event") && j["event"].is_string()) << j;
  EXPECT_NE(std::find(kEvents.begin(), kEvents.end(), j["event"].get<std::string>()),
            kEvents.end()) << j;
  ASSERT_TRUE(j.contains("time") && j["time"].is_string()) << j;
  const std::string t = j["time"];
  EXPECT_EQ(t.size(), 24U) << t;  // 2026-11-23T16:14:10.123Z
  EXPECT_EQ(t.back(), 'Z') << t;
  EXPECT_EQ(t[10], 'T') << t;
}

void ExpectStart(const Json& j, const std::string& url) {
  EXPECT_TRUE(IsCount(j, "id")) << j;
  EXPECT_EQ(j.value("url", ""), url) << j;
  EXPECT_TRUE(j.contains("path") && j["path"].is_string()) << j;
}

void ExpectProgress(const Json& j) {
  for (const char* key : {"bytes", "speed", "active", "transfers", "done", "failed", "elapsed_ms"}) {
    EXPECT_TRUE(IsCount(j, key)) << key << " in " << j;
  }
  ASSERT_TRUE(j.contains("total")) << j;
  EXPECT_TRUE(j["total"].is_null() || IsCount(j, "total")) << j;
}

void ExpectDone(const Json& j, const std::string& url, std::uint64_t bytes) {
  EXPECT_TRUE(IsCount(j, "id")) << j;
  EXPECT_EQ(j.value("url", ""), url) << j;
  EXPECT_TRUE(j.contains("path") && j["path"].is_string()) << j;
  EXPECT_EQ(j.value("bytes", std::uint64_t{0}), bytes) << j;
  for (const char* key : {"resumed_bytes", "duration_ms", "connections", "retries"}) {
    EXPECT_TRUE(IsCount(j, key)) << key << " in " << j;
  }
  EXPECT_TRUE(j.contains("sha256")) << j;
}

void ExpectError(const Json& j, const std::string& url, const std::string& error_class,
                 int exit_code) {
  EXPECT_TRUE(IsCount(j, "id")) << j;
  EXPECT_EQ(j.value("url", ""), url) << j;
  EXPECT_EQ(j.value("error_class", ""), error_class) << j;
  EXPECT_EQ(j.value("exit_code", -1), exit_code) << j;
  EXPECT_TRUE(j.contains("message") && j["message"].is_string() &&
              !j["message"].get<std::string>().empty()) << j;
}

class JsonOutputTest : public NginxSuite<JsonOutputTest> {
 public:
  static NginxOptions ServerOptions() {
    NginxOptions options;
    // /slow/ lasts long enough for several progress events.
    options.server_extra = "location /slow/ { limit_rate 1m; sendfile_max_chunk 64k; }\n";
    return options;
  }
};

TEST_F(JsonOutputTest, StderrCarriesOnlyEventsForADownload) {
  // 3 MiB over 2 connections at 1 MiB/s each: about 1.5 s, so at least one
  // progress event comes while it runs, and one at the end.
  WriteRandomFile(Served("slow/j.bin"), 3 * kMiB, 31);
  const std::string url = Url("/slow/j.bin");
  const ProcessResult r = Haul({"--progress=json", "-x", "2", url});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(FilesEqual(Served("slow/j.bin"), work_ / "j.bin"));
  EXPECT_EQ(r.out, "");
  const std::vector<Json> events = ParseLines(r.err);
  for (const Json& j : events) ExpectHead(j);
  const auto starts = OfKind(events, "start");
  const auto progress = OfKind(events, "progress");
  const auto done = OfKind(events, "done");
  ASSERT_EQ(starts.size(), 1U) << r.err;
  ASSERT_EQ(done.size(), 1U) << r.err;
  EXPECT_TRUE(OfKind(events, "error").empty()) << r.err;
  ExpectStart(starts[0], url);
  ExpectDone(done[0], url, 3 * kMiB);
  EXPECT_EQ(starts[0]["id"], done[0]["id"]);
  EXPECT_EQ(fs::path(done[0]["path"].get<std::string>()).filename(), "j.bin");
  EXPECT_TRUE(done[0]["sha256"].is_null()) << "no checksum was asked for";
  ASSERT_GE(progress.size(), 2U) << r.err;
  for (const Json& p : progress) ExpectProgress(p);
  // The last progress event is the run's final totals.
  EXPECT_EQ(progress.back()["bytes"], 3 * kMiB);
  EXPECT_EQ(progress.back()["done"], 1);
  EXPECT_EQ(progress.back()["failed"], 0);
  EXPECT_EQ(progress.back()["total"], 3 * kMiB);
}

TEST_F(JsonOutputTest, DoneCarriesTheVerifiedSha256) {
  WriteRandomFile(Served("sum.bin"), 2 * kMiB, 32);
  const std::string sha = Sha256Hex(Served("sum.bin"));
  const ProcessResult r =
      Haul({"--progress=json", "--checksum", "sha-256=" + sha, Url("/sum.bin")});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  const auto done = OfKind(ParseLines(r.err), "done");
  ASSERT_EQ(done.size(), 1U) << r.err;
  EXPECT_EQ(done[0].value("sha256", ""), sha) << done[0];
}

TEST_F(JsonOutputTest, ProgressFileGetsTheEventsAndStderrTheErrorLines) {
  WriteRandomFile(Served("fine.bin"), 256 * 1024, 33);
  const std::string good = Url("/fine.bin");
  const std::string missing = Url("/missing.bin");
  const fs::path events_file = work_ / "events.jsonl";
  { WriteFile(events_file, "stale content from an earlier run\n"); }
  const ProcessResult r = Haul({"--progress=json", "--progress-file", events_file.string(),
                                good, missing});
  EXPECT_EQ(r.exit_code, 6) << Describe(r);
  // stderr: the human error line and the summary, no JSON.
  EXPECT_NE(r.err.find("haul: error: " + missing + ": "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("haul: 1 ok, 1 failed"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('{'), std::string::npos) << r.err;
  // The file was truncated and holds only events.
  const std::vector<Json> events = ParseLines(ReadFile(events_file));
  for (const Json& j : events) ExpectHead(j);
  const auto done = OfKind(events, "done");
  const auto errors = OfKind(events, "error");
  ASSERT_EQ(done.size(), 1U);
  ASSERT_EQ(errors.size(), 1U);
  ExpectDone(done[0], good, 256 * 1024);
  ExpectError(errors[0], missing, "http", 6);
  EXPECT_FALSE(OfKind(events, "progress").empty());
  // Every download that ended with done or error was started first.
  std::map<long long, std::string> started;
  for (const Json& s : OfKind(events, "start")) started[s["id"].get<long long>()] = s["url"].get<std::string>();
  EXPECT_EQ(started[done[0]["id"].get<long long>()], good);
}

TEST_F(JsonOutputTest, ProgressFileThatCannotBeOpenedIsAUsageError) {
  const ProcessResult r = Haul({"--progress=json", "--progress-file",
                                (work_ / "no" / "such" / "dir.jsonl").string(), Url("/x.bin")});
  EXPECT_EQ(r.exit_code, 2) << Describe(r);
  EXPECT_EQ(NonEmptyLines(r.err).size(), 1U) << r.err;
  EXPECT_EQ(r.err.rfind("haul: error: --progress-file: ", 0), 0U) << r.err;
}

TEST_F(JsonOutputTest, ProgressFileNeedsJson) {
  const ProcessResult r = Haul({"--progress-file", "p.jsonl", Url("/x.bin")});
  EXPECT_EQ(r.exit_code, 2) << Describe(r);
  EXPECT_EQ(r.err, "haul: error: --progress-file needs --progress=json\n");
  EXPECT_FALSE(fs::exists(work_ / "p.jsonl"));
}

TEST_F(JsonOutputTest, SummaryJsonForABatchWithOneOkAndOne404) {
  WriteRandomFile(Served("ok.bin"), 512 * 1024, 34);
  const std::string good = Url("/ok.bin");
  const std::string missing = Url("/gone.bin");
  const ProcessResult r = Haul({"-q", "--summary-json", "summary.json", good, missing});
  EXPECT_EQ(r.exit_code, 6) << Describe(r);
  EXPECT_EQ(ListDir(work_.path()), (std::vector<std::string>{"ok.bin", "summary.json"}))
      << "a temporary file was left behind";
  const Json doc = Json::parse(ReadFile(work_ / "summary.json"), nullptr, false);
  ASSERT_TRUE(doc.is_object()) << ReadFile(work_ / "summary.json");
  EXPECT_EQ(doc.value("schema", 0), 1);
  ASSERT_TRUE(doc["downloads"].is_array());
  ASSERT_EQ(doc["downloads"].size(), 2U) << doc;
  const Json& a = doc["downloads"][0];  // in the order given
  EXPECT_EQ(a["url"], good);
  EXPECT_EQ(fs::path(a["path"].get<std::string>()).filename(), "ok.bin");
  EXPECT_EQ(a["bytes"], 512 * 1024);
  EXPECT_TRUE(a["sha256"].is_null());
  EXPECT_TRUE(IsCount(a, "duration_ms") && IsCount(a, "connections") && IsCount(a, "retries")) << a;
  EXPECT_EQ(a["outcome"], "ok");
  EXPECT_EQ(a["skipped"], false);
  EXPECT_TRUE(a["error_class"].is_null());
  EXPECT_TRUE(a["error"].is_null());
  const Json& b = doc["downloads"][1];
  EXPECT_EQ(b["url"], missing);
  EXPECT_EQ(b["outcome"], "failed");
  EXPECT_EQ(b["error_class"], "http");
  EXPECT_TRUE(b["error"].is_string() && b["error"].get<std::string>().find("404") != std::string::npos)
      << b;
  EXPECT_EQ(b["bytes"], 0);
  const Json& t = doc["totals"];
  EXPECT_EQ(t["downloads"], 2);
  EXPECT_EQ(t["ok"], 1);
  EXPECT_EQ(t["failed"], 1);
  EXPECT_EQ(t["skipped"], 0);
  EXPECT_EQ(t["input_errors"], 0);
  EXPECT_EQ(t["bytes"], 512 * 1024);
  EXPECT_TRUE(IsCount(t, "duration_ms")) << t;
  EXPECT_EQ(t["exit_code"], 6);
}

TEST_F(JsonOutputTest, SummaryJsonMarksAFileThatWasSkipped) {
  // --skip-existing fetches nothing for a file that is there: the summary
  // says so, for the download and in the totals.
  WriteRandomFile(Served("have.bin"), 2048, 36);
  WriteFile(work_ / "have.bin", "what the cache had");
  const ProcessResult r =
      Haul({"-q", "--skip-existing", "--summary-json", "summary.json", Url("/have.bin")});
  EXPECT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_EQ(ReadFile(work_ / "have.bin"), "what the cache had");
  const Json doc = Json::parse(ReadFile(work_ / "summary.json"), nullptr, false);
  ASSERT_TRUE(doc.is_object()) << ReadFile(work_ / "summary.json");
  ASSERT_EQ(doc["downloads"].size(), 1U) << doc;
  EXPECT_EQ(doc["downloads"][0]["outcome"], "ok");
  EXPECT_EQ(doc["downloads"][0]["skipped"], true);
  EXPECT_EQ(doc["totals"]["skipped"], 1);
  EXPECT_EQ(doc["totals"]["ok"], 1);
}

TEST_F(JsonOutputTest, SummaryJsonCountsInputErrorsInTheExitCode) {
  WriteRandomFile(Served("ok2.bin"), 1024, 35);
  const ProcessResult r =
      Haul({"-q", "--summary-json", "s.json", Url("/ok2.bin"), "ftp://127.0.0.1/x"});
  EXPECT_EQ(r.exit_code, 2) << Describe(r);
  const Json doc = Json::parse(ReadFile(work_ / "s.json"), nullptr, false);
  ASSERT_TRUE(doc.is_object());
  EXPECT_EQ(doc["totals"]["input_errors"], 1);
  EXPECT_EQ(doc["totals"]["ok"], 1);
  EXPECT_EQ(doc["totals"]["exit_code"], 2);
}

TEST_F(JsonOutputTest, SummaryJsonInAMissingDirectoryFailsBeforeDownloading) {
  WriteRandomFile(Served("never.bin"), 1024, 36);
  const ProcessResult r =
      Haul({"--summary-json", (work_ / "nope" / "s.json").string(), Url("/never.bin")});
  EXPECT_EQ(r.exit_code, 2) << Describe(r);
  EXPECT_EQ(NonEmptyLines(r.err).size(), 1U) << r.err;
  EXPECT_FALSE(fs::exists(work_ / "never.bin")) << "it downloaded before failing";
}

TEST_F(JsonOutputTest, ProgressNoneKeepsErrorsAndTheSummary) {
  WriteRandomFile(Served("slow/n.bin"), 6 * kMiB, 37);
  const std::string missing = Url("/none.bin");
  const ProcessResult r = Haul({"--progress=none", "-x", "1", Url("/slow/n.bin"), missing});
  EXPECT_EQ(r.exit_code, 6) << Describe(r);
  // About 6 s at 1 MiB/s: the line mode would have printed progress.
  const auto lines = NonEmptyLines(r.err);
  ASSERT_EQ(lines.size(), 2U) << r.err;
  EXPECT_EQ(lines[0].rfind("haul: error: " + missing + ": ", 0), 0U) << r.err;
  EXPECT_EQ(lines[1].rfind("haul: 1 ok, 1 failed", 0), 0U) << r.err;
}

class JsonFaultTest : public FaultSuite {};

TEST_F(JsonFaultTest, RetryEventForA503) {
  const std::string url = Url("json-busy.bin", "size=1048576&status=503&retry_after=0&fault_count=1");
  const ProcessResult r = Haul({"--progress=json", "--retry-wait", "0.05", url});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(HasContent(work_ / "json-busy.bin", 1048576));
  const std::vector<Json> events = ParseLines(r.err);
  for (const Json& j : events) ExpectHead(j);
  const auto retries = OfKind(events, "retry");
  ASSERT_EQ(retries.size(), 1U) << r.err;
  const Json& retry = retries[0];
  EXPECT_TRUE(IsCount(retry, "id")) << retry;
  EXPECT_EQ(retry.value("url", ""), url);
  EXPECT_EQ(retry.value("attempt", 0), 1) << retry;
  EXPECT_EQ(retry.value("error_class", ""), "http") << retry;
  EXPECT_NE(retry.value("reason", "").find("503"), std::string::npos) << retry;
  EXPECT_TRUE(IsCount(retry, "wait_ms")) << retry;
  const auto done = OfKind(events, "done");
  ASSERT_EQ(done.size(), 1U) << r.err;
  EXPECT_EQ(done[0]["id"], retry["id"]);
  EXPECT_EQ(done[0]["retries"], 1);
}

TEST_F(JsonFaultTest, MirrorEventWhenAMirrorIsDropped) {
  const std::string query = "size=" + std::to_string(8 * kMiB);
  const std::string url = Url("json-primary.bin", query + "&rate=8388608");
  const std::string mirror = Url("json-gone.bin", query + "&status=404");
  const ProcessResult r = Haul({"--progress=json", "-x", "4", url, "--mirror", mirror});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  const auto mirrors = OfKind(ParseLines(r.err), "mirror");
  ASSERT_EQ(mirrors.size(), 1U) << r.err;
  EXPECT_EQ(mirrors[0].value("url", ""), url);
  EXPECT_EQ(mirrors[0].value("mirror", ""), mirror);
  EXPECT_EQ(mirrors[0].value("action", ""), "dropped");
  EXPECT_EQ(mirrors[0].value("error_class", ""), "http");
  EXPECT_TRUE(mirrors[0].contains("reason") && mirrors[0]["reason"].is_string());
  EXPECT_EQ(mirrors[0].value("wait_ms", -1), 0);
}

TEST_F(JsonFaultTest, ErrorEventAfterRetriesRunOut) {
  const std::string url = Url("json-down.bin", "size=1000&status=503&retry_after=0");
  const ProcessResult r = Haul({"--progress=json", "--retries", "2", "--retry-wait", "0", url});
  EXPECT_EQ(r.exit_code, 6) << Describe(r);
  const std::vector<Json> events = ParseLines(r.err);
  EXPECT_EQ(OfKind(events, "retry").size(), 2U) << r.err;
  const auto errors = OfKind(events, "error");
  ASSERT_EQ(errors.size(), 1U) << r.err;
  ExpectError(errors[0], url, "http", 6);
  EXPECT_NE(errors[0]["message"].get<std::string>().find("gave up after 2 retries"),
            std::string::npos);
}

}  // namespace
}  // namespace haul_it
