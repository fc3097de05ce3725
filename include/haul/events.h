// What the engine tells the outside world while it runs. The engine never
// prints; a reporter (src/reporting) turns these into text.
//
// Thread safety: EventSink methods are called on the engine's loop thread, one
// at a time. Implementations must return quickly and must not call back into
// the Engine.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "haul/job.h"
#include "haul/status.h"

namespace haul {

/// A download has sent its first request.
struct JobStarted {
  JobId id;
  std::string url;
  std::string path;  ///< final output path
};

/// A download has ended, successfully or not.
struct JobFinished {
  JobId id;
  std::string url;
  std::string path;  ///< final output path (exists only when status.ok())
  std::uint64_t bytes = 0;  ///< bytes written to the file
  std::chrono::milliseconds duration{0};
  int connections = 0;  ///< most transfer slots the download held at once
  int retries = 0;  ///< requests of this download tried again
  std::uint64_t resumed_bytes = 0;  ///< bytes an earlier run had already written
  /// The checksum the file was verified against, "TYPE=HEX" (lower-case hex),
  /// when the download had one and succeeded; empty otherwise.
  std::string checksum;
  /// Ok without fetching: the file existed (--skip-existing) or the server
  /// said it was not modified (-N, HTTP 304). The file was left untouched.
  bool skipped = false;
  Status status;
};

/// A failed request of a download will be tried again after a wait.
struct RetryScheduled {
  JobId id;
  std::string url;
  /// The retry's number against Options::retries: 1 for the first retry
  /// after a failure (it starts again at 1 once a retry brought new bytes).
  int attempt = 0;
  Status reason;  ///< why the request failed
  double wait_seconds = 0;  ///< backoff (or Retry-After) before it is tried
};

/// What happened to a mirror that failed.
enum class MirrorAction {
  kDropped,  ///< out of rotation for the rest of the download
  kRested,   ///< not used until its wait is over
};

/// A mirror of a download was dropped or rested. Its trouble never fails
/// the download: the primary or another mirror takes its range.
struct MirrorChanged {
  JobId id;
  std::string url;  ///< the download's primary URL
  std::string mirror_url;
  MirrorAction action = MirrorAction::kDropped;
  Status reason;
  double wait_seconds = 0;  ///< kRested: how long; 0 for kDropped
};

/// Whole-run totals, sent every Options::progress_interval_ms and once at the end.
struct Progress {
  std::uint64_t bytes_done = 0;  ///< payload bytes received, all downloads
  /// Sum of known sizes of the downloads started so far; nullopt while any
  /// running download's size is unknown.
  std::optional<std::uint64_t> bytes_total;
  double bytes_per_second = 0;  ///< smoothed over the last few seconds
  int active_jobs = 0;
  int active_transfers = 0;
  std::uint64_t jobs_done = 0;
  std::uint64_t jobs_failed = 0;
  std::chrono::milliseconds elapsed{0};
};

/// Receives engine events. See the thread-safety note above.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void OnJobStarted(const JobStarted& e) = 0;
  virtual void OnJobFinished(const JobFinished& e) = 0;
  virtual void OnProgress(const Progress& p) = 0;
  /// Optional: sinks that do not care about retries and mirrors ignore them.
  virtual void OnRetry(const RetryScheduled&) {}
  virtual void OnMirror(const MirrorChanged&) {}
};

}  // namespace haul
