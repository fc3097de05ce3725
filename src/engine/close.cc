// Implements the closing half of engine/core.h: write completions, failures,
// and the verify-and-commit, keep or discard that ends every job.
#include <spdlog/spdlog.h>

#include "engine/core.h"
#include "integrity/file_digest.h"
#include "storage/existing_file.h"
#include "transfer/http_headers.h"

namespace haul::engine {
namespace {

// Failures a later run may get past: the network, the server's mood, the
// disk, the user. A server that breaks HTTP or a file whose bytes are wrong
// leaves nothing behind.
bool WorthResuming(ErrorClass c) {
  switch (c) {
    case ErrorClass::kNetwork:
    case ErrorClass::kTls:
    case ErrorClass::kHttp:
    case ErrorClass::kIo:
    case ErrorClass::kInterrupted:
      return true;
    default:
      return false;
  }
}

/// Everything the writer thread needs to end a job's partial.
struct CloseTask {
  std::shared_ptr<storage::PartFile> file;
  bool failed = false;
  bool skipped = false;    ///< nothing to commit: the file was left as it was
  bool untouched = false;  ///< leave partial and state exactly as found
  bool keep = false;       ///< keep the partial and save its state
  bool had_state = false;  ///< a state file may exist and must go otherwise
  std::uint64_t size = 0;
  bool overwrite = false;
  std::string commit_path;
  std::string state_path;
  storage::ResumeState state;
  std::optional<integrity::Checksum> checksum;
  /// -N: the committed file's mtime, the server's Last-Modified.
  std::optional<std::int64_t> mtime;
};

/// -N: the server's Last-Modified as seconds since the epoch, if it sent one.
std::optional<std::int64_t> MtimeFor(const std::string& last_modified) {
  if (last_modified.empty()) return std::nullopt;
  const auto date = transfer::ParseLastModified(last_modified, std::chrono::system_clock::now());
  if (!date) return std::nullopt;
  return static_cast<std::int64_t>(date->time_since_epoch().count());
}

/// Runs on a writer thread: verify and commit, keep, or discard.
Status RunCloseTask(const CloseTask& t) {
  if (t.skipped) {
    // -N's 304 leaves only the empty partial it opened; --skip-existing
    // opened nothing.
    t.file->Discard();
    return Status::Ok();
  }
  if (t.untouched) {
    t.file->Keep();
    return Status::Ok();
  }
  if (t.keep) {
    // The bytes first, then the state that vouches for them.
    Status saved = t.file->Sync();
    if (saved.ok()) saved = storage::SaveState(t.state_path, t.state);
    if (!saved.ok()) spdlog::warn("cannot keep resume state: {}", saved.message());
    t.file->Keep();
    return Status::Ok();
  }
  if (t.failed) {
    // Only a partial this job opened (and locked) is ours to delete.
    if (t.file->is_open()) t.file->Discard();
    if (t.had_state) storage::RemoveState(t.state_path);
    return Status::Ok();
  }
  Status s = Status::Ok();
  if (t.checksum) s = integrity::VerifyFile(t.file->fd(), t.size, *t.checksum);
  if (s.ok()) {
    s = t.file->CommitAs(t.size, t.overwrite, t.commit_path);
    if (s.ok() && t.mtime) {
      // The file is right either way; only the next -N run would fetch it again.
      if (Status m = storage::SetModifiedTime(t.commit_path, *t.mtime); !m.ok()) {
        spdlog::warn("{}", m.message());
      }
    }
  } else {
    t.file->Discard();  // wrong bytes are of no use to a resume either
  }
  if (t.had_state) storage::RemoveState(t.state_path);
  return s;
}

}  // namespace

void Core::OnWritten(JobId id, std::uint64_t offset, std::uint64_t bytes, Status status) {
  Job* job = Find(id);
  --job->pending_writes;
  if (status.ok()) {
    stats_.bytes += bytes;
    // Only now may a resume state list these bytes as done.
    if (bytes > 0 && !job->restarting) job->written.Add({offset, offset + bytes});
  } else {
    Fail(*job, std::move(status));
  }
  MaybeClose(*job);
}

void Core::Fail(Job& job, Status status) {
  if (!job.failed()) {
    spdlog::debug("job {}: failed: {}", job.id, status.message());
    job.failure = std::move(status);
  }
  for (auto& t : job.transfers) loop_.Abort(t->handle, job.failure);
  MaybeClose(job);
}

void Core::MaybeClose(Job& job) {
  if (job.phase == Job::Phase::kClosing || job.phase == Job::Phase::kOpening) return;
  if (!job.transfers.empty() || job.pending_writes > 0) return;
  if (job.restarting && !job.failed()) {
    FinishRestart(job);
    return;
  }
  if (!job.failed() && !job.skipped) {
    const bool complete = job.plan ? job.plan->done() : job.stream_ended;
    if (!complete) {
      // Pieces are still unassigned (waiting for slots or for a retry), or a
      // piece ended short and went back to the plan: FillSlots starts them.
      if (job.plan && job.splittable && job.plan->has_unassigned()) return;
      if (job.phase == Job::Phase::kReady) return;
      Fail(job, Status::Error(ErrorClass::kNetwork, "the transfer ended before the file was complete"));
      return;
    }
    if (job.stream && job.stream->held_buffers() > 0) {
      // Everything arrived and no write is under way, yet bytes wait: they
      // would be lost. A bug, never a silent success.
      Fail(job, Status::Error(ErrorClass::kInternal, "stream bytes left unwritten"));
      return;
    }
  }
  Close(job);
}

void Core::Close(Job& job) {
  job.phase = Job::Phase::kClosing;
  if (job.stream) {  // every byte is on stdout; nothing to commit
    Status s = FinishStream(job);
    loop_.Post([this, id = job.id, s = std::move(s)]() mutable { OnClosed(id, std::move(s)); });
    return;
  }
  CloseTask task;
  task.file = job.file;
  task.failed = job.failed();
  task.skipped = job.skipped && !job.failed();
  // A partial from an earlier run that this run never got to check against
  // the server (it failed or was interrupted first) stays exactly as it was.
  task.untouched = job.failed() && job.resume.has_value();
  // A failed download that can be resumed keeps its partial and state (an
  // interrupted one, a full disk, a server gone away); one that cannot, or
  // whose bytes are wrong, leaves nothing behind.
  task.keep = job.failed() && !job.restarting && job.resumable() && job.file->is_open() &&
              WorthResuming(job.failure.error_class()) &&
              (job.written.covered() > 0 || job.state_on_disk);
  task.had_state = job.state_on_disk || job.save_in_flight;
  task.size = job.final_size();
  task.overwrite = job.replace_final;
  if (options_.timestamping) task.mtime = MtimeFor(job.last_modified);
  task.commit_path = job.commit_path;
  task.state_path = job.state_path;
  if (task.keep) task.state = Snapshot(job);
  task.checksum = job.checksum;
  PostToWriters([this, id = job.id, task = std::move(task)] {
    Status s = RunCloseTask(task);
    loop_.Post([this, id, s = std::move(s)]() mutable { OnClosed(id, std::move(s)); });
  });
}

void Core::OnClosed(JobId id, Status status) {
  Job* job = Find(id);
  if (!status.ok() && !job->failed()) job->failure = std::move(status);
  JobFinished e;
  e.id = job->id;
  e.url = job->url;
  e.path = job->commit_path;
  e.skipped = job->skipped && !job->failed();
  e.bytes = job->failed() || e.skipped ? 0 : job->final_size();
  e.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - job->started);
  e.connections = job->peak_transfers;
  e.retries = job->retries;
  e.resumed_bytes = job->resumed_bytes;
  e.status = job->failure;
  // A download that succeeded with a checksum passed its verification.
  if (!job->failed() && job->checksum) e.checksum = integrity::FormatChecksum(*job->checksum);
  stats_.retries += static_cast<std::uint64_t>(job->retries);
  stats_.restarts += static_cast<std::uint64_t>(job->restarts);
  stats_.bytes_resumed += job->resumed_bytes;
  if (job->failed()) {
    ++stats_.jobs_failed;
    stats_.failures.push_back(job->failure.error_class());
    if (job->stream) Abandon(job->failure.error_class());
  } else {
    ++stats_.jobs_ok;
    if (e.skipped) ++stats_.jobs_skipped;
  }
  sink_.OnJobFinished(e);
  jobs_.erase(id);
}

}  // namespace haul::engine
