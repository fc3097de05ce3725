// Where haul's progress, errors and summary go: --progress, --progress-file,
// --summary-json, -q and -v decide (docs/options.md, docs/json.md).
//
//   stderr         the reporter StderrReporterKind picks
//   --progress-file  JSON events (stderr then shows errors and the summary)
//   --summary-json   the RunSummary document, written at exit
//
// Thread safety: Outputs is opened and closed by main's thread; reporter()
// is what the engine's threads and the feeder report to (it locks).
#pragma once

#include <cstdio>
#include <memory>
#include <optional>
#include <vector>

#include "cli/command_line.h"
#include "cli/run_summary.h"
#include "haul/status.h"
#include "reporting/reporter.h"

namespace haul::cli {

/// The reporter for stderr. Pure: the caller says whether stderr is a
/// terminal.
reporting::ReporterKind StderrReporterKind(const CommandLine& cl, bool stderr_is_terminal);

/// True when stderr carries JSON events, so log lines must stay off it.
bool JsonOnStderr(const CommandLine& cl);

/// Owns the reporters, the progress file and the summary of one run.
class Outputs {
 public:
  Outputs() = default;
  ~Outputs();
  Outputs(const Outputs&) = delete;
  Outputs& operator=(const Outputs&) = delete;

  /// Opens --progress-file (created or truncated) and --summary-json's
  /// temporary file. An error is one line for the user (exit code 2).
  Status Open(const CommandLine& cl);

  /// What the engine and the feeder report to.
  reporting::Reporter& reporter() { return *tee_; }

  /// Writes --summary-json, if asked, for a run ending with `exit_code`, and
  /// returns the code to exit with: kIo when the summary could not be
  /// written and the run had succeeded, else `exit_code`.
  int Close(int exit_code);

 private:
  std::vector<std::unique_ptr<reporting::Reporter>> reporters_;
  std::unique_ptr<reporting::ReporterTee> tee_;
  std::FILE* progress_file_ = nullptr;
  std::unique_ptr<RunSummary> summary_;
  AtomicFile summary_file_;
};

}  // namespace haul::cli
