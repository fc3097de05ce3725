// The --summary-json document (docs/json.md): every download's outcome and
// the run's totals, written once at exit, atomically.
//
// Thread safety: RunSummary's Reporter methods may be called from any thread
// (it locks); ToJson is called after Engine::Finish. An AtomicFile belongs
// to one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "haul/events.h"
#include "haul/status.h"
#include "reporting/json_events.h"
#include "reporting/reporter.h"

namespace haul::cli {

/// Records what --summary-json needs from the run's events; prints nothing.
class RunSummary final : public reporting::Reporter {
 public:
  void OnJobStarted(const JobStarted&) override {}
  void OnJobFinished(const JobFinished& e) override;
  void OnProgress(const Progress&) override {}
  void ReportInputError(const Status& status) override;
  void Finish(const RunStats& stats) override;

  /// The document for a run that exits with `exit_code`: downloads in the
  /// order they were submitted, then the totals.
  reporting::Json ToJson(int exit_code) const;

 private:
  mutable std::mutex mu_;
  std::vector<JobFinished> downloads_;  // guarded by mu_
  std::uint64_t input_errors_ = 0;      // guarded by mu_
  std::chrono::milliseconds wall_{0};   // guarded by mu_
};

/// A file that is never seen half-written: the text goes to a temporary
/// file next to it, "<path>.tmp.<pid>", which is then renamed over `path`.
/// Open creates the temporary file, so a path that cannot be written is
/// found before any download runs.
class AtomicFile {
 public:
  AtomicFile() = default;
  ~AtomicFile();  ///< removes the temporary file unless Commit renamed it
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  /// An error is kIo with one line naming `path`.
  Status Open(const std::string& path);
  /// Writes `text`, syncs it and renames it into place.
  Status Commit(std::string_view text);

 private:
  std::string path_;
  std::string tmp_path_;
  int fd_ = -1;
};

}  // namespace haul::cli
