// Implements src/cli/outputs.h.
#include "cli/outputs.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "haul/exit_codes.h"
#include "reporting/format.h"

namespace haul::cli {
namespace {

using reporting::ReporterKind;

int TerminalWidth() {
  winsize size{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 80;
}

/// What stderr shows when the progress itself goes elsewhere (or nowhere):
/// error lines, plus the summary line unless -q.
ReporterKind ErrorsOnly(const CommandLine& cl) {
  return cl.quiet ? ReporterKind::kQuiet : ReporterKind::kNoProgress;
}

}  // namespace

ReporterKind StderrReporterKind(const CommandLine& cl, bool stderr_is_terminal) {
  switch (cl.progress) {
    case ProgressMode::kBar: return ReporterKind::kTty;
    case ProgressMode::kLine: return ReporterKind::kLines;
    case ProgressMode::kNone: return ErrorsOnly(cl);
    case ProgressMode::kJson:
      return cl.progress_file.empty() ? ReporterKind::kJson : ErrorsOnly(cl);
    case ProgressMode::kAuto: break;
  }
  // A live display on a terminal, plain lines otherwise (and with -v, whose
  // log lines would tear a live display), or errors only with -q.
  if (cl.quiet) return ReporterKind::kQuiet;
  if (!cl.verbose && stderr_is_terminal) return ReporterKind::kTty;
  return ReporterKind::kLines;
}

bool JsonOnStderr(const CommandLine& cl) {
  return cl.progress == ProgressMode::kJson && cl.progress_file.empty();
}

Outputs::~Outputs() {
  if (progress_file_ != nullptr) std::fclose(progress_file_);
}

Status Outputs::Open(const CommandLine& cl) {
  const bool terminal = isatty(STDERR_FILENO) == 1;
  reporting::ReporterConfig config;
  const ReporterKind kind = StderrReporterKind(cl, terminal);
  if (kind == ReporterKind::kTty) {
    config.width = TerminalWidth();
    config.colour = reporting::ColourWanted(terminal, std::getenv("NO_COLOR"));
  }
  reporters_.push_back(reporting::MakeReporter(kind, config));
  if (!cl.progress_file.empty()) {
    progress_file_ = std::fopen(cl.progress_file.c_str(), "w");
    if (progress_file_ == nullptr) {
      return Status::Error(ErrorClass::kUsage, "--progress-file: cannot write " +
                                                   cl.progress_file + ": " + std::strerror(errno));
    }
    reporting::ReporterConfig file_config;
    file_config.out = progress_file_;
    reporters_.push_back(reporting::MakeReporter(ReporterKind::kJson, file_config));
  }
  std::vector<reporting::Reporter*> all;
  for (const auto& r : reporters_) all.push_back(r.get());
  if (!cl.summary_json.empty()) {
    if (Status s = summary_file_.Open(cl.summary_json); !s.ok()) {
      return Status::Error(ErrorClass::kUsage, s.message());
    }
    summary_ = std::make_unique<RunSummary>();
    all.push_back(summary_.get());
  }
  tee_ = std::make_unique<reporting::ReporterTee>(std::move(all));
  return Status::Ok();
}

int Outputs::Close(int exit_code) {
  if (!summary_) return exit_code;
  // Indented: the document is read by people too; each event line is not.
  const std::string text =
      summary_->ToJson(exit_code).dump(2, ' ', false, reporting::Json::error_handler_t::replace) +
      "\n";
  if (Status s = summary_file_.Commit(text); !s.ok()) {
    std::fputs(reporting::ErrorLine(s.message()).c_str(), stderr);
    if (exit_code == 0) return static_cast<int>(ExitCode::kIo);
  }
  return exit_code;
}

}  // namespace haul::cli
