// Reporters turn engine events into text on stderr. The engine never prints.
//
//   kTty    a live one-line display redrawn in place with '\r', at most every
//           ReporterConfig::tty_interval; cleared before any other line.
//   kLines  for logs and pipes: no '\r', a progress line at most every
//           ReporterConfig::line_interval, and a summary line at the end.
//   kQuiet  errors only.
//   kNoProgress  errors and the summary line, no progress (--progress=none).
//   kJson   JSON Lines events for programs (json_events.h, docs/json.md):
//           every failure is an "error" event instead of a line.
//
// In every text mode each failed download prints exactly one line,
// "haul: error: <url>: <message>", and each input error (a bad URL or list
// line that never reached the engine) one "haul: error: <message>" line.
//
// Thread safety: every method may be called from any thread; a reporter
// serialises its output on an internal mutex. EventSink methods return quickly.
#pragma once

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <vector>

#include "haul/engine.h"
#include "haul/events.h"
#include "haul/status.h"

namespace haul::reporting {

/// Where "now" comes from; tests inject a fake.
using Clock = std::function<std::chrono::steady_clock::time_point()>;

/// An EventSink that prints, plus the two things only the CLI knows about:
/// errors in its input and the end of the run.
class Reporter : public EventSink {
 public:
  /// Prints "haul: error: <message>" for a problem in the input (a bad
  /// command-line URL, a bad list line) found before the engine saw it.
  virtual void ReportInputError(const Status& status) = 0;
  /// Ends the display: clears any live line and prints the summary (if the
  /// mode has one) from the engine's `stats` and the input errors reported.
  virtual void Finish(const RunStats& stats) = 0;
};

/// Which kind of output; main picks kTty when stderr is a terminal.
enum class ReporterKind { kTty, kLines, kQuiet, kNoProgress, kJson };

/// Wall-clock time, for the timestamps of JSON events; tests inject a fake.
using WallClock = std::function<std::chrono::system_clock::time_point()>;

/// Everything a reporter needs from outside, with test seams.
struct ReporterConfig {
  std::FILE* out = stderr;  ///< not owned; flushed after every write
  Clock clock = [] { return std::chrono::steady_clock::now(); };
  std::chrono::milliseconds tty_interval{100};    ///< at most ~10 redraws a second
  std::chrono::milliseconds line_interval{5000};  ///< one progress line per 5 s
  int width = 80;  ///< terminal columns; the live line stays shorter
  /// kTty only: error lines may use colour (ColourWanted in format.h).
  bool colour = false;
  WallClock wall_clock = [] { return std::chrono::system_clock::now(); };
  std::chrono::milliseconds json_interval{1000};  ///< one JSON progress event a second
};

/// A reporter of the given kind.
std::unique_ptr<Reporter> MakeReporter(ReporterKind kind, ReporterConfig config);

/// A reporter that passes everything on to each of `reporters` (not owned;
/// they must outlive it), in order: e.g. JSON events to a file plus error
/// lines on stderr, plus the run summary's recorder.
class ReporterTee final : public Reporter {
 public:
  explicit ReporterTee(std::vector<Reporter*> reporters) : reporters_(std::move(reporters)) {}
  void OnJobStarted(const JobStarted& e) override;
  void OnJobFinished(const JobFinished& e) override;
  void OnProgress(const Progress& p) override;
  void OnRetry(const RetryScheduled& e) override;
  void OnMirror(const MirrorChanged& e) override;
  void ReportInputError(const Status& status) override;
  void Finish(const RunStats& stats) override;

 private:
  const std::vector<Reporter*> reporters_;
};

/// The progress text shared by the TTY and line reporters, e.g.
/// "12.3 MiB / 45.6 MiB (27%), 3.4 MiB/s, ETA 9.0s, 2 active, 5 done".
std::string ProgressText(const Progress& p);

/// The run's final summary line (with '\n'), e.g.
/// "haul: 9 ok, 1 failed, 12.3 MiB in 3.2s (3.8 MiB/s)"; when `input_errors`
/// is not 0, ", 2 input errors" follows "failed"; skipped downloads (part of
/// "ok") show as "9 ok (4 skipped)".
std::string SummaryLine(const RunStats& stats, std::uint64_t input_errors = 0);

}  // namespace haul::reporting
