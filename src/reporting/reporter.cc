// Implements src/reporting/reporter.h.
#include "reporting/reporter.h"

#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "reporting/format.h"
#include "reporting/json_events.h"

namespace haul::reporting {
namespace {

using TimePoint = std::chrono::steady_clock::time_point;

/// "12.3 MiB / 45.6 MiB (27%)" or just "12.3 MiB" when the total is unknown.
std::string BytesText(const Progress& p) {
  std::string text = FormatBytes(p.bytes_done);
  if (!p.bytes_total || *p.bytes_total == 0) return text;
  const std::uint64_t total = *p.bytes_total;
  const std::uint64_t done = std::min(p.bytes_done, total);
  text += " / " + FormatBytes(total);
  text += " (" + std::to_string(done * 100 / total) + "%)";
  return text;
}

/// ", ETA 9.0s" when the total and a rate are known, else "".
std::string EtaText(const Progress& p) {
  if (!p.bytes_total || p.bytes_per_second < 1 || p.bytes_done >= *p.bytes_total) return {};
  const double seconds = static_cast<double>(*p.bytes_total - p.bytes_done) / p.bytes_per_second;
  if (seconds > 1e7) return {};  // nonsense that would only clutter the line
  const auto ms = std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
  return ", ETA " + FormatDuration(ms);
}

/// Shared plumbing: the lock, the output stream, error lines, the summary.
/// Subclasses decide how progress is shown and whether a live line exists.
class ConsoleReporter : public Reporter {
 public:
  explicit ConsoleReporter(ReporterConfig config) : config_(std::move(config)) {}

  void OnJobStarted(const JobStarted&) override {}

  void OnJobFinished(const JobFinished& e) override {
    // A reader that closed stdout (| head) is no error to shout about:
    // the exit code (141) says it, as a SIGPIPE would.
    if (e.status.ok() || e.status.error_class() == ErrorClass::kOutputClosed) return;
    std::lock_guard lock(mu_);
    PrintError(DownloadErrorLine(e.url, e.status));
  }

  void OnProgress(const Progress& p) override {
    std::lock_guard lock(mu_);
    ShowProgress(p, config_.clock());
  }

  void ReportInputError(const Status& status) override {
    std::lock_guard lock(mu_);
    ++input_errors_;
    PrintError(ErrorLine(status.message()));
  }

  void Finish(const RunStats& stats) override {
    std::lock_guard lock(mu_);
    ClearLive();
    if (has_summary_) Write(SummaryLine(stats, input_errors_));
  }

 protected:
  /// Called with the lock held.
  virtual void ShowProgress(const Progress& p, TimePoint now) = 0;
  /// Erases the live line, if any. Called with the lock held.
  virtual void ClearLive() {}

  /// A full line of text: the live line is cleared first.
  void PrintLine(std::string_view line) {
    ClearLive();
    Write(line);
  }
  /// An error line, in red when colour is allowed.
  void PrintError(std::string_view line) {
    PrintLine(config_.colour ? RedErrorLine(line) : std::string(line));
  }
  /// One fwrite per call, so a redraw reaches the terminal in one piece.
  void Write(std::string_view text) {
    std::fwrite(text.data(), 1, text.size(), config_.out);
    std::fflush(config_.out);
  }

  const ReporterConfig config_;
  bool has_summary_ = true;
  std::mutex mu_;
  std::uint64_t input_errors_ = 0;  // guarded by mu_
};

/// The live display for a terminal, redrawn in place.
class TtyReporter final : public ConsoleReporter {
 public:
  using ConsoleReporter::ConsoleReporter;

 private:
  void ShowProgress(const Progress& p, TimePoint now) override {
    if (drawn_once_ && now - last_draw_ < config_.tty_interval) return;
    drawn_once_ = true;
    last_draw_ = now;
    std::string text = ProgressText(p);
    // Staying short of the last column avoids the terminal's auto-wrap, after
    // which '\r' would only return to the start of the wrapped part.
    const std::size_t max = static_cast<std::size_t>(std::max(config_.width - 1, 10));
    if (text.size() > max) text.resize(max);
    std::string frame = "\r" + text;
    if (text.size() < live_width_) frame.append(live_width_ - text.size(), ' ');
    live_width_ = text.size();
    Write(frame);
  }

