// The engine's core: runs every job's state machine on the loop thread.
//
//   queued --activate--> kOpening --open ok--> kReady --slot--> kRunning
//     (probe "bytes=0-": its head decides size and splitting; more pieces
//      start as slots allow; finished slots take the next piece or steal)
//   kRunning --all pieces written--> kClosing (verify, commit) --> finished
//   a failed request --backoff--> the same bytes again (a retry)
//   the file changed --transfers aborted, writes drained, partial emptied--> kReady
//   any failure --transfers aborted, writes drained--> kClosing (keep the
//     partial and its resume state when it can be resumed; else discard)
//
// Thread safety: Submit/Cancel/Close/WaitFinished may be called from any
// thread; everything else runs on the loop thread (from the loop's tick, its
// receiver callbacks, and work posted to it).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <vector>

#include "engine/job.h"
#include "haul/engine.h"
#include "haul/events.h"
#include "haul/options.h"
#include "storage/buffer_pool.h"
#include "storage/existing_file.h"
#include "scheduling/token_bucket.h"
#include "storage/writer_pool.h"
#include "transfer/transfer_loop.h"

namespace haul::engine {

/// The first byte a resume must fetch (see core.cc).
std::uint64_t FirstMissing(const storage::ResumeState& s);

/// Streaming to stdout: the size of a piece, so that every connection of a
/// download works inside the reorder window (engine/stream.cc).
std::uint64_t StreamPieceSize(const Options& options);
/// Streaming: how far past the written bytes a download may fetch at first.
std::uint64_t InitialStreamWindow(const Options& options);
/// A streamed plan has at most this many pieces (bigger ones past it).
inline constexpr std::uint64_t kMaxStreamPieces = std::uint64_t{1} << 20;

class Core {
 public:
  Core(const Options& options, EventSink& sink);
  ~Core();

  Status Start();
  JobId Submit(JobSpec spec);
  void Cancel();
  /// No more submissions; waits for every job and stops the threads.
  RunStats Finish();

  // ---- Loop thread: called by PieceTransfer ----
  transfer::HeadVerdict OnHead(PieceTransfer& t, const transfer::ResponseHead& head, Status& why);
  transfer::BodyVerdict OnBody(PieceTransfer& t, std::span<const std::byte> data);
  void OnDone(PieceTransfer& t, const transfer::TransferResult& result);

 private:
  struct Queued {
    JobId id;
    JobSpec spec;
  };

  void Tick();
  void ActivateQueued();
  void Activate(Queued q);
  /// What the writer thread found and did when opening a job's partial.
  struct Opened {
    Status status;
    std::optional<storage::ResumeState> resume;
    storage::ExistingAction action = storage::ExistingAction::kDownload;
    std::int64_t mtime = 0;  ///< of the existing final file, for kIfNewer
  };
  /// Runs on a writer thread: decides about an existing final file, finds
  /// a resume state, opens the partial.
  Opened OpenPartial(storage::PartFile& file, const std::string& path, const std::string& state,
                     const std::string& url, storage::PartFile::OpenMode mode) const;
  void OnOpened(JobId id, Opened opened);
  void FillSlots();
  bool StartNext(Job& job);
  // The smallest remainder worth stealing, from the job's per-connection rate.
  std::uint64_t MinStealFor(const Job& job) const;
  bool StartTransfer(Job& job, bool probe, std::optional<scheduling::PieceId> piece,
                     std::size_t source);
  std::optional<std::size_t> PickSource(const Job& job) const;
  std::optional<scheduling::PieceId> StealFor(Job& job, std::size_t thief_source);
  double JobRatePerConnection(const Job& job) const;
  double SourceRate(const Job& job, std::size_t source, Clock::time_point now) const;
  transfer::HeadVerdict AcceptFirstResponse(Job& job, PieceTransfer& t,
                                            const transfer::ResponseHead& head, Status& why);
  transfer::HeadVerdict AcceptResumeResponse(Job& job, PieceTransfer& t,
                                             const transfer::ResponseHead& head, Status& why);
  void PlanFile(Job& job, PieceTransfer& t, std::uint64_t size);
  void UseContentDisposition(Job& job, const transfer::ResponseHead& head);
  transfer::HeadVerdict CheckPieceResponse(Job& job, PieceTransfer& t,
                                           const transfer::ResponseHead& head, Status& why);
  transfer::HeadVerdict CheckMirror(Job& job, PieceTransfer& t,
                                    const transfer::ResponseHead& head, Status& why);
  transfer::HeadVerdict CheckSourcePiece(Job& job, PieceTransfer& t,
                                         const transfer::ResponseHead& head, Status& why,
                                         const std::string& etag, const std::string& last_modified);
  bool Store(PieceTransfer& t, std::span<const std::byte> data);
  void Flush(PieceTransfer& t);

