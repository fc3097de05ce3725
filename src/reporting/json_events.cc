// Implements src/reporting/json_events.h.
#include "reporting/json_events.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <optional>
#include <utility>

#include "haul/exit_codes.h"

namespace haul::reporting {
namespace {

constexpr std::string_view kSha256Prefix = "sha-256=";

std::int64_t Milliseconds(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return 0;
  return std::llround(seconds * 1000.0);
}

/// The fields every failure carries: its class, that class's exit code and
/// the one-line message.
void AddFailure(Json& event, const Status& status) {
  event["error_class"] = std::string(ErrorClassName(status.error_class()));
  event["exit_code"] = static_cast<int>(ExitCodeFor(status.error_class()));
  event["message"] = status.message();
}

class JsonReporter final : public Reporter {
 public:
  explicit JsonReporter(ReporterConfig config) : config_(std::move(config)) {}

  void OnJobStarted(const JobStarted& e) override {
    std::lock_guard lock(mu_);
    Write(StartEvent(e, Now()));
  }
  void OnJobFinished(const JobFinished& e) override {
    std::lock_guard lock(mu_);
    Write(FinishedEvent(e, Now()));
  }
  void OnRetry(const RetryScheduled& e) override {
    std::lock_guard lock(mu_);
    Write(RetryEvent(e, Now()));
  }
  void OnMirror(const MirrorChanged& e) override {
    std::lock_guard lock(mu_);
    Write(MirrorEvent(e, Now()));
  }
  void ReportInputError(const Status& status) override {
    std::lock_guard lock(mu_);
    Write(InputErrorEvent(status, Now()));
  }

  void OnProgress(const Progress& p) override {
    std::lock_guard lock(mu_);
    unwritten_ = p;
    const auto now = config_.clock();
    if (last_progress_ && now - *last_progress_ < config_.json_interval) return;
    last_progress_ = now;
    WriteUnwritten();
  }

  void Finish(const RunStats&) override {
    // The engine's last snapshot (sent as it finishes) may have come within
    // the interval: the run's final totals are never left out.
    std::lock_guard lock(mu_);
    WriteUnwritten();
  }

 private:
  std::string Now() const { return Rfc3339(config_.wall_clock()); }

  void WriteUnwritten() {
    if (!unwritten_) return;
    Write(ProgressEvent(*unwritten_, Now()));
    unwritten_.reset();
  }

  /// One fwrite per line, flushed, so a reader tailing the file never sees
  /// half an event.
  void Write(const Json& event) {
    const std::string line = JsonText(event) + "\n";
    std::fwrite(line.data(), 1, line.size(), config_.out);
    std::fflush(config_.out);
  }

  const ReporterConfig config_;
  std::mutex mu_;
  std::optional<Progress> unwritten_;  // guarded by mu_
  std::optional<std::chrono::steady_clock::time_point> last_progress_;  // guarded by mu_
};

}  // namespace

std::string Rfc3339(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch());
  const auto seconds =
      static_cast<std::time_t>(std::chrono::floor<std::chrono::seconds>(ms).count());
  const long long millis = ms.count() - static_cast<long long>(seconds) * 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[128];
  const int n = std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03lldZ",
                              utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour,
                              utc.tm_min, utc.tm_sec, millis);
  return std::string(buffer, n > 0 ? static_cast<std::size_t>(n) : 0);
}

Json EventHead(std::string_view event, std::string_view time) {
  Json j;
  j["schema"] = kJsonSchema;
  j["event"] = std::string(event);
  j["time"] = std::string(time);
  return j;
}

Json StartEvent(const JobStarted& e, std::string_view time) {
  Json j = EventHead("start", time);
  j["id"] = e.id;
  j["url"] = e.url;
  j["path"] = e.path;
  return j;
}

Json ProgressEvent(const Progress& p, std::string_view time) {
  Json j = EventHead("progress", time);
  j["bytes"] = p.bytes_done;
  j["total"] = p.bytes_total ? Json(*p.bytes_total) : Json(nullptr);
  const double speed = std::isfinite(p.bytes_per_second) ? std::max(p.bytes_per_second, 0.0) : 0.0;
  j["speed"] = static_cast<std::uint64_t>(std::llround(speed));
  j["active"] = p.active_jobs;
  j["transfers"] = p.active_transfers;
  j["done"] = p.jobs_done;
  j["failed"] = p.jobs_failed;
  j["elapsed_ms"] = p.elapsed.count();
  return j;
}

Json RetryEvent(const RetryScheduled& e, std::string_view time) {
  Json j = EventHead("retry", time);
  j["id"] = e.id;
  j["url"] = e.url;
  j["attempt"] = e.attempt;
  j["error_class"] = std::string(ErrorClassName(e.reason.error_class()));
  j["reason"] = e.reason.message();
  j["wait_ms"] = Milliseconds(e.wait_seconds);
  return j;
}

Json MirrorEvent(const MirrorChanged& e, std::string_view time) {
  Json j = EventHead("mirror", time);
  j["id"] = e.id;
  j["url"] = e.url;
  j["mirror"] = e.mirror_url;
  j["action"] = e.action == MirrorAction::kDropped ? "dropped" : "rested";
  j["error_class"] = std::string(ErrorClassName(e.reason.error_class()));
  j["reason"] = e.reason.message();
  j["wait_ms"] = Milliseconds(e.wait_seconds);
  return j;
}

Json FinishedEvent(const JobFinished& e, std::string_view time) {
  if (!e.status.ok()) {
    Json j = EventHead("error", time);
    j["id"] = e.id;
    j["url"] = e.url;
    AddFailure(j, e.status);
    return j;
  }
  Json j = EventHead("done", time);
  j["id"] = e.id;
  j["url"] = e.url;
  j["path"] = e.path;
  j["bytes"] = e.bytes;
  j["resumed_bytes"] = e.resumed_bytes;
  j["duration_ms"] = e.duration.count();
  j["connections"] = e.connections;
  j["retries"] = e.retries;
  j["sha256"] = Sha256Of(e.checksum);
  j["skipped"] = e.skipped;
  return j;
}

Json InputErrorEvent(const Status& status, std::string_view time) {
  Json j = EventHead("error", time);
  j["id"] = nullptr;
  j["url"] = nullptr;
  AddFailure(j, status);
  return j;
}

Json Sha256Of(std::string_view checksum) {
  if (checksum.substr(0, kSha256Prefix.size()) != kSha256Prefix) return nullptr;
  return std::string(checksum.substr(kSha256Prefix.size()));
}

std::string JsonText(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::unique_ptr<Reporter> MakeJsonReporter(ReporterConfig config) {
  return std::make_unique<JsonReporter>(std::move(config));
}

}  // namespace haul::reporting