  void ClearLive() override {
    if (live_width_ == 0) return;
    Write("\r" + std::string(live_width_, ' ') + "\r");
    live_width_ = 0;
  }

  bool drawn_once_ = false;
  TimePoint last_draw_{};
  std::size_t live_width_ = 0;  ///< characters of the live line on screen
};

/// Plain lines for logs and pipes: no '\r', progress only now and then.
class LineReporter final : public ConsoleReporter {
 public:
  explicit LineReporter(ReporterConfig config)
      : ConsoleReporter(std::move(config)), last_line_(config_.clock()) {}

 private:
  void ShowProgress(const Progress& p, TimePoint now) override {
    // The first line comes one interval after the start, so short runs print
    // nothing but their summary.
    if (now - last_line_ < config_.line_interval) return;
    last_line_ = now;
    Write("haul: " + ProgressText(p) + "\n");
  }

  TimePoint last_line_;
};

/// Errors, and the summary line unless `summary` is false (-q); no progress.
class QuietReporter final : public ConsoleReporter {
 public:
  QuietReporter(ReporterConfig config, bool summary) : ConsoleReporter(std::move(config)) {
    has_summary_ = summary;
  }

 private:
  void ShowProgress(const Progress&, TimePoint) override {}
};

}  // namespace

std::string ProgressText(const Progress& p) {
  std::string text = BytesText(p);
  text += ", " + FormatRate(p.bytes_per_second);
  text += EtaText(p);
  text += ", " + std::to_string(p.active_jobs) + " active";
  text += ", " + std::to_string(p.jobs_done) + " done";
  if (p.jobs_failed > 0) text += ", " + std::to_string(p.jobs_failed) + " failed";
  return text;
}

std::string SummaryLine(const RunStats& stats, std::uint64_t input_errors) {
  std::string line = "haul: " + std::to_string(stats.jobs_ok) + " ok";
  if (stats.jobs_skipped > 0) line += " (" + std::to_string(stats.jobs_skipped) + " skipped)";
  line += ", " + std::to_string(stats.jobs_failed) + " failed, ";
  if (input_errors > 0) {
    line += std::to_string(input_errors) + (input_errors == 1 ? " input error, " : " input errors, ");
  }
  line += FormatBytes(stats.bytes) + " in " + FormatDuration(stats.wall);
  if (stats.wall.count() > 0) {
    const double seconds = static_cast<double>(stats.wall.count()) / 1000.0;
    line += " (" + FormatRate(static_cast<double>(stats.bytes) / seconds) + ")";
  }
  return line + "\n";
}

std::unique_ptr<Reporter> MakeReporter(ReporterKind kind, ReporterConfig config) {
  // Colour belongs to the live display alone (docs/options.md).
  if (kind != ReporterKind::kTty) config.colour = false;
  switch (kind) {
    case ReporterKind::kTty: return std::make_unique<TtyReporter>(std::move(config));
    case ReporterKind::kLines: return std::make_unique<LineReporter>(std::move(config));
    case ReporterKind::kQuiet: return std::make_unique<QuietReporter>(std::move(config), false);
    case ReporterKind::kNoProgress:
      return std::make_unique<QuietReporter>(std::move(config), true);
    case ReporterKind::kJson: return MakeJsonReporter(std::move(config));
  }
  return std::make_unique<QuietReporter>(std::move(config), false);
}

// ---- ReporterTee ----

void ReporterTee::OnJobStarted(const JobStarted& e) {
  for (Reporter* r : reporters_) r->OnJobStarted(e);
}
void ReporterTee::OnJobFinished(const JobFinished& e) {
  for (Reporter* r : reporters_) r->OnJobFinished(e);
}
void ReporterTee::OnProgress(const Progress& p) {
  for (Reporter* r : reporters_) r->OnProgress(p);
}
void ReporterTee::OnRetry(const RetryScheduled& e) {
  for (Reporter* r : reporters_) r->OnRetry(e);
}
void ReporterTee::OnMirror(const MirrorChanged& e) {
  for (Reporter* r : reporters_) r->OnMirror(e);
}
void ReporterTee::ReportInputError(const Status& status) {
  for (Reporter* r : reporters_) r->ReportInputError(status);
}
void ReporterTee::Finish(const RunStats& stats) {
  for (Reporter* r : reporters_) r->Finish(stats);
}

}  // namespace haul::reporting
