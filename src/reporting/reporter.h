// Reporters turn engine events into text on stderr. The engine never prints.
//
//   kTty    a live one-line display redrawn in place with '\r', at most every
//           ReporterConfig::tty_interval; cleared before any other line.
//   kLines  for logs and pipes: no '\r', a progress line at most every
//           ReporterConfig::line_interval, and a summary line at the end.
//   kQuiet  errors only.
//
// In every mode each failed download prints exactly one line,
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
enum class ReporterKind { kTty, kLines, kQuiet };

/// Everything a reporter needs from outside, with test seams.
struct ReporterConfig {
  std::FILE* out = stderr;  ///< not owned; flushed after every write
  Clock clock = [] { return std::chrono::steady_clock::now(); };
  std::chrono::milliseconds tty_interval{100};    ///< at most ~10 redraws a second
  std::chrono::milliseconds line_interval{5000};  ///< one progress line per 5 s
  int width = 80;  ///< terminal columns; the live line stays shorter
};

/// A reporter of the given kind.
std::unique_ptr<Reporter> MakeReporter(ReporterKind kind, ReporterConfig config);

/// The progress text shared by the TTY and line reporters, e.g.
/// "12.3 MiB / 45.6 MiB (27%), 3.4 MiB/s, ETA 9.0s, 2 active, 5 done".
std::string ProgressText(const Progress& p);

/// The run's final summary line (with '\n'), e.g.
/// "haul: 9 ok, 1 failed, 12.3 MiB in 3.2s (3.8 MiB/s)"; when `input_errors`
/// is not 0, ", 2 input errors" follows "failed"; skipped downloads (part of
/// "ok") show as "9 ok (4 skipped)".
std::string SummaryLine(const RunStats& stats, std::uint64_t input_errors = 0);

}  // namespace haul::reporting