  // ---- Streaming to stdout (engine/stream.cc) ----
  std::size_t KeepFree(const Job& job, const PieceTransfer& t) const;
  void PumpStream(Job& job);
  void OnStreamWritten(JobId id, std::uint64_t bytes, Status status);
  void AdjustStreamWindow(Job& job);
  void ServeStreamHeads();
  Status FinishStream(Job& job);
  bool StreamRestartAllowed(Job& job, const Status& why, bool file_changed);
  void ResetStreamForRestart(Job& job);
  void Abandon(ErrorClass c);
  /// Fails every download still queued with `c` (loop thread).
  void FailQueued(ErrorClass c);
  void OnWritten(JobId id, std::uint64_t offset, std::uint64_t bytes, Status status);
  void Fail(Job& job, Status status);
  void MaybeClose(Job& job);
  void Close(Job& job);

  // ---- Recovery (engine/recovery.cc) ----
  void Recover(Job& job, PieceTransfer& t, const transfer::TransferResult& result);
  void CountFailure(Job& job, const Status& status, std::optional<double> retry_after);
  void RecoverMirror(Job& job, PieceTransfer& t, const transfer::TransferResult& result);
  void BackOff(Job& job, const PieceTransfer& t);
  bool FallBack(Job& job);  // false when there was nothing to fall back to
  void MergeIntoStream(Job& job);
  bool HasStream(const Job& job) const;  // an open-ended first request still reading
  void Restart(Job& job, const Status& why, bool file_changed);
  void FinishRestart(Job& job);
  void OnRestarted(JobId id, Status status);
  void CheckStalls(Clock::time_point now);
  void CheckStragglers(Clock::time_point now);
  void SampleThroughput(Clock::time_point now);
  bool OverSpeedLimit(Job& job, Clock::time_point now);
  void ResumeRateLimited(Clock::time_point now);
  bool HostPenalized(const std::string& host_key, Clock::time_point now) const;
  std::string IfRangeFor(const Job& job) const;
  static std::string IfRangeOf(const Source& source);

  // ---- Resume state (engine/recovery.cc) ----
  void SaveStates(Clock::time_point now);
  void OnStateSaved(JobId id, std::uint64_t covered, const Status& status);
  storage::ResumeState Snapshot(const Job& job) const;
  void OnClosed(JobId id, Status status);
  void ResumePaused();
  void EmitProgress(bool force);
  void CheckFinished();
  Job* Find(JobId id);
  void PostToWriters(std::function<void()> task);

  // Constant after construction.
  const Options options_;
  EventSink& sink_;
  const std::chrono::steady_clock::time_point started_;

  storage::BufferPool buffers_;
  storage::WriterPool writers_;
  transfer::TransferLoop loop_;

  // Shared with the submitting thread.
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Queued> queue_;  // guarded by mu_; at most options_.jobs entries
  JobId next_id_ = 1;         // guarded by mu_
  bool closed_ = false;       // guarded by mu_
  bool finished_ = false;     // guarded by mu_
  bool cancelled_ = false;    // guarded by mu_
  /// Streaming: a download failed, so nothing after it may reach stdout;
  /// later submissions fail with this class. Guarded by mu_.
  std::optional<ErrorClass> abandoned_;
  std::uint64_t abandoned_jobs_ = 0;  // guarded by mu_
  std::atomic<bool> resume_wanted_{false};

  // Loop thread only.
  std::map<JobId, std::unique_ptr<Job>> jobs_;
  std::vector<PieceTransfer*> paused_;
  std::vector<PieceTransfer*> rate_paused_;
  scheduling::TokenBucket overall_;  // --max-overall-speed
  std::map<std::string, Clock::time_point> host_penalty_;  // 429/503: not before
  JobId next_to_serve_ = 0;  // round-robin position for FillSlots
  Clock::time_point last_head_check_{};  // ServeStreamHeads
  RunStats stats_;
  std::uint64_t bytes_received_ = 0;
  std::uint64_t bytes_known_total_ = 0;
  bool total_unknown_ = false;
  std::chrono::steady_clock::time_point last_progress_;
  std::mt19937_64 rng_{std::random_device{}()};  // retry jitter
  std::uint64_t last_progress_bytes_ = 0;
  double speed_ = 0;
};

}  // namespace haul::engine
